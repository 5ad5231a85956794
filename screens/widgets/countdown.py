"""The idle warning: a panel over the current screen with the seconds left in big figures
and a 继续办理 button. Shown by the FlowController; any touch also keeps the session."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QFrame, QVBoxLayout, QWidget

from kiosk.i18n import Translator
from kiosk.shell import theme
from kiosk.shell.page import make_button, make_label


class IdleWarning(QFrame):
    """Overlay child of ``host``; follows its size. ``keep_going`` is the 继续办理 button."""

    keep_going = Signal()

    def __init__(self, host: QWidget) -> None:
        super().__init__(host)
        self.setObjectName("idle-warning")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 32, 40, 32)
        layout.setSpacing(theme.GAP_PX)
        self.title = make_label("heading", name="idle-title")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.seconds = make_label("big-number", name="idle-seconds")
        self.seconds.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint = make_label(name="idle-hint")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.button = make_button(primary=True, name="keep-going")
        self.button.clicked.connect(self.keep_going)
        layout.addWidget(self.title)
        layout.addWidget(self.seconds)
        layout.addWidget(self.hint)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignHCenter)
        self._tr = Translator()
        host.installEventFilter(self)
        self.hide()

    def show_countdown(self, tr: Translator, seconds_left: int) -> None:
        self._tr = tr
        self.title.setText(tr("screen.idle.title"))
        self.hint.setText(tr("screen.idle.hint"))
        self.button.setText(tr("screen.idle.keep_going"))
        self.set_seconds(seconds_left)
        self._place()
        self.show()
        self.raise_()

    def set_seconds(self, seconds_left: int) -> None:
        self.seconds.setText(self._tr("label.idle_seconds", seconds=max(0, seconds_left)))

    def _place(self) -> None:
        host = self.parentWidget()
        if host is None:
            return
        # covers the screen below (a modal question), leaving a thin margin
        m = theme.GAP_PX
        self.setGeometry(m, m, host.width() - 2 * m, host.height() - 2 * m)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize:
            self._place()
        return False
