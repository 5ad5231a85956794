"""Masking of personal data for screens, receipts, logs and diagnostics: the one place.

The primitives (names, ID and card numbers, addresses) live in :mod:`devices.masking` so the
device contracts use the same code (devices/ cannot import kiosk); this module re-exports them
and adds phones and the search for numbers in free text (:func:`mask_numbers`).

Conventions (lending_rules.md §4.1): card numbers first 6 + last 4, ID numbers first 6 + last 4
(configurable: shared screens may keep fewer), mobile numbers 3 + 4, names keep the first and,
for names of three or more characters, the last character (张*国, 欧阳**华 -> 欧**华 style).
"""

from __future__ import annotations

import re
import unicodedata

from devices.masking import MASK, mask_id_number, mask_name, mask_pan, mask_tail

__all__ = ["MASK", "mask_id_number", "mask_name", "mask_numbers", "mask_pan", "mask_phone",
           "mask_tail"]


def mask_phone(phone: str | None) -> str:
    """13812345678 -> 138****5678."""
    if not phone:
        return ""
    s = re.sub(r"\D", "", phone)
    if len(s) < 7:
        return MASK * len(s)
    return s[:3] + MASK * (len(s) - 7) + s[-4:]


# --- numbers inside free text (logs, crash logs, exports, diagnostics) ------------------------
#
# Digits are any Unicode decimal digits (``\d`` in a str pattern: ASCII, full-width ０-９,
# Arabic-Indic ...), so a number written in full-width digits is masked like an ASCII one.
# A number may be glued to other digits (``9F6B13`` + a PAN in an EMV dump) or written in
# groups separated by a space, a dash, a dot or an ideographic space (6217 9910 0000 1234 561,
# 610425-19680315-301X, 138 1234 5678): every run of 13 or more digits, grouped or not, is
# masked like a card or ID number (first 6 and last 4 kept); an 11-digit mobile number (with
# or without +86) like a phone (3 + 4). The masked number is written compact, in ASCII.

_SEP = r"[ \-\u3000.\u00a0]"
_X = r"[XxＸｘ]"
_NUMBER = re.compile(
    rf"(?:\+?86{_SEP}?)?\d{{3,}}(?:{_SEP}\d{{3,}})*(?:{_SEP}?\d{{1,2}})?{_X}?|\d{{13,}}{_X}?")
_PHONE_DIGITS = re.compile(r"(?:86)?1[3-9][0-9]{9}")
_PHONE_INSIDE = re.compile(r"1[3-9][0-9]{9}")  # a mobile number glued to one more digit


def _ascii_digits(text: str) -> str:
    """The digits of ``text`` in ASCII (an ID's X kept), separators dropped."""
    out = []
    for ch in text:
        if ch in "XxＸｘ":
            out.append("X")
        elif ch.isdecimal():
            out.append(str(unicodedata.digit(ch)))
    return "".join(out)


def _mask_number(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = _ascii_digits(text)
    if _PHONE_DIGITS.fullmatch(digits):
        return mask_phone(digits[-11:])
    if len(digits) < 13:
        phone = _PHONE_INSIDE.search(digits) if len(digits) == 12 else None
        if phone is None:  # not a number to mask (an amount, a date, a loan id ...)
            return text
        return digits[:phone.start()] + mask_phone(phone.group(0)) + digits[phone.end():]
    if digits.endswith("X") or len(digits) in (15, 18):
        return mask_id_number(digits)
    return mask_pan(digits)


def mask_numbers(text: str) -> str:
    """Mask card, ID and mobile numbers anywhere in ``text``: glued to other digits, in
    full-width or other Unicode digits, grouped with spaces or dashes."""
    if not text:
        return text
    return _NUMBER.sub(_mask_number, text)
