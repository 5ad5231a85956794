"""``kiosk calc``: the loan calculator on the command line (INTERFACES.md §1).

``kiosk calc --amount 50000 --months 12 --rate 0.0435 --method equal-installment --json``
prints ``{"installments": [{"n", "due_date", "payment", "principal", "interest", "balance"}],
"total_interest", "total_payment", "apr_simple", "apr_compound"}`` (money as strings with two
decimals, annual rates as fractions with six decimals); without ``--json`` a table in the
chosen language (zh_CN by default). Exit 0, or 64 on bad usage.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from kiosk.cli import EXIT_OK, EXIT_USAGE, UsageArgumentParser
from kiosk.i18n import Translator
from kiosk.lending.apr import AnnualRate, IrrError, annual_rate
from kiosk.lending.money import money_grouped, money_str, parse_money, parse_rate
from kiosk.lending.schedule import (
    MAX_MONTHS,
    FirstPeriod,
    InterestConvention,
    LoanTerms,
    LoanTermsError,
    Method,
    Schedule,
    build_schedule,
)

RATE_PLACES = Decimal("0.000001")


def build_parser() -> argparse.ArgumentParser:
    p = UsageArgumentParser(
        prog="kiosk calc",
        description="Loan calculator: repayment schedule, total interest, annual rate.",
    )
    p.add_argument("--amount", required=True, help="loan amount in yuan, e.g. 50000 or 1234.50")
    p.add_argument("--months", required=True, help=f"term in months (1-{MAX_MONTHS})")
    p.add_argument("--rate", required=True,
                   help="annual rate as a decimal fraction: 0.0435 for 4.35%%")
    p.add_argument("--method", required=True, choices=[m.value for m in Method],
                   help="equal-installment 等额本息, equal-principal 等额本金, "
                        "interest-first 先息后本, bullet 利随本清")
    p.add_argument("--start", help="disbursement date YYYY-MM-DD (default: today)")
    p.add_argument("--due-day", help="fixed repayment day of month 1-31 "
                                     "(default: the disbursement day)")
    p.add_argument("--day-basis", choices=["360", "365"], default="360",
                   help="days in the year of the daily rate (default 360)")
    p.add_argument("--convention", choices=[c.value for c in InterestConvention],
                   default=InterestConvention.MONTHLY.value,
                   help="monthly: full months at annual/12, broken periods by days; "
                        "actual: every period by actual days")
    p.add_argument("--first-period", choices=[f.value for f in FirstPeriod],
                   default=FirstPeriod.FIXED_INSTALLMENT.value,
                   help="equal-installment with a broken first period: keep the "
                        "installment (default) or add the extra interest to installment 1")
    p.add_argument("--fee", default="0", help="up-front fees in yuan, for the annual rate")
    p.add_argument("--lang", default="zh_CN", help="language of the table (zh_CN, en)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    return p


def _positive_int(parser: argparse.ArgumentParser, name: str, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        parser.error(f"{name} must be a whole number, got {text!r}")


def terms_from_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> LoanTerms:
    """Validate the options into :class:`LoanTerms` (``parser.error`` exits 64 otherwise)."""
    try:
        amount = parse_money(args.amount)
    except ValueError as exc:
        parser.error(f"--amount: {exc}")
    try:
        rate = parse_rate(args.rate)
    except ValueError as exc:
        parser.error(f"--rate: {exc}")
    if rate >= 1:
        parser.error(f"--rate is the annual rate as a decimal fraction: for {args.rate}% "
                     f"give {rate / 100}")
    months = _positive_int(parser, "--months", args.months)
    due_day = None if args.due_day is None else _positive_int(parser, "--due-day", args.due_day)
    try:
        start = date.fromisoformat(args.start) if args.start else date.today()
    except ValueError:
        parser.error(f"--start must be a date YYYY-MM-DD, got {args.start!r}")
    try:
        return LoanTerms(
            amount=amount,
            months=months,
            annual_rate=rate,
            method=Method(args.method),
            start=start,
            due_day=due_day,
            day_basis=int(args.day_basis),
            convention=InterestConvention(args.convention),
            first_period=FirstPeriod(args.first_period),
        )
    except LoanTermsError as exc:
        parser.error(str(exc))


def rate_str(value: Decimal) -> str:
    """An annual rate as a fraction with six decimals: '0.044378'."""
    return str(value.quantize(RATE_PLACES, rounding=ROUND_HALF_UP))


def percent_str(value: Decimal) -> str:
    """'4.44%'."""
    return f"{(value * 100).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}%"


def schedule_json(schedule: Schedule, rate: AnnualRate) -> dict[str, Any]:
    """The ``kiosk calc --json`` object (INTERFACES.md §1)."""
    return {
        "installments": [
            {
                "n": line.n,
                "due_date": line.due_date.isoformat(),
                "payment": money_str(line.payment),
                "principal": money_str(line.principal),
                "interest": money_str(line.interest),
                "balance": money_str(line.balance),
            }
            for line in schedule.installments
        ],
        "total_interest": money_str(schedule.total_interest),
        "total_payment": money_str(schedule.total_payment),
        "apr_simple": rate_str(rate.simple),
        "apr_compound": rate_str(rate.compound),
    }


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * max(0, width - _width(text))
    return gap + text if right else text + gap


def schedule_table(schedule: Schedule, rate: AnnualRate, tr: Translator) -> str:
    """The schedule as an aligned table with a summary, in ``tr``'s language."""
    terms = schedule.terms
    head = [tr("lending.calc.col.n"), tr("lending.calc.col.due_date"),
            tr("lending.calc.col.payment"), tr("lending.calc.col.principal"),
            tr("lending.calc.col.interest"), tr("lending.calc.col.balance")]
    rows = [[str(line.n), line.due_date.isoformat(), money_grouped(line.payment),
             money_grouped(line.principal), money_grouped(line.interest),
             money_grouped(line.balance)] for line in schedule.installments]
    widths = [max(_width(r[i]) for r in [head, *rows]) for i in range(len(head))]
    right = [True, False, True, True, True, True]

    def fmt(row: list[str]) -> str:
        return "  ".join(_pad(c, w, r) for c, w, r in zip(row, widths, right, strict=True))

    out = [
        tr("lending.calc.title", method=tr(f"lending.method.{terms.method.value}")),
        tr("lending.calc.terms", amount=money_grouped(terms.amount), months=terms.months,
           rate=percent_str(terms.annual_rate), start=terms.start.isoformat()),
        "",
        fmt(head),
        *(fmt(r) for r in rows),
        "",
        tr("lending.calc.totals", total_payment=money_grouped(schedule.total_payment),
           total_interest=money_grouped(schedule.total_interest)),
        tr("lending.calc.apr", simple=percent_str(rate.simple),
           compound=percent_str(rate.compound)),
    ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    terms = terms_from_args(parser, args)
    try:
        fee = parse_money(args.fee)
    except ValueError as exc:
        parser.error(f"--fee: {exc}")
    if fee < 0 or fee >= terms.amount:
        parser.error("--fee must be at least 0 and less than the amount")
    schedule = build_schedule(terms)
    try:
        rate = annual_rate(schedule, fee)
    except IrrError as exc:  # cannot happen for a non-negative rate; kept as a usage error
        parser.error(f"no annual rate: {exc}")
    if args.json:
        print(json.dumps(schedule_json(schedule, rate), ensure_ascii=False))
    else:
        print(schedule_table(schedule, rate, Translator(args.lang)))
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())

__all__ = ["EXIT_USAGE", "main", "schedule_json", "schedule_table", "terms_from_args"]
