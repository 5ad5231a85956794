"""Repayment schedules: 等额本息, 等额本金, 先息后本 and 利随本清 (lending_rules.md §1).

Conventions (the reference's recommended defaults, each a product setting where the reference
says the practice varies):

- monthly rate = annual / 12, daily rate = annual / ``day_basis`` (360, or 365);
- a full regular month accrues ``balance x annual/12``; a broken period (the first period when
  the repayment day differs from the disbursement day, a period after an early repayment)
  accrues ``balance x annual/basis x actual days`` (``InterestConvention.MONTHLY``); the
  ``ACTUAL`` convention accrues every period by actual days;
- every money line is rounded half up to the fen; the last installment takes the residual
  principal, so principal always sums to the amount;
- 等额本息 with a broken first period keeps the installment fixed and lets period 1's principal
  absorb the extra interest (Sunline), or (``FirstPeriod.EXTRA_INTEREST``) keeps the regular
  principal and adds the extra interest to installment 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext
from enum import StrEnum

from kiosk.lending.dates import add_months, due_dates
from kiosk.lending.money import CONTEXT, ZERO, fen

MAX_MONTHS = 360


class Method(StrEnum):
    """Repayment method; the values are the ``kiosk calc --method`` names."""

    EQUAL_INSTALLMENT = "equal-installment"  # 等额本息
    EQUAL_PRINCIPAL = "equal-principal"  # 等额本金
    INTEREST_FIRST = "interest-first"  # 先息后本 / 按月付息、到期还本
    BULLET = "bullet"  # 利随本清 / 到期一次还本付息


class InterestConvention(StrEnum):
    """How a period's interest is counted."""

    MONTHLY = "monthly"  # full months at annual/12, broken periods by actual days
    ACTUAL = "actual"  # every period by actual days / day basis


class FirstPeriod(StrEnum):
    """What 等额本息 does with the extra (or missing) interest of a broken first period."""

    FIXED_INSTALLMENT = "fixed-installment"  # principal_1 = installment - interest_1 (Sunline)
    EXTRA_INTEREST = "extra-interest"  # principal_1 regular, installment_1 = it + interest_1


class LoanTermsError(ValueError):
    """Loan terms that cannot make a schedule (the message says which field and why)."""


@dataclass(frozen=True)
class LoanTerms:
    """What a schedule is computed from. ``amount`` in yuan, ``annual_rate`` as a fraction."""

    amount: Decimal
    months: int
    annual_rate: Decimal
    method: Method
    start: date
    due_day: int | None = None
    day_basis: int = 360
    convention: InterestConvention = InterestConvention.MONTHLY
    first_period: FirstPeriod = FirstPeriod.FIXED_INSTALLMENT

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal) or not self.amount.is_finite():
            raise LoanTermsError("amount must be a Decimal")
        if self.amount <= 0:
            raise LoanTermsError("amount must be positive")
        if self.amount != fen(self.amount):
            raise LoanTermsError("amount must be whole fen (two decimals at most)")
        object.__setattr__(self, "amount", fen(self.amount))
        if not 1 <= self.months <= MAX_MONTHS:
            raise LoanTermsError(f"months must be between 1 and {MAX_MONTHS}")
        if not isinstance(self.annual_rate, Decimal) or not self.annual_rate.is_finite():
            raise LoanTermsError("annual_rate must be a Decimal")
        if not Decimal(0) <= self.annual_rate < Decimal(1):
            raise LoanTermsError("annual_rate is a fraction between 0 and 1 (0.0435 for 4.35%)")
        if self.due_day is not None and not 1 <= self.due_day <= 31:
            raise LoanTermsError("due_day must be between 1 and 31")
        if self.day_basis not in (360, 365):
            raise LoanTermsError("day_basis must be 360 or 365")

    @property
    def monthly_rate(self) -> Decimal:
        with localcontext(CONTEXT):
            return self.annual_rate / 12

    @property
    def daily_rate(self) -> Decimal:
        with localcontext(CONTEXT):
            return self.annual_rate / self.day_basis


@dataclass(frozen=True)
class Installment:
    """One line of a schedule; ``days`` is the length of its interest period."""

    n: int
    due_date: date
    days: int
    payment: Decimal
    principal: Decimal
    interest: Decimal
    balance: Decimal


@dataclass(frozen=True)
class Schedule:
    """A repayment schedule: the terms, the lines, and the regular installment (等额本息)."""

    terms: LoanTerms
    installments: tuple[Installment, ...]
    #: The period times in months used for the annual rate (1, 2, ... for regular periods).
    period_months: tuple[Decimal, ...]
    regular_installment: Decimal | None = None

    @property
    def total_interest(self) -> Decimal:
        return sum((i.interest for i in self.installments), ZERO)

    @property
    def total_payment(self) -> Decimal:
        return sum((i.payment for i in self.installments), ZERO)

    @property
    def total_principal(self) -> Decimal:
        return sum((i.principal for i in self.installments), ZERO)

    @property
    def first_due_date(self) -> date:
        return self.installments[0].due_date

    def balance_after(self, paid: int) -> Decimal:
        """Outstanding principal once the first ``paid`` installments are paid."""
        if paid <= 0:
            return self.terms.amount
        return self.installments[min(paid, len(self.installments)) - 1].balance


def annuity_payment(principal: Decimal, monthly_rate: Decimal, periods: int) -> Decimal:
    """The 等额本息 installment, rounded to the fen; ``(1+r)^N`` is never rounded."""
    with localcontext(CONTEXT):
        if monthly_rate == 0:
            return fen(principal / periods)
        growth = (1 + monthly_rate) ** periods
        return fen(principal * monthly_rate * growth / (growth - 1))


def _period_interest(
    terms: LoanTerms, balance: Decimal, days: int, full_month: bool
) -> Decimal:
    with localcontext(CONTEXT):
        if full_month and terms.convention is InterestConvention.MONTHLY:
            return fen(balance * terms.annual_rate / 12)
        return fen(balance * terms.annual_rate / terms.day_basis * days)


def _period_months(terms: LoanTerms, start: date, dates: Sequence[date], first_full: bool
                   ) -> tuple[Decimal, ...]:
    """Time of each payment in months from disbursement (for the IRR of the annual rate)."""
    with localcontext(CONTEXT):
        month_days = Decimal(terms.day_basis) / 12
        if terms.convention is InterestConvention.ACTUAL:
            return tuple(Decimal((d - start).days) / month_days for d in dates)
        first = Decimal(1) if first_full else Decimal((dates[0] - start).days) / month_days
        return tuple(first + k for k in range(len(dates)))


def amortise(
    terms: LoanTerms,
    balance: Decimal,
    accrual_start: date,
    dates: Sequence[date],
    *,
    first_full: bool,
    installment: Decimal | None = None,
    first_number: int = 1,
    open_ended: bool = False,
) -> tuple[list[Installment], Decimal | None]:
    """Lines that repay ``balance`` on ``dates`` (interest accrues from ``accrual_start``).

    ``installment`` fixes the 等额本息 installment (else the annuity over ``len(dates)``
    periods). With ``open_ended`` (a kept installment after an early repayment) the due dates
    run on monthly past ``dates`` until the balance is repaid.
    Returns the lines and the regular installment (等额本息) or the regular principal
    (等额本金).
    """
    method = terms.method
    count = len(dates)
    rate = terms.monthly_rate
    lines: list[Installment] = []
    regular: Decimal | None = None
    with localcontext(CONTEXT):
        if method is Method.EQUAL_INSTALLMENT:
            regular = installment if installment is not None else annuity_payment(
                balance, rate, count)
        elif method is Method.EQUAL_PRINCIPAL:
            regular = installment if installment is not None else fen(balance / count)
        if open_ended and method not in (Method.EQUAL_INSTALLMENT, Method.EQUAL_PRINCIPAL):
            raise LoanTermsError(f"{method} cannot keep its installment after a prepayment")
        anchor = terms.due_day or terms.start.day
        previous = accrual_start
        k = 0
        while (balance > 0) if open_ended else (k < count):
            if k >= MAX_MONTHS:
                raise LoanTermsError("the installment does not repay the loan")
            due = dates[k] if k < count else add_months(dates[0], k, anchor)
            full = first_full if k == 0 else True
            days = (due - previous).days
            interest = _period_interest(terms, balance, days, full)
            if method is Method.EQUAL_INSTALLMENT:
                assert regular is not None
                if k == 0 and not full and terms.first_period is FirstPeriod.EXTRA_INTEREST:
                    principal = regular - fen(balance * rate)
                else:
                    principal = regular - interest
            elif method is Method.EQUAL_PRINCIPAL:
                assert regular is not None
                principal = regular
            else:  # interest-first: principal at the end
                principal = ZERO
            principal = min(max(principal, ZERO), balance)
            if not open_ended and k == count - 1:
                principal = balance  # the last installment absorbs the rounding
            balance = balance - principal
            lines.append(Installment(first_number + k, due, days, principal + interest,
                                     principal, interest, balance))
            previous = due
            k += 1
    return lines, regular


def build_schedule(terms: LoanTerms) -> Schedule:
    """The schedule of a new loan (see the module docstring for the conventions)."""
    with localcontext(CONTEXT):
        if terms.method is Method.BULLET:
            maturity = add_months(terms.start, terms.months)
            days = (maturity - terms.start).days
            if terms.convention is InterestConvention.MONTHLY:
                interest = fen(terms.amount * terms.annual_rate * terms.months / 12)
                months: tuple[Decimal, ...] = (Decimal(terms.months),)
            else:
                interest = fen(terms.amount * terms.annual_rate / terms.day_basis * days)
                months = (Decimal(days) / (Decimal(terms.day_basis) / 12),)
            line = Installment(1, maturity, days, terms.amount + interest, terms.amount,
                               interest, ZERO)
            return Schedule(terms, (line,), months)
        dates = due_dates(terms.start, terms.months, terms.due_day)
        first_full = dates[0] == add_months(terms.start, 1)
        lines, regular = amortise(terms, terms.amount, terms.start, dates,
                                  first_full=first_full)
        return Schedule(
            terms,
            tuple(lines),
            _period_months(terms, terms.start, dates, first_full),
            regular if terms.method is Method.EQUAL_INSTALLMENT else None,
        )
