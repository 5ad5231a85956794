"""The hidden staff entry (docs/staff.md): a long press in the top-left corner of the attract
screen (``[staff] entry_hold_seconds``), then a code on the PIN pad's function keys in plain
mode (``entry_code``, e.g. 更正 清除 更正 确认), then the sign-in screen. A farmer touching
the screen does not hold a corner for seconds, and never types function keys in that order.

:class:`CornerHold` watches a widget's mouse/touch events; :class:`EntryCode` is the Qt-free
matcher of the pressed key names.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QEvent, QObject, QPointF, QTimer, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QWidget

CORNER_PX = 120  # the square in the top-left corner that must be held
_MOUSE = (QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.MouseButtonRelease)


class EntryCode:
    """Matches key names against the configured code; any other key, or too many, fail."""

    def __init__(self, code: Sequence[str]) -> None:
        self.code = tuple(code)
        self.keys: list[str] = []

    def feed(self, key: str) -> bool | None:
        """True when the code is complete, False when it can no longer match, else None."""
        self.keys.append(key)
        n = len(self.keys)
        if tuple(self.keys) != self.code[:n]:
            return False
        return True if n == len(self.code) else None

    def matches(self, keys: Sequence[str]) -> bool:
        return tuple(keys) == self.code


class CornerHold(QObject):
    """Emits ``held`` when a press stays inside the top-left corner of ``area`` (the screen
    area below the status strip, whatever screen is shown) for ``seconds``; moving out of the
    corner or releasing earlier cancels it. It watches the application's mouse events and
    never consumes one: the widget under the finger still gets its press."""

    held = Signal()
    started = Signal()  # a press in the corner began the hold
    abandoned = Signal()  # released or moved out before it was held long enough

    def __init__(self, area: QWidget, seconds: float) -> None:
        super().__init__(area)
        self.area = area
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(int(seconds * 1000))
        self._timer.timeout.connect(self.held)
        self._last: tuple[Any, ...] = ()
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        area.destroyed.connect(self._detach)

    def _detach(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def in_corner(self, global_pos: QPointF) -> bool:
        if not self.area.isVisible():
            return False
        pos = self.area.mapFromGlobal(global_pos.toPoint())
        return 0 <= pos.x() <= CORNER_PX and 0 <= pos.y() <= CORNER_PX

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in _MOUSE or not isinstance(event, QMouseEvent):
            return False
        # One event passes the filter once per receiver (window, widget, its parents).
        seen = (kind, event.timestamp(), event.globalPosition().toPoint())
        if seen == self._last:
            return False
        self._last = seen
        if kind == QEvent.Type.MouseButtonPress:
            if self.in_corner(event.globalPosition()):
                self._timer.start()
                self.started.emit()
        elif kind == QEvent.Type.MouseMove:
            if self._timer.isActive() and not self.in_corner(event.globalPosition()):
                self._timer.stop()
                self.abandoned.emit()
        elif kind == QEvent.Type.MouseButtonRelease and self._timer.isActive():
            self._timer.stop()
            self.abandoned.emit()
        return False

    @property
    def pending(self) -> bool:
        return self._timer.isActive()
