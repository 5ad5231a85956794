"""Money and rate arithmetic: Decimal with 40 digits, money rounded half-up to the fen.

Rates are kept unrounded (lending_rules.md §1.10: rounding a derived rate drifts); only money
is rounded, once per line item.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal, InvalidOperation

#: The arithmetic context of the loan engine (never the thread's default context).
CONTEXT = Context(prec=40, rounding=ROUND_HALF_EVEN)

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


def fen(value: Decimal) -> Decimal:
    """Round to the fen, half up (Sunline ``setScale(2, HALF_UP)``)."""
    return value.quantize(FEN, rounding=ROUND_HALF_UP, context=CONTEXT)


def parse_money(text: str | int | Decimal) -> Decimal:
    """A positive amount in yuan with at most two decimals: '50000', '1234.5' -> Decimal.

    Raises ``ValueError`` for anything else (floats are refused: they are not exact).
    """
    if isinstance(text, float):
        raise ValueError("money must not be a float")
    try:
        value = Decimal(str(text).strip().replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"not an amount: {text!r}") from None
    if not value.is_finite():
        raise ValueError(f"not an amount: {text!r}")
    if value != value.quantize(FEN, context=CONTEXT):
        raise ValueError(f"amount has more than two decimals: {text!r}")
    return value.quantize(FEN, context=CONTEXT)


def parse_rate(text: str | Decimal) -> Decimal:
    """An annual rate as a decimal fraction ('0.0435'); unrounded."""
    if isinstance(text, float):
        raise ValueError("a rate must not be a float")
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        raise ValueError(f"not a rate: {text!r}") from None
    if not value.is_finite():
        raise ValueError(f"not a rate: {text!r}")
    return value


def money_str(value: Decimal) -> str:
    """'4265.50': two decimals, no grouping (the JSON form)."""
    return f"{fen(value):.2f}"


def money_grouped(value: Decimal) -> str:
    """'51,185.94': two decimals with thousands separators (the table form)."""
    return f"{fen(value):,.2f}"
