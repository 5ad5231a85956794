"""The calculator chart (Qt-free): AMOUNT -> TERM -> RATE -> METHOD -> RESULT (<-> SCHEDULE,
PRINTING) -> ENDED. 返回 goes one step back; 取消 and the idle timeout end the journey.

The figures are checked against the limits on the way (a value out of range keeps the farmer
on the step with the reason) and the schedule is computed by :mod:`kiosk.lending`: the same
code the receipts and the host simulator's tests rely on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import Enum, auto
from types import MappingProxyType
from typing import ClassVar

from kiosk.lending.apr import AnnualRate, annual_rate
from kiosk.lending.schedule import LoanTerms, Method, Schedule, build_schedule
from screens.chart import FlowChart, Outcome, from_each

#: The methods offered, in plain words (at most three choices on a screen).
METHODS = (Method.EQUAL_INSTALLMENT, Method.EQUAL_PRINCIPAL, Method.INTEREST_FIRST)


class CalcState(Enum):
    IDLE = auto()
    AMOUNT = auto()
    TERM = auto()
    RATE = auto()
    METHOD = auto()
    RESULT = auto()
    SCHEDULE = auto()
    PRINTING = auto()
    ENDED = auto()


class CalcEvent(Enum):
    START = auto()
    NEXT = auto()
    BACK = auto()
    CHOSEN = auto()
    SHOW_SCHEDULE = auto()
    PRINT = auto()
    PRINTED = auto()
    FINISH = auto()
    CANCEL = auto()
    IDLE_TIMEOUT = auto()


S, E = CalcState, CalcEvent
INPUTS = (S.AMOUNT, S.TERM, S.RATE, S.METHOD)


@dataclass(frozen=True)
class CalcLimits:
    """What the keypad accepts (yuan, months, annual rate as a fraction)."""

    min_amount: Decimal = Decimal("1000")
    max_amount: Decimal = Decimal("500000")
    min_months: int = 1
    max_months: int = 60
    default_rate: Decimal = Decimal("0.0435")
    max_rate: Decimal = Decimal("0.24")


class Problem(Enum):
    """Why a keyed figure is not taken (farmer words: ``calc.problem.<name>``)."""

    EMPTY = "empty"
    TOO_SMALL = "too_small"
    TOO_LARGE = "too_large"
    NOT_A_NUMBER = "not_a_number"

    @property
    def msgid(self) -> str:
        return f"calc.problem.{self.value}"


class CalculatorFlow(FlowChart[CalcState, CalcEvent]):
    """Holds the figures; ``result()`` is the schedule and its annual rate."""

    initial = S.IDLE
    final = frozenset({S.ENDED})
    transitions: ClassVar[Mapping[tuple[Enum, Enum], Enum]] = MappingProxyType({
        (S.IDLE, E.START): S.AMOUNT,
        (S.AMOUNT, E.NEXT): S.TERM,
        (S.TERM, E.NEXT): S.RATE,
        (S.RATE, E.NEXT): S.METHOD,
        (S.METHOD, E.CHOSEN): S.RESULT,
        (S.TERM, E.BACK): S.AMOUNT,
        (S.RATE, E.BACK): S.TERM,
        (S.METHOD, E.BACK): S.RATE,
        (S.RESULT, E.BACK): S.METHOD,
        (S.RESULT, E.SHOW_SCHEDULE): S.SCHEDULE,
        (S.SCHEDULE, E.BACK): S.RESULT,
        (S.RESULT, E.PRINT): S.PRINTING,
        (S.PRINTING, E.PRINTED): S.RESULT,
        **from_each((S.RESULT, S.SCHEDULE), E.FINISH, S.ENDED),
        **from_each((*INPUTS, S.RESULT, S.SCHEDULE), E.CANCEL, S.ENDED),
        (S.AMOUNT, E.BACK): S.ENDED,
        **from_each((*INPUTS, S.RESULT, S.SCHEDULE), E.IDLE_TIMEOUT, S.ENDED),
    })

    def __init__(self, limits: CalcLimits = CalcLimits(),
                 today: Callable[[], dt.date] = dt.date.today) -> None:
        super().__init__()
        self.limits = limits
        self._today = today
        self.amount: Decimal | None = None
        self.months: int | None = None
        self.rate: Decimal = limits.default_rate
        self.method: Method | None = None
        self.outcome: Outcome | None = None
        self.problem: Problem | None = None
        self._result: tuple[Schedule, AnnualRate] | None = None

    # --- inputs -------------------------------------------------------------------------------

    def enter_amount(self, text: str) -> Problem | None:
        """The amount keyed in yuan (whole yuan or with fen)."""
        value = _decimal(text)
        lim = self.limits
        problem = _check(value, lim.min_amount, lim.max_amount)
        if problem is None and value is not None and value != value.quantize(Decimal("0.01")):
            problem = Problem.NOT_A_NUMBER
        return self._take(problem, "amount", value)

    def enter_months(self, text: str) -> Problem | None:
        value = _decimal(text)
        lim = self.limits
        problem = _check(value, Decimal(lim.min_months), Decimal(lim.max_months))
        if problem is None and value is not None and value != value.to_integral_value():
            problem = Problem.NOT_A_NUMBER
        return self._take(problem, "months", None if value is None else int(value))

    def enter_rate_percent(self, text: str) -> Problem | None:
        """The annual rate keyed in percent ('4.35')."""
        value = _decimal(text)
        problem = _check(value, Decimal("0.01"), self.limits.max_rate * 100)
        rate = None if value is None else (value / 100).quantize(Decimal("0.000001"))
        return self._take(problem, "rate", rate)

    def _take(self, problem: Problem | None, field: str, value: object) -> Problem | None:
        self.problem = problem
        if problem is None:
            setattr(self, field, value)
            self._result = None
            self.send(E.NEXT)
        return problem

    def choose_method(self, method: Method) -> None:
        self.method = method
        self._result = None
        self.send(E.CHOSEN)

    # --- the figures --------------------------------------------------------------------------

    def terms(self) -> LoanTerms:
        assert self.amount is not None and self.months is not None and self.method is not None
        return LoanTerms(self.amount, self.months, self.rate, self.method, self._today())

    def result(self) -> tuple[Schedule, AnnualRate]:
        if self._result is None:
            schedule = build_schedule(self.terms())
            self._result = (schedule, annual_rate(schedule))
        return self._result

    # --- hooks --------------------------------------------------------------------------------

    def on_enter_ended(self, source: CalcState, event: CalcEvent) -> None:
        self.outcome = {
            E.FINISH: Outcome.DONE,
            E.IDLE_TIMEOUT: Outcome.TIMED_OUT,
        }.get(event, Outcome.CANCELED)


def _decimal(text: str) -> Decimal | None:
    text = text.strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return Decimal("NaN")
    return value


def _check(value: Decimal | None, low: Decimal, high: Decimal) -> Problem | None:
    if value is None:
        return Problem.EMPTY
    if not value.is_finite():
        return Problem.NOT_A_NUMBER
    if value < low:
        return Problem.TOO_SMALL
    if value > high:
        return Problem.TOO_LARGE
    return None
