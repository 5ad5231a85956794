"""The frame every farmer screen shares: a heading, body text, a content area and a footer
with the 重听 (repeat) button on the left and at most three choices plus back/cancel on the
right. Screens subclass :class:`ScreenPage`; texts come from the catalogs by the subclass."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from kiosk.shell import theme


def make_button(text: str = "", *, primary: bool = False, name: str = "") -> QPushButton:
    """A big touch button (>= 96x96 px); primary buttons are filled green with white text."""
    button = QPushButton(text)
    button.setProperty("role", "primary" if primary else "secondary")
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    button.setMinimumSize(theme.TOUCH_MIN_PX * 2, theme.TOUCH_MIN_PX)
    if name:
        button.setObjectName(name)
    return button


def make_label(role: str = "", *, name: str = "") -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    if role:
        label.setProperty("role", role)
    if name:
        label.setObjectName(name)
    return label


COUNTDOWN_PX = 190  # 还剩60秒 / 60 s left at body size


class ScreenPage(QWidget):
    """Base of every farmer screen. ``name`` identifies it (screenshots, tests);
    ``repeat_requested`` is the 重听 button, ``help_requested`` the 呼叫工作人员 button (the
    staff see it in the status strip). ``countdown`` shows the seconds left on a screen that
    can time out (the runner keeps it current)."""

    repeat_requested = Signal()
    help_requested = Signal()

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.setObjectName("screen")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(theme.MARGIN_PX, theme.MARGIN_PX, theme.MARGIN_PX,
                                 theme.MARGIN_PX)
        outer.setSpacing(theme.GAP_PX + 8)
        self.heading = make_label("heading", name="heading")
        self.body = make_label(name="body")
        # always there, empty when the screen does not time out: a tick changes its text only
        # (no show/hide, no relayout of the page every second)
        self.countdown = make_label("muted", name="countdown")
        self.countdown.setWordWrap(False)
        self.countdown.setFixedWidth(COUNTDOWN_PX)
        self.countdown.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        top = QHBoxLayout()
        top.setSpacing(theme.GAP_PX)
        top.addWidget(self.heading, 1)
        self.top_row = top
        top.addWidget(self.countdown, 0, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignRight)
        outer.addLayout(top)
        outer.addWidget(self.body)
        self.content = QVBoxLayout()
        self.content.setSpacing(theme.GAP_PX)
        outer.addLayout(self.content)
        outer.addStretch(1)
        footer = QHBoxLayout()
        footer.setSpacing(theme.GAP_PX)
        self.repeat_button = make_button(name="repeat")
        self.repeat_button.clicked.connect(self.repeat_requested)
        footer.addWidget(self.repeat_button)
        self.help_button = QPushButton()
        self.help_button.setObjectName("help")
        self.help_button.setProperty("role", "secondary")
        self.help_button.setProperty("compact", True)
        self.help_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.help_button.setMinimumSize(theme.TOUCH_MIN_PX, theme.TOUCH_MIN_PX)
        self.help_button.clicked.connect(self.help_requested)
        footer.addWidget(self.help_button)
        footer.addStretch(1)
        self.action_row = QHBoxLayout()
        self.action_row.setSpacing(theme.GAP_PX)
        footer.addLayout(self.action_row)
        outer.addLayout(footer)
        self.footer = footer

    def set_help_text(self, text: str) -> None:
        self.help_button.setText(text)

    def set_countdown(self, text: str) -> None:
        """The seconds left as words (``""``: the screen does not time out)."""
        if self.countdown.text() != text:
            self.countdown.setText(text)

    def add_action(self, button: QPushButton) -> QPushButton:
        """Add a choice to the footer's right side (keep it to 3 plus back/cancel)."""
        self.action_row.addWidget(button)
        return button
