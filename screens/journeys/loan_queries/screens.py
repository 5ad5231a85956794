"""The loan queries' screens: a loan (product, masked contract number, the next due date and
amount as large as a heading), the schedule as a paged table with each period's state in
words, the chart of paid / due / overdue / future, the repayment history as a paged table."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QVBoxLayout, QWidget

from kiosk.i18n import Translator
from kiosk.shell import theme
from kiosk.shell.formats import yuan
from kiosk.shell.page import ScreenPage, make_button, make_label
from screens.journeys.loan_queries.rows import (
    GROUPS,
    HISTORY_COLUMNS,
    SCHEDULE_COLUMNS,
    PlanSummary,
    chart_series,
    history_row,
    loan_due_text,
    masked_contract,
    plan_summary_text,
    schedule_row,
)
from screens.widgets.message import MessageView
from screens.widgets.paged_table import PagedTable

ROWS_PER_PAGE = 5


def _spacing(page: ScreenPage) -> None:
    layout = page.layout()
    assert layout is not None
    layout.setSpacing(theme.GAP_PX)


class LoanView(ScreenPage):
    """One loan per screen: what it is, when and how much is next; 还款计划, 还款明细,
    换还款卡. With several loans the farmer first picks one (看这笔 / 下一笔), as the repayment
    does: one thing at a time, never more than three choices."""

    schedule_requested = Signal()
    history_requested = Signal()
    next_requested = Signal()
    finish_requested = Signal()
    pick_requested = Signal()
    change_requested = Signal()

    def __init__(self) -> None:
        super().__init__("loan_queries_loan")
        self.due = make_label("amount", name="due")
        self.content.addWidget(self.due)
        self.lines = {key: make_label(name=f"loan-{key}")
                      for key in ("contract", "amount", "account", "position")}
        row = QHBoxLayout()  # 合同号 …  第2笔，共3笔 [下一笔]: the footer keeps three choices
        row.setSpacing(theme.GAP_PX * 2)
        row.addWidget(self.lines["contract"], 1)  # wraps before the button is squeezed
        self.lines["position"].setSizePolicy(QSizePolicy.Policy.Fixed,
                                             QSizePolicy.Policy.Preferred)  # its words only
        row.addWidget(self.lines["position"])
        self.next_button = make_button(name="next-loan")
        self.next_button.clicked.connect(self.next_requested)
        row.addWidget(self.next_button)
        self.content.addLayout(row)
        self.content.addWidget(self.lines["amount"])
        account = QHBoxLayout()  # 还款账户：… [换还款卡] (the account change journey)
        account.setSpacing(theme.GAP_PX)
        account.addWidget(self.lines["account"], 1)  # its words take the width, then wrap
        self.change_button = make_button(name="change-account")
        self.change_button.clicked.connect(self.change_requested)
        account.addWidget(self.change_button)
        self.content.addLayout(account)
        self.content.addStretch(1)
        self.finish_button = self.add_action(make_button(name="back"))
        self.finish_button.clicked.connect(self.finish_requested)
        self.history_button = self.add_action(make_button(name="history"))
        self.history_button.clicked.connect(self.history_requested)
        self.schedule_button = self.add_action(make_button(primary=True, name="schedule"))
        self.schedule_button.clicked.connect(self.schedule_requested)
        self.pick_button = self.add_action(make_button(primary=True, name="pick-loan"))
        self.pick_button.clicked.connect(self.pick_requested)

    def showEvent(self, event: Any) -> None:
        # short of room (the elderly mode's words) the account wraps; 换还款卡 keeps its size
        self.change_button.setMinimumWidth(self.change_button.sizeHint().width())
        super().showEvent(event)

    def show_loan(self, tr: Translator, loan: Any, index: int, count: int,
                  today: dt.date, *, can_change: bool = False, picking: bool = False) -> None:
        """``picking``: several loans, none chosen yet: 看这笔 / 下一笔 / 完成. Chosen (or the
        only one): 还款计划, 还款明细 and, when ``can_change``, 换还款卡 beside the account;
        with several, 返回 goes back to the choosing."""
        self.heading.setText(loan.product_name)
        self.body.hide()
        self.due.setText(loan_due_text(tr, loan, today))
        self.due.setProperty("overdue", Decimal(loan.overdue_amount) > 0)
        self.lines["contract"].setText(tr("loanq.loan.contract",
                                          contract=masked_contract(loan.contract_no)))
        self.lines["amount"].setText(tr("loanq.loan.amount", amount=yuan(Decimal(loan.amount)),
                                        months=loan.months,
                                        left=yuan(Decimal(loan.outstanding_principal))))
        self.lines["account"].setText(tr("loanq.loan.account",
                                         account=loan.repayment_account_masked))
        self.change_button.setText(tr("loanq.change_account"))
        self.change_button.setVisible(can_change and not picking)
        self.lines["position"].setText(tr("loanq.loan.position", n=index + 1, count=count))
        self.lines["position"].setVisible(count > 1)
        self.lines["position"].setWordWrap(False)
        self.next_button.setVisible(picking)
        self.pick_button.setVisible(picking)
        self.pick_button.setText(tr("loanq.pick_loan"))
        self.history_button.setVisible(not picking)
        self.schedule_button.setVisible(not picking)
        self.finish_button.setText(tr("loanq.back" if count > 1 and not picking
                                      else "loanq.finish"))
        self.next_button.setText(tr("loanq.next_loan"))
        self.history_button.setText(tr("loanq.history"))
        self.schedule_button.setText(tr("loanq.schedule"))
        self.repeat_button.setText(tr("screen.common.repeat"))


class TableView(ScreenPage):
    """A paged table: 返回, 上一页, 下一页."""

    back_requested = Signal()

    def __init__(self, name: str, columns: int, right_from: int, spacing: int) -> None:
        super().__init__(name)
        _spacing(self)  # room for the table at 1024x768
        self.table = PagedTable(columns, ROWS_PER_PAGE, right_from=right_from, spacing=spacing)
        self.content.addWidget(self.table)
        self.content.addStretch(1)
        self.back_button = self.add_action(make_button(name="back"))
        self.back_button.clicked.connect(self.back_requested)
        self.prev_button = self.add_action(make_button(name="prev"))
        self.prev_button.clicked.connect(self.prev_page)
        self.next_button = self.add_action(make_button(name="next-page"))
        self.next_button.clicked.connect(self.next_page)
        self._tr = Translator()

    def show_table(self, tr: Translator, heading: str, header: Sequence[str],
                   rows: Sequence[tuple[str, ...]], page: int = 0) -> None:
        self._tr = tr
        self.heading.setText(heading)
        self.back_button.setText(tr("screen.common.back"))
        self.prev_button.setText(tr("loanq.prev"))
        self.next_button.setText(tr("loanq.next"))
        self.repeat_button.setText(tr("screen.common.repeat"))
        self.table.set_rows(header, rows, page)
        self._paged()

    def next_page(self) -> None:
        self.table.show_page(self.table.page + 1)
        self._paged()

    def prev_page(self) -> None:
        self.table.show_page(self.table.page - 1)
        self._paged()

    def _paged(self) -> None:
        t = self.table
        self.body.setText(self._tr("loanq.page", page=t.page + 1, pages=t.pages))
        self.prev_button.setEnabled(t.page > 0)
        self.next_button.setEnabled(t.page < t.pages - 1)


class PlanChartView(ScreenPage):
    """The summary in words above the chart; 返回, 打印 and 看明细表 (the table)."""

    back_requested = Signal()
    print_requested = Signal()
    table_requested = Signal()

    def __init__(self) -> None:
        super().__init__("loan_queries_chart")
        _spacing(self)
        self.notice = make_label("alert", name="notice")
        self.notice.hide()
        self.content.addWidget(self.notice)
        self.chart_box = QVBoxLayout()
        self.content.addLayout(self.chart_box, 1)
        self.chart: Any = None  # built when first shown (pyqtgraph imported then)
        self.back_button = self.add_action(make_button(name="back"))
        self.back_button.clicked.connect(self.back_requested)
        self.print_button = self.add_action(make_button(name="print"))
        self.print_button.clicked.connect(self.print_requested)
        self.table_button = self.add_action(make_button(primary=True, name="table"))
        self.table_button.clicked.connect(self.table_requested)

    def show_plan(self, tr: Translator, rows: Sequence[Any], *, can_print: bool,
                  printing: bool = False, notice: str = "") -> None:
        self.heading.setText(tr("loanq.chart.title"))
        self.body.setText(plan_summary_text(tr, PlanSummary.of(rows)))
        self.notice.setText("⚠ " + notice if notice else "")
        self.notice.setVisible(bool(notice))
        if self.chart is None:
            from screens.widgets.plan_chart import PlanChart  # pyqtgraph: only when shown

            self.chart = PlanChart()
            self.chart_box.addWidget(self.chart)
        self.chart.show_plan(chart_series(rows), {g: tr(f"loanq.group.{g}") for g in GROUPS},
                             tr("loanq.chart.installment"))
        self.back_button.setText(tr("screen.common.back"))
        self.print_button.setText(tr("loanq.printing") if printing else tr("loanq.print"))
        self.print_button.setVisible(can_print)
        self.print_button.setEnabled(not printing)
        self.table_button.setText(tr("loanq.table"))
        self.repeat_button.setText(tr("screen.common.repeat"))


_warming: list[Any] = []


def warm_chart() -> None:
    """Import the chart's module (pyqtgraph, ~0.4 s of CPU) on a background thread while the
    farmer reads his loan, so that 还款计划 opens without it. Once per process; the chart is
    still built on the GUI thread when first shown."""
    import importlib
    import threading

    if _warming or "screens.widgets.plan_chart" in sys.modules:
        return
    thread = threading.Thread(target=importlib.import_module, args=("screens.widgets.plan_chart",),
                              name="warm-plan-chart", daemon=True)
    _warming.append(thread)
    thread.start()


def show_schedule(view: TableView, tr: Translator, schedule: Any, today: dt.date) -> None:
    """The schedule table opened at the page of the first period not yet paid."""
    rows = schedule.rows
    first_open = next((i for i, r in enumerate(rows) if str(r.status) != "PAID"), 0)
    view.show_table(tr, tr("loanq.schedule.title"), [tr(c) for c in SCHEDULE_COLUMNS],
                    [schedule_row(tr, r, today) for r in rows],
                    page=view.table.page_of(first_open))


def show_history(view: TableView, tr: Translator, records: Sequence[Any],
                 today: dt.date) -> None:
    """Newest first."""
    ordered = sorted(records, key=lambda r: (r.acct_date, r.txn_datetime), reverse=True)
    view.show_table(tr, tr("loanq.history.title"), [tr(c) for c in HISTORY_COLUMNS],
                    [history_row(tr, r, today) for r in ordered])


class LoanQueriesViews:
    def __init__(self) -> None:
        self.loading_view = ScreenPage("loan_queries_loading")
        self.loan_view = LoanView()
        self.schedule_view = TableView("loan_queries_schedule", len(SCHEDULE_COLUMNS), 2,
                                       theme.GAP_PX + 8)
        self.chart_view = PlanChartView()
        self.history_view = TableView("loan_queries_history", len(HISTORY_COLUMNS), 1,
                                      theme.GAP_PX)  # five columns at 1024
        self.no_loans_view = MessageView("loan_queries_none", "loanq.finish")
        self.no_loans_progress = self.no_loans_view.add_choice("progress", "loanq.none.progress")
        self.unavailable_view = MessageView("loan_queries_unavailable", "loanq.finish")

    def pages(self) -> list[ScreenPage]:
        return [self.loading_view, self.loan_view, self.chart_view, self.schedule_view,
                self.history_view, self.no_loans_view, self.unavailable_view]


def sample_plan(installments: int = 360, paid: int = 40, overdue: int = 2,
                start: dt.date = dt.date(2024, 1, 21)) -> Any:
    """A booked loan's schedule with every state (the UX test, the benchmark): ``paid`` periods
    paid, then ``overdue`` overdue, one partly paid and due, the rest in the future."""
    from types import SimpleNamespace

    rows = []
    for n in range(1, installments + 1):
        year, month = divmod(start.month - 1 + n - 1, 12)
        due = dt.date(start.year + year, month + 1, start.day)
        if n <= paid:
            status, days = "PAID", 0
        elif n <= paid + overdue:
            status, days = "OVERDUE", 365 if n == paid + 1 else 30
        elif n == paid + overdue + 1:
            status, days = "PARTIAL", 0
        else:
            status, days = "FUTURE", 0
        rows.append(SimpleNamespace(n=n, due_date=due, status=status, days_overdue=days,
                                    payment=Decimal("2888.88") - n, principal=Decimal("2000.00"),
                                    interest=Decimal("888.88")))
    return SimpleNamespace(loan_id="JJ202401010001", outstanding_principal=Decimal("0"),
                           rows=rows)


def sample_screens(views: LoanQueriesViews, tr: Translator) -> list[tuple[str, QWidget]]:
    """Every screen with the longest texts it can get: an overdue loan at the products' cap,
    a 360-installment schedule on the page with an overdue and a part-paid period, a history
    with four-figure penalties, the chart of all 360."""
    from types import SimpleNamespace

    from kiosk.errors import error_info

    today = dt.date(2026, 3, 16)
    big = Decimal("299999.99")
    loan = SimpleNamespace(product_name=tr("loanq.sample.product"),
                           contract_no="HT202510100001", amount=big, months=360,
                           outstanding_principal=big, next_due_date=dt.date(2027, 12, 21),
                           next_due_amount=Decimal("288888.88"), overdue_amount=big,
                           overdue_days=365, repayment_account_masked="621799*********4561")
    v = views
    v.loading_view.heading.setText("… " + tr("loanq.loading"))
    # the most a loan page holds: one of several, chosen, with 换还款卡
    v.loan_view.show_loan(tr, loan, 8, 9, today, can_change=True)
    v.no_loans_view.show_texts(tr, tr("loanq.none.title"), tr("loanq.none.body"))
    schedule = sample_plan()
    v.chart_view.show_plan(tr, schedule.rows, can_print=True,
                           notice=tr("loanq.print_failed", reason=error_info(
                               "PRN-PAPER-OUT", tr).farmer))
    show_schedule(v.schedule_view, tr, schedule, today)
    breakdown = SimpleNamespace(principal=big, interest=Decimal("28888.88"),
                                penalty=Decimal("8888.88"), compound=Decimal("888.88"),
                                fees=Decimal("0"), total=big)
    records = [SimpleNamespace(acct_date=dt.date(2025, 12, 21 - i), txn_datetime="",
                               amount=big, breakdown=breakdown) for i in range(5)]
    show_history(v.history_view, tr, records, today)
    v.no_loans_view.show_texts(tr, tr("loanq.none.title"), tr("loanq.none.body"))
    info = error_info("HOST-CONNECTION", tr)
    v.unavailable_view.show_texts(tr, tr("loanq.unavailable.title"), info.farmer)
    return [(page.name, page) for page in v.pages()]
