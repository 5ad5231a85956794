"""Early repayment estimates (提前还款, lending_rules.md §1.7).

Interest accrues to the repayment day by actual days (``balance x annual/basis x days`` since
the last paid due date, or since disbursement); a partial repayment pays that interest first,
then reduces the principal, and the rest is re-amortised: the same term with a lower
installment (减额，期限不变) or the same installment with fewer periods (缩期).

These are the kiosk's estimates for the calculator and the confirmation screens; the host
computes the binding amount to the day (it also knows overdue amounts and fees).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext
from enum import StrEnum

from kiosk.lending.money import CONTEXT, fen
from kiosk.lending.schedule import (
    Installment,
    LoanTermsError,
    Method,
    Schedule,
    amortise,
)


class PrepaymentMode(StrEnum):
    """How the rest of the loan is re-amortised after a partial early repayment."""

    KEEP_TERM = "keep-term"  # 减额，期限不变: lower installment, same number of periods
    KEEP_INSTALLMENT = "keep-installment"  # 缩期: same installment, fewer periods


@dataclass(frozen=True)
class Payoff:
    """What repays the whole loan on ``on``: principal, interest to the day, a fee."""

    on: date
    principal: Decimal
    interest: Decimal
    days: int
    fee: Decimal

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.fee


@dataclass(frozen=True)
class Prepayment:
    """A partial early repayment and the re-amortised rest of the loan."""

    on: date
    amount: Decimal
    interest: Decimal
    principal: Decimal
    new_balance: Decimal
    mode: PrepaymentMode
    installments: tuple[Installment, ...]

    @property
    def new_installment(self) -> Decimal:
        """The installment of the first regular period after the repayment."""
        lines = self.installments
        return lines[1].payment if len(lines) > 1 else lines[0].payment


def _accrual_start(schedule: Schedule, paid: int) -> date:
    if not 0 <= paid < len(schedule.installments):
        raise LoanTermsError("paid installments must leave at least one unpaid")
    return schedule.terms.start if paid == 0 else schedule.installments[paid - 1].due_date


def _accrued(schedule: Schedule, paid: int, on: date) -> tuple[Decimal, int]:
    since = _accrual_start(schedule, paid)
    if on < since:
        raise LoanTermsError("the repayment day is before the last paid due date")
    if on >= schedule.installments[paid].due_date:
        raise LoanTermsError("an installment is due or overdue on that day: ask the host")
    terms = schedule.terms
    days = (on - since).days
    with localcontext(CONTEXT):
        return fen(schedule.balance_after(paid) * terms.annual_rate / terms.day_basis * days), days


def payoff_estimate(schedule: Schedule, paid: int, on: date,
                    fee_rate: Decimal = Decimal(0)) -> Payoff:
    """Full early repayment on ``on`` once ``paid`` installments are paid.

    ``fee_rate`` is the contract's prepayment fee (违约金) on the repaid principal (default 0).
    """
    interest, days = _accrued(schedule, paid, on)
    principal = schedule.balance_after(paid)
    with localcontext(CONTEXT):
        fee = fen(principal * fee_rate)
    return Payoff(on, principal, interest, days, fee)


def partial_prepayment(schedule: Schedule, paid: int, on: date, amount: Decimal,
                       mode: PrepaymentMode = PrepaymentMode.KEEP_TERM) -> Prepayment:
    """Repay ``amount`` early on ``on``: interest to the day first, then principal.

    The remaining due dates stay; the first one after ``on`` accrues by actual days from
    ``on`` (a broken period). 先息后本 keeps its term (only the final principal shrinks);
    利随本清 has no installments to re-amortise and is refused.
    """
    terms = schedule.terms
    if terms.method is Method.BULLET:
        raise LoanTermsError("a bullet loan is repaid in full or not at all before maturity")
    if mode is PrepaymentMode.KEEP_INSTALLMENT and terms.method is Method.INTEREST_FIRST:
        raise LoanTermsError("interest-first loans can only keep their term")
    interest, _ = _accrued(schedule, paid, on)
    balance = schedule.balance_after(paid)
    if amount <= interest:
        raise LoanTermsError("the amount does not cover the interest accrued to the day")
    principal = amount - interest
    if principal >= balance:
        raise LoanTermsError("the amount repays the whole loan: use the payoff")
    new_balance = balance - principal
    remaining = [line.due_date for line in schedule.installments[paid:]]
    with localcontext(CONTEXT):
        fixed: Decimal | None = None
        if mode is PrepaymentMode.KEEP_INSTALLMENT:
            fixed = schedule.regular_installment
            if terms.method is Method.EQUAL_PRINCIPAL:
                fixed = schedule.installments[0].principal
        lines, _ = amortise(terms, new_balance, on, remaining, first_full=False,
                            installment=fixed, first_number=paid + 1,
                            open_ended=mode is PrepaymentMode.KEEP_INSTALLMENT)
    return Prepayment(on, amount, interest, principal, new_balance, mode, tuple(lines))


__all__ = ["Payoff", "Prepayment", "PrepaymentMode", "partial_prepayment",
           "payoff_estimate"]
