"""Loan engine speed: schedules per second for each method and term, and the annual rate.

Run: ``.venv/bin/python -m pytest bench/bench_lending.py -q -p no:cacheprovider
--benchmark-only --benchmark-columns=min,median,mean,ops,rounds``
(``ops`` is schedules per second).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from kiosk.lending import LoanTerms, Method, annual_rate, build_schedule
from kiosk.lending.calc_cli import schedule_json

AMOUNT = Decimal("50000")
RATE = Decimal("0.0435")


@pytest.mark.parametrize("months", [12, 36, 360])
@pytest.mark.parametrize("method", [m for m in Method if m is not Method.BULLET])
def test_schedule_generation(benchmark, method, months):
    terms = LoanTerms(AMOUNT, months, RATE, method, date(2025, 3, 10), due_day=21)
    schedule = benchmark(build_schedule, terms)
    assert schedule.total_principal == AMOUNT


@pytest.mark.parametrize("months", [12, 36, 360])
def test_annual_rate_irr(benchmark, months):
    schedule = build_schedule(LoanTerms(AMOUNT, months, RATE, Method.EQUAL_INSTALLMENT,
                                        date(2025, 3, 10), due_day=21))
    rate = benchmark(annual_rate, schedule)
    assert abs(rate.simple - RATE) < Decimal("0.001")


def test_calculator_answer_12_months(benchmark):
    """What the calculator screen needs per keystroke: schedule + annual rate + JSON."""
    terms = LoanTerms(AMOUNT, 12, RATE, Method.EQUAL_INSTALLMENT, date(2025, 3, 10), due_day=21)

    def answer() -> dict:
        schedule = build_schedule(terms)
        return schedule_json(schedule, annual_rate(schedule))

    out = benchmark(answer)
    assert out["total_interest"] == "1261.39"
