"""The main window: the status strip above a QStackedWidget that hosts every screen.

Fullscreen on a terminal: frameless, geometry set to the screen before ``showFullScreen``
(without a window manager, as under bare Xvfb or an xinit kiosk, ``showFullScreen`` alone is
ignored). ``--windowed`` shows a normal window of the configured size.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMainWindow, QStackedWidget, QVBoxLayout, QWidget

from kiosk.i18n import Translator
from kiosk.shell.attract import AttractScreen
from kiosk.shell.status_strip import StatusStrip

log = logging.getLogger(__name__)

DEFAULT_WINDOW = QSize(1280, 800)


class ShellWindow(QMainWindow):
    """``screen_shown(name)`` is emitted whenever the visible screen changes."""

    screen_shown = Signal(str)

    def __init__(
        self,
        translator: Translator,
        terminal_id: str,
        service_point: str,
        devices: Sequence[str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("shell")
        self.setWindowTitle(translator("shell.window_title"))
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.status_strip = StatusStrip(translator, terminal_id, service_point, devices)
        layout.addWidget(self.status_strip)
        self.screen_area = QWidget()
        area_layout = QVBoxLayout(self.screen_area)
        area_layout.setContentsMargins(0, 0, 0, 0)
        self.stack = QStackedWidget()
        area_layout.addWidget(self.stack)
        layout.addWidget(self.screen_area, 1)
        self.setCentralWidget(central)
        self.attract = AttractScreen(translator)
        self.add_screen(self.attract)
        self.stack.currentChanged.connect(self._on_current_changed)

    def add_screen(self, screen: QWidget) -> None:
        if self.stack.indexOf(screen) < 0:
            self.stack.addWidget(screen)

    def show_screen(self, screen: QWidget) -> None:
        self.add_screen(screen)
        if self.stack.currentWidget() is screen:
            return
        self.stack.setCurrentWidget(screen)

    def current_screen(self) -> QWidget | None:
        return self.stack.currentWidget()

    def current_name(self) -> str:
        return str(getattr(self.stack.currentWidget(), "name", ""))

    def _on_current_changed(self, index: int) -> None:
        self.screen_shown.emit(self.current_name())

    def show_kiosk(self, *, fullscreen: bool, width: int | None = None,
                   height: int | None = None) -> None:
        """Show fullscreen (frameless, screen geometry) or as a window of the given size."""
        if fullscreen:
            self.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
            screen = self.screen() or QGuiApplication.primaryScreen()
            geometry = screen.geometry()
            self.setGeometry(geometry)
            self.setMaximumSize(geometry.size())  # a too-wide layout clips, never overflows
            self.showFullScreen()
            self.setCursor(Qt.CursorShape.BlankCursor)  # this window only: not the panel
            log.info("fullscreen %dx%d", geometry.width(), geometry.height())
        else:
            self.resize(width or DEFAULT_WINDOW.width(), height or DEFAULT_WINDOW.height())
            self.show()
