"""Idempotent money requests, the status query, and injected faults on the way back."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from peripherals_sim.bank_host.process import HostProcess, SimTerminal
from tests.contract.host.conftest import PIN, ZHANG_PAN, control


def _drawdown(term: SimTerminal, amount: str = "5000.00") -> dict[str, Any]:
    return {"customer_id": "C0001", "line_id": "L0001", "amount": amount, "months": 12,
            "method": "equal-installment", "pan": ZHANG_PAN,
            "pin_block": term.pin_block(PIN, ZHANG_PAN)}


@pytest.fixture(autouse=True)
def _no_fault(host: HostProcess) -> Any:
    yield
    control(host, "DELETE", "/sim/fault")


def test_a_repeated_key_returns_the_first_answer_byte_for_byte(term: SimTerminal) -> None:
    body = _drawdown(term)
    first = term.money("/v1/drawdowns", body, key="ZN610425001-000101")
    again = term.money("/v1/drawdowns", body, key="ZN610425001-000101")
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert again.headers["Idempotent-Replayed"] == "true"
    loans = term.get("/v1/customers/C0001/loans").json()["loans"]
    assert sum(1 for ln in loans if ln["loan_id"] == first.json()["loan_id"]) == 1


def test_a_key_reused_with_another_body_is_rejected(term: SimTerminal) -> None:
    term.money("/v1/drawdowns", _drawdown(term), key="ZN610425001-000102").raise_for_status()
    r = term.money("/v1/drawdowns", _drawdown(term, "6000.00"), key="ZN610425001-000102")
    assert r.status_code == 409 and r.json()["code"] == "HOST-IDEMPOTENCY-CONFLICT"


def test_status_query_returns_the_first_result(term: SimTerminal) -> None:
    first = term.money("/v1/drawdowns", _drawdown(term), key="ZN610425001-000103")
    st = term.get("/v1/transactions/ZN610425001-000103").json()
    assert st["status"] == "CONFIRMED" and st["result"] == first.json()
    assert st["path"] == "/v1/drawdowns" and st["http_status"] == 200


def test_a_declined_answer_is_final_for_its_key(term: SimTerminal) -> None:
    body = _drawdown(term, "999999.00")
    first = term.money("/v1/drawdowns", body, key="ZN610425001-000104")
    assert first.status_code == 422
    again = term.money("/v1/drawdowns", body, key="ZN610425001-000104")
    assert again.content == first.content and again.status_code == 422
    st = term.get("/v1/transactions/ZN610425001-000104").json()
    assert st["status"] == "DECLINED" and st["result"]["code"] == "HOST-AMOUNT-OVER-LIMIT"


def test_reset_after_booking_is_resolved_by_the_status_query(
        host: HostProcess, term: SimTerminal) -> None:
    control(host, "POST", "/sim/fault", {"kind": "reset", "rate": 1.0,
                                         "paths": ["/v1/drawdowns"], "count": 1})
    body = _drawdown(term)
    with pytest.raises(requests.exceptions.ConnectionError):
        term.money("/v1/drawdowns", body, key="ZN610425001-000105")
    st = term.get("/v1/transactions/ZN610425001-000105").json()
    assert st["status"] == "CONFIRMED"
    again = term.money("/v1/drawdowns", body, key="ZN610425001-000105")  # same key: no double
    assert again.json()["loan_id"] == st["result"]["loan_id"]


def test_timeout_after_booking_then_status_query(host: HostProcess, term: SimTerminal) -> None:
    control(host, "POST", "/sim/fault", {"kind": "timeout", "rate": 1.0, "delay_ms": 1500,
                                         "paths": ["/v1/drawdowns"], "count": 1})
    with pytest.raises(requests.exceptions.ReadTimeout):
        term.money("/v1/drawdowns", _drawdown(term), key="ZN610425001-000106", timeout=0.5)
    assert term.get("/v1/transactions/ZN610425001-000106").json()["status"] == "CONFIRMED"


def test_reset_before_booking_leaves_nothing(host: HostProcess, term: SimTerminal) -> None:
    control(host, "POST", "/sim/fault", {"kind": "reset", "when": "before", "delay_ms": 1,
                                         "paths": ["/v1/drawdowns"], "count": 1})
    with pytest.raises(requests.exceptions.ConnectionError):
        term.money("/v1/drawdowns", _drawdown(term), key="ZN610425001-000107")
    assert term.get("/v1/transactions/ZN610425001-000107").status_code == 404


def test_error_5xx_and_slow_faults(host: HostProcess, term: SimTerminal) -> None:
    control(host, "POST", "/sim/fault", {"kind": "error_5xx", "rate": 1.0,
                                         "paths": ["/v1/products"]})
    r = term.get("/v1/products")
    assert r.status_code == 503 and r.json()["code"] == "HOST-UNAVAILABLE"
    assert r.json()["retryable"] is True
    assert term.get("/v1/customers/C0001/loans").status_code == 200  # other paths untouched
    control(host, "POST", "/sim/fault", {"kind": "slow", "rate": 1.0, "delay_ms": 600})
    with pytest.raises(requests.exceptions.ReadTimeout):
        term.get("/v1/products", timeout=0.2)
    control(host, "DELETE", "/sim/fault")
    assert term.get("/v1/products").status_code == 200


def test_a_bad_fault_is_refused(host: HostProcess) -> None:
    r = requests.post(host.control + "/sim/fault", json={"kind": "explode"}, timeout=5)
    assert r.status_code == 400 and r.json()["code"] == "HOST-FORMAT"


def test_an_outbox_replay_of_an_intention_is_recorded_once(host: HostProcess,
                                                           term: SimTerminal) -> None:
    body = {"id_number": "610425195906116022", "phone": "18091203344", "amount": "20000",
            "purpose": "养牛", "consent": True, "recorded_at": "2026-03-15T16:20:00"}
    before = control(host, "GET", "/sim/ledger")["intentions"]
    first = term.post("/v1/intentions", body, headers={"Idempotency-Key": "ZN610425001-out-1"})
    again = term.post("/v1/intentions", body, headers={"Idempotency-Key": "ZN610425001-out-1"})
    assert first.status_code == 200 and again.content == first.content
    assert control(host, "GET", "/sim/ledger")["intentions"] == before + 1
