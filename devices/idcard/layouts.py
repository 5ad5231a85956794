"""The 256-byte text block of the ID card chip (UCS-2LE, space-padded) and its code tables.

Four layouts share the block; the type flag at byte 248 says which (reference §6):
``'I'`` foreign permanent resident 2017, ``'J'`` HK/Macao/Taiwan residence permit, ``'Y'``
foreign permanent resident 2023, anything else the resident ID card.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from devices.idcard.contract import CardType, Identity
from devices.text import clean_device_text

TEXT_LEN = 256
PHOTO_LEN = 1024
TYPE_FLAG_OFFSET = 248
LONG_TERM = "长期"

# GB/T 2261.1 gender codes.
GENDERS = {"0": "未知", "1": "男", "2": "女", "9": "未说明"}

# GB 3304-91 nation codes (reference §7).
NATIONS = {
    "01": "汉",
    "02": "蒙古",
    "03": "回",
    "04": "藏",
    "05": "维吾尔",
    "06": "苗",
    "07": "彝",
    "08": "壮",
    "09": "布依",
    "10": "朝鲜",
    "11": "满",
    "12": "侗",
    "13": "瑶",
    "14": "白",
    "15": "土家",
    "16": "哈尼",
    "17": "哈萨克",
    "18": "傣",
    "19": "黎",
    "20": "傈僳",
    "21": "佤",
    "22": "畲",
    "23": "高山",
    "24": "拉祜",
    "25": "水",
    "26": "东乡",
    "27": "纳西",
    "28": "景颇",
    "29": "柯尔克孜",
    "30": "土",
    "31": "达斡尔",
    "32": "仫佬",
    "33": "羌",
    "34": "布朗",
    "35": "撒拉",
    "36": "毛南",
    "37": "仡佬",
    "38": "锡伯",
    "39": "阿昌",
    "40": "普米",
    "41": "塔吉克",
    "42": "怒",
    "43": "乌孜别克",
    "44": "俄罗斯",
    "45": "鄂温克",
    "46": "德昂",
    "47": "保安",
    "48": "裕固",
    "49": "京",
    "50": "塔塔尔",
    "51": "独龙",
    "52": "鄂伦春",
    "53": "赫哲",
    "54": "门巴",
    "55": "珞巴",
    "56": "基诺",
    "97": "其他",
    "98": "外国血统中国籍人士",
}

_TYPE_FLAGS = {
    "I": CardType.FOREIGN_PERMANENT_2017,
    "J": CardType.HK_MO_TW_PERMIT,
    "Y": CardType.FOREIGN_PERMANENT_2023,
}


class LayoutError(ValueError):
    """The text block cannot be decoded (wrong size, a date that is not a date)."""


def card_type_of(text: bytes) -> CardType:
    """The card type from the flag at byte 248 (the character must be followed by 00)."""
    if len(text) >= TYPE_FLAG_OFFSET + 2 and text[TYPE_FLAG_OFFSET + 1] == 0:
        return _TYPE_FLAGS.get(chr(text[TYPE_FLAG_OFFSET]), CardType.RESIDENT)
    return CardType.RESIDENT


def _field(text: bytes, offset: int, length: int) -> str:
    raw = text[offset : offset + length]
    try:
        value = raw.decode("utf-16-le")
    except UnicodeDecodeError as exc:  # an unpaired surrogate: not a text block
        raise LayoutError(f"bad UCS-2 text at offset {offset}") from exc
    return clean_device_text(value.replace("\x00", " ").strip())


def _date(value: str, what: str) -> dt.date | None:
    if not value:
        return None
    if len(value) != 8 or not value.isdigit():
        raise LayoutError(f"{what} is not YYYYMMDD")
    try:
        return dt.date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError as exc:
        raise LayoutError(f"{what} is not a date") from exc


def _valid_to(value: str) -> dt.date | None:
    # 长期 (long-term) is an open-ended validity: valid_to None.
    if value.startswith(LONG_TERM):
        return None
    return _date(value, "valid_to")


def gender_text(code: str) -> str:
    """'1' -> 男, '2' -> 女; unknown codes map to 未知."""
    return GENDERS.get(code, GENDERS["0"])


def nation_text(code: str) -> str:
    """'01' -> 汉 ...; an unknown code is returned as it is (never dropped)."""
    return NATIONS.get(code, code)


def decode_identity(text: bytes, photo: bytes = b"", fingerprint: bytes = b"") -> Identity:
    """Decode a 256-byte text block (plus the raw photo and fingerprint) into an Identity."""
    if len(text) != TEXT_LEN:
        raise LayoutError(f"text block is {len(text)} bytes, not {TEXT_LEN}")
    card_type = card_type_of(text)

    def f(offset: int, length: int) -> str:
        return _field(text, offset, length)

    if card_type is CardType.FOREIGN_PERMANENT_2017:
        return Identity(
            name=f(158, 30),
            english_name=f(0, 120),
            gender=gender_text(f(120, 2)),
            nation=None,
            nationality=f(152, 6),
            birth_date=_date(f(220, 16), "birth_date"),
            address="",
            id_number=f(122, 30),
            issuing_authority=f(240, 8),  # 当次申请受理机关代码
            valid_from=_date(f(188, 16), "valid_from"),
            valid_to=_valid_to(f(204, 16)),
            card_version=f(236, 4),
            card_type=card_type,
            photo=photo,
            fingerprint=fingerprint,
        )
    if card_type is CardType.FOREIGN_PERMANENT_2023:
        # Two English name fields (characters 1-35 and 36-46) joined as they are: the split
        # falls wherever the 35th character is, inside a word or not.
        english = _field(text[52:122] + text[220:242], 0, 92)
        return Identity(
            name=f(0, 30),
            english_name=english,
            gender=gender_text(f(30, 2)),
            nation=None,
            nationality=f(242, 6),
            birth_date=_date(f(36, 16), "birth_date"),
            address="",
            id_number=f(122, 36),
            issuing_authority="",
            valid_from=_date(f(188, 16), "valid_from"),
            valid_to=_valid_to(f(204, 16)),
            issue_count=f(32, 4),
            card_type=card_type,
            photo=photo,
            fingerprint=fingerprint,
        )
    common: dict[str, Any] = dict(
        name=f(0, 30),
        gender=gender_text(f(30, 2)),
        birth_date=_date(f(36, 16), "birth_date"),
        address=f(52, 70),
        id_number=f(122, 36),
        issuing_authority=f(158, 30),
        valid_from=_date(f(188, 16), "valid_from"),
        valid_to=_valid_to(f(204, 16)),
        card_type=card_type,
        photo=photo,
        fingerprint=fingerprint,
    )
    if card_type is CardType.HK_MO_TW_PERMIT:
        return Identity(nation=None, permit_number=f(220, 18), issue_count=f(238, 4), **common)
    return Identity(nation=nation_text(f(32, 4)), **common)
