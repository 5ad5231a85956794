"""Drawn pictures of the cards (ID card on its reader pad, bank card at its slot), so a farmer
sees where a card goes and that it comes back."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from kiosk.shell import theme


class IdCardPicture(QWidget):
    """A drawn ID card above the reader pad, so the farmer sees where the card goes."""

    def __init__(self, arrow: str = "down", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.arrow = arrow  # "down": place the card, "up": take it away, "": none
        self.setFixedSize(360, 250)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, h = self.width(), self.height()
        pad_w, pad_h = 300, 50
        card_w, card_h = 200, 120
        pad_top = h - pad_h - 4
        p.setPen(QPen(QColor(theme.TEXT), 4))
        p.setBrush(QColor(theme.MUTED_TEXT))
        p.drawRoundedRect((w - pad_w) // 2, pad_top, pad_w, pad_h, 10, 10)
        cx = (w - card_w) // 2
        p.setBrush(QColor(theme.BACKGROUND))
        p.drawRoundedRect(cx, 4, card_w, card_h, 12, 12)
        p.setBrush(QColor(theme.PRIMARY))
        p.drawRect(cx + 18, 22, 50, 64)
        p.setPen(QPen(QColor(theme.TEXT), 6))
        for i in range(3):
            p.drawLine(cx + 88, 32 + i * 24, cx + card_w - 18, 32 + i * 24)
        # an arrow between the card and the pad: down to place it, up to take it away
        x, top, bottom = w // 2, card_h + 14, pad_top - 10
        if self.arrow:
            p.drawLine(x, top, x, bottom)
            tip, back = (bottom, -16) if self.arrow == "down" else (top, 16)
            p.drawLine(x - 16, tip + back, x, tip)
            p.drawLine(x + 16, tip + back, x, tip)
        p.end()


class BankCardPicture(QWidget):
    """A drawn bank card going into the reader slot (chip end first), or coming out."""

    def __init__(self, arrow: str = "in", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.arrow = arrow  # "in", "out" or ""
        self.setFixedSize(360, 250)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, h = self.width(), self.height()
        slot_w, slot_h = 260, 26
        slot_top = h - slot_h - 4
        p.setPen(QPen(QColor(theme.TEXT), 4))
        p.setBrush(QColor(theme.MUTED_TEXT))
        p.drawRoundedRect((w - slot_w) // 2, slot_top, slot_w, slot_h, 8, 8)
        card_w, card_h = 200, 126
        cx = (w - card_w) // 2
        p.setBrush(QColor(theme.BACKGROUND))
        p.drawRoundedRect(cx, 4, card_w, card_h, 12, 12)
        # the chip at the end that goes in first (drawn near the slot)
        p.setBrush(QColor(theme.PRIMARY))
        p.drawRoundedRect(cx + 24, card_h - 52, 44, 36, 6, 6)
        p.setPen(QPen(QColor(theme.TEXT), 6))
        p.drawLine(cx + 96, 34, cx + card_w - 20, 34)
        x, top, bottom = w // 2, card_h + 14, slot_top - 10
        if self.arrow:
            p.drawLine(x, top, x, bottom)
            tip, back = (bottom, -16) if self.arrow == "in" else (top, 16)
            p.drawLine(x - 16, tip + back, x, tip)
            p.drawLine(x + 16, tip + back, x, tip)
        p.end()
