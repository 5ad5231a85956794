"""Masking of personal data for screens, receipts, logs and diagnostics.

Conventions (lending_rules.md §4.1): card numbers first 6 + last 4, ID numbers first 6 + last 4
(configurable: shared screens may keep fewer), mobile numbers 3 + 4, names keep the first and,
for names of three or more characters, the last character (张*国, 欧阳**华 -> 欧**华 style).
"""

from __future__ import annotations

import re

MASK = "*"


def mask_name(name: str | None) -> str:
    """张卫国 -> 张*国, 李四 -> 李*, 欧阳建华 -> 欧**华; Latin names keep the initial."""
    if not name:
        return ""
    name = name.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + MASK
    return name[0] + MASK * (len(name) - 2) + name[-1]


def mask_id_number(id_number: str | None, head: int = 6, tail: int = 4) -> str:
    """610425196803153012 -> 610425********3012 (head and tail are settings)."""
    if not id_number:
        return ""
    s = id_number.strip()
    if len(s) <= head + tail:
        return MASK * len(s)
    return s[:head] + MASK * (len(s) - head - tail) + s[-tail:]


def mask_pan(pan: str | None, head: int = 6, tail: int = 4) -> str:
    """6217991000001234561 -> 621799*********4561."""
    if not pan:
        return ""
    s = re.sub(r"\s", "", pan)
    if len(s) <= head + tail:
        return MASK * len(s)
    return s[:head] + MASK * (len(s) - head - tail) + s[-tail:]


def mask_phone(phone: str | None) -> str:
    """13812345678 -> 138****5678."""
    if not phone:
        return ""
    s = re.sub(r"\D", "", phone)
    if len(s) < 7:
        return MASK * len(s)
    return s[:3] + MASK * (len(s) - 7) + s[-4:]
