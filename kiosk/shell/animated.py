"""Pictures that move: one looping :class:`QVariantAnimation` per picture, running only while
the picture is shown (a hidden page costs nothing), each frame repainting that picture only.

Subclasses draw a frame in :meth:`AnimatedPicture.draw` for a phase ``t`` in [0, 1). Motion
is never the only cue: each picture also makes sense as a still (the first frame, and the
screen's words).
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEasingCurve, QVariantAnimation
from PySide6.QtGui import QHideEvent, QPainter, QPaintEvent, QShowEvent
from PySide6.QtWidgets import QWidget

FRAME_S = 0.030


class AnimatedPicture(QWidget):
    """``loop_ms``: one cycle; 0 draws a still. ``frames`` counts the frames painted (the
    benchmark reads it)."""

    def __init__(self, width: int, height: int, loop_ms: int = 0,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedSize(width, height)
        self.t = 0.0
        self.frames = 0
        self._last_update = 0.0
        self.animation = QVariantAnimation(self)
        self.animation.setStartValue(0.0)
        self.animation.setEndValue(1.0)
        self.animation.setLoopCount(-1)
        self.animation.setEasingCurve(QEasingCurve.Type.Linear)
        self.animation.valueChanged.connect(self._on_value)
        self.set_loop(loop_ms)

    def set_loop(self, loop_ms: int) -> None:
        """Animate with a cycle of ``loop_ms`` (0: a still picture)."""
        self.loop_ms = loop_ms
        if loop_ms <= 0:
            self.animation.stop()
            self.t = 0.0
        else:
            self.animation.setDuration(loop_ms)
            if self.isVisible():
                self.animation.start()
        self.update()

    @property
    def running(self) -> bool:
        return self.animation.state() == QVariantAnimation.State.Running

    def _on_value(self, value: float) -> None:
        self.t = float(value)
        now = time.monotonic()
        if now - self._last_update >= FRAME_S:  # at most ~30 frames a second: enough motion
            self._last_update = now
            self.update()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.loop_ms > 0:
            self.animation.start()

    def hideEvent(self, event: QHideEvent) -> None:
        self.animation.stop()
        super().hideEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.draw(p, self.t)
        p.end()
        self.frames += 1

    def draw(self, p: QPainter, t: float) -> None:
        raise NotImplementedError
