"""Screens of the identify journey. Each ``show_*`` sets its texts from the session's
translator with literal message ids (the catalog test finds them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QWidget

from kiosk.i18n import Translator
from kiosk.shell.page import ScreenPage, make_label
from screens.widgets.buttons import big_button
from screens.widgets.cards import IdCardPicture

if TYPE_CHECKING:
    from kiosk.errors import ErrorInfo


class InsertIdCardView(ScreenPage):
    """请插入身份证: the reader is waiting. Cancel goes home."""

    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("insert_id", parent)
        self.picture = IdCardPicture()
        self.content.addWidget(self.picture, 0, Qt.AlignmentFlag.AlignHCenter)
        self.cancel_button = self.add_action(big_button(name="cancel"))
        self.cancel_button.clicked.connect(self.cancel_requested)

    def show_texts(self, tr: Translator) -> None:
        self.heading.setText(tr("screen.insert_id.title"))
        self.body.setText(tr("screen.insert_id.body"))
        self.cancel_button.setText(tr("screen.common.cancel"))
        self.repeat_button.setText(tr("screen.common.repeat"))


class ReadingView(ScreenPage):
    """正在读取: no choices while the reader works."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("reading", parent)
        self.picture = IdCardPicture(arrow="")
        self.place_waiting_beside(self.picture)

    def show_texts(self, tr: Translator) -> None:
        self.show_waiting(tr("wait.idcard"))
        self.heading.setText(tr("screen.reading.title"))
        self.body.setText(tr("screen.reading.body"))
        self.repeat_button.setText(tr("screen.common.repeat"))


class WelcomeView(ScreenPage):
    """您好，张*国: the ID card is read. 完成 ends the journey; with the bank card step the
    same primary button says 下一步 and leads to 请插入银行卡."""

    finish_requested = Signal()
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("welcome", parent)
        self.name_label = make_label("amount", name="masked-name")
        self.content.addWidget(self.name_label)
        self.cancel_button = self.add_action(big_button(name="cancel"))
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.finish_button = self.add_action(big_button(primary=True, name="finish"))
        self.finish_button.clicked.connect(self.finish_requested)

    def show_texts(self, tr: Translator, masked_name: str, *, next_step: bool = False) -> None:
        # one success moment per identification: with the bank card still to come, the
        # heading is the next instruction (the ✓ comes when the bank has confirmed)
        self.heading.setText(tr("screen.welcome.next_title") if next_step
                             else "✓ " + tr("screen.welcome.title"))
        self.name_label.setText(tr("label.welcome_name", name=masked_name))
        if next_step:
            self.body.setText(tr("screen.welcome.body_next"))
            self.finish_button.setText(tr("screen.welcome.next"))
        else:
            self.body.setText(tr("screen.welcome.body"))
            self.finish_button.setText(tr("screen.welcome.finish"))
        self.cancel_button.setText(tr("screen.common.cancel"))
        self.repeat_button.setText(tr("screen.common.repeat"))


class ErrorView(ScreenPage):
    """A farmer-visible error: what happened and what to do, in plain words; the code small
    for the staff."""

    finish_requested = Signal()
    retry_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("error", parent)
        self.heading.setProperty("role", "error")
        # the code is for the staff: small, in the top corner, never in the farmer's text
        self.code_label = make_label("staff-code", name="error-code")
        self.code_label.setWordWrap(False)
        self.top_row.insertWidget(1, self.code_label, 0, Qt.AlignmentFlag.AlignTop)
        self.finish_button = self.add_action(big_button(primary=True, name="finish"))
        self.finish_button.clicked.connect(self.finish_requested)
        self.retry_button = self.add_action(big_button(primary=True, name="retry"))
        self.retry_button.clicked.connect(self.retry_requested)
        self.retry_button.hide()
        self.info: ErrorInfo | None = None

    def show_error(self, tr: Translator, info: ErrorInfo, *, retry: bool = False,
                   with_bank_card: bool = False, heading: str = "", body: str = "") -> None:
        """``retry``: offer 重新输入密码 (the finish button then says 取消); ``with_bank_card``:
        finishing asks for both cards back."""
        self.info = info
        # a wrong PIN is not a failure: its own heading, no warning sign, no red
        self.heading.setProperty("role", "heading" if heading else "error")
        self.heading.style().unpolish(self.heading)
        self.heading.style().polish(self.heading)
        self.heading.setText(heading or "⚠ " + tr("screen.error.title"))
        self.body.setText(body or info.farmer)
        self.code_label.setText(info.code)
        if retry:
            self.finish_button.setText(tr("screen.common.cancel"))
            self.finish_button.setProperty("role", "secondary")
            self.retry_button.setText(tr("screen.error.retry_pin"))
        else:
            self.finish_button.setText(tr("screen.error.finish"))
            self.finish_button.setProperty("role", "primary")
        self.finish_button.style().unpolish(self.finish_button)
        self.finish_button.style().polish(self.finish_button)
        self.retry_button.setVisible(retry)
        self.repeat_button.setText(tr("screen.common.repeat"))


