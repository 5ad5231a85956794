"""What the simulated ID card holds: the 256-byte UCS-2LE text block in the four layouts, the
photo and the fingerprint blocks. An independent encoder: it shares no code with the driver.

Layouts (offset, bytes) from the reference §6: resident card (flag byte 248 is a space),
HK/Macao/Taiwan permit ('J'), foreign permanent-resident 2017 ('I') and 2023 ('Y').
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

TEXT_SIZE = 256
PHOTO_SIZE = 1024
TEMPLATE_SIZE = 512

NATION_CODES = {
    "汉": "01",
    "蒙古": "02",
    "回": "03",
    "藏": "04",
    "维吾尔": "05",
    "苗": "06",
    "彝": "07",
    "壮": "08",
    "布依": "09",
    "朝鲜": "10",
    "满": "11",
    "侗": "12",
    "瑶": "13",
    "白": "14",
    "土家": "15",
    "哈尼": "16",
    "哈萨克": "17",
    "傣": "18",
    "黎": "19",
    "傈僳": "20",
    "佤": "21",
    "畲": "22",
    "高山": "23",
    "拉祜": "24",
    "水": "25",
    "东乡": "26",
    "纳西": "27",
    "景颇": "28",
    "柯尔克孜": "29",
    "土": "30",
    "达斡尔": "31",
    "仫佬": "32",
    "羌": "33",
    "布朗": "34",
    "撒拉": "35",
    "毛南": "36",
    "仡佬": "37",
    "锡伯": "38",
    "阿昌": "39",
    "普米": "40",
    "塔吉克": "41",
    "怒": "42",
    "乌孜别克": "43",
    "俄罗斯": "44",
    "鄂温克": "45",
    "德昂": "46",
    "保安": "47",
    "裕固": "48",
    "京": "49",
    "塔塔尔": "50",
    "独龙": "51",
    "鄂伦春": "52",
    "赫哲": "53",
    "门巴": "54",
    "珞巴": "55",
    "基诺": "56",
    "其他": "97",
    "外国血统中国籍人士": "98",
}
GENDER_CODES = {"男": "1", "女": "2", "未知": "0", "未说明": "9"}
TYPE_FLAGS = {
    "resident": " ",
    "hk_mo_tw_permit": "J",
    "foreign_permanent_2017": "I",
    "foreign_permanent_2023": "Y",
}


class CardDataError(ValueError):
    """A person cannot be put on a card (unknown card type, nation, gender, bad date)."""


def _ymd(value: Any) -> str:
    """'1968-03-15' (or a date) -> '19680315'; empty -> ''."""
    if value in (None, ""):
        return ""
    text = str(value)
    digits = text.replace("-", "")
    if len(digits) != 8 or not digits.isdigit():
        raise CardDataError(f"not a date: {text!r}")
    return digits


class TextBlock:
    """A 256-byte block of UCS-2LE spaces that fields are written into."""

    def __init__(self) -> None:
        self.raw = bytearray(" ".encode("utf-16-le") * (TEXT_SIZE // 2))

    def put(self, offset: int, size: int, value: Any) -> None:
        encoded = str(value or "").encode("utf-16-le")[:size]
        encoded += " ".encode("utf-16-le") * ((size - len(encoded)) // 2)
        self.raw[offset : offset + size] = encoded

    def bytes(self) -> bytes:
        return bytes(self.raw)


def _gender(person: dict[str, Any]) -> str:
    g = str(person.get("gender") or "")
    if g in GENDER_CODES.values():
        return g
    if g not in GENDER_CODES:
        raise CardDataError(f"unknown gender {g!r}")
    return GENDER_CODES[g]


def _valid_to(person: dict[str, Any]) -> str:
    v = person.get("valid_to")
    return "长期" if v in (None, "", "长期") else _ymd(v)


def encode_text(person: dict[str, Any]) -> bytes:
    """The 256-byte text block of ``person`` (scenario / INTERFACES.md §4 field names)."""
    card_type = str(person.get("card_type") or "resident")
    if card_type not in TYPE_FLAGS:
        raise CardDataError(f"unknown card type {card_type!r}")
    t = TextBlock()
    g = person.get
    if card_type == "foreign_permanent_2017":
        t.put(0, 120, g("english_name"))
        t.put(120, 2, _gender(person))
        t.put(122, 30, g("id_number"))
        t.put(152, 6, g("nationality"))
        t.put(158, 30, g("name"))
        t.put(188, 16, _ymd(g("valid_from")))
        t.put(204, 16, _valid_to(person))
        t.put(220, 16, _ymd(g("birth_date")))
        t.put(236, 4, g("card_version") or "01")
        t.put(240, 8, g("issuing_authority"))
    elif card_type == "foreign_permanent_2023":
        english = str(g("english_name") or "")
        t.put(0, 30, g("name"))
        t.put(30, 2, _gender(person))
        t.put(32, 4, g("issue_count") or "00")
        t.put(36, 16, _ymd(g("birth_date")))
        t.put(52, 70, english[:35])
        t.put(122, 36, g("id_number"))
        t.put(188, 16, _ymd(g("valid_from")))
        t.put(204, 16, _valid_to(person))
        t.put(220, 22, english[35:46])
        t.put(242, 6, g("nationality"))
    else:
        t.put(0, 30, g("name"))
        t.put(30, 2, _gender(person))
        if card_type == "resident":
            nation = str(g("nation") or "")
            code = nation if nation.isdigit() else NATION_CODES.get(nation)
            if code is None:
                raise CardDataError(f"unknown nation {nation!r}")
            t.put(32, 4, code)
        t.put(36, 16, _ymd(g("birth_date")))
        t.put(52, 70, g("address"))
        t.put(122, 36, g("id_number"))
        t.put(158, 30, g("issuing_authority"))
        t.put(188, 16, _ymd(g("valid_from")))
        t.put(204, 16, _valid_to(person))
        if card_type == "hk_mo_tw_permit":
            t.put(220, 18, g("permit_number"))
            t.put(238, 4, g("issue_count"))
    t.put(248, 2, TYPE_FLAGS[card_type])
    return t.bytes()


def _blob(seed: str, size: int) -> bytes:
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(f"{seed}:{counter}".encode()).digest()
        counter += 1
    return bytes(out[:size])


@dataclass(frozen=True)
class SimCard:
    """One card as the chip hands it out."""

    text: bytes
    photo: bytes
    fingerprint: bytes
    new_address: str | None = None
    label: str = ""


def card_for(person: dict[str, Any]) -> SimCard:
    """Build the card of a scenario person (or a full identity object).

    The photo is 1024 deterministic bytes standing in for the encrypted WLT image;
    ``fingerprints`` (0, 1 or 2 templates of 512 bytes; default 2 on a resident card,
    0 otherwise) sizes the fingerprint block.
    """
    text = encode_text(person)
    seed = str(person.get("id") or person.get("id_number") or "card")
    default_templates = 2 if (person.get("card_type") or "resident") == "resident" else 0
    templates = int(person.get("fingerprints", default_templates))
    if templates not in (0, 1, 2):
        raise CardDataError("fingerprints must be 0, 1 or 2")
    new_address = person.get("new_address")
    return SimCard(
        text=text,
        photo=_blob("photo:" + seed, PHOTO_SIZE),
        fingerprint=_blob("finger:" + seed, TEMPLATE_SIZE * templates),
        new_address=None if new_address is None else str(new_address),
        label=str(person.get("id") or person.get("card_type") or "card"),
    )
