"""The Identity value: JSON shape, masking, no photo or personal data in repr."""

from __future__ import annotations

import datetime as dt

from devices.idcard.contract import CardType, Identity


def sample() -> Identity:
    return Identity(
        name="张卫国",
        gender="男",
        nation="汉",
        birth_date=dt.date(1968, 3, 15),
        address="陕西省咸阳市礼泉县烟霞镇官厅村三组18号",
        id_number="61042519680315301X",
        issuing_authority="礼泉县公安局",
        valid_from=dt.date(2016, 5, 20),
        valid_to=None,
        photo=b"\x01" * 1024,
        fingerprint=b"\x02" * 512,
    )


def test_json_is_masked_unless_revealed() -> None:
    masked = sample().to_json(reveal=False)
    assert masked["name"] == "张*国"
    assert masked["id_number"] == "610425********301X"
    assert masked["address"].startswith("陕西省咸阳市") and "官厅村" not in masked["address"]
    assert masked["valid_to"] is None
    assert masked["photo_length"] == 1024 and masked["fingerprint_length"] == 512
    revealed = sample().to_json(reveal=True)
    assert revealed["name"] == "张卫国"
    assert revealed["id_number"] == "61042519680315301X"
    assert revealed["birth_date"] == "1968-03-15"
    assert revealed["card_type"] == "resident"


def test_repr_hides_name_number_and_photo() -> None:
    text = repr(sample()) + str(sample())
    assert "张卫国" not in text and "61042519680315301X" not in text
    assert "\\x01" not in text and "张*国" in text


def test_round_trip_through_json_and_scenario_shape() -> None:
    ident = sample()
    again = Identity.from_json(ident.to_json(reveal=True))
    assert again == ident  # photo and fingerprint do not take part in equality
    foreign = Identity.from_json(
        {
            "id": "x",
            "name": "安娜",
            "english_name": "SMITH ANNA",
            "gender": "女",
            "nationality": "USA",
            "birth_date": dt.date(1985, 3, 12),
            "id_number": "931840198503120013",
            "valid_from": "2023-12-01",
            "valid_to": "2033-12-01",
            "card_type": "foreign_permanent_2023",
            "issue_count": "01",
        }
    )
    assert foreign.card_type is CardType.FOREIGN_PERMANENT_2023
    assert foreign.nation is None and foreign.birth_date == dt.date(1985, 3, 12)
    js = foreign.to_json(reveal=True)
    assert js["english_name"] == "SMITH ANNA" and js["issue_count"] == "01"
    assert "permit_number" not in js


def test_appended_address_is_masked_like_the_address() -> None:
    import dataclasses

    moved = dataclasses.replace(sample(), new_address="陕西省咸阳市礼泉县昭陵镇新建村一组9号")
    assert moved.to_json(reveal=True)["new_address"].endswith("新建村一组9号")
    assert "新建村" not in moved.to_json(reveal=False)["new_address"]
    assert "new_address" not in sample().to_json(reveal=True)
