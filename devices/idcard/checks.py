"""Identity checks done after a read, before the kiosk accepts a card.

- the 18-character ID number's check character (GB 11643-1999: ISO 7064 MOD 11-2);
- the birth date embedded in the number (characters 7–14) against the card's birth field;
- the validity period against the business date (an expired card gives ``IdCardError.EXPIRED``,
  shown as 身份证已过期 instead of a login).

The 2017 foreign permanent-resident card has a 15-character number without a GB 11643 check
character; only its format is checked. The HK/Macao/Taiwan permit and the 2023 foreign card
carry 18-character numbers built like a resident ID number and get the full checks.
"""

from __future__ import annotations

import datetime as dt
import re

from devices.base import DeviceOperationError, DeviceTimeout
from devices.idcard.contract import CardType, IdCardError, Identity, idcard_error

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_ID18 = re.compile(r"^\d{17}[\dX]$")
_FOREIGN15 = re.compile(r"^[A-Z]{3}\d{12}$")


def check_character(first17: str) -> str:
    """The GB 11643 check character of the first 17 digits ('0'-'9' or 'X')."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("need exactly 17 digits")
    total = sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def is_valid_id_number(number: str) -> bool:
    """True for an 18-character number with the right check character (lower-case x too)."""
    s = number.strip().upper()
    return bool(_ID18.match(s)) and check_character(s[:17]) == s[17]


def birth_date_in_number(number: str) -> dt.date | None:
    """The birth date encoded in an 18-character number, or None if it is not a date."""
    s = number.strip()
    if len(s) != 18 or not s[6:14].isdigit():
        return None
    try:
        return dt.date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return None


def identity_problem(identity: Identity, business_date: dt.date) -> IdCardError | None:
    """The first problem found with ``identity`` on ``business_date``, or None if it passes.

    Order: number format/check character, birth date vs number, not yet valid, expired.
    A card is valid through its ``valid_to`` day; ``valid_to`` None (长期) never expires.
    """
    number = identity.id_number.strip().upper()
    if identity.card_type is CardType.FOREIGN_PERMANENT_2017:
        if not _FOREIGN15.match(number):
            return IdCardError.INVALID_ID_NUMBER
    else:
        if not is_valid_id_number(number):
            return IdCardError.INVALID_ID_NUMBER
        if identity.birth_date is not None and birth_date_in_number(number) != (
            identity.birth_date
        ):
            return IdCardError.BIRTH_DATE_MISMATCH
    if identity.valid_from is not None and identity.valid_from > business_date:
        return IdCardError.NOT_YET_VALID
    if identity.valid_to is not None and identity.valid_to < business_date:
        return IdCardError.EXPIRED
    return None


def check_identity(identity: Identity, business_date: dt.date) -> None:
    """Raise ``DeviceOperationError(<IdCardError>)`` (userError/invalidData) on a problem."""
    problem = identity_problem(identity, business_date)
    if problem is not None:
        exc: DeviceOperationError | DeviceTimeout = idcard_error(problem, _DETAIL[problem])
        raise exc


_DETAIL = {
    IdCardError.INVALID_ID_NUMBER: "ID number format or GB 11643 check character wrong",
    IdCardError.BIRTH_DATE_MISMATCH: "birth date in the ID number differs from the birth field",
    IdCardError.NOT_YET_VALID: "card validity starts after the business date",
    IdCardError.EXPIRED: "card validity ended before the business date",
}
