"""How dates and amounts look on a farmer's screen: 2月21日 (the year only when it is not this
year), amounts in figures with separators (the capitals are added where a confirmation needs
them: kiosk/receipts/capitals.py)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from kiosk.i18n import Translator


def short_date(tr: Translator, day: dt.date, today: dt.date | None = None) -> str:
    """2月21日, or 2027年2月21日 when the year is not this year's."""
    this_year = (today or dt.date.today()).year
    fields = {"year": day.year, "month": day.month, "day": day.day}
    if day.year == this_year:
        return tr("format.date.month_day", **fields)
    return tr("format.date.year_month_day", **fields)


def yuan(amount: Decimal) -> str:
    """30,000.00 -> '30,000.00'; whole yuan keep their fen (an amount due is exact)."""
    return f"{amount.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,.2f}"


def spoken_yuan(tr: Translator, amount: Decimal) -> str:
    """An amount as the voice says it: 一万二千元 in Mandarin, figures in English."""
    from kiosk.voice import speakable_amount

    return speakable_amount(amount) if tr.lang.startswith("zh") else f"{yuan(amount)} yuan"


def whole_yuan(amount: Decimal) -> str:
    """An amount the farmer keyed: 30000 -> '30,000'."""
    if amount == amount.to_integral_value():
        return f"{int(amount):,}"
    return yuan(amount)


def percent(rate: Decimal, places: int = 2) -> str:
    """0.0435 -> '4.35%'."""
    q = Decimal(1).scaleb(-places)
    return f"{(rate * 100).quantize(q, rounding=ROUND_HALF_UP)}%"
