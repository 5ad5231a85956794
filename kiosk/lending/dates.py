"""Calendar helpers for due dates: a fixed repayment day, clamped to the month's end."""

from __future__ import annotations

from calendar import monthrange
from datetime import date


def add_months(day: date, months: int, on_day: int | None = None) -> date:
    """``day`` moved by ``months`` months, on ``on_day`` (default: the same day of month).

    The day is clamped to the end of the target month: 2025-01-31 + 1 month -> 2025-02-28.
    """
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    last = monthrange(year, month)[1]
    return date(year, month, min(on_day or day.day, last))


def due_dates(start: date, count: int, due_day: int | None = None) -> list[date]:
    """The ``count`` due dates of a monthly loan disbursed on ``start``.

    The first due date is the repayment day in the month after disbursement (2025-03-10 with
    repayment day 21 -> 2025-04-21, a 42-day first period); each later one is a month after
    the previous one, on the repayment day (clamped to the month's end, never drifting).
    Without a repayment day the loan's anniversary day is used, so every period is one month.
    """
    anchor = due_day or start.day
    return [add_months(start, k, anchor) for k in range(1, count + 1)]
