"""The credit line's screens: the line (what is left as large as a heading, every amount in
figures and in capitals), no line, and the host not answering."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from kiosk.i18n import Translator
from kiosk.receipts.capitals import amount_in_capitals
from kiosk.shell.formats import short_date, yuan
from kiosk.shell.page import ScreenPage, beside_in_care, make_button, make_label, set_role
from screens.widgets.message import MessageView


def amount_text(tr: Translator, amount: Decimal) -> str:
    """30,000.00 元（叁万元整）: figures and capitals, as a bank confirmation says it."""
    return tr("line.amount", figures=yuan(amount), capitals=amount_in_capitals(amount))


class LineView(ScreenPage):
    finish_requested = Signal()
    sign_requested = Signal()
    borrow_requested = Signal()  # 借款: a signed line with something left (the drawdown)

    def __init__(self) -> None:
        super().__init__("credit_line")
        self.set_text_rows()
        self.available = make_label("amount", name="available")
        self.available_capitals = make_label(name="available-capitals")
        self.content.addWidget(self.available)
        self.content.addWidget(self.available_capitals)
        self.lines = {key: make_label(name=f"line-{key}")
                      for key in ("limit", "used", "signed")}
        # the line and what is borrowed side by side in the elderly mode (1024x768)
        self.content.addLayout(beside_in_care(self.lines["limit"], self.lines["used"],
                                              picture=False))
        self.content.addWidget(self.lines["signed"])
        self.borrow_button = self.add_action(make_button(name="borrow"))
        self.borrow_button.clicked.connect(self.borrow_requested)
        self.borrow_button.hide()
        self.finish_button = self.add_action(make_button(primary=True, name="finish"))
        self.finish_button.clicked.connect(self.finish_requested)
        # 去签约 (when offered, the main choice: at the right, 看完了 beside it)
        self.sign_button = self.add_action(make_button(primary=True, name="sign"))
        self.sign_button.clicked.connect(self.sign_requested)
        self.sign_button.hide()

    def offer_signing(self, tr: Translator, offer: bool) -> None:
        """去签约 for an unsigned line (the signing journey can run now): the primary
        choice, 完成 beside it."""
        self.sign_button.setText(tr("line.sign"))
        self.sign_button.setVisible(offer)
        self.finish_button.setProperty("role", "secondary" if offer else "primary")
        self.finish_button.style().unpolish(self.finish_button)
        self.finish_button.style().polish(self.finish_button)

    def show_line(self, tr: Translator, line: Any, name: str, today: dt.date) -> None:
        self.heading.setText(tr("line.title", name=name))
        self.body.hide()  # the amount says it: 还可以借 …
        available = Decimal(line.available)
        self.available.setText(tr("line.available", figures=yuan(available)))
        # capitals are the Chinese confirmation of an amount: on the Chinese screen only
        self.available_capitals.setText(amount_in_capitals(available))
        self.available_capitals.setVisible(tr.lang.startswith("zh"))
        self.lines["limit"].setText(tr("line.limit", amount=amount_text(tr, Decimal(line.limit))))
        self.lines["used"].setText(tr("line.used", amount=amount_text(tr, Decimal(line.used))))
        expiry = short_date(tr, line.expiry, today)
        self.lines["signed"].setText(tr("line.signed" if line.signed else "line.unsigned",
                                        date=expiry))
        set_role(self.lines["signed"], "" if line.signed else "alert")
        self.finish_button.setText(tr("line.finish"))
        self.borrow_button.setText(tr("line.borrow"))
        self.repeat_button.setText(tr("screen.common.repeat"))

    def offer_borrow(self, offered: bool) -> None:
        self.borrow_button.setVisible(offered)


class CreditLineViews:
    def __init__(self) -> None:
        self.loading_view = ScreenPage("credit_line_loading")
        self.line_view = LineView()
        self.no_line_view = MessageView("credit_line_none", "line.finish")
        # no line: where the farmer's application stands, or a loan officer's visit
        self.no_line_progress = self.no_line_view.add_choice("progress", "line.none.progress")
        self.no_line_intention = self.no_line_view.add_choice("intention",
                                                              "line.none.intention",
                                                              primary=True)
        self.unavailable_view = MessageView("credit_line_unavailable", "line.finish")

    def pages(self) -> list[ScreenPage]:
        return [self.loading_view, self.line_view, self.no_line_view, self.unavailable_view]


def sample_screens(views: CreditLineViews, tr: Translator) -> list[tuple[str, QWidget]]:
    """Every screen with the longest texts it can get: an unsigned line at the products' cap
    (300,000) with the longest capitals below it, expiring in another year."""
    from types import SimpleNamespace

    from kiosk.errors import error_info

    big = Decimal("299999.99")
    line = SimpleNamespace(available=big, limit=big, used=Decimal("288888.88"),
                           expiry=dt.date(2028, 12, 31), signed=False)
    v = views
    v.loading_view.heading.setText("… " + tr("line.loading"))
    v.line_view.show_line(tr, line, "欧阳**娜", dt.date(2027, 3, 1))
    v.line_view.offer_signing(tr, True)
    v.no_line_view.show_texts(tr, tr("line.none.title"), tr("line.none.body"))
    info = error_info("HOST-CONNECTION", tr)
    v.unavailable_view.show_texts(tr, tr("line.unavailable.title"), info.farmer)
    return [(page.name, page) for page in v.pages()]
