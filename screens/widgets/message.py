"""A page that says one thing and has one button: no data found, or a host not answering
(what it means and what to do next)."""

from __future__ import annotations

from PySide6.QtCore import Signal

from kiosk.i18n import Translator
from kiosk.shell.page import ScreenPage, make_button


class MessageView(ScreenPage):
    finish_requested = Signal()

    def __init__(self, name: str, finish_msgid: str) -> None:
        super().__init__(name)
        self.finish_msgid = finish_msgid
        self.finish_button = self.add_action(make_button(primary=True, name="finish"))
        self.finish_button.clicked.connect(self.finish_requested)

    def show_texts(self, tr: Translator, heading: str, body: str) -> None:
        self.heading.setText(heading)
        self.body.setText(body)
        self.finish_button.setText(tr(self.finish_msgid))
        self.repeat_button.setText(tr("screen.common.repeat"))
