"""What a repayment of a booked loan should cost, from the host's own schedule (贷款还款,
lending_rules.md §1.7 and §2): the kiosk's independent check of the host's quote.

The host prices a repayment (``POST /v1/repayments/quote``); before the farmer confirms, the
kiosk recomputes it from the loan's schedule rows (``GET /v1/loans/{id}/schedule``: planned and
paid buckets per period) and the product's rules, and refuses to go on when any line differs
by more than a fen (:func:`cross_check`).

- 罚息 (penalty) = overdue principal x annual rate x penalty multiplier / day basis x days
  overdue, from the due date once the grace days are over (reference §2.1, §2.4);
- 复利 (compound) = unpaid interest of an overdue period at the same penalty rate;
- allocation: the oldest period first, within it fees -> 复利 -> 罚息 -> 利息 -> 本金 (§2.3);
- early repayment: interest to the day on the principal not yet due (from the last due date,
  or the disbursement), then principal; the rest is re-amortised keeping the term (lower
  installment) or keeping the installment (shorter term) (§1.7).

A period the host has already part-paid after it fell overdue carries penalties the host
booked at that payment (its ``penalty_accrued``); for such a period the host's accrued figure
is taken as given (the kiosk cannot see when the part payment happened).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal, localcontext
from enum import StrEnum
from typing import Any

from kiosk.lending.dates import add_months
from kiosk.lending.money import CONTEXT, ZERO, fen
from kiosk.lending.schedule import Installment, LoanTerms, Method, amortise

#: The buckets of a repayment, in the order a payment fills them within one period.
BUCKETS = ("fees", "compound", "penalty", "interest", "principal")
#: The host's figures must agree with the kiosk's to the fen: a difference of one fen or more
#: is a mismatch (both round every line to the fen, so honest figures agree exactly).
TOLERANCE = Decimal("0.01")


class RepayKind(StrEnum):
    DUE = "due"            # the installment of the running period (or everything due)
    OVERDUE = "overdue"    # every overdue amount with 罚息 and 复利
    PARTIAL = "partial"    # part of the loan early
    PAYOFF = "payoff"      # everything today


class PrepayOption(StrEnum):
    SHORTER_TERM = "shorter_term"            # 缩期: the installment stays
    LOWER_INSTALLMENT = "lower_installment"  # 减额: the term stays


@dataclass(frozen=True)
class LoanRules:
    """What a loan is priced with (the loan's rate, its product's rules)."""

    annual_rate: Decimal
    method: Method
    start: dt.date
    due_day: int | None = None
    day_basis: int = 360
    grace_days: int = 0
    penalty_multiplier: Decimal = Decimal("1.5")
    prepay_fee_rate: Decimal = ZERO

    @property
    def daily(self) -> Decimal:
        with localcontext(CONTEXT):
            return self.annual_rate / self.day_basis

    @property
    def penalty_daily(self) -> Decimal:
        with localcontext(CONTEXT):
            return self.annual_rate * self.penalty_multiplier / self.day_basis


@dataclass(frozen=True)
class Breakdown:
    """What a repayment pays, by bucket."""

    fees: Decimal = ZERO
    compound: Decimal = ZERO
    penalty: Decimal = ZERO
    interest: Decimal = ZERO
    principal: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.fees + self.compound + self.penalty + self.interest + self.principal

    def plus(self, other: Breakdown) -> Breakdown:
        return Breakdown(*(getattr(self, b) + getattr(other, b) for b in BUCKETS))

    @classmethod
    def of(cls, obj: Any) -> Breakdown:
        """From anything with the five bucket attributes (the host's ``Breakdown``)."""
        return cls(*(_dec(getattr(obj, b)) for b in BUCKETS))


@dataclass(frozen=True)
class Expected:
    """The kiosk's figures for one repayment."""

    kind: RepayKind
    as_of: dt.date
    breakdown: Breakdown
    principal_after: Decimal
    option: PrepayOption | None = None
    #: partial repayment: the re-amortised rest and what it saves
    new_rows: tuple[Installment, ...] = ()
    interest_before: Decimal = ZERO  # interest still to pay without the early repayment
    interest_after: Decimal = ZERO   # interest paid now and later with it
    overdue: tuple[OverdueItem, ...] = field(default_factory=tuple)

    @property
    def amount(self) -> Decimal:
        return self.breakdown.total

    @property
    def new_installment(self) -> Decimal | None:
        return self.new_rows[0].payment if self.new_rows else None

    @property
    def new_term(self) -> int | None:
        return len(self.new_rows) if self.new_rows else None

    @property
    def interest_saved(self) -> Decimal:
        return self.interest_before - self.interest_after

    @property
    def last_due_date(self) -> dt.date | None:
        return self.new_rows[-1].due_date if self.new_rows else None


@dataclass(frozen=True)
class OverdueItem:
    """One overdue period: what is left of it and its 罚息 / 复利 to the day."""

    n: int
    due_date: dt.date
    days: int
    owed: Breakdown


class RepaymentError(ValueError):
    """The repayment cannot be priced from these rows (nothing owed, amount too small...)."""


def _dec(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _left(row: Any, bucket: str) -> Decimal:
    return _dec(getattr(row, bucket)) - _dec(getattr(row, f"{bucket}_paid"))


def _settled(row: Any) -> bool:
    return row.status == "PAID" or (_left(row, "principal") <= 0 and _left(row, "interest") <= 0
                                    and _dec(row.penalty_accrued) <= _dec(row.penalty_paid)
                                    and _dec(row.compound_accrued) <= _dec(row.compound_paid))


def owed(row: Any, rules: LoanRules, on: dt.date) -> Breakdown:
    """What is left of period ``row`` on ``on``: 复利 and 罚息 to the day when overdue."""
    principal, interest = _left(row, "principal"), _left(row, "interest")
    days = (on - row.due_date).days
    penalty = compound = ZERO
    if days > 0 and days > rules.grace_days:
        part_paid = (_dec(row.principal_paid) > 0 or _dec(row.interest_paid) > 0
                     or _dec(row.penalty_paid) > 0 or _dec(row.compound_paid) > 0)
        if part_paid:  # penalties booked at the part payment: the host's figure
            penalty = _dec(row.penalty_accrued) - _dec(row.penalty_paid)
            compound = _dec(row.compound_accrued) - _dec(row.compound_paid)
        else:
            with localcontext(CONTEXT):
                penalty = fen(principal * rules.penalty_daily * days)
                compound = fen(interest * rules.penalty_daily * days)
    return Breakdown(ZERO, compound, penalty, interest, principal)


def overdue_items(rows: Sequence[Any], rules: LoanRules, on: dt.date) -> tuple[OverdueItem, ...]:
    return tuple(OverdueItem(r.n, r.due_date, (on - r.due_date).days, owed(r, rules, on))
                 for r in rows if r.due_date < on and not _settled(r))


def _arrears(rows: Sequence[Any], rules: LoanRules, on: dt.date, strict: bool) -> Breakdown:
    total = Breakdown()
    for r in rows:
        if not _settled(r) and (r.due_date < on if strict else r.due_date <= on):
            total = total.plus(owed(r, rules, on))
    return total


def _future(rows: Sequence[Any], on: dt.date) -> list[Any]:
    return [r for r in rows if r.due_date > on and not _settled(r)]


def _period_start(rows: Sequence[Any], current: Any, rules: LoanRules) -> dt.date:
    before = [r.due_date for r in rows if r.due_date < current.due_date]
    return max(before) if before else rules.start


def accrued_interest(rows: Sequence[Any], rules: LoanRules, on: dt.date) -> Decimal:
    """Interest of the running period to the day, on the principal not yet due."""
    future = _future(rows, on)
    if not future:
        return ZERO
    current = future[0]
    start = _period_start(rows, current, rules)
    if on <= start:
        return ZERO
    base = sum((_left(r, "principal") for r in future), ZERO)
    with localcontext(CONTEXT):
        accrued = fen(base * rules.daily * (on - start).days)
    return max(accrued - _dec(current.interest_paid), ZERO)


def expected(kind: RepayKind | str, rows: Sequence[Any], rules: LoanRules, on: dt.date,
             amount: Decimal | None = None,
             option: PrepayOption | str | None = None) -> Expected:
    """The kiosk's figures for a repayment of ``kind`` on ``on`` (``amount`` for partial)."""
    kind = RepayKind(kind)
    outstanding = sum((_left(r, "principal") for r in rows if not _settled(r)), ZERO)
    items = overdue_items(rows, rules, on)
    if kind is RepayKind.PARTIAL:
        if amount is None:
            raise RepaymentError("a partial repayment needs an amount")
        return _partial(rows, rules, on, amount,
                        PrepayOption(option or PrepayOption.LOWER_INSTALLMENT), outstanding,
                        items)
    bd = _arrears(rows, rules, on, strict=kind is RepayKind.OVERDUE)
    future = _future(rows, on)
    if kind is RepayKind.DUE and not any(
            r.due_date <= on and not _settled(r) for r in rows) and future:
        bd = bd.plus(owed(future[0], rules, on))
    elif kind is RepayKind.PAYOFF:
        principal = sum((_left(r, "principal") for r in future), ZERO)
        with localcontext(CONTEXT):
            fee = fen(principal * rules.prepay_fee_rate)
        bd = bd.plus(Breakdown(fee, ZERO, ZERO, accrued_interest(rows, rules, on), principal))
    if bd.total <= 0:
        raise RepaymentError("nothing is owed")
    return Expected(kind, on, bd, outstanding - bd.principal, overdue=items)


def _partial(rows: Sequence[Any], rules: LoanRules, on: dt.date, amount: Decimal,
             option: PrepayOption, outstanding: Decimal,
             items: tuple[OverdueItem, ...]) -> Expected:
    arrears = _arrears(rows, rules, on, strict=False)
    future = _future(rows, on)
    if not future:
        raise RepaymentError("nothing left to repay early")
    accrued = accrued_interest(rows, rules, on)
    balance = sum((_left(r, "principal") for r in future), ZERO)
    budget = amount - arrears.total - accrued
    if budget <= 0:
        raise RepaymentError("the amount does not cover what is due and the interest to the day")
    with localcontext(CONTEXT):
        rate = rules.prepay_fee_rate
        principal = min(fen(budget / (1 + rate)) if rate else budget, balance)
    fee = budget - principal
    if principal >= balance:
        raise RepaymentError("the amount repays the whole loan: pay everything back")
    new_balance = balance - principal
    bd = arrears.plus(Breakdown(fee, ZERO, ZERO, accrued, principal))
    current = future[0]
    start = _period_start(rows, current, rules)
    begin = max(on, start)
    dates = [r.due_date for r in future]
    terms = LoanTerms(amount=new_balance, months=len(dates), annual_rate=rules.annual_rate,
                      method=rules.method, start=begin, due_day=rules.due_day,
                      day_basis=rules.day_basis)
    level: Decimal | None = None
    open_ended = False
    if option is PrepayOption.SHORTER_TERM and len(future) > 1:
        if rules.method is Method.EQUAL_INSTALLMENT:
            level, open_ended = _dec(current.payment), True
        elif rules.method is Method.EQUAL_PRINCIPAL:  # the same principal, fewer periods
            per = _dec(current.principal)
            months = int((new_balance / per).to_integral_value(ROUND_CEILING))
            dates = dates[:max(1, min(months, len(dates)))]
            terms = dataclasses.replace(terms, months=len(dates))
    with localcontext(CONTEXT):
        new_rows, _ = amortise(terms, new_balance, begin, dates,
                               first_full=add_months(begin, 1) == dates[0],
                               installment=level, first_number=current.n + 1,
                               open_ended=open_ended)
    before = sum((_left(r, "interest") for r in future), ZERO)
    after = accrued + sum((r.interest for r in new_rows), ZERO)
    return Expected(RepayKind.PARTIAL, on, bd, outstanding - bd.principal, option,
                    tuple(new_rows), before, after, items)


@dataclass(frozen=True)
class Mismatch:
    """One figure where the host and the kiosk disagree by more than a fen."""

    what: str
    host: Decimal | int | None
    kiosk: Decimal | int | None

    def __str__(self) -> str:
        return f"{self.what}: host {self.host} kiosk {self.kiosk}"


def cross_check(quote: Any, mine: Expected, tolerance: Decimal = TOLERANCE) -> list[Mismatch]:
    """Compare the host's quote (``RepaymentQuoteResponse``) with the kiosk's figures: each
    bucket, the total, the principal left, and for a partial repayment the new installment
    and term. Empty: they agree to the fen (no difference of ``tolerance`` or more)."""
    out: list[Mismatch] = []
    host_bd = Breakdown.of(quote.breakdown)
    pairs: list[tuple[str, Decimal | None, Decimal | None]] = [
        (b, getattr(host_bd, b), getattr(mine.breakdown, b)) for b in BUCKETS]
    pairs.append(("amount", _dec(quote.amount), mine.amount))
    pairs.append(("principal_after", _dec(quote.outstanding_principal_after),
                  mine.principal_after))
    if mine.kind is RepayKind.PARTIAL:
        host_inst = None if quote.new_installment is None else _dec(quote.new_installment)
        pairs.append(("new_installment", host_inst, mine.new_installment))
        if quote.new_term != mine.new_term:
            out.append(Mismatch("new_term", quote.new_term, mine.new_term))
    for what, host, kiosk in pairs:
        if host is None or kiosk is None:
            if host != kiosk:
                out.append(Mismatch(what, host, kiosk))
        elif abs(host - kiosk) >= tolerance:
            out.append(Mismatch(what, host, kiosk))
    return out


__all__ = ["BUCKETS", "Breakdown", "Expected", "LoanRules", "Mismatch", "OverdueItem",
           "PrepayOption", "RepayKind", "RepaymentError", "accrued_interest", "cross_check",
           "expected", "overdue_items", "owed"]
