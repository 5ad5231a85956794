"""What the host refuses (issue 10, item 5), against the real simulator over mutual TLS:
numbers in ASCII digits only, a body size limit (413), a length limit on string fields, the
control API on the loopback control port only, a clock that does not go backwards unless
forced, and malformed control bodies answered 4xx."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from peripherals_sim.bank_host.app import MAX_BODY_BYTES
from peripherals_sim.bank_host.models import MAX_STRING
from peripherals_sim.bank_host.process import HostProcess, SimTerminal
from tests.contract.host.conftest import PIN, ZHANG_PAN, control

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")


def ledger(host: HostProcess) -> dict[str, Any]:
    return control(host, "GET", "/sim/ledger")


def drawdown(term: SimTerminal, amount: str, pan: str = ZHANG_PAN) -> dict[str, Any]:
    return {"customer_id": "C0001", "line_id": "L0001", "amount": amount, "months": 12,
            "method": "equal-installment", "pan": pan,
            "pin_block": term.pin_block(PIN, ZHANG_PAN)}


@pytest.mark.parametrize("digits", [FULL_WIDTH, ARABIC_INDIC, DEVANAGARI],
                         ids=["full-width", "arabic-indic", "devanagari"])
def test_money_in_other_digits_is_refused_and_nothing_is_booked(host, term, digits):
    before = ledger(host)
    for body in (drawdown(term, "5000.00".translate(digits)),
                 drawdown(term, "5000.00", pan=ZHANG_PAN.translate(digits))):
        r = term.money("/v1/drawdowns", body)  # a valid MAC over these very bytes
        assert r.status_code == 400, r.text
        assert r.json()["code"] == "HOST-FORMAT"
    r = term.post("/v1/intentions", {"phone": "13812345678".translate(digits),
                                     "amount": "3000.00", "purpose": "买化肥",
                                     "consent": True})
    assert r.status_code == 400 and r.json()["code"] == "HOST-FORMAT"
    assert ledger(host) == before


def test_the_same_drawdown_in_ascii_digits_is_booked(host, term):
    before = len(ledger(host)["transactions"])
    r = term.money("/v1/drawdowns", drawdown(term, "5000.00"))
    assert r.status_code == 200, r.text
    assert len(ledger(host)["transactions"]) == before + 1


def test_a_body_over_the_limit_is_413_and_not_stored(host, term):
    before = ledger(host)["intentions"]
    huge = {"phone": "13812345678", "amount": "3000.00", "consent": True,
            "purpose": "x" * (MAX_BODY_BYTES + 1)}
    r = term.post("/v1/intentions", huge)
    assert r.status_code == 413 and r.json()["code"] == "HOST-FORMAT"
    # the same without Content-Length (chunked): counted while it arrives
    data = json.dumps(huge).encode()
    chunks = (data[i:i + 65536] for i in range(0, len(data), 65536))
    r = term.session.post(term.url + "/v1/intentions", data=chunks, timeout=30,
                          headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    assert ledger(host)["intentions"] == before


def test_every_string_field_has_a_length_limit(host, term):
    before = ledger(host)["intentions"]
    for field, value in (("purpose", "种" * (MAX_STRING + 1)), ("village", "v" * 300),
                         ("name", "名" * 300)):
        body = {"phone": "13812345678", "amount": "3000.00", "purpose": "买化肥",
                "consent": True, field: value}
        r = term.post("/v1/intentions", body)
        assert r.status_code == 400, (field, r.text)
        assert field in r.json()["detail"]
    r = term.post("/v1/terminal/heartbeat", {"devices": {"printer": "x" * 1000}})
    assert r.status_code == 400
    assert ledger(host)["intentions"] == before


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/scenario"), ("GET", "/sim/ledger"), ("GET", "/sim/customers"),
    ("GET", "/sim/clock"), ("POST", "/sim/clock"), ("GET", "/sim/fault"),
    ("POST", "/sim/fault"), ("DELETE", "/sim/fault")])
def test_the_control_api_is_not_on_the_mutual_tls_port(host, term, method, path):
    clock = control(host, "GET", "/sim/clock")
    body = {"date": "2020-01-01", "force": True} if path == "/sim/clock" else (
        {"kind": "error_5xx"} if path == "/sim/fault" else None)
    r = term.session.request(method, term.url + path, json=body, timeout=10)
    assert r.status_code == 404, r.text
    assert "TMK" not in r.text and "password" not in r.text
    assert control(host, "GET", "/sim/clock") == clock
    assert control(host, "GET", "/sim/fault")["fault"] is None
    assert control(host, "GET", "/scenario")["terminals"]  # still there on the control port


def test_the_clock_does_not_go_backwards_unless_forced(host):
    start = control(host, "GET", "/sim/clock")
    try:
        control(host, "POST", "/sim/clock", {"date": "2026-03-20", "time": "10:00"})
        for back in ({"date": "2026-03-19"}, {"time": "09:59"},
                     {"date": "2026-03-19", "time": "23:00"}):
            r = requests.post(host.control + "/sim/clock", json=back, timeout=10)
            assert r.status_code == 400 and "backwards" in r.json()["detail"], back
            assert control(host, "GET", "/sim/clock")["host_datetime"] == "2026-03-20T10:00:00"
        forward = control(host, "POST", "/sim/clock", {"time": "10:30"})
        assert forward["host_datetime"] == "2026-03-20T10:30:00"
        forced = control(host, "POST", "/sim/clock", {"date": "2026-03-19", "force": True})
        assert forced["business_date"] == "2026-03-19"
    finally:
        control(host, "POST", "/sim/clock", {"date": start["business_date"], "time": None,
                                             "force": True})


@pytest.mark.parametrize(("path", "body"), [
    ("/sim/fault", "[1, 2, 3]"), ("/sim/fault", '"error_5xx"'), ("/sim/fault", "null"),
    ("/sim/fault", "{not json"), ("/sim/fault", '{"kind": "slow", "rate": "often"}'),
    ("/sim/fault", '{"kind": "slow", "delay_ms": "long"}'),
    ("/sim/fault", '{"kind": "slow", "paths": "/v1/"}'),
    ("/sim/fault", '{"kind": "slow", "delay_ms": -5}'),
    ("/sim/clock", "[]"), ("/sim/clock", '{"date": 20260316}'),
    ("/sim/clock", '{"date": "２０２６-０３-１６"}'), ("/sim/clock", '{"dat": "2026-03-16"}'),
    ("/sim/clock", '{"day_end": "yes"}'), ("/sim/clock", b"\xff\xfe")])
def test_a_malformed_control_body_is_400(host, path, body):
    r = requests.post(host.control + path, data=body, timeout=10,
                      headers={"Content-Type": "application/json"})
    assert r.status_code == 400, (body, r.status_code, r.text)
    assert r.json()["code"] == "HOST-FORMAT"
    assert control(host, "GET", "/sim/fault")["fault"] is None


def test_the_fuzz_runs_limit_probes_hold(host):
    """``make fuzz`` ends with these probes (peripherals_sim/bank_host/fuzz.py)."""
    from peripherals_sim.bank_host.fuzz import limit_probes

    assert limit_probes(host) == []
