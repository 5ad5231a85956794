"""The PIN step's display: one dot per digit typed on the PIN pad, nothing else.

It is fed only by masked :class:`devices.base.KeyPressed` events (a key kind and a digit
count) coming from the PIN pad worker through the bridge. It shows no digits, takes no
keyboard or touch input (a PIN is never typed on the touch screen) and its accessible text
says only how many digits are entered. Filled dots are drawn solid and empty ones as rings,
so the state does not rest on colour alone.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from devices.base import Key, KeyPressed
from kiosk.i18n import Translator
from kiosk.shell import theme

DOT_PX = 44
SPACING_PX = 28


class PinDots(QWidget):
    """``max_len`` places; ``count`` of them filled. ``changed(count)`` on every update."""

    changed = Signal(int)

    def __init__(self, max_len: int = 6, parent: QWidget | None = None,
                 translator: Translator | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pin-dots")
        self._max = max_len
        self._count = 0
        self._tr = translator or Translator()
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setAccessibleName(self._tr("pinpad.dots.name"))
        self._describe()

    @property
    def count(self) -> int:
        return self._count

    @property
    def max_len(self) -> int:
        return self._max

    def set_max_len(self, max_len: int) -> None:
        self._max = max(1, max_len)
        self._count = min(self._count, self._max)
        self.updateGeometry()
        self.update()

    def set_translator(self, translator: Translator) -> None:
        self._tr = translator
        self.setAccessibleName(self._tr("pinpad.dots.name"))
        self._describe()

    def on_key(self, event: KeyPressed) -> None:
        """Slot for the PIN pad's masked key events (connect it as a bound method)."""
        if event.key in (Key.DIGIT, Key.BACKSPACE, Key.CLEAR, Key.ENTER):
            self._set(event.digits)
        elif event.key is Key.CANCEL:
            self._set(0)

    def reset(self) -> None:
        """Empty the display (a new PIN step, or the session ended)."""
        self._set(0)

    def _set(self, count: int) -> None:
        count = max(0, min(self._max, count))
        if count == self._count:
            return
        self._count = count
        self._describe()
        self.update()
        self.changed.emit(count)

    def _describe(self) -> None:
        self.setAccessibleDescription(self._tr("pinpad.dots.accessible", count=self._count))

    def sizeHint(self) -> QSize:
        width = self._max * DOT_PX + (self._max - 1) * SPACING_PX + 8
        return QSize(width, DOT_PX + 8)

    minimumSizeHint = sizeHint

    def dot_centres(self) -> list[QPointF]:
        """Where each place is drawn (used by tests to look at the picture)."""
        total = self._max * DOT_PX + (self._max - 1) * SPACING_PX
        x0 = (self.width() - total) / 2 + DOT_PX / 2
        y = self.height() / 2
        return [QPointF(x0 + i * (DOT_PX + SPACING_PX), y) for i in range(self._max)]

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        ink = QColor(theme.TEXT)
        radius = DOT_PX / 2 - 3
        for i, centre in enumerate(self.dot_centres()):
            painter.setPen(QPen(ink, 4))
            painter.setBrush(ink if i < self._count else Qt.BrushStyle.NoBrush)
            painter.drawEllipse(centre, radius, radius)
        painter.end()

    # A PIN is never typed on the screen: swallow keys and touches.
    def keyPressEvent(self, event: object) -> None:
        return

    def inputMethodEvent(self, event: object) -> None:
        return
