"""The masking primitives (lending_rules.md §4.1), at the bottom layer so that the device
contracts (``Identity``/``CardAccount`` repr and ``to_json``) and the kiosk share one copy.

Use :mod:`kiosk.masking` in kiosk/, screens/ and receipts: it re-exports these and adds the
search for numbers in free text. devices/ cannot import kiosk (ARCHITECTURE §2).
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
    return mask_id_number(re.sub(r"\s", "", pan), head, tail)


def mask_tail(text: str | None, keep: int = 6) -> str:
    """An address: the first ``keep`` characters, the rest masked."""
    if not text:
        return ""
    s = text.strip()
    if len(s) <= keep:
        return MASK * len(s)
    return s[:keep] + MASK * (len(s) - keep)
