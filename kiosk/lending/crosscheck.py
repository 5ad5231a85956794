"""Cross-check a host's loan quote against the kiosk's own loan engine (issue 14, item 3).

Before the farmer confirms a drawdown the host's quote (``POST /v1/loans/quote``) is shown and
spoken. The kiosk computes the same schedule itself (:func:`build_schedule`, independent of the
host's ledger) and refuses to go on when the two differ: a due date, or a payment, principal,
interest or balance by a fen or more on any line (both round every line to the fen, so honest
engines agree exactly; ``tolerance`` is the difference still let through, default none), a
total by more than ``tolerance`` per line, or an annual rate by more than ``rate_tolerance``.
What differs is listed (field
names and figures only, never personal data) for the staff log.

Qt-free and host-model agnostic: the quote is any object with the fields of
:class:`kiosk.host.models.QuoteResponse` (duck typed, so a repayment quote check can follow the
same pattern).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kiosk.lending.apr import annual_rate
from kiosk.lending.schedule import (
    FirstPeriod,
    InterestConvention,
    LoanTerms,
    LoanTermsError,
    Method,
    Schedule,
    build_schedule,
)

FEN = Decimal("0.01")
#: Annual rates are disclosed to 0.01 %: a difference below half of that is rounding.
RATE_TOLERANCE = Decimal("0.00005")
LINE_FIELDS = ("payment", "principal", "interest", "balance")


@dataclass(frozen=True)
class Difference:
    """One disagreement: ``where`` is ``line 3``, ``totals`` or ``rate``; figures as text."""

    where: str
    field: str
    host: str
    kiosk: str

    def __str__(self) -> str:
        return f"{self.where} {self.field}: host {self.host} kiosk {self.kiosk}"


@dataclass(frozen=True)
class QuoteCheck:
    """The verdict: ``ok`` when every line agrees within the tolerance."""

    schedule: Schedule | None
    differences: tuple[Difference, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.schedule is not None and not self.differences

    def log_text(self, limit: int = 5) -> str:
        """A short staff-log line (no personal data: figures and field names only)."""
        shown = "; ".join(str(d) for d in self.differences[:limit])
        more = len(self.differences) - limit
        return shown + (f"; +{more} more" if more > 0 else "")


def terms_of_quote(quote: Any, *, due_day: int | None, day_basis: int = 360,
                   convention: InterestConvention = InterestConvention.MONTHLY,
                   first_period: FirstPeriod = FirstPeriod.FIXED_INSTALLMENT) -> LoanTerms:
    """The loan terms the quote claims to price (amount, term, method, rate, start date), with
    the product's repayment day and day basis."""
    start = quote.start_date
    if isinstance(start, str):
        start = dt.date.fromisoformat(start)
    return LoanTerms(Decimal(quote.amount), int(quote.months), Decimal(quote.annual_rate),
                     Method(str(quote.method)), start, due_day=due_day, day_basis=day_basis,
                     convention=convention, first_period=first_period)


def check_quote(quote: Any, *, due_day: int | None, day_basis: int = 360,
                convention: InterestConvention = InterestConvention.MONTHLY,
                first_period: FirstPeriod = FirstPeriod.FIXED_INSTALLMENT,
                asked: Any = None, tolerance: Decimal = Decimal(0),
                rate_tolerance: Decimal = RATE_TOLERANCE) -> QuoteCheck:
    """Compare ``quote`` with the kiosk's own schedule of the same terms.

    ``asked`` (optional: ``amount``, ``months``, ``method``, ``annual_rate`` attributes or
    ``None`` to skip) is what the kiosk asked for: a quote for another amount, term, method or
    rate than the farmer chose is a difference too.
    """
    diffs: list[Difference] = []
    if asked is not None:
        for name in ("amount", "months", "method", "annual_rate"):
            want = getattr(asked, name, None)
            if want is None:
                continue
            have = getattr(quote, name)
            same = (Decimal(want) == Decimal(have) if name in ("amount", "annual_rate")
                    else str(want) == str(have))
            if not same:
                diffs.append(Difference("asked", name, str(have), str(want)))
    try:
        terms = terms_of_quote(quote, due_day=due_day, day_basis=day_basis,
                               convention=convention, first_period=first_period)
        schedule = build_schedule(terms)
    except (LoanTermsError, ValueError, ArithmeticError) as exc:
        return QuoteCheck(None, (Difference("terms", "invalid", type(exc).__name__, str(exc)),))
    diffs += _lines(quote.installments, schedule, tolerance)
    n = max(1, len(schedule.installments))
    for name, mine in (("total_interest", schedule.total_interest),
                       ("total_payment", schedule.total_payment)):
        host = Decimal(getattr(quote, name))
        if abs(host - mine) > tolerance * n:
            diffs.append(Difference("totals", name, f"{host}", f"{mine}"))
    host_interest = sum((Decimal(line.interest) for line in quote.installments), Decimal(0))
    if Decimal(quote.total_interest) != host_interest:  # the host's own lines and total
        diffs.append(Difference("totals", "total_interest_vs_lines",
                                f"{Decimal(quote.total_interest)}", f"{host_interest}"))
    rates = annual_rate(schedule)
    for name, mine in (("apr_simple", rates.simple), ("apr_compound", rates.compound)):
        host = Decimal(getattr(quote, name))
        if abs(host - mine) > rate_tolerance:
            diffs.append(Difference("rate", name, f"{host}", f"{mine:.6f}"))
    return QuoteCheck(schedule, tuple(diffs))


def _lines(host_lines: Sequence[Any], schedule: Schedule,
           tolerance: Decimal) -> list[Difference]:
    mine = schedule.installments
    diffs: list[Difference] = []
    if len(host_lines) != len(mine):
        diffs.append(Difference("lines", "count", str(len(host_lines)), str(len(mine))))
    for host, own in zip(host_lines, mine, strict=False):
        where = f"line {own.n}"
        due = host.due_date if isinstance(host.due_date, dt.date) else \
            dt.date.fromisoformat(str(host.due_date))
        if due != own.due_date:
            diffs.append(Difference(where, "due_date", due.isoformat(), own.due_date.isoformat()))
        for name in LINE_FIELDS:
            value = Decimal(getattr(host, name))
            if abs(value - getattr(own, name)) > tolerance:
                diffs.append(Difference(where, name, f"{value}", f"{getattr(own, name)}"))
    return diffs
