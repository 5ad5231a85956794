"""The simulated clock (business date, day-end cut-over, day-end switch), the control API,
and state that survives a restart of the simulator process on the same state directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import requests

from peripherals_sim.bank_host.process import HostProcess, SimTerminal
from tests.contract.host.conftest import PIN, ZHANG_PAN, control


def test_a_transaction_after_cutover_books_to_the_next_accounting_date(
        host: HostProcess, term: SimTerminal) -> None:
    clock = control(host, "POST", "/sim/clock", {"date": "2026-03-16", "time": "17:30"})
    assert clock["business_date"] == "2026-03-16" and clock["acct_date"] == "2026-03-17"
    body = {"customer_id": "C0001", "line_id": "L0001", "amount": "5000.00", "months": 12,
            "method": "equal-installment", "pan": ZHANG_PAN,
            "pin_block": term.pin_block(PIN, ZHANG_PAN)}
    dd = term.money("/v1/drawdowns", body).json()
    assert dd["business_date"] == "2026-03-16" and dd["acct_date"] == "2026-03-17"
    assert dd["serial"].startswith("20260317")
    control(host, "POST", "/sim/clock", {"time": None, "force": True})  # back to 09:30
    assert control(host, "GET", "/sim/clock")["acct_date"] == "2026-03-16"


def test_moving_the_business_date_makes_the_due_installment_overdue(
        host: HostProcess, term: SimTerminal) -> None:
    control(host, "POST", "/sim/clock", {"date": "2026-04-01"})
    try:
        ans = term.post("/v1/customers/identify", {"id_number": "61042519680315301X"}).json()
        overdue = [r for r in ans["reminders"] if r["kind"] == "overdue"]
        assert overdue and overdue[0]["days"] == 11 and ans["classification"] == "关注"
        # grace is 3 days, so after grace 罚息 runs from the due date
        q = term.post("/v1/repayments/quote", {"loan_id": "JJ202510100001",
                                               "kind": "overdue"}).json()
        assert q["breakdown"]["penalty"] != "0.00"
    finally:
        control(host, "POST", "/sim/clock", {"date": "2026-03-16", "force": True})


def test_during_the_day_end_switch_the_host_asks_to_retry(
        host: HostProcess, term: SimTerminal) -> None:
    control(host, "POST", "/sim/clock", {"day_end": True})
    try:
        r = term.get("/v1/products")
        assert r.status_code == 503 and r.json()["code"] == "HOST-DAY-END"
        assert r.json()["next_action"] == "retry"
    finally:
        control(host, "POST", "/sim/clock", {"day_end": False})
    assert term.get("/v1/products").status_code == 200


def test_control_api_shows_customers_ledger_and_scenario(host: HostProcess) -> None:
    customers = control(host, "GET", "/sim/customers")["customers"]
    assert [c["customer_id"] for c in customers] == \
        ["C0001", "C0002", "C0003", "C0004", "C0005", "C0006", "C0007", "C0008"]
    assert all(c["credit_line"] is None for c in customers[3:])
    ledger = control(host, "GET", "/sim/ledger")
    assert {ln["loan_id"] for ln in ledger["loans"]} >= {"JJ202510100001", "JJ202509150001"}
    scenario = control(host, "GET", "/scenario")
    assert scenario["terminals"][0]["id"] == "ZN610425001"
    r = requests.post(host.control + "/v1/customers/identify", json={"id_number": "1" * 18},
                      headers={"X-Terminal-Id": "ZN610425001"}, timeout=5)
    assert r.status_code == 400  # the host API is not served on the control port


def test_state_survives_a_restart(tmp_path: Path, scenario: dict[str, Any]) -> None:
    state = tmp_path / "persist"
    with HostProcess(state) as host:
        first_ca = Path(host.ready["ca_file"]).read_bytes()
        t = SimTerminal.for_host(host, scenario)
        t.sign_in()
        body = {"customer_id": "C0001", "line_id": "L0001", "amount": "8000.00", "months": 6,
                "method": "equal-principal", "pan": ZHANG_PAN,
                "pin_block": t.pin_block(PIN, ZHANG_PAN)}
        first = t.money("/v1/drawdowns", body, key="ZN610425001-persist-1")
        assert first.status_code == 200
        control(host, "POST", "/sim/clock", {"date": "2026-03-18"})
        t.close()
    with HostProcess(state) as host:
        assert Path(host.ready["ca_file"]).read_bytes() == first_ca  # same PKI
        t = SimTerminal.for_host(host, scenario)
        # the working keys survived too: a replay with the old MAK still verifies
        t.pik, t.mak = None, None
        t.sign_in()
        st = t.get("/v1/transactions/ZN610425001-persist-1").json()
        assert st["result"] == first.json()
        loans = t.get("/v1/customers/C0001/loans").json()
        assert loans["business_date"] == "2026-03-18"
        assert first.json()["loan_id"] in {ln["loan_id"] for ln in loans["loans"]}
        body["pin_block"] = t.pin_block(PIN, ZHANG_PAN)
        again = t.money("/v1/drawdowns", body, key="ZN610425001-persist-1")
        # a new PIN block is another body: the old key cannot be reused for it
        assert again.status_code == 409
        t.close()


def test_plain_http_mode_for_quick_local_use(tmp_path: Path) -> None:
    with HostProcess(tmp_path / "plain", "--control", "-1", listen="http://127.0.0.1:0") as host:
        assert host.url.startswith("http://") and host.ready["control"] is None
        r = requests.get(host.url + "/v1/products", headers={"X-Terminal-Id": "ZN610425001"},
                         timeout=10)
        assert r.status_code == 200 and len(r.json()["products"]) == 8
        assert requests.get(host.url + "/sim/clock", timeout=10).json()["acct_date"]
