"""The change of repayment account chart (Qt-free): every branch and every way out; the new
card's checks; the receipt with both accounts masked; the loan queries' way in and back."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from devices.printer.contract import PairBlock, TextBlock
from kiosk.i18n import Translator
from kiosk.transactions import TxResult
from offline_queue.journal import TxState
from screens.chart import Outcome
from screens.journeys.account_change.chart import (
    AccountChangeFlow,
    AccountEvent,
    AccountState,
    card_problem,
)
from screens.journeys.account_change.receipt import account_change_receipt

S, E = AccountState, AccountEvent
TODAY = dt.date(2026, 3, 16)
OLD = "621799*********4561"
NEW_PAN = "6217991000009876546"


def loan(loan_id: str = "JJ1", status: str = "ACTIVE") -> SimpleNamespace:
    return SimpleNamespace(loan_id=loan_id, contract_no="HT202510100001", status=status,
                           product_name="双基联动优农贷", repayment_account_masked=OLD)


def result(state: TxState, reason: str | None = None) -> TxResult:
    return TxResult(7, "ZN610425001-1-0000007", "account_change", state, None,
                    "JJ1" if state is TxState.CONFIRMED else None, reason,
                    SimpleNamespace(acct_date=TODAY))


def at(state: AccountState, *loans: SimpleNamespace, loan_id: str | None = None
       ) -> AccountChangeFlow:
    """A chart driven to ``state`` along the happy path."""
    flow = AccountChangeFlow(loan_id)
    flow.send(E.START)
    flow.found(loans or (loan(),))
    path = [(S.REMOVE_OLD, lambda: flow.send(E.CHOOSE)),
            (S.NEW_CARD, lambda: flow.send(E.OLD_TAKEN)),
            (S.CONFIRM, lambda: flow.card_read(NEW_PAN, dt.date(2033, 6, 30), TODAY)),
            (S.AUTHORIZE, lambda: flow.send(E.CONFIRM)),
            (S.PIN, lambda: flow.granted("SQ20260316A00001", "S1001")),
            (S.SENDING, lambda: flow.send(E.PIN_OK))]
    for target, step in path:
        if flow.state is state:
            break
        step()
        assert flow.state is target
    assert flow.state is state
    return flow


def test_the_happy_path_ends_done_with_the_authorisation_kept() -> None:
    flow = at(S.SENDING)
    assert flow.authorization_id == "SQ20260316A00001" and flow.staff_id == "S1001"
    flow.answered(result(TxState.CONFIRMED))
    assert flow.state is S.SUCCESS
    flow.send(E.FINISH)
    assert flow.outcome is Outcome.DONE


def test_pending_then_check_confirms_and_a_decline_says_why() -> None:
    flow = at(S.SENDING)
    flow.answered(result(TxState.UNKNOWN))
    assert flow.state is S.PENDING
    assert not flow.can(E.CONFIRM) and flow.can(E.CHECK)
    flow.send(E.CHECK)
    assert flow.state is S.CHECKING and not flow.can(E.CANCEL)  # no cancel while it settles
    flow.answered(result(TxState.CONFIRMED))
    assert flow.state is S.SUCCESS
    declined = at(S.SENDING)
    assert not declined.can(E.CANCEL)  # no cancel while it is sent
    declined.answered(result(TxState.DECLINED, "HOST-PIN-WRONG"))
    assert declined.state is S.FAILED and declined.problem == "HOST-PIN-WRONG"
    declined.send(E.FINISH)
    assert declined.outcome is Outcome.FAILED
    refused = at(S.SENDING)
    refused.not_sent("JOURNAL-UNAVAILABLE")
    assert refused.state is S.FAILED and refused.problem == "JOURNAL-UNAVAILABLE"


def test_the_started_loan_shown_first_next_wraps_and_paid_off_loans_are_left_out() -> None:
    flow = at(S.LOAN, loan("A"), loan("B"), loan("C", "CLOSED"), loan_id="B")
    assert flow.loan.loan_id == "B" and len(flow.loans) == 2
    flow.next_loan()
    assert flow.loan.loan_id == "A"
    flow.next_loan()
    assert flow.loan.loan_id == "B"
    none = AccountChangeFlow()
    none.send(E.START)
    none.found([loan("C", "CLOSED")])
    assert none.state is S.NO_LOANS
    none.send(E.FINISH)
    assert none.outcome is Outcome.DONE


def test_an_expired_card_or_the_same_account_is_refused_and_another_card_asked() -> None:
    assert card_problem(NEW_PAN, dt.date(2026, 3, 15), OLD, TODAY) == "expired"
    assert card_problem("6217991000001234561", None, OLD, TODAY) == "same"
    assert card_problem(NEW_PAN, dt.date(2026, 3, 16), OLD, TODAY) is None  # valid today
    flow = at(S.NEW_CARD)
    flow.card_read("6217991000001234561", dt.date(2030, 12, 31), TODAY)
    assert flow.state is S.CARD_PROBLEM and flow.card_problem == "same"
    flow.send(E.AGAIN)
    assert flow.state is S.REMOVE_OLD  # that card out first
    flow.send(E.OLD_TAKEN)
    flow.card_read(NEW_PAN, dt.date(2024, 2, 29), TODAY)
    assert flow.card_problem == "expired"
    flow.send(E.FINISH)
    assert flow.outcome is Outcome.FAILED


@pytest.mark.parametrize("outcome", [Outcome.CANCELED, Outcome.TIMED_OUT, Outcome.FAILED])
def test_the_card_step_ending_without_a_card_ends_the_journey_its_way(outcome: Outcome) -> None:
    flow = at(S.NEW_CARD)
    flow.card_step_ended(outcome)
    assert flow.state is S.ENDED and flow.outcome is outcome


def test_a_refused_authorisation_or_a_pin_timeout_stops_and_pad_cancel_cancels() -> None:
    flow = at(S.AUTHORIZE)
    assert not flow.can(E.CANCEL) and not flow.can(E.IDLE_TIMEOUT)  # the staff's screen
    flow.refused(SimpleNamespace(farmer_text_id="staff.auth.farmer.refused"))
    assert flow.state is S.STOPPED
    flow.send(E.FINISH)
    assert flow.outcome is Outcome.FAILED
    timeout = at(S.PIN)
    timeout.pin_failed(SimpleNamespace(detail="timeout"), cancelled=False)
    assert timeout.state is S.STOPPED
    cancelled = at(S.PIN)
    cancelled.pin_failed(None, cancelled=True)
    assert cancelled.outcome is Outcome.CANCELED


@pytest.mark.parametrize("state", [S.LOAN, S.REMOVE_OLD, S.CONFIRM])
def test_cancel_and_idle_from_every_screen_that_waits(state: AccountState) -> None:
    for event, outcome in ((E.CANCEL, Outcome.CANCELED), (E.IDLE_TIMEOUT, Outcome.TIMED_OUT)):
        flow = at(state)
        flow.send(event)
        assert flow.outcome is outcome


def test_back_from_the_confirmation_goes_to_the_loan_and_host_failure_is_failed() -> None:
    flow = at(S.CONFIRM)
    flow.send(E.BACK)
    assert flow.state is S.LOAN
    failing = AccountChangeFlow()
    failing.send(E.START)
    failing.failed(SimpleNamespace(detail="503"))
    assert failing.state is S.UNAVAILABLE and not failing.can(E.FOUND)
    failing.send(E.FINISH)
    assert failing.outcome is Outcome.FAILED


def test_the_receipt_masks_both_accounts_and_says_the_result() -> None:
    session = SimpleNamespace(identity=SimpleNamespace(name="张卫国",
                                                       id_number="61042519680315301X"))
    terminal = SimpleNamespace(id="ZN610425001", service_point="礼泉县烟霞镇助农服务点")
    stored, doc = account_change_receipt(
        Translator("zh_CN"), terminal=terminal, session=session, loan=loan(), new_pan=NEW_PAN,
        result=result(TxState.CONFIRMED), now=dt.datetime(2026, 3, 16, 10, 30),
        staff_id="S1001")
    text = "\n".join(b.text if isinstance(b, TextBlock) else f"{b.label}{b.value}"
                     for b in doc.blocks if isinstance(b, (TextBlock, PairBlock)))
    assert "还款账户变更回单" in text and "原还款账户：621799*********4561" in text
    assert "新还款账户：621799*********6546" in text and NEW_PAN not in text
    assert "张*国" in text and "张卫国" not in text and "61042519680315301X" not in text
    assert "交易结果：成功" in text and "S1001" in text and "2026-03-16" in text
    assert stored.new_account == "621799*********6546"  # the copy kept for a reprint
    pending = account_change_receipt(
        Translator("zh_CN"), terminal=terminal, session=session, loan=loan(), new_pan=NEW_PAN,
        result=result(TxState.UNKNOWN), now=dt.datetime(2026, 3, 16, 10, 30))[1]
    assert any(isinstance(b, PairBlock) and b.value == "处理中" for b in pending.blocks)


def test_the_loan_queries_lead_to_the_change_and_read_the_loans_again_after() -> None:
    from screens.journeys.loan_queries.chart import LoanQueriesFlow, QueryEvent, QueryState

    flow = LoanQueriesFlow()
    flow.send(QueryEvent.START)
    flow.found([loan("A"), loan("B")])
    flow.next_loan()
    assert flow.go(QueryEvent.CHANGE_ACCOUNT) and flow.state is QueryState.ELSEWHERE
    flow.returned(Outcome.DONE)
    assert flow.state is QueryState.LOADING
    flow.found([loan("A"), loan("B")])
    assert flow.loan.loan_id == "B"  # the same loan shown again, now with its new account
    flow.go(QueryEvent.CHANGE_ACCOUNT)
    flow.returned(Outcome.TIMED_OUT)
    assert flow.state is QueryState.ENDED and flow.outcome is Outcome.TIMED_OUT
