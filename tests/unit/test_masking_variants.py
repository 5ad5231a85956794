"""Masking catches planted ID, card and mobile numbers however they are written (issue 10,
item 8): glued to other digits or hex, in full-width or Arabic-Indic digits, grouped with
spaces, dashes or ideographic spaces, inside Chinese or English text. Property: after
``mask_sensitive`` no 7 consecutive digits of the planted number can be read in the output
(whatever digits it is written in, separators ignored)."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.logs import mask_sensitive

DIGIT_SETS = ["0123456789", "０１２３４５６７８９", "٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹"]
SEPARATORS = [" ", "-", "\u3000", ".", "\u00a0"]


def numbers() -> st.SearchStrategy[str]:
    digit = st.sampled_from("0123456789")
    id_number = st.tuples(st.text(digit, min_size=17, max_size=17),
                          st.sampled_from("0123456789X")).map("".join)
    id15 = st.text(digit, min_size=15, max_size=15)
    pan = st.integers(13, 19).flatmap(
        lambda n: st.tuples(st.sampled_from("4569"),
                            st.text(digit, min_size=n - 1, max_size=n - 1))).map("".join)
    phone = st.tuples(st.sampled_from("3456789"), st.text(digit, min_size=9, max_size=9)).map(
        lambda t: "1" + t[0] + t[1])
    return st.one_of(id_number, id15, pan, phone)


def grouped(number: str, sizes: list[int], sep: str) -> str:
    parts, i = [], 0
    for size in sizes:
        if i >= len(number):
            break
        parts.append(number[i:i + size])
        i += size
    if i < len(number):
        parts.append(number[i:])
    # a last group shorter than 3 digits joins the one before (as cards are printed)
    if len(parts) > 1 and len(parts[-1]) < 3 and parts[-1] != "X":
        parts[-2:] = [parts[-2] + parts[-1]]
    return sep.join(parts)


@st.composite
def planted(draw: st.DrawFn) -> tuple[str, str]:
    number = draw(numbers())
    digits = draw(st.sampled_from(DIGIT_SETS))
    written = "".join(digits[int(c)] if c.isdigit() else c for c in number)
    if draw(st.booleans()):
        sizes = draw(st.lists(st.integers(3, 8), min_size=1, max_size=6))
        written = grouped(written, sizes, draw(st.sampled_from(SEPARATORS)))
    glue = st.one_of(st.just(""), st.text("0123456789ABCDEF", min_size=1, max_size=8),
                     st.sampled_from(["9F6B13", "5A08", "卡号", "pan=", "ID:", "+86 ", "电话"]))
    before, after = draw(glue), draw(glue)
    text = draw(st.sampled_from(["{}", "读卡 {} 完成", "card={};", "{}\n", "x {} y"]))
    return number, text.format(before + written + after)


def readable_digits(text: str) -> str:
    """Every digit of ``text`` in ASCII, in order; separators dropped, anything else a break."""
    out = []
    for ch in text:
        if ch.isdecimal():
            out.append(str(unicodedata.digit(ch)))
        elif ch in "Xx":
            out.append("X")
        elif ch in "".join(SEPARATORS):
            continue
        else:
            out.append("|")
    return "".join(out)


@settings(max_examples=400, deadline=None)
@given(planted())
def test_no_seven_digits_of_a_planted_number_survive(case):
    number, text = case
    shown = readable_digits(mask_sensitive(text))
    for i in range(len(number) - 6):
        assert number[i:i + 7] not in shown, (text, mask_sensitive(text))


def test_the_examples_of_the_issue():
    assert "6217991000001234561" not in mask_sensitive("9F6B136217991000001234561")
    assert mask_sensitive("６２１７９９１０００００１２３４５６１") == "621799*********4561"
    assert mask_sensitive("6217 9910 0000 1234 561") == "621799*********4561"
    assert mask_sensitive("610425 19680315 301X") == "610425********301X"
    assert mask_sensitive("电话 138 1234 5678") == "电话 138****5678"
    # what is not personal data stays as it was
    for text in ("金额 5000.00", "2026-03-16 12:00:00", "loan JJ202510100001", "trace 000123"):
        assert mask_sensitive(text) == text
