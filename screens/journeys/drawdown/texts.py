"""What the drawdown screens show and the voice says, built in one place (the presenter and the
UX samples use the same builders). Words from the catalogs: ``drawdown.*``; the term words are
the application's (``apply.term.*``), the ways to repay the calculator's (``calc.method.*``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from kiosk.i18n import Translator
from kiosk.shell.attract import HomeChoice
from kiosk.shell.formats import percent, short_date, spoken_yuan, whole_yuan, yuan
from screens.journeys.apply.texts import months_words
from screens.journeys.drawdown.chart import DrawdownFlow, Limits

if TYPE_CHECKING:
    from screens.journeys.apply.screens import ChoiceView, ResultView
    from screens.journeys.calculator.screens import EntryView
    from screens.journeys.drawdown.screens import QuoteView

_PAGER = DrawdownFlow()


def method_words(tr: Translator, method: str) -> str:
    return tr(f"calc.method.{method}")


def account_tail(masked: str) -> str:
    """The last four digits of a masked card number (what the voice says)."""
    digits = [c for c in masked if c.isdigit()]
    return "".join(digits[-4:])


# --- inputs ------------------------------------------------------------------------------------

def show_amount(view: EntryView, tr: Translator, limits: Limits, text: str) -> None:
    view.show_entry(tr, tr("drawdown.amount.title"), tr("apply.unit.yuan"),
                    tr("drawdown.amount.limits", available=yuan(limits.available),
                       low=whole_yuan(limits.low), high=whole_yuan(limits.high)), text)
    view.next_button.setText(tr("apply.next"))


def amount_voice(tr: Translator, limits: Limits) -> dict[str, str]:
    return {"available": spoken_yuan(tr, limits.available),
            "low": spoken_yuan(tr, limits.low), "high": spoken_yuan(tr, limits.high)}


def show_terms(view: ChoiceView, tr: Translator, terms: Sequence[int], page: int) -> None:
    choices = [HomeChoice(str(m), months_words(tr, m), tr("apply.term.note", months=m))
               for m in _PAGER.page_of(terms, page)]
    view.show_choices(tr, tr("drawdown.term.title"), tr("drawdown.term.body"), choices,
                      more=_PAGER.pages(terms) > 1)


def show_methods(view: ChoiceView, tr: Translator, methods: Sequence[str], page: int) -> None:
    choices = [HomeChoice(m, method_words(tr, m), tr(f"calc.method.{m}.note"))
               for m in _PAGER.page_of(methods, page)]
    view.show_choices(tr, tr("drawdown.method.title"), tr("drawdown.method.body"), choices,
                      more=_PAGER.pages(methods) > 1)


# --- the quote ---------------------------------------------------------------------------------

def _payments(tr: Translator, quote: Any, today: dt.date) -> tuple[str, str]:
    """Each installment's amount in two parts an elderly farmer can follow: the first (with
    its date), then the regular ones (or the range when they fall), or the last. The first
    part goes beside the term on one line (the whole disclosure fits 1024x768 in the elderly
    mode), the second (may be empty) on the next."""
    rows = list(quote.installments)
    first, last = rows[0], rows[-1]
    text = tr("drawdown.quote.first", date=short_date(tr, _date(first.due_date), today),
              amount=yuan(Decimal(first.payment)))
    later = {Decimal(r.payment) for r in rows[1:]}
    if len(rows) == 1:
        return text, ""
    if len(later) == 1:
        return text, tr("drawdown.quote.regular", amount=yuan(later.pop()))
    middle = {Decimal(r.payment) for r in rows[1:-1]}
    if middle == {Decimal(first.payment)}:  # the same every month, the last one aside
        return (tr("drawdown.quote.same", date=short_date(tr, _date(first.due_date), today),
                   amount=yuan(Decimal(first.payment))),
                tr("drawdown.quote.last", amount=yuan(Decimal(last.payment))))
    if len(middle) == 1:  # the last one differs (the residual, or the principal with it)
        return text, tr("drawdown.quote.last_after", regular=tr(
            "drawdown.quote.regular", amount=yuan(middle.pop())),
            amount=yuan(Decimal(last.payment)))
    return text, tr("drawdown.quote.falling", high=yuan(max(later)), low=yuan(min(later)))


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def quote_lines(tr: Translator, quote: Any, account: str, today: dt.date) -> list[str]:
    months = int(quote.months)
    head, tail = _payments(tr, quote, today)
    lines = [tr("drawdown.quote.terms", term=months_words(tr, months), count=months,
                method=method_words(tr, str(quote.method)), first=head)]
    if tail:
        lines.append(tail)
    lines.append(tr("drawdown.quote.cost", interest=yuan(Decimal(quote.total_interest)),
                    total=yuan(Decimal(quote.total_payment))))
    lines.append(tr("drawdown.quote.rate", simple=percent(Decimal(quote.apr_simple)),
                    compound=percent(Decimal(quote.apr_compound))))
    lines.append(tr("drawdown.quote.account", account=account))
    return lines


def show_quote(view: QuoteView, tr: Translator, quote: Any, account: str,
               today: dt.date) -> None:
    view.show_quote(tr, tr("drawdown.quote.title"), quote_lines(tr, quote, account, today),
                    Decimal(quote.amount))


def quote_voice(tr: Translator, quote: Any, account: str, today: dt.date) -> dict[str, str]:
    """The cost disclosure as spoken: amount, term, first payment and date, interest, total,
    the annual rate (simple, and compound), the account's last four digits."""
    first = quote.installments[0]
    return {"amount": spoken_yuan(tr, Decimal(quote.amount)),
            "term": months_words(tr, int(quote.months)),
            "method": method_words(tr, str(quote.method)),
            "date": short_date(tr, _date(first.due_date), today),
            "first": spoken_yuan(tr, Decimal(first.payment)),
            "interest": spoken_yuan(tr, Decimal(quote.total_interest)),
            "total": spoken_yuan(tr, Decimal(quote.total_payment)),
            "simple": spoken_percent(tr, Decimal(quote.apr_simple)),
            "compound": spoken_percent(tr, Decimal(quote.apr_compound)),
            "tail": account_tail(account)}


def spoken_percent(tr: Translator, rate: Decimal) -> str:
    """0.0435 -> 百分之四点三五 (Mandarin) / 4.35 percent."""
    text = percent(rate).rstrip("%")
    if not tr.lang.startswith("zh"):
        return tr("drawdown.percent", value=text)
    from kiosk.voice import integer_words

    whole, _, frac = text.partition(".")
    digits = "零一二三四五六七八九"
    words = integer_words(int(whole)) or "零"
    if frac.strip("0"):
        words += "点" + "".join(digits[int(d)] for d in frac.rstrip("0"))
    return tr("drawdown.percent", value=words)


# --- results -----------------------------------------------------------------------------------

def show_success(view: ResultView, tr: Translator, amount: Decimal, result: Any, account: str,
                 today: dt.date) -> None:
    answer = result.answer
    lines = [tr("drawdown.success.account", account=account)]
    if answer is not None:
        lines.append(tr("drawdown.success.first",
                        date=short_date(tr, _date(answer.first_due_date), today),
                        amount=yuan(Decimal(answer.first_payment))))
        lines.append(tr("drawdown.contract", number=answer.contract_no))
    lines.append(tr("drawdown.serial", number=result.host_ref or result.key))
    view.show_result(tr, tr("drawdown.success.title"), "", lines, amount=amount)


def show_pending(view: ResultView, tr: Translator, amount: Decimal, result: Any) -> None:
    lines = [tr("drawdown.pending.body"), tr("drawdown.serial", number=result.key)]
    view.show_result(tr, tr("drawdown.pending.title"), "", lines, amount=amount,
                     other=tr("money.check"))


def show_failed(view: ResultView, tr: Translator, reason: str,
                title: str = "drawdown.failed.title") -> None:
    view.show_result(tr, tr(title), reason, [tr("drawdown.failed.next")])


def show_message(view: ResultView, tr: Translator, key: str) -> None:
    view.show_result(tr, tr(f"{key}.title"), tr(f"{key}.body"), [])


def reason_text(tr: Translator, reason: str | None) -> str:
    """A decline's reason in plain words (the host's code, or the kiosk's not_sent /
    not_applied: nothing was sent / the bank never got it)."""
    if reason in ("not_sent", "not_applied", None, ""):
        return tr("drawdown.failed.not_applied")
    from kiosk.errors import error_info

    return error_info(reason, tr).farmer
