"""A progress animation that says what it waits for (issue 18 item 2): a turning ring beside
the words "正在等银行回复" (or the device), instead of a static "…".

Driven by :class:`kiosk.shell.animated.AnimatedPicture` (runs only while shown); each frame
repaints the ring only (a few hundred pixels), so a device command running on its worker and
the GUI thread's other work are not held up (bench/bench_animation.py measures the longest
frame gap).
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QWidget

from kiosk.shell import theme
from kiosk.shell.animated import AnimatedPicture

TURN_MS = 1400  # one turn of the ring


class Spinner(AnimatedPicture):
    """A ring with a turning green arc (and a fixed amber dot: motion is not the only cue)."""

    def __init__(self, size: int = 88, parent: QWidget | None = None) -> None:
        super().__init__(size, size, TURN_MS, parent)
        self.setObjectName("spinner")

    def draw(self, p: QPainter, t: float) -> None:
        w = min(self.width(), self.height())
        pen_w = max(6, w // 9)
        r = QRectF(pen_w / 2 + 1, pen_w / 2 + 1, w - pen_w - 2, w - pen_w - 2)
        p.setPen(QPen(QColor(theme.DISABLED_BG), pen_w))
        p.drawEllipse(r)
        pen = QPen(QColor(theme.PRIMARY), pen_w)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        p.setPen(pen)
        # Qt angles: 1/16 degree, counter-clockwise; turn clockwise
        p.drawArc(r, int((90 - 360 * t) * 16), -100 * 16)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(theme.ACCENT))
        dot = pen_w * 1.2
        p.drawEllipse(QRectF((w - dot) / 2, (w - dot) / 2, dot, dot))


class WaitingIndicator(QWidget):
    """The spinner and one line saying what is awaited (``set_text``)."""

    def __init__(self, parent: QWidget | None = None, *, size: int = 128) -> None:
        super().__init__(parent)
        self.setObjectName("waiting")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(theme.GAP_PX * 2)
        self.spinner = Spinner(size)
        layout.addWidget(self.spinner, 0, Qt.AlignmentFlag.AlignVCenter)
        self.label = QLabel()
        self.label.setObjectName("waiting-text")
        self.label.setProperty("role", "waiting")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        layout.addWidget(self.label, 1, Qt.AlignmentFlag.AlignVCenter)

    def set_text(self, text: str) -> None:
        self.label.setText(text)
        self.label.setVisible(bool(text))
