"""The drawdown screens: the amount on the large keypad (what is left and the product's limits
beside it), term and method as plain-word tiles (two a page with 下一页), the host's quote to
confirm (the amount as large as a heading with its capitals, each installment, the first due
date, interest, total, annual rate simple and compound, the receiving account masked), and
the results. The keypad, tile and result pages are the calculator's and the application's."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QWidget

from kiosk.i18n import Translator
from kiosk.shell.page import ScreenPage, make_button, make_label
from screens.journeys.apply.screens import ChoiceView, ResultView
from screens.journeys.calculator.screens import EntryView


def amount_row(view: ResultView) -> None:
    """The amount and its capitals side by side (one row less: the quote fits 1024x768). The
    row is a child widget of the page (Qt owns it: no layout left to Python's collector)."""
    box = QWidget(view)
    box.setObjectName("amount-row")
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(24)
    for label in (view.amount, view.capitals):
        view.content.removeWidget(label)
        row.addWidget(label, 0, Qt.AlignmentFlag.AlignBottom)
    view.capitals.setWordWrap(False)
    row.addStretch(1)
    view.content.insertWidget(0, box)


class MoneyResultView(ResultView):
    """A result with a note beneath that comes later (whether the receipt came out)."""

    def __init__(self, name: str, *, other: bool = False) -> None:
        super().__init__(name, other=other)
        amount_row(self)
        self.note = make_label(name="note")
        self.content.addWidget(self.note)
        self.note.hide()

    def show_result(self, *args: Any, **kwargs: Any) -> None:
        super().show_result(*args, **kwargs)
        self.show_note("")

    def show_note(self, text: str) -> None:
        self.note.setText(text)
        self.note.setVisible(bool(text))

    def texts(self) -> str:
        return "\n".join([super().texts(), *([self.note.text()] if self.note.text() else [])])


class QuoteView(ResultView):
    """请核对: the host's quote, checked by the kiosk; 确认借款, 返回 or 取消."""

    confirm_requested = Signal()
    back_requested = Signal()
    cancel_requested = Signal()

    def __init__(self) -> None:
        super().__init__("drawdown_quote")
        amount_row(self)
        self.back_button = self.add_action(make_button(name="back"))
        self.back_button.clicked.connect(self.back_requested)
        self.cancel_button = self.add_action(make_button(name="cancel"))
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.confirm_button = self.add_action(make_button(primary=True, name="confirm"))
        self.confirm_button.clicked.connect(self.confirm_requested)
        self.finish_button.hide()  # the result page's 办完了 is not a choice here

    def show_quote(self, tr: Translator, heading: str, lines: list[str],
                   amount: Decimal) -> None:
        self.show_result(tr, heading, "", lines, amount=amount)  # capitals: zh only
        self.finish_button.hide()
        self.back_button.setText(tr("screen.common.back"))
        self.cancel_button.setText(tr("screen.common.cancel"))
        self.confirm_button.setText(tr("drawdown.quote.confirm"))
        self.confirm_button.setEnabled(True)


class DrawdownViews:
    """Every drawdown screen, built once. The PIN screen is the identification's."""

    def __init__(self) -> None:
        self.loading_view = ScreenPage("drawdown_loading")
        self.amount_view = EntryView("drawdown_amount")
        self.term_view = ChoiceView("drawdown_term")
        self.method_view = ChoiceView("drawdown_method")
        self.quote_view = QuoteView()
        self.sending_view = ScreenPage("drawdown_sending")
        self.success_view = MoneyResultView("drawdown_success")
        self.pending_view = MoneyResultView("drawdown_pending", other=True)  # 再查一次
        self.failed_view = MoneyResultView("drawdown_failed")
        self.mismatch_view = MoneyResultView("drawdown_mismatch")
        self.not_signed_view = MoneyResultView("drawdown_not_signed")
        self.no_line_view = MoneyResultView("drawdown_no_line")
        self.unavailable_view = MoneyResultView("drawdown_unavailable")
        self.refused_view = MoneyResultView("drawdown_refused")

    def results(self) -> list[MoneyResultView]:
        return [self.success_view, self.pending_view, self.failed_view, self.mismatch_view,
                self.not_signed_view, self.no_line_view, self.unavailable_view,
                self.refused_view]

    def pages(self) -> list[ScreenPage]:
        return [self.loading_view, self.amount_view, self.term_view, self.method_view,
                self.quote_view, self.sending_view, *self.results()]


def sample_screens(views: DrawdownViews, tr: Translator) -> list[tuple[str, QWidget]]:
    """Every screen with the longest texts it can get (the presenter's own text builders): the
    products' cap, 36 months, a 处理中 with its serial, a long decline reason."""
    import datetime as dt
    from types import SimpleNamespace

    from kiosk.errors import error_info
    from kiosk.lending import LoanTerms, Method, annual_rate, build_schedule
    from screens.journeys.drawdown import texts
    from screens.journeys.drawdown.chart import Limits

    v = views
    limits = Limits(Decimal("5000"), Decimal("299999"), Decimal("299999.99"), Decimal("5000"),
                    Decimal("300000"))
    v.loading_view.heading.setText("… " + tr("drawdown.loading"))
    texts.show_amount(v.amount_view, tr, limits, "299999")
    texts.show_terms(v.term_view, tr, (6, 12, 24, 36), 1)
    texts.show_methods(v.method_view, tr, ("equal-installment", "equal-principal",
                                           "interest-first", "bullet"), 0)
    today = dt.date(2026, 3, 16)
    schedule = build_schedule(LoanTerms(Decimal("299999.00"), 36, Decimal("0.0465"),
                                        Method.EQUAL_PRINCIPAL, today, due_day=21))
    rates = annual_rate(schedule)
    quote = SimpleNamespace(amount=Decimal("299999.00"), months=36, method="equal-principal",
                            annual_rate=Decimal("0.0465"), installments=schedule.installments,
                            total_interest=schedule.total_interest,
                            total_payment=schedule.total_payment, apr_simple=rates.simple,
                            apr_compound=rates.compound)
    texts.show_quote(v.quote_view, tr, quote, "621700******1234", today)
    v.sending_view.heading.setText("… " + tr("drawdown.sending"))
    result = SimpleNamespace(key="ZN610425001-261203090524687624-0000001",
                             host_ref="2026031600000001", reason="HOST-INSUFFICIENT-FUNDS",
                             answer=SimpleNamespace(contract_no="HT202603160001",
                                                    first_due_date=dt.date(2026, 4, 21),
                                                    first_payment=Decimal("9454.43")))
    texts.show_success(v.success_view, tr, Decimal("299999.00"), result, "621700******1234",
                       today)
    v.success_view.show_note(tr("printer.printed"))
    texts.show_pending(v.pending_view, tr, Decimal("299999.00"), result)
    v.pending_view.show_note(tr("printer.maybe_not_printed"))
    texts.show_failed(v.failed_view, tr, error_info("HOST-LINE-EXPIRED", tr).farmer)
    texts.show_message(v.mismatch_view, tr, "drawdown.mismatch")
    texts.show_message(v.not_signed_view, tr, "drawdown.not_signed")
    texts.show_message(v.no_line_view, tr, "drawdown.no_line")
    texts.show_failed(v.unavailable_view, tr, error_info("JOURNAL-UNRESOLVED", tr).farmer,
                      title="drawdown.unavailable.title")
    texts.show_failed(v.refused_view, tr, tr("staff.auth.farmer.no_staff"),
                      title="drawdown.refused.title")
    return [(page.name, page) for page in v.pages()]
