"""Identity checks: GB 11643 check character, birth date vs number, validity vs business date."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.base import CompletionCode, DeviceOperationError
from devices.idcard.checks import (
    birth_date_in_number,
    check_character,
    check_identity,
    identity_problem,
    is_valid_id_number,
)
from devices.idcard.contract import CardType, IdCardError, Identity

TODAY = dt.date(2026, 11, 28)


def person(**over: object) -> Identity:
    base: dict[str, object] = dict(
        name="张卫国",
        gender="男",
        nation="汉",
        birth_date=dt.date(1968, 3, 15),
        address="陕西省咸阳市礼泉县烟霞镇官厅村三组18号",
        id_number="61042519680315301X",
        issuing_authority="礼泉县公安局",
        valid_from=dt.date(2016, 5, 20),
        valid_to=dt.date(2036, 5, 20),
    )
    base.update(over)
    return Identity(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "number",
    ["61042519680315301X", "610425196208080020", "11010519491231002X", "931840198503120013"],
)
def test_known_numbers_have_valid_check_characters(number: str) -> None:
    assert is_valid_id_number(number)
    assert check_character(number[:17]) == number[17]


def test_lower_case_x_is_accepted_and_a_wrong_check_character_is_not() -> None:
    assert is_valid_id_number("61042519680315301x")
    assert not is_valid_id_number("610425196803153010")
    assert not is_valid_id_number("6104251968031530")


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_exactly_one_check_character_validates_any_17_digits(first17: str) -> None:
    valid = [c for c in "0123456789X" if is_valid_id_number(first17 + c)]
    assert valid == [check_character(first17)]


def test_birth_date_is_read_from_the_number() -> None:
    assert birth_date_in_number("61042519680315301X") == dt.date(1968, 3, 15)
    assert birth_date_in_number("610425196813453010") is None


def test_a_good_card_passes() -> None:
    assert identity_problem(person(), TODAY) is None
    check_identity(person(), TODAY)


def test_expired_card_is_reported_as_expired_user_error() -> None:
    with pytest.raises(DeviceOperationError) as info:
        check_identity(person(valid_to=dt.date(2024, 5, 1)), TODAY)
    assert info.value.error is IdCardError.EXPIRED
    assert info.value.code is CompletionCode.USER_ERROR


def test_card_is_valid_through_its_last_day_and_long_term_never_expires() -> None:
    assert identity_problem(person(valid_to=TODAY), TODAY) is None
    assert identity_problem(person(valid_to=TODAY - dt.timedelta(days=1)), TODAY) is (
        IdCardError.EXPIRED
    )
    assert identity_problem(person(valid_to=None), dt.date(2090, 1, 1)) is None


def test_not_yet_valid_card() -> None:
    assert identity_problem(person(valid_from=TODAY + dt.timedelta(days=1)), TODAY) is (
        IdCardError.NOT_YET_VALID
    )


def test_wrong_check_character_and_birth_mismatch() -> None:
    assert identity_problem(person(id_number="610425196803153010"), TODAY) is (
        IdCardError.INVALID_ID_NUMBER
    )
    assert identity_problem(person(birth_date=dt.date(1968, 3, 16)), TODAY) is (
        IdCardError.BIRTH_DATE_MISMATCH
    )


def test_foreign_2017_card_number_checked_for_format_only() -> None:
    card = person(card_type=CardType.FOREIGN_PERMANENT_2017, id_number="USA310085020101")
    assert identity_problem(card, TODAY) is None
    bad = person(card_type=CardType.FOREIGN_PERMANENT_2017, id_number="12345")
    assert identity_problem(bad, TODAY) is IdCardError.INVALID_ID_NUMBER
