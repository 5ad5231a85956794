"""A page that says one thing and has one button: no data found, or a host not answering
(what it means and what to do next). :meth:`MessageView.add_choice` adds a way on (e.g. 查申请进度
where there is no credit line) beside it, at most two, so the footer keeps three choices."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QPushButton

from kiosk.i18n import Translator
from kiosk.shell.page import ScreenPage, make_button


class MessageView(ScreenPage):
    finish_requested = Signal()

    def __init__(self, name: str, finish_msgid: str) -> None:
        super().__init__(name)
        self.finish_msgid = finish_msgid
        # a page whose one way on is 取消 (waiting for the farmer to do something) has it as
        # the cancel button: the PIN pad's 取消 key by ear, never its 确认 key
        cancel = finish_msgid == "screen.common.cancel"
        self.finish_button = self.add_action(make_button(primary=not cancel,
                                                         name="cancel" if cancel else "finish"))
        self.finish_button.clicked.connect(self.finish_requested)
        self._choices: list[tuple[QPushButton, str]] = []

    def add_choice(self, name: str, msgid: str, *, primary: bool = False) -> QPushButton:
        """Another way on: before the finish button, or after it when this one is primary
        (the finish button then becomes secondary): the main choice is always at the right.
        Its text is ``msgid``, set by :meth:`show_texts`."""
        if len(self._choices) >= 2:
            raise ValueError("at most three choices on a screen")
        button = make_button(primary=primary, name=name)
        if primary:
            self.add_action(button)
        else:
            self.action_row.insertWidget(self.action_row.indexOf(self.finish_button), button)
        if primary:
            self.finish_button.setProperty("role", "secondary")
            self.finish_button.style().unpolish(self.finish_button)
            self.finish_button.style().polish(self.finish_button)
        self._choices.append((button, msgid))
        return button

    def show_texts(self, tr: Translator, heading: str, body: str) -> None:
        self.heading.setText(heading)
        self.body.setText(body)
        self.finish_button.setText(tr(self.finish_msgid))
        for button, msgid in self._choices:
            button.setText(tr(msgid))
        self.repeat_button.setText(tr("screen.common.repeat"))
