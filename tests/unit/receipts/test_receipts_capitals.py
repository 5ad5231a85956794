"""Amounts in Chinese capitals, on the tricky amounts and on random ones (read back)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.receipts.capitals import DIGITS, amount_in_capitals


@pytest.mark.parametrize(
    ("amount", "capitals"),
    [
        ("0.05", "伍分"),
        ("10.00", "壹拾元整"),
        ("100.50", "壹佰元零伍角"),
        ("1000000.00", "壹佰万元整"),
        ("10010.01", "壹万零壹拾元零壹分"),
        ("100000000.00", "壹亿元整"),
        ("0.00", "零元整"),
        ("0.50", "伍角"),
        ("1.05", "壹元零伍分"),
        ("1680.32", "壹仟陆佰捌拾元零叁角贰分"),
        ("105000", "壹拾万伍仟元整"),
        ("100010000", "壹亿零壹万元整"),
        ("1000010", "壹佰万零壹拾元整"),
        ("10000100", "壹仟万零壹佰元整"),
        ("101", "壹佰零壹元整"),
        ("853.50", "捌佰伍拾叁元伍角"),
    ],
)
def test_tricky_amounts(amount, capitals):
    assert amount_in_capitals(Decimal(amount)) == capitals


def test_money_is_never_rounded_silently():
    with pytest.raises(ValueError):
        amount_in_capitals(Decimal("1.005"))
    with pytest.raises(ValueError):
        amount_in_capitals(Decimal("-1"))


UNITS = {"拾": 10, "佰": 100, "仟": 1000}


def read_back(text: str) -> Decimal:
    """An independent reader of capitals (sums digit x unit, sections by 亿/万/元)."""
    text = text.removesuffix("整")
    fen = Decimal(0)
    if "元" in text:
        yuan_part, _, small = text.partition("元")
    else:
        yuan_part, small = "", text
    small = small.replace("零", "")
    if "角" in small:
        j, _, small = small.partition("角")
        fen += DIGITS.index(j) * Decimal("0.1")
    if "分" in small:
        fen += DIGITS.index(small[0]) * Decimal("0.01")

    def section(s: str) -> int:
        total, digit = 0, 0
        for ch in s:
            if ch == "零":
                continue
            if ch in UNITS:
                total += digit * UNITS[ch]
                digit = 0
            else:
                digit = DIGITS.index(ch)
        return total + digit

    yuan = 0
    rest = yuan_part
    if "亿" in rest:
        head, _, rest = rest.partition("亿")
        yuan += section(head) * 10**8
    if "万" in rest:
        head, _, rest = rest.partition("万")
        yuan += section(head) * 10**4
    yuan += section(rest)
    return Decimal(yuan) + fen


@given(st.integers(min_value=0, max_value=99_999_999_999))
def test_capitals_read_back_to_the_amount(fen):
    amount = Decimal(fen) / 100
    text = amount_in_capitals(amount)
    assert read_back(text) == amount
    assert ("零零" not in text and not text.startswith("零")) or text == "零元整"
    assert text.endswith(("整", "角", "分"))
