"""The kiosk's host client sends numbers in ASCII digits only (issue 10, item 5): a
full-width or Arabic-Indic amount, phone or PAN never leaves the terminal."""

from __future__ import annotations

import pytest

from kiosk.host.client import check_digits, money
from kiosk.host.errors import HostCallError, HostErrorCode

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.mark.parametrize("digits", [FULL_WIDTH, ARABIC_INDIC], ids=["full-width", "arabic"])
def test_other_digits_never_leave_the_terminal(host, terminal, digits):
    before = host.sim("GET", "/sim/ledger")["intentions"]
    with pytest.raises(ValueError, match="ASCII digits"):
        money("5000.00".translate(digits))
    with pytest.raises(HostCallError) as info:
        terminal.client.register_intention("13812345678".translate(digits), "3000.00",
                                           "买化肥", True)
    assert info.value.host_code is HostErrorCode.FORMAT and "phone" in info.value.detail
    assert host.sim("GET", "/sim/ledger")["intentions"] == before
    assert terminal.client.register_intention("13812345678", "3000.00", "买化肥", True)
    assert host.sim("GET", "/sim/ledger")["intentions"] == before + 1


def test_the_digit_check_names_the_field():
    check_digits({"amount": "5000.00", "pan": "6217991000001234561", "phone": "13812345678"})
    for name, value in (("pan", "６217991000001234561"), ("amount", "5000.0０"),
                        ("id_number", "61042519680315301Ｘ"), ("trace", "00001٢")):
        with pytest.raises(ValueError, match=name):
            check_digits({name: value})
