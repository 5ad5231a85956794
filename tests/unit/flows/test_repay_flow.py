"""The repayment chart (screens/journeys/repay/chart.py), Qt-free: every branch."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from screens.chart import Outcome
from screens.journeys.repay.chart import RepayEvent as E
from screens.journeys.repay.chart import RepayFlow
from screens.journeys.repay.chart import RepayState as S


def loan(loan_id: str = "L1", overdue_days: int = 0, status: str = "ACTIVE") -> Any:
    return SimpleNamespace(loan_id=loan_id, overdue_days=overdue_days, status=status)


def result(state: str) -> Any:
    return SimpleNamespace(state=SimpleNamespace(name=state))


def at_loan(*loans: Any, wanted: str | None = None) -> RepayFlow:
    flow = RepayFlow(loan_id=wanted)
    flow.send(E.START)
    flow.found(loans or (loan(),))
    return flow


def test_loans_one_per_screen_closed_ones_left_out_and_the_reminded_one_first() -> None:
    flow = at_loan(loan("A"), loan("B", status="CLOSED"), loan("C", 23), wanted="C")
    assert [ln.loan_id for ln in flow.loans] == ["A", "C"]
    assert flow.state is S.LOAN and flow.loan.loan_id == "C"
    flow.next_loan()
    assert flow.loan.loan_id == "A" and flow.state is S.LOAN
    flow.next_loan()
    assert flow.loan.loan_id == "C"


def test_no_loans_and_host_down() -> None:
    flow = RepayFlow()
    flow.send(E.START)
    flow.found([loan(status="CLOSED")])
    assert flow.state is S.NO_LOANS
    flow.send(E.FINISH)
    assert flow.outcome is Outcome.DONE
    flow = RepayFlow()
    flow.send(E.START)
    flow.failed("timeout")
    assert flow.state is S.UNAVAILABLE
    flow.send(E.FINISH)
    assert flow.outcome is Outcome.FAILED


@pytest.mark.parametrize(("overdue", "kind"), [(0, "due"), (23, "overdue")])
def test_pay_what_is_due_confirm_pin_paid(overdue: int, kind: str) -> None:
    flow = at_loan(loan(overdue_days=overdue))
    assert flow.pay_due() and flow.kind == kind and flow.state is S.QUOTING
    flow.quoted({"": ("quote", "mine")})
    assert flow.state is S.CONFIRM and flow.chosen == ("quote", "mine")
    flow.send(E.CONFIRMED)
    flow.send(E.PIN_FAILED)  # X on the pad, or its timeout: back to the confirmation
    assert flow.state is S.CONFIRM
    flow.send(E.CONFIRMED)
    flow.send(E.PIN_OK)
    assert flow.state is S.PAYING
    assert not flow.can(E.CANCEL) and not flow.can(E.IDLE_TIMEOUT)  # never while paying
    flow.paid(result("CONFIRMED"))
    assert flow.state is S.RESULT
    flow.send(E.FINISH)
    assert flow.outcome is Outcome.DONE


def test_pending_is_done_declined_and_refused_are_failed() -> None:
    for state, outcome in (("UNKNOWN", Outcome.DONE), ("DECLINED", Outcome.FAILED)):
        flow = at_loan()
        flow.pay_all()
        flow.quoted({"": ("q", "m")})
        flow.send(E.CONFIRMED)
        flow.send(E.PIN_OK)
        flow.paid(result(state))
        flow.send(E.FINISH)
        assert flow.outcome is outcome
    flow = at_loan()
    flow.pay_all()
    flow.quoted({"": ("q", "m")})
    flow.send(E.CONFIRMED)
    flow.send(E.PIN_OK)
    flow.paid(None, "JOURNAL-UNRESOLVED")
    assert flow.problem == "JOURNAL-UNRESOLVED"
    flow.send(E.FINISH)
    assert flow.outcome is Outcome.FAILED


def test_pending_check_again_until_the_host_knows() -> None:
    """再查一次 only on 处理中: still unknown (or the check could not run) shows 处理中 again;
    the settled row is the result."""
    flow = at_loan()
    flow.pay_due()
    flow.quoted({"": ("q", "m")})
    flow.send(E.CONFIRMED)
    flow.send(E.PIN_OK)
    flow.paid(result("UNKNOWN"))
    assert flow.state is S.RESULT and flow.pending
    assert flow.check_again() and flow.state is S.CHECKING
    assert not flow.check_again()
    flow.checked_again(None)
    assert flow.state is S.RESULT and flow.pending
    flow.check_again()
    flow.checked_again(result("CONFIRMED"))
    assert flow.state is S.RESULT and not flow.pending
    assert not flow.check_again()  # nothing to check once the host has said
    flow.send(E.FINISH)
    assert flow.outcome is Outcome.DONE


def test_early_part_amount_options_and_back() -> None:
    flow = at_loan()
    assert flow.pay_part() and flow.state is S.AMOUNT and flow.kind == "partial"
    flow.send(E.BACK)
    assert flow.state is S.LOAN
    flow.pay_part()
    flow.amount_ok("3000")
    assert flow.state is S.QUOTING and flow.amount == "3000"
    flow.quoted({"shorter_term": ("q1", "m1"), "lower_installment": ("q2", "m2")})
    assert flow.state is S.OPTIONS
    flow.choose("nonsense")
    assert flow.state is S.OPTIONS
    flow.send(E.BACK)
    assert flow.state is S.AMOUNT
    flow.amount_ok("3000")
    flow.quoted({"shorter_term": ("q1", "m1"), "lower_installment": ("q2", "m2")})
    flow.choose("lower_installment")
    assert flow.state is S.CONFIRM and flow.chosen == ("q2", "m2")
    flow.send(E.BACK)
    assert flow.state is S.LOAN
    flow.pay_due()  # a new choice forgets the old one
    assert flow.option is None and flow.amount is None and flow.quotes == {}


def test_refused_quote_goes_back_to_the_loan_and_a_mismatch_ends_failed() -> None:
    flow = at_loan()
    flow.pay_part()
    flow.amount_ok("99999999")
    flow.refused("HOST-AMOUNT-INVALID")
    assert flow.state is S.PROBLEM
    flow.send(E.BACK)
    assert flow.state is S.LOAN
    flow.pay_all()
    flow.disagree(["interest: host 151.60 kiosk 151.59"])
    assert flow.state is S.MISMATCH and flow.mismatches
    assert not flow.can(E.BACK)  # nothing to retry: the staff must look
    flow.send(E.FINISH)
    assert flow.outcome is Outcome.FAILED


@pytest.mark.parametrize("state", [S.LOAN, S.AMOUNT, S.OPTIONS, S.CONFIRM, S.RESULT,
                                   S.PROBLEM, S.MISMATCH])
def test_cancel_and_idle_end_it_where_the_farmer_is_waited_for(state: S) -> None:
    for event, outcome in ((E.CANCEL, Outcome.CANCELED), (E.IDLE_TIMEOUT, Outcome.TIMED_OUT)):
        flow = RepayFlow()
        flow.state = state
        flow.send(event)
        assert flow.state is S.ENDED and flow.outcome is outcome


def test_late_answers_are_refused() -> None:
    flow = at_loan()
    assert not flow.can(E.QUOTED) and not flow.can(E.PAID)
    flow.choose("shorter_term")
    assert flow.state is S.LOAN
