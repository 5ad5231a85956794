"""Drawdowns and repayments through the journal against the host simulator: answers, declines,
every fault the host can inject, the status query, resends with the same key, recovery."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kiosk.host import HostClient, HostSettings
from kiosk.transactions import MoneyRefused, MoneySettings, Outcome, TransactionsService
from offline_queue.journal import REASON_NOT_APPLIED, REASON_NOT_SENT, TxState
from tests.contract.host_client.conftest import ZHANG_PAN, Terminal
from tests.contract.money.conftest import FAST, ledger, make_service


def drawdown(service: TransactionsService, terminal: Terminal, amount: str = "5000.00",
             months: int = 12):
    return service.drawdown(customer_id="C0001", line_id="L0001", amount=amount, months=months,
                            method="equal-installment", pan=ZHANG_PAN,
                            pin_block=terminal.pin_block())


def test_confirmed_drawdown_is_journaled_and_booked_once(service, host, terminal):
    result = drawdown(service, terminal)
    assert result.outcome is Outcome.SUCCESS
    row = service.journal.get(result.key, with_events=True)
    assert [e.state for e in row.events] == [TxState.PREPARED, TxState.SENT, TxState.CONFIRMED]
    assert row.key.startswith("ZN610425001-") and row.key.endswith(f"-{row.serial:07d}")
    assert row.host_ref and row.detail["loan_id"].startswith("JJ")
    assert row.account_masked == "621799*********4561" and row.customer_ref == "C0001"
    booked = ledger(host)[result.key]
    assert booked["state"] == "CONFIRMED" and booked["amount"] == "5000.00"
    assert booked["terminal_id"] == "ZN610425001" and booked["host_ref"] == row.host_ref
    assert service.money_available() == (True, None)


def test_declined_drawdown_is_final_with_the_host_code(service, host, terminal):
    result = drawdown(service, terminal, months=7)  # not a term of the product
    assert result.outcome is Outcome.FAILED and result.reason == "HOST-PRODUCT-RULE"
    assert ledger(host)[result.key]["state"] == "DECLINED"
    assert ledger(host)[result.key]["code"] == "HOST-PRODUCT-RULE"


@pytest.mark.parametrize("fault", [
    {"kind": "timeout", "when": "after", "delay_ms": 1500},
    {"kind": "reset", "when": "after", "delay_ms": 10},
])
def test_applied_then_answer_lost_is_confirmed_by_status_query(service, host, terminal, fault):
    with host.fault(paths=["/v1/drawdowns"], count=1, **fault):
        result = drawdown(service, terminal)
    assert result.outcome is Outcome.SUCCESS
    row = service.journal.get(result.serial, with_events=True)
    assert [e.state for e in row.events] == [TxState.PREPARED, TxState.SENT, TxState.UNKNOWN,
                                             TxState.CONFIRMED]
    assert row.attempts == 1  # settled by the query, never sent again
    assert ledger(host)[result.key]["state"] == "CONFIRMED"


@pytest.mark.parametrize("fault", [
    {"kind": "reset", "when": "before", "delay_ms": 10},
    {"kind": "error_5xx"},
])
def test_not_applied_is_resent_with_the_same_key(service, host, terminal, fault):
    before = len(ledger(host))
    with host.fault(paths=["/v1/drawdowns"], count=1, **fault):
        result = drawdown(service, terminal)
    assert result.outcome is Outcome.SUCCESS
    row = service.journal.get(result.serial)
    assert row.attempts == 2
    assert len(ledger(host)) == before + 1  # one booking for two sends


def test_repayment_confirmed_and_the_slip_is_owed_until_printed(service, host, terminal):
    result = service.repay(customer_id="C0001", loan_id="JJ202510100001", kind="partial",
                           amount="100.00", pan=ZHANG_PAN, pin_block=terminal.pin_block())
    assert result.outcome is Outcome.SUCCESS and result.detail["repayment_id"].startswith("R")
    assert [r.serial for r in service.journal.reprint_due()] == [result.serial]
    service.mark_receipt_printed(result.serial)
    assert service.journal.reprint_due() == []


def test_host_unreachable_gives_pending_then_recovery_settles_it(tmp_path, host, terminal):
    state = tmp_path / "state"
    dead = HostClient(HostSettings(url="https://127.0.0.1:9", terminal_id="ZN610425001",
                                   ca_file=host.settings().ca_file,
                                   cert_file=host.settings().cert_file,
                                   key_file=host.settings().key_file, connect_timeout=0.3,
                                   read_timeout=0.3, get_retries=0),
                      mac_provider=lambda data: b"\x00" * 8)
    settings = MoneySettings(resolve_seconds=0.3, backoff=(0.05,), in_flight_seconds=0.5)
    svc = TransactionsService.open(state, "ZN610425001", dead, settings)
    result = svc.drawdown(customer_id="C0001", line_id="L0001", amount="5000.00", months=12,
                          method="equal-installment", pan=ZHANG_PAN, pin_block="00" * 8)
    assert result.outcome is Outcome.PENDING and result.state is TxState.UNKNOWN
    assert svc.money_available() == (False, "JOURNAL-UNRESOLVED")
    with pytest.raises(MoneyRefused) as refused:
        svc.drawdown(customer_id="C0001", line_id="L0001", amount="5000.00", months=12,
                     method="equal-installment", pan=ZHANG_PAN, pin_block="00" * 8)
    assert refused.value.code == "JOURNAL-UNRESOLVED"
    assert len(svc.journal.rows()) == 1  # the refusal wrote nothing
    svc.close()
    # Restart with the host reachable: the status query says the host never had it.
    again = make_service(state, host, terminal, settings)
    report = again.recover(wait_seconds=5)
    assert report.clean and [r.reason for r in report.resolved] == [REASON_NOT_APPLIED]
    assert result.key not in ledger(host)
    assert again.money_available() == (True, None)
    assert [r.serial for r in report.reprint] == [result.serial]  # the slip was never printed
    again.close()


def test_prepared_row_from_a_crash_ends_not_sent_without_the_host(tmp_path):
    from offline_queue.journal import Journal

    journal = Journal.open(tmp_path, "ZN610425001")
    row = journal.prepare("drawdown", "C0001", Decimal("100"), "d" * 64)
    journal.close()
    svc = TransactionsService.open(tmp_path, "ZN610425001", None, FAST)
    assert svc.money_available() == (False, "JOURNAL-UNRESOLVED")
    report = svc.recover()
    assert report.clean and report.resolved[0].reason == REASON_NOT_SENT
    assert svc.journal.get(row.serial).state is TxState.DECLINED
    svc.close()


def test_a_refused_resend_keeps_the_row_unknown_until_nothing_can_be_in_flight(
        tmp_path, host, terminal):
    from kiosk.transactions import Step

    svc = make_service(tmp_path / "state", host, terminal)
    signed_out: list[bool] = []

    def sign_out_after_the_first_send(step, row):
        if step is Step.ANSWERED and row.state is TxState.SENT and not signed_out:
            terminal.client.sign_out()  # the host destroys the MAK: resends get 401
            signed_out.append(True)

    svc.on_step = sign_out_after_the_first_send
    try:
        with host.fault(kind="reset", when="before", delay_ms=10, paths=["/v1/drawdowns"],
                        count=1):
            result = drawdown(svc, terminal)
    finally:
        terminal.sign_in()
        svc.close()
    assert signed_out
    notes = [e.note for e in svc_rows(tmp_path, result.serial).events]
    assert "resend refused (HOST-NOT-SIGNED-IN)" in notes
    assert result.state is TxState.DECLINED and result.reason == REASON_NOT_APPLIED
    assert result.key not in ledger(host)


def svc_rows(tmp_path, serial):
    from offline_queue.journal import Journal

    j = Journal.open(tmp_path / "state", "ZN610425001")
    try:
        return j.get(serial, with_events=True)
    finally:
        j.close()
