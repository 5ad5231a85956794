"""Annual-rate disclosure of the simulator's ledger (lending_rules.md §3.5, PBOC 2021 No.3).

The rate is the IRR of the actual cash flows: the amount received at time 0, each payment at
its real time in months. A whole calendar month counts one month (its interest is annual/12);
a broken period counts days / (basis / 12) months (its interest is days x annual / basis); a
bullet loan's single payment sits at its real term. Simple = 12 x monthly IRR, compound =
(1 + m)^12 - 1, both HALF_UP to 6 decimals. The expected figures below are derived here from
the reference, in closed form where there is one, else checked by the sign of the NPV on
either side of the disclosed rate (so they do not come from the ledger's solver).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, localcontext

from hypothesis import given, settings
from hypothesis import strategies as st

from peripherals_sim.bank_host import ledger
from peripherals_sim.bank_host.ledger import Terms, build_schedule

D = Decimal
P = D("50000")
SIX = D("0.000001")
MONTHLY = Terms(D("0.0435"))
IRREGULAR = dt.date(2025, 3, 10)  # due day 21: first due 2025-04-21, 42 days (reference §1.9)
REGULAR = dt.date(2025, 3, 21)


def q6(x: Decimal) -> Decimal:
    return x.quantize(SIX, rounding=ROUND_HALF_UP)


def npv(amount: Decimal, flows: list[tuple[Decimal, Decimal]], m: Decimal) -> Decimal:
    """Present value of (time in months, payment) flows at monthly rate m, minus the amount."""
    with localcontext() as ctx:
        ctx.prec = 50
        return sum((f * (1 + m) ** -t for t, f in flows), D(0)) - amount


def assert_disclosed_irr(amount: Decimal, flows: list[tuple[Decimal, Decimal]],
                         simple: Decimal, compound: Decimal) -> None:
    """``simple`` is 12 x the IRR of ``flows`` rounded to 6 decimals: the NPV is positive just
    below the rounding interval and negative just above it; ``compound`` follows from it."""
    half = D("0.0000005")
    assert npv(amount, flows, (simple - half) / 12) > 0
    assert npv(amount, flows, (simple + half) / 12) < 0
    with localcontext() as ctx:
        ctx.prec = 50
        lo, hi = (1 + (simple - half) / 12) ** 12 - 1, (1 + (simple + half) / 12) ** 12 - 1
    assert q6(lo) <= compound <= q6(hi)


def rates(amount: Decimal, months: int, method: str, terms: Terms, start: dt.date,
          due_day: int | None) -> tuple[list[ledger.Installment], Decimal, Decimal]:
    sched = build_schedule(amount, months, method, terms, start, due_day)
    simple, compound = ledger.loan_annual_rates(amount, sched, terms)
    return sched, simple, compound


def test_bullet_counts_its_real_term_not_one_month() -> None:
    # 利随本清 6 months at 4.35%, monthly convention: interest 50,000 x 4.35% x 6/12 = 1,087.50,
    # paid once after 6 months: (1+m)^6 = 51,087.50 / 50,000 = 1.02175.
    sched, simple, compound = rates(P, 6, "bullet", MONTHLY, IRREGULAR, 21)
    assert [(i.due_date, i.payment) for i in sched] == [(dt.date(2025, 9, 10), D("51087.50"))]
    with localcontext() as ctx:
        ctx.prec = 50
        m = D("1.02175") ** (D(1) / 6) - 1
        assert simple == q6(12 * m) == D("0.043111")
        assert compound == q6(D("1.02175") ** 2 - 1) == D("0.043973")  # 1.02175^2 - 1 exactly
    # what the host answered before (one payment counted as one month)
    assert (simple, compound) != (D("0.261000"), D("0.294600"))


def test_bullet_act_360_over_365_days() -> None:
    # Reference §1.9: 利随本清 ACT/360 over 365 days pays 52,205.21; 365 days = 365/30 months.
    terms = Terms(D("0.0435"), convention="actual")
    sched, simple, compound = rates(P, 12, "bullet", terms, REGULAR, None)
    assert sched[0].payment == D("52205.21") and (sched[0].due_date - REGULAR).days == 365
    with localcontext() as ctx:
        ctx.prec = 50
        growth = D("52205.21") / P
        assert simple == q6(12 * (growth ** (D(30) / 365) - 1))
        assert compound == q6(growth ** (D(360) / 365) - 1)
    assert (simple, compound) == (D("0.042644"), D("0.043487"))


def test_bullet_simple_rate_closed_form_for_every_term() -> None:
    for rate in (D("0.0385"), D("0.0435"), D("0.0600")):
        terms = Terms(rate)
        for n in range(1, 13):
            _, simple, compound = rates(P, n, "bullet", terms, REGULAR, None)
            with localcontext() as ctx:
                ctx.prec = 50
                growth = (P + (P * rate * n / 12).quantize(D("0.01"), ROUND_HALF_UP)) / P
                assert simple == q6(12 * (growth ** (D(1) / n) - 1)), (rate, n)
                assert compound == q6(growth ** (D(12) / n) - 1), (rate, n)


def test_broken_first_period_counts_its_days() -> None:
    # Reference §1.9 irregular schedule: 42 days to 2025-04-21 = 42 / 30 = 1.4 months, then
    # eleven full months; 11 x 4,265.50 and a last installment of 4,340.89.
    sched, simple, compound = rates(P, 12, "equal-installment", MONTHLY, IRREGULAR, 21)
    assert [i.payment for i in sched] == [D("4265.50")] * 11 + [D("4340.89")]
    times = ledger.payment_times(sched, MONTHLY)
    assert times == [D("1.4") + k for k in range(12)]
    flows = list(zip(times, [i.payment for i in sched], strict=True))
    assert_disclosed_irr(P, flows, simple, compound)
    assert (simple, compound) == (D("0.043494"), D("0.044371"))
    # counted as one full month instead, the figure was about 0.25 points high
    assert ledger.annual_rates(P, [i.payment for i in sched])[0] == D("0.046191")


def test_broken_first_period_equal_principal() -> None:
    # Reference §1.9: 等额本金 with the 42-day first period, first payment 4,420.42.
    sched, simple, compound = rates(P, 12, "equal-principal", MONTHLY, IRREGULAR, 21)
    assert sched[0].payment == D("4420.42")
    assert sum((i.interest for i in sched), D(0)) == D("1250.62")
    flows = list(zip(ledger.payment_times(sched, MONTHLY), [i.payment for i in sched],
                     strict=True))
    assert_disclosed_irr(P, flows, simple, compound)
    assert (simple, compound) == (D("0.043493"), D("0.044371"))


def test_yzkh_385_broken_first_period_discloses_about_385() -> None:
    # The reported case: 3.85% with a broken first period came out near 4.07-4.09%.
    terms = Terms(D("0.0385"))
    sched, simple, compound = rates(P, 12, "equal-installment", terms, IRREGULAR, 21)
    flows = list(zip(ledger.payment_times(sched, terms), [i.payment for i in sched],
                     strict=True))
    assert_disclosed_irr(P, flows, simple, compound)
    assert (simple, compound) == (D("0.038495"), D("0.039182"))


def test_day_basis_365_broken_period() -> None:
    terms = Terms(D("0.0600"), day_basis=365)
    broken = ledger.period_months(IRREGULAR, dt.date(2025, 4, 21), terms)
    assert abs(broken - D(42 * 12) / 365) < D("1e-25")  # 42 days of a 365/12-day month
    assert ledger.period_months(REGULAR, dt.date(2025, 4, 21), terms) == 1


def test_whole_months_and_month_ends() -> None:
    assert ledger.whole_months(dt.date(2025, 1, 31), dt.date(2025, 2, 28)) == 1
    assert ledger.whole_months(dt.date(2025, 2, 28), dt.date(2025, 3, 31)) == 1
    assert ledger.whole_months(dt.date(2025, 3, 10), dt.date(2025, 9, 10)) == 6
    assert ledger.whole_months(dt.date(2025, 3, 10), dt.date(2025, 4, 21)) is None
    assert ledger.whole_months(dt.date(2025, 3, 10), dt.date(2025, 3, 31)) is None
    # under the actual convention every period counts by days, full months included
    actual = Terms(D("0.0435"), convention="actual")
    assert abs(ledger.period_months(REGULAR, dt.date(2025, 4, 21), actual) - D(31) / 30) \
        < D("1e-25")


def test_regular_schedules_match_the_reference() -> None:
    # Reference appendix: 等额本息 simple 0.0435000353, compound 0.0443778836;
    # 等额本金 simple 0.0434998502, compound 0.0443776910.
    for method in ("equal-installment", "equal-principal"):
        sched, simple, compound = rates(P, 12, method, MONTHLY, REGULAR, 21)
        assert ledger.payment_times(sched, MONTHLY) == [D(k) for k in range(1, 13)]
        assert (simple, compound) == (D("0.043500"), D("0.044378")), method


def test_pboc_2021_no3_example() -> None:
    # 100,000 with a 1,000 fee (99,000 received), 12 x 8,833.3: 12.80% / 13.58%.
    assert ledger.annual_rates(D("99000"), [D("8833.3")] * 12) == (D("0.128038"),
                                                                    D("0.135826"))


@settings(max_examples=60, deadline=None)
@given(rate=st.sampled_from([D("0.0385"), D("0.0435"), D("0.0465"), D("0.05675"),
                             D("0.0600")]),
       basis=st.sampled_from([360, 365]),
       start=st.dates(dt.date(2025, 1, 1), dt.date(2027, 12, 31)),
       due_day=st.one_of(st.none(), st.integers(1, 31)),
       method=st.sampled_from(["equal-installment", "equal-principal", "interest-first"]),
       months=st.sampled_from([3, 6, 12, 24, 36]),
       amount=st.integers(10_000, 300_000))
def test_fee_free_amortising_loans_disclose_about_their_contract_rate(
        rate: Decimal, basis: int, start: dt.date, due_day: int | None, method: str,
        months: int, amount: int) -> None:
    """With no fees, interest charged at the contract rate over each period's true length
    gives a simple IRR within 0.0002 of the contract rate (what is left is a broken period's
    simple interest against monthly compounding, and fen rounding); a broken period counted as
    one month was off by 0.002 and more."""
    terms = Terms(rate, basis)
    _, simple, compound = rates(D(amount), months, method, terms, start, due_day)
    assert abs(simple - rate) <= D("0.0002")
    assert compound > simple
