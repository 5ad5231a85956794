"""The calculator's screens: a keypad entry (amount, term, rate), the method in plain words,
the result with its chart, and the schedule page by page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from kiosk.i18n import Translator
from kiosk.shell import theme
from kiosk.shell.attract import ChoiceTile, HomeChoice, TileRow
from kiosk.shell.formats import percent, short_date, whole_yuan, yuan
from kiosk.shell.page import ScreenPage, make_button, make_label
from screens.widgets.keypad import NumberKeypad
from screens.widgets.paged_table import PagedTable

if TYPE_CHECKING:
    from kiosk.lending.apr import AnnualRate
    from kiosk.lending.schedule import Installment, Method, Schedule

ROWS_PER_PAGE = 5


class EntryView(ScreenPage):
    """A figure on the keypad: what it is, the limits, the value as keyed, why not."""

    next_requested = Signal()
    back_requested = Signal()
    cancel_requested = Signal()

    def __init__(self, name: str, *, decimals: bool = False, max_len: int = 9) -> None:
        super().__init__(name)
        self.layout().setSpacing(theme.GAP_PX)  # room for 96 px keys at 1024x768
        self.body.hide()  # the limits stand beside the keypad (room for 96 px keys at 768)
        row = QHBoxLayout()
        row.setSpacing(theme.GAP_PX * 3)
        left = QVBoxLayout()
        left.setSpacing(theme.GAP_PX)
        self.value = make_label("amount", name="value")
        self.limits = make_label(name="limits")
        self.problem = make_label("alert", name="problem")
        self.problem.hide()
        left.addWidget(self.value)
        left.addWidget(self.limits)
        left.addWidget(self.problem)
        left.addStretch(1)
        row.addLayout(left, 1)
        self.keypad = NumberKeypad(decimals=decimals, max_len=max_len)
        self.keypad.changed.connect(self._on_changed)
        row.addWidget(self.keypad, 0, Qt.AlignmentFlag.AlignTop)
        self.content.addLayout(row)
        self.back_button = self.add_action(make_button(name="back"))
        self.back_button.clicked.connect(self.back_requested)
        self.cancel_button = self.add_action(make_button(name="cancel"))
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.next_button = self.add_action(make_button(primary=True, name="next"))
        self.next_button.clicked.connect(self.next_requested)
        self._unit = ""
        self._tr = Translator()

    def show_entry(self, tr: Translator, title: str, unit: str, limits: str, text: str) -> None:
        self._tr = tr
        self._unit = unit
        self.heading.setText(title)
        self.limits.setText(limits)
        self.keypad.set_translator(tr)
        self.keypad.set_text(text)
        self.show_problem("")
        self.back_button.setText(tr("screen.common.back"))
        self.cancel_button.setText(tr("screen.common.cancel"))
        self.next_button.setText(tr("calc.next"))
        self.repeat_button.setText(tr("screen.common.repeat"))

    def show_problem(self, text: str) -> None:
        self.problem.setText("⚠ " + text if text else "")
        self.problem.setVisible(bool(text))

    def _on_changed(self, text: str) -> None:
        shown = text or "0"
        if "." not in shown:
            shown = f"{int(shown):,}"
        self.value.setText(f"{shown} {self._unit}".strip())
        self.next_button.setEnabled(bool(text))
        if self.problem.isVisible():
            self.show_problem("")


class MethodView(ScreenPage):
    """How to repay, in plain words: at most three tiles."""

    chosen = Signal(str)
    back_requested = Signal()
    cancel_requested = Signal()

    def __init__(self) -> None:
        super().__init__("calc_method")
        row = TileRow()  # side by side; one under the other in the elderly mode
        self.tiles: list[ChoiceTile] = []
        for i in range(3):
            tile = row.add_tile(ChoiceTile(f"method-{i + 1}"))
            tile.clicked.connect(self._on_tile)
            self.tiles.append(tile)
        self.content.addLayout(row)
        self.back_button = self.add_action(make_button(name="back"))
        self.back_button.clicked.connect(self.back_requested)
        self.cancel_button = self.add_action(make_button(name="cancel"))
        self.cancel_button.clicked.connect(self.cancel_requested)

    def show_methods(self, tr: Translator, methods: Sequence[Method]) -> None:
        self.heading.setText(tr("calc.method.title"))
        self.body.setText(tr("calc.method.body"))
        for tile, method in zip(self.tiles, methods, strict=True):
            tile.show_choice(HomeChoice(method.value, tr(f"calc.method.{method.value}"),
                                        tr(f"calc.method.{method.value}.note")))
        self.back_button.setText(tr("screen.common.back"))
        self.cancel_button.setText(tr("screen.common.cancel"))
        self.repeat_button.setText(tr("screen.common.repeat"))

    def tile(self, method: str) -> ChoiceTile | None:
        return next((t for t in self.tiles if t.property("key") == method), None)

    def _on_tile(self) -> None:
        tile = self.sender()
        if isinstance(tile, ChoiceTile):
            self.chosen.emit(str(tile.property("key")))


def installment_lines(tr: Translator, schedule: Schedule) -> tuple[str, str]:
    """What is paid each month, in the words of the method: (heading line, second line)."""
    from kiosk.lending.schedule import Method

    lines = schedule.installments
    first, last = lines[0], lines[-1]
    method = schedule.terms.method
    if method is Method.EQUAL_INSTALLMENT and len(lines) > 1:
        return (tr("calc.result.monthly", amount=yuan(lines[1].payment)), "")
    if method is Method.INTEREST_FIRST and len(lines) > 1:
        return (tr("calc.result.interest_monthly", amount=yuan(first.payment)),
                tr("calc.result.last", amount=yuan(last.payment)))
    if len(lines) == 1:
        return (tr("calc.result.once", amount=yuan(first.payment)), "")
    return (tr("calc.result.first", amount=yuan(first.payment)),
            tr("calc.result.last", amount=yuan(last.payment)))


class ResultView(ScreenPage):
    """The answer: what is paid each month and the total interest as large as the heading, the
    annual rates, and the chart of principal and interest per installment."""

    schedule_requested = Signal()
    print_requested = Signal()
    finish_requested = Signal()

    def __init__(self) -> None:
        super().__init__("calc_result")
        self.layout().setSpacing(theme.GAP_PX)  # room for 96 px keys at 1024x768
        row = QHBoxLayout()
        row.setSpacing(theme.GAP_PX * 2)
        left = QVBoxLayout()
        left.setSpacing(theme.GAP_PX // 2)
        self.payment = make_label("amount", name="payment")
        self.payment2 = make_label(name="payment2")
        self.interest = make_label("amount", name="total-interest")
        self.rates = make_label(name="rates")
        self.notice = make_label("alert", name="notice")
        for label in (self.payment, self.payment2, self.interest, self.rates, self.notice):
            left.addWidget(label)
        left.addStretch(1)
        row.addLayout(left, 2)
        self.chart_box = QVBoxLayout()
        row.addLayout(self.chart_box, 1)
        self._result_row = row
        self._care_columns(theme.care_mode())
        theme.on_care_mode(self._care_columns)
        self.chart: Any = None  # built on the first result shown (pyqtgraph imported then)
        self.content.addLayout(row)
        self.schedule_button = self.add_action(make_button(name="schedule"))
        self.schedule_button.clicked.connect(self.schedule_requested)
        self.print_button = self.add_action(make_button(name="print"))
        self.print_button.clicked.connect(self.print_requested)
        self.finish_button = self.add_action(make_button(primary=True, name="finish"))
        self.finish_button.clicked.connect(self.finish_requested)

    def show_result(self, tr: Translator, schedule: Schedule, rate: AnnualRate, *,
                    can_print: bool, printing: bool = False, notice: str = "") -> None:
        t = schedule.terms
        self.heading.setText(tr("calc.result.title"))
        self.body.setText(tr("calc.result.terms", amount=whole_yuan(t.amount), months=t.months,
                             rate=percent(t.annual_rate),
                             method=tr(f"calc.method.{t.method.value}")))
        line1, line2 = installment_lines(tr, schedule)
        self.payment.setText(line1)
        self.payment2.setText(line2)
        self.payment2.setVisible(bool(line2))
        self.interest.setText(tr("calc.result.interest", amount=yuan(schedule.total_interest)))
        self.rates.setText(tr("calc.result.rates", simple=percent(rate.simple),
                              compound=percent(rate.compound)))
        self.notice.setText("⚠ " + notice if notice else "")
        self.notice.setVisible(bool(notice))
        self.show_chart(tr, schedule)
        self.schedule_button.setText(tr("calc.result.schedule"))
        self.print_button.setText(tr("calc.printing") if printing else tr("calc.print"))
        self.print_button.setVisible(can_print)
        self.print_button.setEnabled(not printing)
        self.finish_button.setText(tr("calc.finish"))
        self.repeat_button.setText(tr("screen.common.repeat"))

    def _care_columns(self, care: bool) -> None:
        """In the elderly mode the figures take four fifths of the width (each amount on one
        line at the larger size), the chart beside them the rest."""
        self._result_row.setStretch(0, 4 if care else 2)
        self._result_row.setStretch(1, 1)

    def show_chart(self, tr: Translator, schedule: Schedule) -> None:
        if self.chart is None:
            from screens.widgets.loan_chart import LoanChart  # pyqtgraph: only when shown

            self.chart = LoanChart()
            self.chart_box.addWidget(self.chart)
        self.chart.show_schedule(tr, schedule)


class ScheduleView(ScreenPage):
    """每期还多少: a table, five installments per page (no, date, payment, principal,
    interest), the figures right-aligned."""

    back_requested = Signal()

    def __init__(self) -> None:
        super().__init__("calc_schedule")
        self.layout().setSpacing(theme.GAP_PX)  # room for the table at 1024x768
        self.table = PagedTable(len(COLUMNS), ROWS_PER_PAGE, right_from=2)
        self.content.addWidget(self.table)
        self.back_button = self.add_action(make_button(name="back"))
        self.back_button.clicked.connect(self.back_requested)
        self.prev_button = self.add_action(make_button(name="prev"))
        self.prev_button.clicked.connect(self.prev_page)
        self.next_button = self.add_action(make_button(name="next-page"))
        self.next_button.clicked.connect(self.next_page)
        self._tr = Translator()

    def show_schedule(self, tr: Translator, schedule: Schedule, today: dt.date) -> None:
        self._tr = tr
        self.heading.setText(tr("calc.schedule.title"))
        self.table.set_rows([tr(msgid) for msgid in COLUMNS],
                            [schedule_row(tr, i, today) for i in schedule.installments])
        self.back_button.setText(tr("screen.common.back"))
        self.prev_button.setText(tr("calc.schedule.prev"))
        self.next_button.setText(tr("calc.schedule.next"))
        self.repeat_button.setText(tr("screen.common.repeat"))
        self._show_page()

    @property
    def pages(self) -> int:
        return self.table.pages

    def row_texts(self, index: int) -> tuple[str, ...]:
        """The cells of row ``index`` of the page shown (tests, the autopilot)."""
        return self.table.row_texts(index)

    def next_page(self) -> None:
        self.table.show_page(self.table.page + 1)
        self._show_page()

    def prev_page(self) -> None:
        self.table.show_page(self.table.page - 1)
        self._show_page()

    def _show_page(self) -> None:
        page = self.table.page
        self.body.setText(self._tr("calc.schedule.page", page=page + 1, pages=self.pages))
        self.prev_button.setEnabled(page > 0)
        self.next_button.setEnabled(page < self.pages - 1)


COLUMNS = ("calc.col.n", "calc.col.date", "calc.col.payment", "calc.col.principal",
           "calc.col.interest")


def schedule_row(tr: Translator, line: Installment, today: dt.date) -> tuple[str, ...]:
    return (str(line.n), short_date(tr, line.due_date, today), yuan(line.payment),
            yuan(line.principal), yuan(line.interest))


class CalculatorViews:
    def __init__(self) -> None:
        self.amount_view = EntryView("calc_amount", max_len=7)
        self.term_view = EntryView("calc_term", max_len=3)
        self.rate_view = EntryView("calc_rate", decimals=True, max_len=5)
        self.method_view = MethodView()
        self.result_view = ResultView()
        self.schedule_view = ScheduleView()

    def pages(self) -> list[ScreenPage]:
        return [self.amount_view, self.term_view, self.rate_view, self.method_view,
                self.result_view, self.schedule_view]


def sample_screens(views: CalculatorViews, tr: Translator) -> list[tuple[str, QWidget]]:
    """Every screen with its longest texts (UX-rules test, screenshots)."""
    from kiosk.lending.apr import annual_rate
    from kiosk.lending.schedule import LoanTerms, Method, build_schedule
    from screens.journeys.calculator.chart import METHODS, CalcLimits, Problem

    lim = CalcLimits()
    v = views
    v.amount_view.show_entry(tr, tr("calc.amount.title"), tr("calc.unit.yuan"),
                             tr("calc.amount.limits", low=whole_yuan(lim.min_amount),
                                high=whole_yuan(lim.max_amount)), "5000000")
    v.amount_view.show_problem(tr(Problem.TOO_LARGE.msgid))
    v.term_view.show_entry(tr, tr("calc.term.title"), tr("calc.unit.months"),
                           tr("calc.term.limits", low=lim.min_months, high=lim.max_months),
                           "360")
    v.rate_view.show_entry(tr, tr("calc.rate.title"), "%",
                           tr("calc.rate.limits", high=percent(lim.max_rate, 0)), "23.99")
    v.method_view.show_methods(tr, METHODS)
    schedule = build_schedule(LoanTerms(Decimal("498765.43"), 60, Decimal("0.2399"),
                                        Method.EQUAL_PRINCIPAL, dt.date(2026, 11, 28)))
    v.result_view.show_result(tr, schedule, annual_rate(schedule), can_print=True)
    v.schedule_view.show_schedule(tr, schedule, dt.date(2026, 11, 28))
    return [(page.name, page) for page in v.pages()]
