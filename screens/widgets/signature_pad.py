"""A signature pad: the farmer writes his name with a finger (touch) or the mouse; the strokes
are kept as points, can be cleared, and are checked before they are accepted: nothing
written, or only dots and specks (a tap, a slip of the finger), is refused with a reason the
journey says in plain words. The accepted signature is exported as a PNG picture (black ink
on white, the strokes scaled into a fixed-size image), base64 for a host request.

Usable by any journey: ``pad = SignaturePad()``; ``pad.changed`` on every stroke or clear;
``pad.problem()`` -> :class:`SignatureProblem` or None; ``pad.png_base64()``.
"""

from __future__ import annotations

import base64

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QEvent,
    QIODevice,
    QPointF,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QImage,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QTouchEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from kiosk.shell import theme
from screens.widgets.signature_check import (  # noqa: F401 (re-exported for the pad's users)
    MIN_INK_PX,
    MIN_SPAN_PX,
    SignatureCheck,
    SignatureProblem,
    Stroke,
)

#: The exported picture (the pad's strokes scaled into it, aspect kept).
PNG_SIZE = QSize(600, 240)
PNG_MARGIN = 12
INK_PX = 6.0  # pen width on the pad


class SignaturePad(QWidget):
    """Strokes captured with the mouse or a touch (one finger); ``changed`` on every stroke
    ended and on :meth:`clear`. Paints a white writing area with a baseline and, while empty,
    ``hint`` (e.g. 请在这里写您的名字) in the middle."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None, *,
                 check: SignatureCheck | None = None) -> None:
        super().__init__(parent)
        self.check = check or SignatureCheck()
        self._strokes: list[list[tuple[float, float]]] = []
        self._drawing = False
        self.hint = ""
        self.setObjectName("signature-pad")
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents, True)
        self.setAttribute(Qt.WidgetAttribute.WA_StaticContents, True)
        self.setMinimumSize(480, 150)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.CrossCursor)

    # --- what users of the pad need ----------------------------------------------------------

    @property
    def strokes(self) -> list[list[tuple[float, float]]]:
        return [list(s) for s in self._strokes]

    @property
    def empty(self) -> bool:
        return not self._strokes

    def set_hint(self, text: str) -> None:
        self.hint = text
        self.update()

    def clear(self) -> None:
        self._strokes = []
        self._drawing = False
        self.update()
        self.changed.emit()

    def problem(self) -> SignatureProblem | None:
        return self.check.problem(self._strokes)

    def png_bytes(self, size: QSize = PNG_SIZE) -> bytes:
        """The strokes as a PNG picture: black ink on white, scaled to fit ``size``."""
        image = QImage(size, QImage.Format.Format_Grayscale8)
        image.fill(QColor("white"))
        points = [p for s in self._strokes for p in s]
        if points:
            xs, ys = [p[0] for p in points], [p[1] for p in points]
            box = QRectF(min(xs), min(ys), max(max(xs) - min(xs), 1.0),
                         max(max(ys) - min(ys), 1.0))
            room = QRectF(PNG_MARGIN, PNG_MARGIN, size.width() - 2 * PNG_MARGIN,
                          size.height() - 2 * PNG_MARGIN)
            scale = min(room.width() / box.width(), room.height() / box.height(), 1.0)
            dx = room.x() + (room.width() - box.width() * scale) / 2 - box.x() * scale
            dy = room.y() + (room.height() - box.height() * scale) / 2 - box.y() * scale
            painter = QPainter(image)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(QPen(QColor("black"), max(2.0, INK_PX * scale),
                                Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                                Qt.PenJoinStyle.RoundJoin))
            painter.translate(dx, dy)
            painter.scale(scale, scale)
            self._draw_strokes(painter)
            painter.end()
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")
        buffer.close()
        return bytes(data.data())

    def png_base64(self) -> str:
        return base64.b64encode(self.png_bytes()).decode("ascii")

    # --- input -------------------------------------------------------------------------------

    def _begin(self, pos: QPointF) -> None:
        self._drawing = True
        self._strokes.append([(pos.x(), pos.y())])
        self.update()

    def _extend(self, pos: QPointF) -> None:
        if not self._drawing or not self._strokes:
            return
        point = (min(max(pos.x(), 0.0), float(self.width())),
                 min(max(pos.y(), 0.0), float(self.height())))
        if point != self._strokes[-1][-1]:
            self._strokes[-1].append(point)
            self.update()

    def _end(self) -> None:
        if self._drawing:
            self._drawing = False
            self.changed.emit()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._begin(event.position())
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._extend(event.position())
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._extend(event.position())
            self._end()
        event.accept()

    def event(self, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate, QEvent.Type.TouchEnd,
                    QEvent.Type.TouchCancel):
            assert isinstance(event, QTouchEvent)
            points = event.points()
            if points:
                pos = points[0].position()  # one finger writes; others are ignored
                if kind is QEvent.Type.TouchBegin:
                    self._begin(pos)
                else:
                    self._extend(pos)
            if kind in (QEvent.Type.TouchEnd, QEvent.Type.TouchCancel):
                self._end()
            event.accept()
            return True
        return super().event(event)

    # --- painting ----------------------------------------------------------------------------

    def _draw_strokes(self, painter: QPainter) -> None:
        for stroke in self._strokes:
            if len(stroke) == 1:
                painter.drawPoint(QPointF(*stroke[0]))
                continue
            path = QPainterPath(QPointF(*stroke[0]))
            for x, y in stroke[1:]:
                path.lineTo(x, y)
            painter.drawPath(path)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        frame = QRectF(self.rect()).adjusted(2, 2, -2, -2)
        p.setPen(QPen(QColor(theme.TEXT), 3))
        p.setBrush(QColor("white"))
        p.drawRoundedRect(frame, 12, 12)
        base = frame.bottom() - frame.height() / 4
        p.setPen(QPen(QColor(theme.MUTED_TEXT), 2, Qt.PenStyle.DashLine))
        p.drawLine(QPointF(frame.left() + 24, base), QPointF(frame.right() - 24, base))
        if not self._strokes and self.hint:
            p.setPen(QColor(theme.MUTED_TEXT))
            font = p.font()
            font.setPixelSize(theme.BODY_PX)
            p.setFont(font)
            p.drawText(frame, Qt.AlignmentFlag.AlignCenter, self.hint)
        p.setPen(QPen(QColor("black"), INK_PX, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                      Qt.PenJoinStyle.RoundJoin))
        self._draw_strokes(p)
        p.end()
