"""The drawdown's quote cross-check: the host simulator's ledger (one engine) priced against the
kiosk's loan engine (the other): they agree to the fen for every product method and term; a
quote off by one fen on any line, a wrong due date, a wrong annual rate or a quote for other
terms than asked is refused, and what differs is said in figures only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from types import SimpleNamespace
from typing import Any

import pytest

from kiosk.lending.crosscheck import check_quote
from peripherals_sim.bank_host import ledger

START = dt.date(2026, 3, 16)


def host_quote(amount: str, months: int, method: str, rate: str = "0.0435",
               due_day: int | None = 21) -> Any:
    """A quote as the host simulator builds it (its own ledger, not the kiosk's engine)."""
    terms = ledger.Terms(D(rate), 360, "monthly")
    rows = ledger.build_schedule(D(amount), months, method, terms, START, due_day)
    balance, lines = D(amount), []
    for r in rows:
        balance -= r.principal
        lines.append(SimpleNamespace(n=r.n, due_date=r.due_date, payment=r.payment,
                                     principal=r.principal, interest=r.interest,
                                     balance=balance))
    simple, compound = ledger.loan_annual_rates(D(amount), rows, terms)
    interest = sum((r.interest for r in rows), D(0))
    return SimpleNamespace(amount=D(amount), months=months, method=method,
                           annual_rate=D(rate), start_date=START, installments=lines,
                           total_interest=interest, total_payment=D(amount) + interest,
                           apr_simple=simple, apr_compound=compound)


CASES = [(a, m, meth) for meth in ("equal-installment", "equal-principal", "interest-first")
         for m in (6, 12, 24, 36) for a in ("5000.00", "60000.00", "123456.78")] + [
    ("30000.00", m, "bullet") for m in (6, 12)]


@pytest.mark.parametrize(("amount", "months", "method"), CASES)
def test_the_two_engines_agree_to_the_fen(amount: str, months: int, method: str) -> None:
    quote = host_quote(amount, months, method)
    check = check_quote(quote, due_day=21, asked=SimpleNamespace(
        amount=D(amount), months=months, method=method, annual_rate=D("0.0435")))
    assert check.ok, check.log_text()
    assert check.schedule is not None
    assert check.schedule.total_interest == quote.total_interest


@pytest.mark.parametrize("line", [1, 7, 12])
@pytest.mark.parametrize("field", ["interest", "payment", "principal", "balance"])
def test_one_fen_off_on_any_line_is_refused(line: int, field: str) -> None:
    quote = host_quote("30000.00", 12, "equal-installment")
    row = quote.installments[line - 1]
    setattr(row, field, getattr(row, field) + D("0.01"))
    check = check_quote(quote, due_day=21)
    assert not check.ok
    first = check.differences[0]
    assert (first.where, first.field) == (f"line {line}", field)
    assert first.host == f"{getattr(row, field)}"
    text = check.log_text()
    assert f"line {line} {field}" in text and "30000" not in text  # figures of the line only


def test_a_total_that_does_not_add_up_is_refused() -> None:
    quote = host_quote("30000.00", 12, "equal-principal")
    quote.total_interest += D("0.01")
    quote.total_payment += D("0.01")
    fields = {d.field for d in check_quote(quote, due_day=21).differences}
    assert "total_interest_vs_lines" in fields


def test_a_wrong_due_date_rate_or_other_terms_are_refused() -> None:
    quote = host_quote("30000.00", 12, "equal-installment")
    quote.installments[0].due_date = dt.date(2026, 4, 16)
    fields = {d.field for d in check_quote(quote, due_day=21).differences}
    assert "due_date" in fields
    quote = host_quote("30000.00", 12, "equal-installment")
    quote.apr_simple = quote.apr_simple + D("0.0001")
    assert [d.field for d in check_quote(quote, due_day=21).differences] == ["apr_simple"]
    asked = SimpleNamespace(amount=D("30000.00"), months=24, method="equal-installment",
                            annual_rate=D("0.0435"))
    check = check_quote(host_quote("30000.00", 12, "equal-installment"), due_day=21, asked=asked)
    assert [(d.where, d.field) for d in check.differences] == [("asked", "months")]


def test_a_quote_that_cannot_be_priced_is_refused_not_raised() -> None:
    quote = host_quote("30000.00", 12, "equal-installment")
    quote.amount = D("-1")
    check = check_quote(quote, due_day=21)
    assert not check.ok and check.schedule is None
    assert check.differences[0].where == "terms"


def test_a_missing_line_is_refused() -> None:
    quote = host_quote("30000.00", 12, "equal-installment")
    quote.installments.pop()
    assert ("lines", "count") in {(d.where, d.field)
                                  for d in check_quote(quote, due_day=21).differences}
