"""Every worked example of lending_rules.md (§1.9, §3.5, Appendix A) to the fen, on the engine."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from kiosk.lending import (
    FirstPeriod,
    InterestConvention,
    LoanTerms,
    Method,
    PrepaymentMode,
    annual_rate,
    annual_rate_of_flows,
    build_schedule,
    partial_prepayment,
    payoff_estimate,
)

P, N, R = D("50000"), 12, D("0.0435")
REGULAR_START = date(2025, 3, 21)  # due on the 21st: every period is one month

# (payment, principal, interest, balance) per line, from Appendix A
EQUAL_INSTALLMENT = """
4265.50 4084.25 181.25 45915.75
4265.50 4099.06 166.44 41816.69
4265.50 4113.91 151.59 37702.78
4265.50 4128.83 136.67 33573.95
4265.50 4143.79 121.71 29430.16
4265.50 4158.82 106.68 25271.34
4265.50 4173.89 91.61 21097.45
4265.50 4189.02 76.48 16908.43
4265.50 4204.21 61.29 12704.22
4265.50 4219.45 46.05 8484.77
4265.50 4234.74 30.76 4250.03
4265.44 4250.03 15.41 0.00
"""
EQUAL_PRINCIPAL = """
4347.92 4166.67 181.25 45833.33
4332.82 4166.67 166.15 41666.66
4317.71 4166.67 151.04 37499.99
4302.61 4166.67 135.94 33333.32
4287.50 4166.67 120.83 29166.65
4272.40 4166.67 105.73 24999.98
4257.29 4166.67 90.62 20833.31
4242.19 4166.67 75.52 16666.64
4227.09 4166.67 60.42 12499.97
4211.98 4166.67 45.31 8333.30
4196.88 4166.67 30.21 4166.63
4181.73 4166.63 15.10 0.00
"""
INTEREST_FIRST_ACT360 = """
187.29 0 187.29 50000
181.25 0 181.25 50000
187.29 0 187.29 50000
181.25 0 181.25 50000
187.29 0 187.29 50000
187.29 0 187.29 50000
181.25 0 181.25 50000
187.29 0 187.29 50000
181.25 0 181.25 50000
187.29 0 187.29 50000
187.29 0 187.29 50000
50169.17 50000 169.17 0
"""
EQUAL_INSTALLMENT_IRREGULAR = """
4265.50 4011.75 253.75 45988.25
4265.50 4098.79 166.71 41889.46
4265.50 4113.65 151.85 37775.81
4265.50 4128.56 136.94 33647.25
4265.50 4143.53 121.97 29503.72
4265.50 4158.55 106.95 25345.17
4265.50 4173.62 91.88 21171.55
4265.50 4188.75 76.75 16982.80
4265.50 4203.94 61.56 12778.86
4265.50 4219.18 46.32 8559.68
4265.50 4234.47 31.03 4325.21
4340.89 4325.21 15.68 0.00
"""


def rows(table: str) -> list[tuple[D, ...]]:
    return [tuple(D(x) for x in line.split()) for line in table.strip().splitlines()]


def lines(schedule) -> list[tuple[D, ...]]:
    return [(i.payment, i.principal, i.interest, i.balance) for i in schedule.installments]


def test_equal_installment_regular_matches_appendix_a_line_by_line():
    s = build_schedule(LoanTerms(P, N, R, Method.EQUAL_INSTALLMENT, REGULAR_START))
    assert lines(s) == rows(EQUAL_INSTALLMENT)
    assert s.regular_installment == D("4265.50")
    assert (s.total_payment, s.total_interest) == (D("51185.94"), D("1185.94"))


def test_equal_principal_regular_matches_appendix_a_line_by_line():
    s = build_schedule(LoanTerms(P, N, R, Method.EQUAL_PRINCIPAL, REGULAR_START))
    assert lines(s) == rows(EQUAL_PRINCIPAL)
    assert (s.total_payment, s.total_interest) == (D("51178.12"), D("1178.12"))


def test_interest_first_monthly_convention_pays_181_25_then_50181_25():
    s = build_schedule(LoanTerms(P, N, R, Method.INTEREST_FIRST, REGULAR_START))
    assert [i.payment for i in s.installments] == [D("181.25")] * 11 + [D("50181.25")]
    assert (s.total_payment, s.total_interest) == (D("52175.00"), D("2175.00"))


def test_interest_first_actual_days_360_matches_appendix_a():
    s = build_schedule(LoanTerms(P, N, R, Method.INTEREST_FIRST, date(2025, 3, 21), due_day=21,
                                 convention=InterestConvention.ACTUAL))
    assert lines(s) == rows(INTEREST_FIRST_ACT360)
    assert sum(i.days for i in s.installments) == 365
    assert (s.total_payment, s.total_interest) == (D("52205.20"), D("2205.20"))


@pytest.mark.parametrize(
    ("convention", "basis", "interest"),
    [
        (InterestConvention.MONTHLY, 360, D("2175.00")),  # 12 x monthly rate
        (InterestConvention.ACTUAL, 360, D("2205.21")),  # 365 days / 360
        (InterestConvention.ACTUAL, 365, D("2175.00")),  # 365 days / 365
    ],
)
def test_bullet_interest_by_day_count(convention, basis, interest):
    s = build_schedule(LoanTerms(P, N, R, Method.BULLET, date(2025, 3, 21), day_basis=basis,
                                 convention=convention))
    (line,) = s.installments
    assert line.due_date == date(2026, 3, 21)
    assert (line.interest, line.principal, line.payment) == (interest, P, P + interest)
    assert line.balance == 0


def test_irregular_first_period_equal_installment_42_days():
    s = build_schedule(LoanTerms(P, N, R, Method.EQUAL_INSTALLMENT, date(2025, 3, 10),
                                 due_day=21))
    assert s.installments[0].due_date == date(2025, 4, 21)
    assert s.installments[0].days == 42
    assert lines(s) == rows(EQUAL_INSTALLMENT_IRREGULAR)
    assert (s.total_payment, s.total_interest) == (D("51261.39"), D("1261.39"))


def test_irregular_first_period_equal_principal_first_payment_4420_42():
    s = build_schedule(LoanTerms(P, N, R, Method.EQUAL_PRINCIPAL, date(2025, 3, 10), due_day=21))
    expected = rows(EQUAL_PRINCIPAL)
    expected[0] = (D("4420.42"), D("4166.67"), D("253.75"), D("45833.33"))
    assert lines(s) == expected
    assert (s.total_payment, s.total_interest) == (D("51250.62"), D("1250.62"))


def test_irregular_first_period_extra_interest_variant_keeps_regular_principal():
    s = build_schedule(LoanTerms(P, N, R, Method.EQUAL_INSTALLMENT, date(2025, 3, 10),
                                 due_day=21, first_period=FirstPeriod.EXTRA_INTEREST))
    first = s.installments[0]
    assert (first.principal, first.interest) == (D("4084.25"), D("253.75"))
    assert first.payment == D("4265.50") + (D("253.75") - D("181.25"))
    assert s.total_principal == P


def test_early_full_repayment_after_third_installment():
    s = build_schedule(LoanTerms(P, N, R, Method.EQUAL_INSTALLMENT, REGULAR_START))
    payoff = payoff_estimate(s, 3, date(2025, 7, 8))
    assert (payoff.principal, payoff.days, payoff.interest) == (D("37702.78"), 17, D("77.45"))
    assert payoff.total == D("37780.23")


def test_early_partial_repayment_keep_term_new_installment_3142_91():
    s = build_schedule(LoanTerms(P, N, R, Method.EQUAL_INSTALLMENT, REGULAR_START))
    pre = partial_prepayment(s, 3, date(2025, 7, 8), D("10000"), PrepaymentMode.KEEP_TERM)
    assert (pre.interest, pre.principal, pre.new_balance) == (
        D("77.45"), D("9922.55"), D("27780.23"))
    assert len(pre.installments) == 9
    assert pre.new_installment == D("3142.91")
    assert sum(i.principal for i in pre.installments) == D("27780.23")
    assert pre.installments[-1].balance == 0


def test_early_partial_repayment_keep_installment_takes_seven_payments():
    # the reference: 6.6028 periods at 4,265.50, i.e. 7 payments with a smaller last one
    s = build_schedule(LoanTerms(P, N, R, Method.EQUAL_INSTALLMENT, REGULAR_START))
    pre = partial_prepayment(s, 3, date(2025, 7, 8), D("10000"),
                             PrepaymentMode.KEEP_INSTALLMENT)
    assert len(pre.installments) == 7
    assert all(i.payment == D("4265.50") for i in pre.installments[:-1])
    assert pre.installments[-1].payment < D("4265.50")
    assert sum(i.principal for i in pre.installments) == D("27780.23")
    assert [i.n for i in pre.installments] == list(range(4, 11))


def test_pboc_2021_no3_example_12_80_simple_13_58_compound():
    rate = annual_rate_of_flows(D("99000"), [D("8833.3")] * 12, [D(k) for k in range(1, 13)])
    assert abs(rate.monthly - D("0.010669834875862705")) < D("1e-15")
    assert abs(rate.simple - D("0.12803801851035246")) < D("1e-14")
    assert abs(rate.compound - D("0.13582557632733283")) < D("1e-14")
    assert round(rate.simple * 100, 2) == D("12.80")
    assert round(rate.compound * 100, 2) == D("13.58")


def test_pboc_example_through_a_schedule_with_a_fee():
    # the same figures from a schedule whose fee is deducted from the principal received
    s = build_schedule(LoanTerms(D("100000"), 12, D("0.0435"), Method.EQUAL_INSTALLMENT,
                                 REGULAR_START))
    with_fee = annual_rate(s, fees=D("1000"))
    without = annual_rate(s)
    assert with_fee.compound > without.compound + D("0.015")


@pytest.mark.parametrize(
    ("method", "monthly", "simple", "compound"),
    [
        (Method.EQUAL_INSTALLMENT, "0.003625002941773925", "0.0435000353012871",
         "0.04437788360564543"),
        (Method.EQUAL_PRINCIPAL, "0.003624987513743738", "0.04349985016492486",
         "0.044377690951710846"),
    ],
)
def test_annual_rate_of_the_example_schedules(method, monthly, simple, compound):
    rate = annual_rate(build_schedule(LoanTerms(P, N, R, method, REGULAR_START)))
    # the reference computed these in binary floating point: agree to 1e-14
    assert abs(rate.monthly - D(monthly)) < D("1e-14")
    assert abs(rate.simple - D(simple)) < D("1e-13")
    assert abs(rate.compound - D(compound)) < D("1e-13")
    assert round(rate.simple * 100, 2) == D("4.35")
    assert round(rate.compound * 100, 2) == D("4.44")


def test_monthly_rate_and_daily_rate_stay_unrounded():
    t = LoanTerms(P, N, R, Method.EQUAL_INSTALLMENT, REGULAR_START)
    assert t.monthly_rate == D("0.003625")
    assert t.daily_rate * 360 == R
    assert str(t.daily_rate).startswith("0.000120833333333")
