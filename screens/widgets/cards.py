"""Pictures that show what to do with a card or the receipt (issue 18 item 2), animated where
the motion is the message: the ID card laid on the reader area, the bank card going into the
slot chip end first with the chip facing up, the cards and the receipt coming out to be taken.

Each is an :class:`kiosk.shell.animated.AnimatedPicture`: it loops only while shown, and its
first frame is a complete still picture (with an arrow), so motion is never the only cue.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QWidget

from kiosk.shell import theme
from kiosk.shell.animated import AnimatedPicture

LOOP_MS = 2400
PICTURE_W, PICTURE_H = 360, 250


def _ease(x: float) -> float:
    """0..1 -> 0..1, slow at both ends."""
    x = max(0.0, min(1.0, x))
    return x * x * (3 - 2 * x)


def _travel(t: float) -> float:
    """A loop: move during the first 60 % (eased), then hold still so the eye sees the end."""
    return _ease(t / 0.6)


def _card_y(t: float, away: float, home: float, motion: str) -> float:
    """Where a card is at loop time ``t``: going from ``away`` to ``home`` ("in"), from
    ``home`` to ``away`` ("out"), or lying at ``home`` ("")."""
    if motion == "in":
        return away + (home - away) * _travel(t)
    if motion == "out":
        return home - (home - away) * _travel(t)
    return home


def draw_arrow(p: QPainter, x: float, top: float, bottom: float, down: bool,
               colour: str = theme.PRIMARY) -> None:
    """A thick arrow from ``top`` to ``bottom`` (pointing down) or the reverse."""
    pen = QPen(QColor(colour), 8)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    p.setPen(pen)
    p.drawLine(QPointF(x, top), QPointF(x, bottom))
    tip, back = (bottom, -20) if down else (top, 20)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(colour))
    p.drawPolygon(QPolygonF([QPointF(x - 20, tip + back), QPointF(x + 20, tip + back),
                             QPointF(x, tip + (6 if down else -6))]))


def draw_chip(p: QPainter, r: QRectF) -> None:
    """The gold EMV chip with its contact lines."""
    p.setPen(QPen(QColor(theme.TEXT), 2))
    p.setBrush(QColor(theme.ACCENT))
    p.drawRoundedRect(r, 5, 5)
    p.drawLine(QPointF(r.left(), r.center().y()), QPointF(r.right(), r.center().y()))
    p.drawLine(QPointF(r.center().x(), r.top()), QPointF(r.center().x(), r.bottom()))


def draw_bank_card(p: QPainter, r: QRectF) -> None:
    """A bank card upright (portrait), chip end at the bottom, chip facing the viewer."""
    p.setPen(QPen(QColor(theme.TEXT), 4))
    p.setBrush(QColor(theme.PRIMARY))
    p.drawRoundedRect(r, 12, 12)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(theme.ACCENT_SOFT))
    p.drawRect(QRectF(r.left() + 14, r.top() + 18, r.width() - 28, 10))
    chip_w, chip_h = r.width() * 0.36, r.width() * 0.30
    draw_chip(p, QRectF(r.center().x() - chip_w / 2, r.bottom() - chip_h - 22, chip_w, chip_h))


def draw_id_card(p: QPainter, r: QRectF) -> None:
    """The second-generation ID card, photo side up."""
    p.setPen(QPen(QColor(theme.TEXT), 4))
    p.setBrush(QColor(theme.ACCENT_SOFT))
    p.drawRoundedRect(r, 12, 12)
    photo = QRectF(r.right() - r.width() * 0.32 - 12, r.top() + 14, r.width() * 0.32,
                   r.height() - 28)
    p.setPen(QPen(QColor(theme.TEXT), 2))
    p.setBrush(QColor(theme.SURFACE))
    p.drawRect(photo)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(theme.MUTED_TEXT))
    head = photo.width() * 0.36
    p.drawEllipse(QRectF(photo.center().x() - head / 2, photo.top() + 8, head, head))
    p.drawChord(QRectF(photo.left() + 6, photo.top() + head + 10, photo.width() - 12,
                       photo.height()), 0, 180 * 16)
    p.setPen(QPen(QColor(theme.TEXT), 5))
    for i in range(4):
        y = r.top() + 24 + i * (r.height() - 40) / 4
        p.drawLine(QPointF(r.left() + 16, y), QPointF(photo.left() - 14 - (i % 2) * 20, y))


class IdCardPicture(AnimatedPicture):
    """The ID card laid on the reader area. ``arrow``: "down" place it (the card comes down
    onto the pad, looping), "up" take it away (it rises off the pad), "" lying still."""

    def __init__(self, arrow: str = "down", parent: QWidget | None = None) -> None:
        super().__init__(PICTURE_W, PICTURE_H, LOOP_MS if arrow else 0, parent)
        self.arrow = arrow

    def draw(self, p: QPainter, t: float) -> None:
        w, h = self.width(), self.height()
        pad = QRectF((w - 300) / 2, h - 86, 300, 80)
        p.setPen(QPen(QColor(theme.TEXT), 4))
        p.setBrush(QColor(theme.MUTED_TEXT))
        p.drawRoundedRect(pad, 14, 14)
        # the reading area: a dashed card outline where the card goes
        area = QRectF(pad.center().x() - 104, pad.top() + 8, 208, pad.height() - 16)
        dash = QPen(QColor(theme.ACCENT), 4, Qt.PenStyle.DashLine)
        p.setPen(dash)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRoundedRect(area, 8, 8)
        card_w, card_h = 200, 126
        rest = pad.top() + 8 - card_h * 0.55  # lying on the pad (seen from the front)
        high = 6.0
        y = _card_y(t, high, rest, {"down": "in", "up": "out"}.get(self.arrow, ""))
        draw_id_card(p, QRectF((w - card_w) / 2, y, card_w, card_h))
        if self.arrow:
            x = (w + card_w) / 2 + 34
            draw_arrow(p, x, 20, pad.top() - 12, self.arrow == "down")


class BankCardPicture(AnimatedPicture):
    """The bank card and the reader's slot. ``arrow``: "in" the card goes in chip end first,
    chip facing up (looping), "out" it comes out to be taken, "" in the reader."""

    def __init__(self, arrow: str = "in", parent: QWidget | None = None) -> None:
        super().__init__(PICTURE_W, PICTURE_H, LOOP_MS if arrow else 0, parent)
        self.arrow = arrow

    def draw(self, p: QPainter, t: float) -> None:
        w, h = self.width(), self.height()
        face = QRectF((w - 280) / 2, h - 70, 280, 66)  # the reader's front
        slot_y = face.top() + 22
        card_w, card_h = 100, 150
        top_out, top_in = 4.0, slot_y - 40  # fully out / mostly in
        y = _card_y(t, top_out, top_in, self.arrow)
        card = QRectF((w - card_w) / 2, y, card_w, card_h)
        p.save()
        p.setClipRect(QRectF(0, 0, w, slot_y))  # the part inside the reader is hidden
        draw_bank_card(p, card)
        p.restore()
        p.setPen(QPen(QColor(theme.TEXT), 4))
        p.setBrush(QColor(theme.MUTED_TEXT))
        p.drawRoundedRect(face, 12, 12)
        p.setPen(QPen(QColor(theme.ACCENT), 8))
        p.drawLine(QPointF(w / 2 - 80, slot_y), QPointF(w / 2 + 80, slot_y))  # the slot
        if self.arrow:
            x = (w + card_w) / 2 + 44
            draw_arrow(p, x, 20, face.top() - 10, self.arrow == "in")


class ReceiptPicture(AnimatedPicture):
    """The receipt coming out of the printer, to be taken (looping)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(PICTURE_W, PICTURE_H, LOOP_MS, parent)

    def draw(self, p: QPainter, t: float) -> None:
        w, h = self.width(), self.height()
        body = QRectF((w - 260) / 2, h - 90, 260, 86)
        mouth = body.top() + 20
        paper_w, full = 150, mouth - 8
        shown = full * (0.35 + 0.65 * _travel(t))
        paper = QRectF((w - paper_w) / 2, mouth - shown, paper_w, shown + 10)
        path = QPainterPath()
        path.addRect(paper)
        p.setPen(QPen(QColor(theme.TEXT), 3))
        p.setBrush(QColor(theme.SURFACE))
        p.drawPath(path)
        p.setPen(QPen(QColor(theme.MUTED_TEXT), 5))
        y = paper.top() + 18
        while y < mouth - 10:
            p.drawLine(QPointF(paper.left() + 16, y), QPointF(paper.right() - 16, y))
            y += 22
        p.setPen(QPen(QColor(theme.TEXT), 4))
        p.setBrush(QColor(theme.MUTED_TEXT))
        p.drawRoundedRect(body, 12, 12)
        p.setPen(QPen(QColor(theme.ACCENT), 8))
        p.drawLine(QPointF(w / 2 - 90, mouth), QPointF(w / 2 + 90, mouth))
        draw_arrow(p, (w + paper_w) / 2 + 40, 20, mouth - 16, False)
