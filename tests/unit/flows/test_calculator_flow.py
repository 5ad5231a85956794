"""The calculator chart (Qt-free): limits, back and forth, the schedule from kiosk.lending
checked against numpy-financial's annuity, every exit's outcome."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy_financial as npf
import pytest

from kiosk.lending.schedule import Method
from screens.chart import Outcome
from screens.journeys.calculator.chart import (
    CalcEvent,
    CalcLimits,
    CalcState,
    CalculatorFlow,
    Problem,
)

S, E = CalcState, CalcEvent
TODAY = dt.date(2026, 11, 28)


def started(**limits: object) -> CalculatorFlow:
    flow = CalculatorFlow(CalcLimits(**limits), today=lambda: TODAY)  # type: ignore[arg-type]
    flow.send(E.START)
    return flow


@pytest.mark.parametrize(("text", "problem"), [
    ("", Problem.EMPTY), ("999", Problem.TOO_SMALL), ("500001", Problem.TOO_LARGE),
    ("1000.005", Problem.NOT_A_NUMBER), ("1.2.3", Problem.NOT_A_NUMBER)])
def test_an_amount_out_of_range_keeps_the_farmer_on_the_step(text: str,
                                                             problem: Problem) -> None:
    flow = started()
    assert flow.enter_amount(text) is problem
    assert flow.state is S.AMOUNT and flow.amount is None and flow.problem is problem


def test_the_limits_are_inclusive_and_configurable() -> None:
    flow = started(min_amount=Decimal("500"), max_amount=Decimal("800"), max_months=6)
    assert flow.enter_amount("800") is None and flow.amount == Decimal("800")
    assert flow.enter_months("7") is Problem.TOO_LARGE
    assert flow.enter_months("6") is None and flow.state is S.RATE


def test_equal_installment_matches_the_annuity_formula() -> None:
    flow = started()
    flow.enter_amount("30000")
    flow.enter_months("12")
    assert flow.enter_rate_percent("4.35") is None
    flow.choose_method(Method.EQUAL_INSTALLMENT)
    assert flow.state is S.RESULT
    schedule, rate = flow.result()
    pmt = Decimal(str(-npf.pmt(0.0435 / 12, 12, 30000))).quantize(Decimal("0.01"))
    assert schedule.installments[1].payment == pmt
    assert sum(i.principal for i in schedule.installments) == Decimal("30000.00")
    assert schedule.total_interest == schedule.total_payment - Decimal("30000.00")
    assert rate.compound > rate.simple > Decimal("0.04")


def test_equal_principal_costs_less_interest_than_equal_installment() -> None:
    totals = {}
    for method in (Method.EQUAL_INSTALLMENT, Method.EQUAL_PRINCIPAL, Method.INTEREST_FIRST):
        flow = started()
        flow.enter_amount("100000")
        flow.enter_months("24")
        flow.enter_rate_percent("6")
        flow.choose_method(method)
        totals[method] = flow.result()[0].total_interest
    assert (totals[Method.EQUAL_PRINCIPAL] < totals[Method.EQUAL_INSTALLMENT]
            < totals[Method.INTEREST_FIRST])


def test_back_walks_the_steps_and_keeps_what_was_keyed() -> None:
    flow = started()
    flow.enter_amount("30000")
    flow.enter_months("12")
    flow.send(E.BACK)
    assert flow.state is S.TERM and flow.months == 12
    flow.send(E.BACK)
    assert flow.state is S.AMOUNT and flow.amount == Decimal("30000")
    flow.send(E.BACK)  # 返回 on the first step leaves the calculator
    assert flow.finished and flow.outcome is Outcome.CANCELED


@pytest.mark.parametrize(("event", "outcome"), [
    (E.CANCEL, Outcome.CANCELED), (E.IDLE_TIMEOUT, Outcome.TIMED_OUT),
    (E.FINISH, Outcome.DONE)])
def test_every_exit_has_its_outcome(event: CalcEvent, outcome: Outcome) -> None:
    flow = started()
    flow.enter_amount("30000")
    flow.enter_months("12")
    flow.enter_rate_percent("4.35")
    flow.choose_method(Method.EQUAL_PRINCIPAL)
    flow.send(E.SHOW_SCHEDULE)
    flow.send(event)
    assert flow.finished and flow.outcome is outcome


def test_printing_returns_to_the_result() -> None:
    flow = started()
    flow.enter_amount("30000")
    flow.enter_months("12")
    flow.enter_rate_percent("4.35")
    flow.choose_method(Method.EQUAL_INSTALLMENT)
    flow.send(E.PRINT)
    assert flow.state is S.PRINTING and not flow.can(E.CANCEL)  # no exit mid-print
    flow.send(E.PRINTED)
    assert flow.state is S.RESULT
