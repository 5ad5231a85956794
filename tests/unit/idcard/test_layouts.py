"""Text-block layouts: card type flag, 长期, code tables, the 2023 card's split English name."""

from __future__ import annotations

import datetime as dt

import pytest

from devices.idcard.contract import CardType
from devices.idcard.layouts import (
    LayoutError,
    card_type_of,
    decode_identity,
    gender_text,
    nation_text,
)


def block(fields: dict[int, str], flag: str = " ") -> bytes:
    raw = bytearray(b"\x20\x00" * 128)
    for offset, value in fields.items():
        enc = value.encode("utf-16-le")
        raw[offset : offset + len(enc)] = enc
    raw[248:250] = flag.encode("utf-16-le")
    return bytes(raw)


RESIDENT = {
    0: "李秀英",
    30: "2",
    32: "03",
    36: "19620808",
    52: "某地",
    122: "610425196208080020",
    158: "礼泉县公安局",
    188: "20120901",
}


def test_long_term_is_the_text_changqi_and_means_no_end_date() -> None:
    text = block({**RESIDENT, 204: "长期"})
    assert text[204:208] == bytes.fromhex("7F951F67")
    identity = decode_identity(text)
    assert identity.valid_to is None and identity.long_term
    assert (identity.gender, identity.nation) == ("女", "回")


def test_type_flag_selects_the_layout() -> None:
    assert card_type_of(block({}, "I")) is CardType.FOREIGN_PERMANENT_2017
    assert card_type_of(block({}, "J")) is CardType.HK_MO_TW_PERMIT
    assert card_type_of(block({}, "Y")) is CardType.FOREIGN_PERMANENT_2023
    assert card_type_of(block({})) is CardType.RESIDENT
    raw = bytearray(block({}, "I"))
    raw[249] = 0x4E  # 'I' must be followed by 00 to count as the flag
    assert card_type_of(bytes(raw)) is CardType.RESIDENT


def test_code_tables() -> None:
    assert gender_text("1") == "男" and gender_text("2") == "女" and gender_text("7") == "未知"
    assert nation_text("01") == "汉" and nation_text("46") == "德昂"
    assert nation_text("98") == "外国血统中国籍人士"
    assert nation_text("77") == "77"  # unknown codes are kept, never dropped


def test_2023_english_name_runs_across_both_fields() -> None:
    name = "WOLFESCHLEGELSTEINHAUSENBERGER HUBERT BLAINE"  # 44 characters
    text = block(
        {
            0: "休伯特",
            30: "1",
            32: "02",
            36: "19700101",
            52: name[:35],
            122: "931840197001010016",
            188: "20230101",
            204: "20330101",
            220: name[35:],
            242: "DEU",
        },
        "Y",
    )
    identity = decode_identity(text)
    assert identity.english_name == name
    assert (identity.nationality, identity.issue_count) == ("DEU", "02")
    assert identity.birth_date == dt.date(1970, 1, 1) and identity.address == ""


def test_bad_dates_and_sizes_are_layout_errors() -> None:
    with pytest.raises(LayoutError):
        decode_identity(b"\x20\x00" * 100)
    with pytest.raises(LayoutError):
        decode_identity(block({**RESIDENT, 36: "19621340"}))
