"""Properties of every schedule, and 等额本息 against numpy-financial (hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D
from itertools import pairwise

import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.lending import (
    InterestConvention,
    LoanTerms,
    LoanTermsError,
    Method,
    PrepaymentMode,
    annual_rate,
    build_schedule,
    fen,
    partial_prepayment,
    payoff_estimate,
)
from kiosk.lending.money import CONTEXT

amounts = st.integers(min_value=100_000, max_value=50_000_000).map(lambda c: D(c) / 100)
rates = st.integers(min_value=1, max_value=2400).map(lambda bp: D(bp) / 10000)  # 0.01%..24%
starts = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))
due_days = st.one_of(st.none(), st.integers(min_value=1, max_value=31))


def npf_fen(x: float) -> D:
    return fen(D(repr(float(x))))


@settings(max_examples=300, deadline=None)
@given(amount=amounts, months=st.integers(1, 36), rate=rates)
def test_equal_installment_agrees_with_numpy_financial_within_a_fen_per_line(amount, months,
                                                                              rate):
    """Lines 1..N-1: payment, interest and principal within a fen of npf (rounded to the fen).

    The last line takes the residual principal (the rounding the balance carried), which npf,
    working on unrounded balances, never has: it is checked against that carried rounding.
    """
    s = build_schedule(LoanTerms(amount, months, rate, Method.EQUAL_INSTALLMENT,
                                 date(2025, 1, 15)))
    r = float(rate) / 12
    per = list(range(1, months + 1))
    pmt = -npf.pmt(r, months, float(amount))
    ipmt = -npf.ipmt(r, per, months, float(amount))
    ppmt = -npf.ppmt(r, per, months, float(amount))
    fen_ = D("0.01")
    for k, line in enumerate(s.installments[:-1]):
        assert line.payment == npf_fen(pmt)
        assert abs(line.interest - npf_fen(ipmt[k])) <= fen_, (k, line)
        assert abs(line.principal - npf_fen(ppmt[k])) <= fen_, (k, line)
    # the last line takes the residual balance; what it differs from npf by is the rounding
    # the balance carried: at most a fen per period, compounded
    last = s.installments[-1]
    before = s.installments[-2].balance if months > 1 else amount
    assert last.principal == before
    carried = abs(before - npf_fen(ppmt[-1]))
    growth = sum((1 + D(r)) ** j for j in range(months))
    assert carried <= fen_ * growth
    assert abs(last.interest - npf_fen(ipmt[-1])) <= fen_


@settings(max_examples=60, deadline=None)
@given(amount=amounts, months=st.integers(37, 360), rate=rates)
def test_long_equal_installment_drift_from_numpy_financial_is_only_carried_rounding(
        amount, months, rate):
    """Long terms: each line's interest differs from npf by at most half a fen plus the
    interest on the rounding the balance has carried so far (npf never rounds)."""
    s = build_schedule(LoanTerms(amount, months, rate, Method.EQUAL_INSTALLMENT,
                                 date(2025, 1, 15)))
    r = D(float(rate)) / 12
    per = list(range(1, months + 1))
    ipmt = -npf.ipmt(float(rate) / 12, per, months, float(amount))
    ppmt = -npf.ppmt(float(rate) / 12, per, months, float(amount))
    exact_balance = float(amount)
    balance = amount
    for k, line in enumerate(s.installments):
        drift = abs(balance - D(exact_balance))
        assert abs(line.interest - D(float(ipmt[k]))) <= D("0.005") + r * drift + D("1e-6")
        balance = line.balance
        exact_balance -= float(ppmt[k])
    assert s.installments[0].payment == npf_fen(-npf.pmt(float(rate) / 12, months,
                                                         float(amount)))


@settings(max_examples=200, deadline=None)
@given(amount=amounts, months=st.integers(1, 120), rate=rates, method=st.sampled_from(Method),
       start=starts, due_day=due_days,
       convention=st.sampled_from(InterestConvention), basis=st.sampled_from([360, 365]))
def test_every_schedule_repays_exactly_the_amount(amount, months, rate, method, start, due_day,
                                                 convention, basis):
    s = build_schedule(LoanTerms(amount, months, rate, method, start, due_day=due_day,
                                 day_basis=basis, convention=convention))
    lines = s.installments
    assert s.total_principal == amount
    assert all(line.balance >= 0 for line in lines)
    assert lines[-1].balance == 0
    assert all(line.principal >= 0 and line.interest >= 0 for line in lines)
    assert all(line.payment == line.principal + line.interest for line in lines)
    assert s.total_payment == amount + s.total_interest
    assert all(line.payment.as_tuple().exponent == -2 for line in lines)
    # balances fall line by line, due dates rise
    balances = [amount] + [line.balance for line in lines]
    assert all(b1 <= b0 for b0, b1 in pairwise(balances))
    dates = [line.due_date for line in lines]
    assert dates == sorted(dates) and len(set(dates)) == len(dates) and dates[0] > start
    assert len(lines) == (1 if method is Method.BULLET else months)


@settings(max_examples=100, deadline=None)
@given(amount=amounts, months=st.integers(2, 60), rate=rates,
       method=st.sampled_from([Method.EQUAL_INSTALLMENT, Method.EQUAL_PRINCIPAL,
                               Method.INTEREST_FIRST]))
def test_compound_annual_rate_is_the_irr_of_the_cash_flows(amount, months, rate, method):
    s = build_schedule(LoanTerms(amount, months, rate, method, date(2025, 1, 15)))
    flows = [-float(amount)] + [float(line.payment) for line in s.installments]
    monthly = npf.irr(flows)
    got = annual_rate(s)
    assert abs(float(got.monthly) - monthly) < 1e-9
    assert abs(float(got.compound) - ((1 + monthly) ** 12 - 1)) < 1e-8
    assert got.simple == CONTEXT.multiply(got.monthly, 12)
    # a regular schedule costs its nominal rate, up to the fen rounding of its lines
    assert abs(got.simple - rate) < D("0.0005")


@settings(max_examples=100, deadline=None)
@given(amount=amounts, months=st.integers(1, 60), rate=rates, start=starts,
       due_day=st.integers(1, 31))
def test_annual_rate_of_a_broken_first_period_stays_near_the_nominal_rate(
        amount, months, rate, start, due_day):
    s = build_schedule(LoanTerms(amount, months, rate, Method.EQUAL_INSTALLMENT, start,
                                 due_day=due_day))
    got = annual_rate(s)
    with_ctx = CONTEXT.create_decimal(rate)
    assert abs(got.simple - with_ctx) < D("0.002") + D(1) / amount


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("amount", {"amount": D("0")}),
        ("amount", {"amount": D("-5")}),
        ("two decimals", {"amount": D("100.001")}),
        ("months", {"months": 0}),
        ("months", {"months": 361}),
        ("annual_rate", {"annual_rate": D("4.35")}),
        ("annual_rate", {"annual_rate": D("-0.01")}),
        ("due_day", {"due_day": 32}),
        ("day_basis", {"day_basis": 364}),
    ],
)
def test_impossible_terms_are_refused_with_the_field_named(field, kwargs):
    base = {"amount": D("1000"), "months": 12, "annual_rate": D("0.05"),
            "method": Method.EQUAL_INSTALLMENT, "start": date(2025, 1, 1)}
    with pytest.raises(LoanTermsError, match=field):
        LoanTerms(**{**base, **kwargs})


def test_zero_rate_schedule_is_principal_only():
    s = build_schedule(LoanTerms(D("1000"), 3, D("0"), Method.EQUAL_INSTALLMENT,
                                 date(2025, 1, 31)))
    assert [line.payment for line in s.installments] == [D("333.33"), D("333.33"), D("333.34")]
    assert s.total_interest == 0
    # due on the 31st, clamped to the end of shorter months, never drifting
    assert [line.due_date for line in s.installments] == [
        date(2025, 2, 28), date(2025, 3, 31), date(2025, 4, 30)]


@settings(max_examples=100, deadline=None)
@given(amount=st.integers(1_000_000, 50_000_000).map(lambda c: D(c) / 100),
       months=st.integers(3, 60), rate=rates,
       method=st.sampled_from([Method.EQUAL_INSTALLMENT, Method.EQUAL_PRINCIPAL]),
       mode=st.sampled_from(list(PrepaymentMode)), data=st.data())
def test_partial_prepayment_reamortises_exactly_the_new_balance(amount, months, rate, method,
                                                               mode, data):
    s = build_schedule(LoanTerms(amount, months, rate, method, date(2025, 1, 10)))
    paid = data.draw(st.integers(0, months - 2), label="paid")
    since = s.terms.start if paid == 0 else s.installments[paid - 1].due_date
    span = (s.installments[paid].due_date - since).days
    on = since + timedelta(days=data.draw(st.integers(0, span - 1), label="day"))
    payoff = payoff_estimate(s, paid, on)
    assert payoff.total == payoff.principal + payoff.interest
    share = data.draw(st.integers(1, 99), label="percent")
    amount_paid = payoff.interest + fen(payoff.principal * share / 100)
    if amount_paid <= payoff.interest or amount_paid - payoff.interest >= payoff.principal:
        return
    pre = partial_prepayment(s, paid, on, amount_paid, mode)
    lines = pre.installments
    assert pre.interest == payoff.interest
    assert pre.principal + pre.new_balance == payoff.principal
    assert sum((x.principal for x in lines), D(0)) == pre.new_balance
    assert all(x.balance >= 0 for x in lines) and lines[-1].balance == 0
    assert lines[0].n == paid + 1 and lines[0].days == (lines[0].due_date - on).days
    if mode is PrepaymentMode.KEEP_TERM:
        assert len(lines) == months - paid
    else:
        assert len(lines) <= months - paid
        assert all(x.principal <= s.installments[0].principal + s.installments[0].interest
                   for x in lines)
