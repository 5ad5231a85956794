"""The PIN pad as the farmer sees it in front of them: the pad's real key layout and key
colours from the configuration (``[ui.pin_pad]``, kiosk/config.py), the function keys named
as printed on the pad (确认 / 取消 / 更正), and the 确认 key pulsing: type the PIN there, then
press it. A picture only: nothing here takes input (the PIN is typed on the pad).

The app sets the configured layout once (:func:`set_default_layout`); every picture built
without a layout of its own follows it, so a journey's PIN screen needs no wiring.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QWidget

from kiosk.config import PinPadLayoutConfig
from kiosk.i18n import Translator
from kiosk.shell import theme
from kiosk.shell.animated import AnimatedPicture

PULSE_MS = 1600
KEY_W, KEY_H, KEY_GAP = 62, 46, 10
PAD_MARGIN = 18

_default: PinPadLayoutConfig | None = None

FUNCTION_KEYS = {"enter": "pinpad.key.enter", "cancel": "pinpad.key.cancel",
                 "clear": "pinpad.key.clear", "backspace": "pinpad.key.backspace"}


def set_default_layout(layout: PinPadLayoutConfig | None) -> None:
    """The configured pad (``config.ui.pin_pad``) for every picture without its own."""
    global _default
    _default = layout


def default_layout() -> PinPadLayoutConfig:
    return _default if _default is not None else PinPadLayoutConfig()


def label_colour(face: str) -> str:
    """Ink or white, whichever reads better on a key face of colour ``face``."""
    return theme.TEXT if theme.contrast(theme.TEXT, face) >= theme.contrast(
        "#FFFFFF", face) else "#FFFFFF"


class PinPadPicture(AnimatedPicture):
    """``layout``: a :class:`PinPadLayoutConfig` (None: the configured default)."""

    def __init__(self, layout: Any = None, parent: QWidget | None = None) -> None:
        self._layout = layout
        cols, rows = self._grid()
        super().__init__(self._width(cols), self._height(rows), PULSE_MS, parent)
        self.setObjectName("pinpad-picture")
        self._tr = Translator()

    @staticmethod
    def _width(cols: int) -> int:
        return cols * KEY_W + (cols - 1) * KEY_GAP + 2 * PAD_MARGIN

    @staticmethod
    def _height(rows: int) -> int:
        return rows * KEY_H + (rows - 1) * KEY_GAP + 2 * PAD_MARGIN

    @property
    def layout_config(self) -> PinPadLayoutConfig:
        return self._layout if self._layout is not None else default_layout()

    def _grid(self) -> tuple[int, int]:
        rows = self.layout_config.rows
        return len(rows[0]), len(rows)

    def set_layout(self, layout: Any) -> None:
        self._layout = layout
        cols, rows = self._grid()
        self.setFixedSize(self._width(cols), self._height(rows))
        self.update()

    def refresh_layout(self) -> None:
        """Follow the default layout again (after :func:`set_default_layout`)."""
        self.set_layout(self._layout)

    def set_translator(self, tr: Translator) -> None:
        self._tr = tr
        self.update()

    def key_rects(self) -> dict[tuple[int, int], tuple[str, QRectF]]:
        """(row, col) -> (key, where it is drawn); tests look at the picture through it."""
        out: dict[tuple[int, int], tuple[str, QRectF]] = {}
        for r, row in enumerate(self.layout_config.rows):
            for c, key in enumerate(row):
                out[(r, c)] = (key, QRectF(PAD_MARGIN + c * (KEY_W + KEY_GAP),
                                           PAD_MARGIN + r * (KEY_H + KEY_GAP), KEY_W, KEY_H))
        return out

    def key_text(self, key: str) -> str:
        if key in FUNCTION_KEYS:
            return self._tr(FUNCTION_KEYS[key])
        return "" if key == "blank" else key

    def draw(self, p: QPainter, t: float) -> None:
        cfg = self.layout_config
        p.setPen(QPen(QColor(theme.TEXT), 3))
        p.setBrush(QColor(cfg.body_colour))
        p.drawRoundedRect(QRectF(1.5, 1.5, self.width() - 3, self.height() - 3), 16, 16)
        font = QFont(self.font())
        for (_r, _c), (key, rect) in self.key_rects().items():
            face = cfg.colour_of(key)
            p.setPen(QPen(QColor(theme.TEXT), 2))
            p.setBrush(QColor(face))
            p.drawRoundedRect(rect, 8, 8)
            text = self.key_text(key)
            if text:
                font.setPixelSize(28 if len(text) <= 2 and key not in FUNCTION_KEYS else 20)
                font.setBold(True)
                p.setFont(font)
                p.setPen(QColor(label_colour(face)))
                p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
            if key == "enter" and self.loop_ms:
                # a ring that swells and fades around 确认: press it when the PIN is in
                grow = 4 + 10 * t
                ring = QColor(theme.ACCENT)
                ring.setAlphaF(max(0.0, 1.0 - t))
                p.setPen(QPen(ring, 5))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawRoundedRect(rect.adjusted(-grow, -grow, grow, grow), 10, 10)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(theme.ACCENT))
        p.drawEllipse(QPointF(self.width() / 2, 9), 3, 3)  # the pad's indicator light
