"""The progress screens: one application or intention per screen (where it stands as large as
a heading, what and where it was made, the steps passed, a decline's reasons), none on file,
and the host not answering."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from kiosk.i18n import Translator
from kiosk.shell import theme
from kiosk.shell.page import ScreenPage, make_button, make_label
from screens.journeys.progress.texts import (
    asked_text,
    reason_lines,
    status_text,
    step_lines,
    what_text,
)
from screens.widgets.message import MessageView


class ItemView(ScreenPage):
    """One application or intention: 打印, 下一条 n/m (which one of how many, as the
    reminder's), 看完了."""

    next_requested = Signal()
    print_requested = Signal()
    finish_requested = Signal()

    def __init__(self) -> None:
        super().__init__("progress_item")
        layout = self.layout()
        assert layout is not None
        layout.setSpacing(theme.GAP_PX)  # room for a long amount and the steps at 1024x768
        self.lines = {key: make_label(name=f"progress-{key}")
                      for key in ("what", "asked", "steps", "reasons", "notice")}
        self.lines["notice"].setProperty("role", "alert")
        self.set_text_rows()  # words only: a grid unit apart in the elderly mode
        for key in ("notice", "what", "asked", "steps", "reasons"):
            self.content.addWidget(self.lines[key])
        self.content.addStretch(1)
        self.print_button = self.add_action(make_button(name="print"))
        self.next_button = self.add_action(make_button(name="next-item"))
        self.next_button.clicked.connect(self.next_requested)
        self.print_button.clicked.connect(self.print_requested)
        self.finish_button = self.add_action(make_button(primary=True, name="finish"))
        self.finish_button.clicked.connect(self.finish_requested)

    def show_item(self, tr: Translator, item: Any, index: int, count: int, today: dt.date, *,
                  can_print: bool, printing: bool = False, notice: str = "") -> None:
        # where it stands as the heading; what it is, what was asked, the steps beneath
        self.heading.setText(status_text(tr, item))
        self.body.hide()
        self.lines["what"].setText(what_text(tr, item, today))
        self.lines["asked"].setText(asked_text(tr, item, capitals=False))
        self.lines["steps"].setText(tr("progress.step.separator").join(
            step_lines(tr, item, today)))
        reasons = reason_lines(tr, item)[:1]  # the first on screen; the voice says two
        self.lines["reasons"].setText("\n".join(reasons))
        self.lines["reasons"].setVisible(bool(reasons))
        self.lines["notice"].setText("⚠ " + notice if notice else "")
        self.lines["notice"].setVisible(bool(notice))
        self.next_button.setVisible(count > 1)
        self.next_button.setText(tr("progress.next_item", n=index + 1, count=count))
        self.print_button.setText(tr("progress.printing") if printing else tr("progress.print"))
        self.print_button.setVisible(can_print)
        self.print_button.setEnabled(not printing)
        self.finish_button.setText(tr("progress.finish"))
        self.repeat_button.setText(tr("screen.common.repeat"))


class ProgressViews:
    def __init__(self) -> None:
        self.loading_view = ScreenPage("progress_loading")
        self.item_view = ItemView()
        self.none_view = MessageView("progress_none", "progress.finish")
        self.unavailable_view = MessageView("progress_unavailable", "progress.finish")

    def pages(self) -> list[ScreenPage]:
        return [self.loading_view, self.item_view, self.none_view, self.unavailable_view]


def sample_item(kind: str = "application", **fields: Any) -> Any:
    """An application (or intention) as the host lists it (samples, tests)."""
    from decimal import Decimal
    from types import SimpleNamespace

    steps = [SimpleNamespace(state=s, date=dt.date(2026, 3, 13 + i)) for i, s in enumerate(
        ("SUBMITTED", "UNDER_REVIEW", "FIELD_VISIT") if kind == "application"
        else ("RECORDED", "ASSIGNED"))]
    base = dict(kind=kind, id="SQ202603130901", channel="counter",
                submitted=dt.date(2026, 3, 13), product_code="NHXE", amount=Decimal("20000.00"),
                months=12, purpose="breeding", status=steps[-1].state, steps=steps,
                decision=None, reasons=[], line_id=None, officer_name=None,
                visit_within_days=None)
    base.update(fields)
    return SimpleNamespace(**base)


def sample_screens(views: ProgressViews, tr: Translator) -> list[tuple[str, QWidget]]:
    """Every screen with the longest texts it can get: a declined application at the cap with
    two reasons and a paper-out notice, made by a loan officer, on a screen of several."""
    from decimal import Decimal
    from types import SimpleNamespace

    from kiosk.errors import error_info

    today = dt.date(2026, 3, 16)
    steps = [SimpleNamespace(state="SUBMITTED", date=dt.date(2025, 12, 28)),
             SimpleNamespace(state="REJECTED", date=dt.date(2025, 12, 28))]
    item = sample_item(channel="officer", amount=Decimal("299999.99"), months=360,
                       purpose="machinery", status="REJECTED", steps=steps, decision="DECLINE",
                       reasons=["R04", "R01"], submitted=dt.date(2025, 12, 28))
    v = views
    v.loading_view.heading.setText("… " + tr("progress.loading"))
    v.item_view.show_item(tr, item, 8, 9, today, can_print=True, notice=tr(
        "progress.print_failed", reason=error_info("PRN-PAPER-OUT", tr).farmer))
    v.none_view.show_texts(tr, tr("progress.none.title"), tr("progress.none.body"))
    info = error_info("HOST-CONNECTION", tr)
    v.unavailable_view.show_texts(tr, tr("progress.unavailable.title"), info.farmer)
    return [(page.name, page) for page in v.pages()]
