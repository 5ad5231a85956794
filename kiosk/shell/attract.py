"""The attract (idle) screen: what the terminal can do, one button to start, the service
status. Touching anywhere speaks the description (``touched``)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from kiosk.i18n import Translator
from kiosk.modes import Mode
from kiosk.shell import theme
from kiosk.shell.page import ScreenPage, make_button, make_label


class AttractScreen(ScreenPage):
    """Signals: ``start_requested`` (开始办理), ``touched`` (speak the description)."""

    start_requested = Signal()
    touched = Signal()

    SERVICES = (
        "screen.attract.service.products",
        "screen.attract.service.credit_line",
        "screen.attract.service.drawdown",
        "screen.attract.service.repayment",
        "screen.attract.service.queries",
        "screen.attract.service.apply",
    )

    def __init__(self, translator: Translator, parent: QWidget | None = None) -> None:
        super().__init__("attract", parent)
        self._tr = translator
        self.banner = make_label("alert", name="banner")
        self._reason = ""
        self.banner.hide()
        self.content.addWidget(self.banner)
        grid = QGridLayout()
        grid.setHorizontalSpacing(theme.GAP_PX * 3)
        grid.setVerticalSpacing(theme.GAP_PX)
        self.service_labels: list[QLabel] = []
        for i, _msgid in enumerate(self.SERVICES):
            label = make_label(name=f"service-{i}")
            grid.addWidget(label, i // 2, i % 2)
            self.service_labels.append(label)
        self.content.addLayout(grid)
        self.hint = make_label("muted", name="voice-hint")
        self.content.addWidget(self.hint)
        self.start_button = self.add_action(make_button(primary=True, name="start"))
        self.start_button.clicked.connect(self.start_requested)
        self.mode = Mode.STARTING
        self.retranslate(translator)

    def retranslate(self, tr: Translator) -> None:
        self._tr = tr
        self.heading.setText(tr("screen.attract.title"))
        self.body.setText(tr("screen.attract.body"))
        texts = [
            tr("screen.attract.service.products"),
            tr("screen.attract.service.credit_line"),
            tr("screen.attract.service.drawdown"),
            tr("screen.attract.service.repayment"),
            tr("screen.attract.service.queries"),
            tr("screen.attract.service.apply"),
        ]
        for label, text in zip(self.service_labels, texts, strict=True):
            label.setText("● " + text)
        self.hint.setText(tr("screen.attract.voice_hint"))
        self.start_button.setText(tr("screen.attract.start"))
        self.repeat_button.setText(tr("screen.common.repeat"))
        self.set_mode(self.mode, self._reason)

    def set_mode(self, mode: Mode, reason: str = "") -> None:
        """Show the service status: out of service disables starting, with the reason."""
        self.mode = mode
        self._reason = reason
        if mode is Mode.OUT_OF_SERVICE:
            self.banner.setText("⚠ " + self._tr("label.out_of_service",
                                                  reason=reason))
            self.banner.show()
            self.start_button.setEnabled(False)
        elif mode is Mode.DEGRADED:
            self.banner.setText("⚠ " + self._tr("label.degraded",
                                                  reason=reason))
            self.banner.show()
            self.start_button.setEnabled(True)
        elif mode is Mode.STARTING:
            self.banner.setText("… " + self._tr("screen.attract.starting"))
            self.banner.show()
            self.start_button.setEnabled(False)
        else:
            self.banner.hide()
            self.start_button.setEnabled(True)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.touched.emit()
        super().mousePressEvent(event)
