"""Properties of the simulator's ledger over generated loans and payments (hypothesis)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from peripherals_sim.bank_host import ledger
from peripherals_sim.bank_host.ledger import METHODS, Loan, Terms, build_schedule

amounts = st.integers(min_value=100_00, max_value=500_000_00).map(lambda f: D(f) / 100)
rates = st.integers(min_value=0, max_value=2400).map(lambda bp: D(bp) / 10000)
terms_ = st.integers(min_value=1, max_value=60)
starts = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2027, 12, 31))
due_days = st.one_of(st.none(), st.integers(min_value=1, max_value=28))
methods = st.sampled_from(METHODS)
conventions = st.sampled_from(("monthly", "actual"))
FAST = settings(max_examples=60, deadline=None)


def _loan(amount: D, rate: D, months: int, method: str, start: dt.date, due_day: int | None,
          conv: str = "monthly", grace: int = 0) -> Loan:
    if method == "bullet":
        months = min(months, 12)
    return Loan.open("L", "C", "c", "P", amount, months, method, start, due_day,
                     Terms(rate, convention=conv, grace_days=grace), "x")


@FAST
@given(amounts, rates, terms_, methods, starts, due_days, conventions)
def test_principal_of_a_schedule_sums_to_the_amount(amount: D, rate: D, months: int,
                                                    method: str, start: dt.date,
                                                    due_day: int | None, conv: str) -> None:
    sched = build_schedule(amount, months if method != "bullet" else min(months, 12), method,
                           Terms(rate, convention=conv), start, due_day)
    assert sum(i.principal for i in sched) == amount
    balance = amount
    for i in sched:
        balance -= i.principal
        assert balance >= 0 and i.principal >= 0 and i.interest >= 0
        assert i.principal == i.principal.quantize(D("0.01"))
    assert [i.due_date for i in sched] == sorted({i.due_date for i in sched})


@FAST
@given(amounts, rates, terms_, methods, starts, due_days,
       st.integers(min_value=0, max_value=800),
       st.lists(st.integers(min_value=1, max_value=2_000_000_00), min_size=1, max_size=4),
       st.sampled_from(("lower_installment", "shorter_term")))
def test_allocations_never_create_or_lose_a_fen(amount: D, rate: D, months: int, method: str,
                                                start: dt.date, due_day: int | None,
                                                offset: int, payments: list[int],
                                                option: str) -> None:
    loan = _loan(amount, rate, months, method, start, due_day, grace=1)
    day = start + dt.timedelta(days=offset)
    for fen_amount in payments:
        if loan.status(day) == "CLOSED":
            break
        payoff = ledger.quote(loan, "payoff", day).amount
        pay = min(D(fen_amount) / 100, payoff)
        before = loan.outstanding_principal
        paid = ledger.repay(loan, "partial", day, pay, option)
        assert sum(paid.values()) == pay
        assert all(v >= 0 for v in paid.values())
        assert before - loan.outstanding_principal == paid["principal"]
        for i in loan.installments:
            assert i.principal_left >= 0 and i.interest_left >= 0 and i.fees_left >= 0
            assert i.penalty_paid <= i.penalty_accrued and i.compound_paid <= i.compound_accrued
        assert sum(i.principal for i in loan.installments) == amount
        day += dt.timedelta(days=17)


@FAST
@given(amounts, rates, terms_, methods, starts, due_days, st.integers(min_value=0, max_value=900),
       st.integers(min_value=0, max_value=4))
def test_repaying_the_payoff_amount_closes_the_loan(amount: D, rate: D, months: int,
                                                    method: str, start: dt.date,
                                                    due_day: int | None, offset: int,
                                                    grace: int) -> None:
    loan = _loan(amount, rate, months, method, start, due_day, grace=grace)
    day = start + dt.timedelta(days=offset)
    q = ledger.quote(loan, "payoff", day)
    paid = ledger.repay(loan, "payoff", day, q.amount)
    assert sum(paid.values()) == q.amount
    assert loan.status(day) == "CLOSED" and loan.outstanding_principal == 0
    assert ledger.loan_from_dict(ledger.loan_to_dict(loan)).status(day) == "CLOSED"


@FAST
@given(amounts, rates, terms_, methods, starts, due_days)
def test_paying_every_installment_on_its_due_date_closes_the_loan(
        amount: D, rate: D, months: int, method: str, start: dt.date,
        due_day: int | None) -> None:
    loan = _loan(amount, rate, months, method, start, due_day)
    total = D(0)
    for inst in list(loan.installments):
        if inst.settled:  # a zero row (interest-first at a zero rate): nothing falls due
            continue
        q = ledger.quote(loan, "due", inst.due_date)
        ledger.repay(loan, "due", inst.due_date, q.amount)
        total += q.amount
    assert loan.status(loan.installments[-1].due_date) == "CLOSED"
    assert total == sum(i.payment for i in loan.installments)
