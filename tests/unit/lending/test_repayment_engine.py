"""The kiosk's repayment check (kiosk/lending/repayment.py) against the reference's worked
examples (lending_rules.md §1.9, §2.1, Appendix A) and against the host simulator's ledger
(an independent implementation) for every kind of repayment on many days."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal as D
from types import SimpleNamespace
from typing import Any

import pytest

from kiosk.lending.repayment import (
    Breakdown,
    LoanRules,
    PrepayOption,
    RepaymentError,
    cross_check,
    expected,
)
from kiosk.lending.schedule import Method
from peripherals_sim.bank_host import ledger


def host_loan(start: dt.date, paid: int, amount: str = "50000.00", months: int = 12,
              method: str = "equal-installment") -> ledger.Loan:
    terms = ledger.Terms(D("0.0435"), 360, "monthly", 3, D("1.5"))
    loan = ledger.Loan.open("JJ1", "HT1", "C1", "SJLD", D(amount), months, method, start,
                            start.day, terms, "6217991000001234561")
    for k in range(paid):
        due = loan.installments[k].due_date
        ledger.repay(loan, "due", due, ledger.quote(loan, "due", due).amount)
    return loan


def rows_of(loan: ledger.Loan, t: dt.date) -> list[Any]:
    """The schedule rows as ``GET /v1/loans/{id}/schedule`` gives them."""
    out = []
    for i in loan.installments:
        pen, comp = loan.penalties(i, t)
        status = "PAID" if i.settled else ("OVERDUE" if i.due_date < t else "FUTURE")
        out.append(SimpleNamespace(
            n=i.n, due_date=i.due_date, status=status, principal=i.principal,
            interest=i.interest, payment=i.payment, principal_paid=i.principal_paid,
            interest_paid=i.interest_paid, penalty_accrued=pen, penalty_paid=i.penalty_paid,
            compound_accrued=comp, compound_paid=i.compound_paid))
    return out


def rules_of(loan: ledger.Loan) -> LoanRules:
    return LoanRules(loan.terms.annual_rate, Method(loan.method), loan.start_date,
                     loan.due_day, 360, 3, D("1.5"))


def host_quote(loan: ledger.Loan, kind: str, t: dt.date, amount: D | None = None,
               option: str | None = None) -> Any:
    """The host's quote in the shape of ``RepaymentQuoteResponse``."""
    q = ledger.quote(loan, kind, t, amount, option)
    return SimpleNamespace(breakdown=SimpleNamespace(**q.breakdown), amount=q.amount,
                           outstanding_principal_after=q.principal_after,
                           new_installment=q.new_installment, new_term=q.new_term)


def test_overdue_installment_is_the_references_worked_example() -> None:
    # installment 2 of the regular 50,000 / 12 / 4.35% schedule unpaid for 30 days (§2.1)
    loan = host_loan(dt.date(2025, 11, 21), paid=1)
    t = dt.date(2026, 2, 20)
    mine = expected("overdue", rows_of(loan, t), rules_of(loan), t)
    assert mine.breakdown == Breakdown(D("0"), D("0.91"), D("22.29"), D("166.44"),
                                       D("4099.06"))
    assert mine.amount == D("4288.70")
    assert [(i.n, i.days) for i in mine.overdue] == [(2, 30)]
    assert cross_check(host_quote(loan, "overdue", t), mine) == []


def test_payoff_to_the_day_and_partial_repayment_are_the_references() -> None:
    # after the 3rd installment, everything repaid 17 days later (§1.9 "Early full repayment")
    loan = host_loan(dt.date(2025, 3, 21), paid=3)
    t = dt.date(2025, 7, 8)
    rows, rules = rows_of(loan, t), rules_of(loan)
    payoff = expected("payoff", rows, rules, t)
    assert (payoff.breakdown.interest, payoff.breakdown.principal) == (D("77.45"),
                                                                     D("37702.78"))
    assert payoff.amount == D("37780.23") and payoff.principal_after == 0
    assert cross_check(host_quote(loan, "payoff", t), payoff) == []
    # 10,000 early on the same day: interest first, principal 9,922.55, balance 27,780.23
    lower = expected("partial", rows, rules, t, D("10000.00"), "lower_installment")
    assert (lower.breakdown.interest, lower.breakdown.principal) == (D("77.45"), D("9922.55"))
    assert lower.principal_after == D("27780.23")
    assert lower.new_installment == D("3142.91") and lower.new_term == 9
    shorter = expected("partial", rows, rules, t, D("10000.00"), PrepayOption.SHORTER_TERM)
    assert shorter.new_installment == D("4265.50") and shorter.new_term == 7  # 6.6 -> 7
    assert shorter.interest_saved > lower.interest_saved > 0
    for option, mine in (("lower_installment", lower), ("shorter_term", shorter)):
        assert cross_check(host_quote(loan, "partial", t, D("10000.00"), option), mine) == []


@pytest.mark.parametrize("method", ["equal-installment", "equal-principal", "interest-first"])
def test_every_kind_agrees_with_the_host_ledger_on_many_days(method: str) -> None:
    loan = host_loan(dt.date(2025, 10, 10), paid=2, months=12, method=method)
    start = loan.installments[1].due_date  # the last paid one, paid on the day
    for offset in range(0, 80, 3):
        t = start + dt.timedelta(days=offset)
        rows, rules = rows_of(loan, t), rules_of(loan)
        kinds = ["due", "payoff"] + (["overdue"] if any(
            r.due_date < t and r.status != "PAID" for r in rows) else [])
        for kind in kinds:
            assert cross_check(host_quote(loan, kind, t), expected(kind, rows, rules, t)) == [], \
                (method, t, kind)
        options = ["lower_installment"] + (["shorter_term"] if method != "interest-first"
                                           else [])
        for option in options:
            amount = D("5000.00")
            try:
                mine = expected("partial", rows, rules, t, amount, option)
            except RepaymentError:
                continue
            assert cross_check(host_quote(loan, "partial", t, amount, option), mine) == [], \
                (method, t, option)


def test_the_check_catches_a_host_off_by_one_fen() -> None:
    loan = host_loan(dt.date(2025, 11, 21), paid=1)
    t = dt.date(2026, 2, 20)
    mine = expected("overdue", rows_of(loan, t), rules_of(loan), t)
    quote = host_quote(loan, "overdue", t)
    quote.breakdown.penalty += D("0.01")
    quote.amount += D("0.01")
    found = {m.what for m in cross_check(quote, mine)}
    assert found == {"penalty", "amount"}
    quote = host_quote(loan, "overdue", t)
    quote.breakdown.compound -= D("0.01")  # one bucket off, the total as quoted
    assert {m.what for m in cross_check(quote, dataclasses.replace(mine))} == {"compound"}


def test_nothing_owed_and_too_small_an_amount_are_refused() -> None:
    loan = host_loan(dt.date(2025, 3, 21), paid=3)
    t = dt.date(2025, 7, 8)
    with pytest.raises(RepaymentError):
        expected("overdue", rows_of(loan, t), rules_of(loan), t)
    with pytest.raises(RepaymentError):
        expected("partial", rows_of(loan, t), rules_of(loan), t, D("50.00"))
    with pytest.raises(RepaymentError):
        expected("partial", rows_of(loan, t), rules_of(loan), t, D("40000.00"))
