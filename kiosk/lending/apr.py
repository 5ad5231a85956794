"""Annualised rate disclosure (PBOC 公告〔2021〕第3号, lending_rules.md §3.5).

The annual rate covers every borrowing cost relative to the principal actually received: the
internal rate of return ``m`` per month of the cash flows (net principal received at time 0,
each payment at its time in months) gives the simple figure ``12 m`` (to be labelled 单利) and
the compound figure ``(1 + m)^12 - 1``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from itertools import pairwise

from kiosk.lending.money import CONTEXT
from kiosk.lending.schedule import Schedule

_TOLERANCE = Decimal("1e-24")


class IrrError(ArithmeticError):
    """The cash flows have no internal rate of return in the searched range."""


@dataclass(frozen=True)
class AnnualRate:
    """A schedule's rates: ``monthly`` IRR, ``simple`` = 12 x monthly, ``compound``."""

    monthly: Decimal
    simple: Decimal
    compound: Decimal


def _power(base: Decimal, exponent: Decimal) -> Decimal:
    return base ** int(exponent) if exponent == int(exponent) else base ** exponent


def _present_value(rate: Decimal, payments: Sequence[Decimal], times: Sequence[Decimal]
                   ) -> tuple[Decimal, Decimal]:
    """Sum of discounted payments and its derivative with respect to ``rate``.

    The discount factors are built step by step (``(1+m)^t_k = (1+m)^t_(k-1) x (1+m)^dt``), so
    a monthly schedule needs one small integer power per line.
    """
    base = 1 + rate
    value = Decimal(0)
    slope = Decimal(0)
    factor = Decimal(1)
    previous = Decimal(0)
    for amount, t in zip(payments, times, strict=True):
        factor *= _power(base, t - previous)
        previous = t
        discounted = amount / factor
        value += discounted
        slope -= t * discounted / base
    return value, slope


def monthly_irr(principal: Decimal, payments: Sequence[Decimal], times: Sequence[Decimal]
                ) -> Decimal:
    """The monthly rate ``m`` with ``principal = sum(payments[k] / (1+m)^times[k])``.

    Newton's method in 40-digit Decimal, bisection as the fallback.
    """
    if not payments or len(payments) != len(times):
        raise IrrError("no cash flows")
    with localcontext(CONTEXT):
        total = sum(payments, Decimal(0))
        if total < principal:
            raise IrrError("payments are less than the principal")
        if any(b < a for a, b in pairwise(times)):
            raise IrrError("payment times must not decrease")
        rate = (total / principal - 1) / max(times[-1], Decimal(1))
        for _ in range(60):
            value, slope = _present_value(rate, payments, times)
            if slope == 0:
                break
            step = (value - principal) / slope
            rate -= step
            if rate <= -1:
                break
            if abs(step) < _TOLERANCE:
                return rate
        # Newton wandered off: bisection on a bracket (the present value falls with the rate)
        low, high = Decimal(0), Decimal(1)
        while _present_value(high, payments, times)[0] > principal:
            high *= 2
            if high > 1000:
                raise IrrError("no rate below 100000% per month")
        for _ in range(200):
            mid = (low + high) / 2
            if _present_value(mid, payments, times)[0] > principal:
                low = mid
            else:
                high = mid
            if high - low < _TOLERANCE:
                break
        return (low + high) / 2


def annual_rate_of_flows(principal: Decimal, payments: Sequence[Decimal],
                         times: Sequence[Decimal]) -> AnnualRate:
    """Simple and compound annual rate of any monthly-timed cash flows."""
    m = monthly_irr(principal, payments, times)
    with localcontext(CONTEXT):
        return AnnualRate(m, m * 12, (1 + m) ** 12 - 1)


def annual_rate(schedule: Schedule, fees: Decimal = Decimal(0)) -> AnnualRate:
    """The disclosed annual rate of a schedule; ``fees`` are deducted from the principal."""
    payments = [line.payment for line in schedule.installments]
    return annual_rate_of_flows(schedule.terms.amount - fees, payments, schedule.period_months)
