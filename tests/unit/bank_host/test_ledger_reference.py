"""Every worked example of lending_rules.md on the simulator's own ledger, to the fen."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from peripherals_sim.bank_host import ledger
from peripherals_sim.bank_host.ledger import Loan, Terms, build_schedule

P, RATE = D("50000"), D("0.0435")
MONTHLY = Terms(RATE)
ACTUAL = Terms(RATE, convention="actual")
REGULAR = dt.date(2025, 3, 21)  # due on the 21st: every period a full month
IRREGULAR = dt.date(2025, 3, 10)  # first due 2025-04-21: 42 days

EMI_TABLE = """\
 1    4265.50    4084.25    181.25   45915.75
 2    4265.50    4099.06    166.44   41816.69
 3    4265.50    4113.91    151.59   37702.78
 4    4265.50    4128.83    136.67   33573.95
 5    4265.50    4143.79    121.71   29430.16
 6    4265.50    4158.82    106.68   25271.34
 7    4265.50    4173.89     91.61   21097.45
 8    4265.50    4189.02     76.48   16908.43
 9    4265.50    4204.21     61.29   12704.22
10    4265.50    4219.45     46.05    8484.77
11    4265.50    4234.74     30.76    4250.03
12    4265.44    4250.03     15.41       0.00"""

EP_TABLE = """\
 1    4347.92    4166.67    181.25   45833.33
 2    4332.82    4166.67    166.15   41666.66
 3    4317.71    4166.67    151.04   37499.99
 4    4302.61    4166.67    135.94   33333.32
 5    4287.50    4166.67    120.83   29166.65
 6    4272.40    4166.67    105.73   24999.98
 7    4257.29    4166.67     90.62   20833.31
 8    4242.19    4166.67     75.52   16666.64
 9    4227.09    4166.67     60.42   12499.97
10    4211.98    4166.67     45.31    8333.30
11    4196.88    4166.67     30.21    4166.63
12    4181.73    4166.63     15.10       0.00"""

EMI_IRREGULAR_TABLE = """\
 1    4265.50    4011.75    253.75   45988.25
 2    4265.50    4098.79    166.71   41889.46
 3    4265.50    4113.65    151.85   37775.81
 4    4265.50    4128.56    136.94   33647.25
 5    4265.50    4143.53    121.97   29503.72
 6    4265.50    4158.55    106.95   25345.17
 7    4265.50    4173.62     91.88   21171.55
 8    4265.50    4188.75     76.75   16982.80
 9    4265.50    4203.94     61.56   12778.86
10    4265.50    4219.18     46.32    8559.68
11    4265.50    4234.47     31.03    4325.21
12    4340.89    4325.21     15.68       0.00"""


def rows(table: str) -> list[tuple[str, ...]]:
    return [tuple(line.split()) for line in table.splitlines()]


def as_rows(amount: D, sched: list[ledger.Installment]) -> list[tuple[str, ...]]:
    out, bal = [], amount
    for i in sched:
        bal -= i.principal
        out.append((str(i.n), str(i.payment), str(i.principal), str(i.interest), str(bal)))
    return out


@pytest.mark.parametrize(("method", "start", "table", "total"), [
    ("equal-installment", REGULAR, EMI_TABLE, "1185.94"),
    ("equal-principal", REGULAR, EP_TABLE, "1178.12"),
    ("equal-installment", IRREGULAR, EMI_IRREGULAR_TABLE, "1261.39"),
])
def test_full_schedules_match_the_reference(method: str, start: dt.date, table: str,
                                            total: str) -> None:
    sched = build_schedule(P, 12, method, MONTHLY, start, 21)
    assert as_rows(P, sched) == rows(table)
    assert str(sum(i.interest for i in sched)) == total


def test_equal_principal_with_irregular_first_period() -> None:
    sched = build_schedule(P, 12, "equal-principal", MONTHLY, IRREGULAR, 21)
    assert str(sched[0].payment) == "4420.42" and sched[0].due_date == dt.date(2025, 4, 21)
    assert str(sum(i.interest for i in sched)) == "1250.62"
    assert str(sum(i.payment for i in sched)) == "51250.62"


def test_interest_first_monthly_and_actual_days() -> None:
    monthly = build_schedule(P, 12, "interest-first", MONTHLY, REGULAR, 21)
    assert {str(i.interest) for i in monthly} == {"181.25"}
    assert str(monthly[-1].payment) == "50181.25"
    assert str(sum(i.interest for i in monthly)) == "2175.00"
    actual = build_schedule(P, 12, "interest-first", ACTUAL, REGULAR, 21)
    assert [str(i.interest) for i in actual] == [
        "187.29", "181.25", "187.29", "181.25", "187.29", "187.29", "181.25", "187.29",
        "181.25", "187.29", "187.29", "169.17"]
    assert str(actual[-1].payment) == "50169.17"
    assert str(sum(i.payment for i in actual)) == "52205.20"


def test_bullet_monthly_act360_and_act365() -> None:
    assert str(build_schedule(P, 12, "bullet", MONTHLY, REGULAR)[0].payment) == "52175.00"
    assert str(build_schedule(P, 12, "bullet", ACTUAL, REGULAR)[0].interest) == "2205.21"
    act365 = Terms(RATE, day_basis=365, convention="actual")
    assert str(build_schedule(P, 12, "bullet", act365, REGULAR)[0].interest) == "2175.00"


def _after_three(terms: Terms = MONTHLY) -> Loan:
    loan = Loan.open("L", "C", "c", "SJLD", P, 12, "equal-installment", REGULAR, 21, terms,
                     "6217991000001234561")
    for k in range(3):
        due = loan.installments[k].due_date
        ledger.repay(loan, "due", due, ledger.quote(loan, "due", due).amount)
    return loan


def test_early_full_repayment_to_the_day() -> None:
    loan = _after_three()
    q = ledger.quote(loan, "payoff", dt.date(2025, 7, 8))
    assert loan.outstanding_principal == D("37702.78")
    assert q.breakdown["interest"] == D("77.45") and str(q.amount) == "37780.23"
    ledger.repay(loan, "payoff", dt.date(2025, 7, 8), q.amount)
    assert loan.status(dt.date(2025, 7, 8)) == "CLOSED" and loan.outstanding_principal == 0


def test_early_partial_repayment_lower_installment_and_shorter_term() -> None:
    day = dt.date(2025, 7, 8)
    lower = ledger.quote(_after_three(), "partial", day, D("10000"), "lower_installment")
    assert lower.breakdown["interest"] == D("77.45")
    assert lower.breakdown["principal"] == D("9922.55")
    assert lower.principal_after == D("27780.23")
    assert str(lower.new_installment) == "3142.91" and lower.new_term == 9
    shorter = ledger.quote(_after_three(), "partial", day, D("10000"), "shorter_term")
    assert str(shorter.new_installment) == "4265.50"
    assert shorter.new_term == 7  # 6.6 periods: 7 payments, the last smaller


def test_overdue_penalty_compound_and_allocation_of_2000() -> None:
    loan = Loan.open("L", "C", "c", "SJLD", P, 12, "equal-installment", REGULAR, 21, MONTHLY,
                     "x")
    first = loan.installments[0].due_date
    ledger.repay(loan, "due", first, ledger.quote(loan, "due", first).amount)
    day = loan.installments[1].due_date + dt.timedelta(days=30)
    q = ledger.quote(loan, "overdue", day)
    assert q.breakdown["penalty"] == D("22.29") and q.breakdown["compound"] == D("0.91")
    assert str(q.amount) == "4288.70" and q.overdue_days == 30
    paid = ledger.repay(loan, "partial", day, D("2000"))
    assert paid == {"fees": D("0.00"), "compound": D("0.91"), "penalty": D("22.29"),
                    "interest": D("166.44"), "principal": D("1810.36")}
    assert loan.installments[1].principal_left == D("2288.70")


def test_bullet_overdue_ten_days() -> None:
    loan = Loan.open("B", "C", "c", "SJLD", P, 12, "bullet", REGULAR, None, MONTHLY, "x")
    q = ledger.quote(loan, "overdue", loan.installments[0].due_date + dt.timedelta(days=10))
    assert q.breakdown["penalty"] == D("90.63") and q.breakdown["compound"] == D("3.94")


def test_grace_days_waive_the_penalty_and_then_count_from_the_due_date() -> None:
    terms = Terms(RATE, grace_days=3)
    loan = Loan.open("L", "C", "c", "SJLD", P, 12, "equal-installment", REGULAR, 21, terms, "x")
    due = loan.installments[0].due_date
    assert ledger.quote(loan, "overdue", due + dt.timedelta(days=3)).breakdown["penalty"] == 0
    late = ledger.quote(loan, "overdue", due + dt.timedelta(days=4)).breakdown["penalty"]
    assert late == ledger.fen(D("4084.25") * RATE * D("1.5") / 360 * 4)


def test_type_first_allocation_pays_one_bucket_across_periods_first() -> None:
    terms = Terms(RATE, mode="type_first")
    loan = Loan.open("L", "C", "c", "SJLD", P, 12, "equal-installment", REGULAR, 21, terms, "x")
    day = loan.installments[1].due_date + dt.timedelta(days=1)  # periods 1 and 2 overdue
    paid = ledger.repay(loan, "partial", day, D("400"))
    # all interest of both periods (181.25 + 166.44) before any principal
    assert paid["interest"] == D("347.69") and paid["principal"] == D("400") - D("347.69") - (
        paid["penalty"] + paid["compound"])


@pytest.mark.parametrize(("days", "cls"), [(0, "正常"), (1, "关注"), (90, "关注"), (91, "次级"),
                                           (270, "次级"), (271, "可疑"), (360, "可疑"),
                                           (361, "损失")])
def test_five_class_boundaries(days: int, cls: str) -> None:
    assert ledger.classify(days) == cls


def test_annual_rate_disclosure() -> None:
    emi = build_schedule(P, 12, "equal-installment", MONTHLY, REGULAR, 21)
    assert ledger.annual_rates(P, [i.payment for i in emi]) == (D("0.043500"), D("0.044378"))
    # PBOC 2021 No.3 example: 100,000 with a 1,000 fee, 12 x 8,833.3
    assert ledger.annual_rates(D("99000"), [D("8833.3")] * 12) == (D("0.128038"),
                                                                    D("0.135826"))
