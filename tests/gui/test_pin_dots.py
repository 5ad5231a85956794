"""The PIN dots: one dot per masked key event, nothing else, no input on the screen."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QLineEdit

from devices.base import Key, KeyPressed
from kiosk.i18n import Translator
from kiosk.shell import theme
from screens.widgets.pin_dots import PinDots


def _filled(widget: PinDots) -> list[bool]:
    image = widget.grab().toImage()
    ink = QColor(theme.TEXT)
    out = []
    for c in widget.dot_centres():
        px = image.pixelColor(int(c.x() * image.devicePixelRatio()),
                              int(c.y() * image.devicePixelRatio()))
        out.append(abs(px.red() - ink.red()) < 40 and abs(px.green() - ink.green()) < 40)
    return out


def test_dots_follow_digits_backspace_and_clear(qtbot):
    dots = PinDots(6)
    qtbot.addWidget(dots)
    dots.resize(dots.sizeHint())
    dots.show()
    with qtbot.waitSignal(dots.changed, timeout=1000):
        for n in (1, 2, 3):
            dots.on_key(KeyPressed(key=Key.DIGIT, digits=n))
    assert dots.count == 3
    assert _filled(dots) == [True] * 3 + [False] * 3
    dots.on_key(KeyPressed(key=Key.BACKSPACE, digits=2))
    assert _filled(dots) == [True] * 2 + [False] * 4
    dots.on_key(KeyPressed(key=Key.CLEAR, digits=0))
    assert _filled(dots) == [False] * 6
    for n in range(1, 8):  # more events than places: stays at the maximum
        dots.on_key(KeyPressed(key=Key.DIGIT, digits=n))
    assert dots.count == 6 and all(_filled(dots))
    dots.on_key(KeyPressed(key=Key.CANCEL, digits=0))
    assert dots.count == 0


def test_the_widget_shows_no_text_and_takes_no_keyboard_input(qtbot):
    dots = PinDots(6, translator=Translator("en"))
    qtbot.addWidget(dots)
    dots.show()
    dots.on_key(KeyPressed(key=Key.DIGIT, digits=1))
    qtbot.keyClicks(dots, "9999")
    qtbot.mouseClick(dots, Qt.MouseButton.LeftButton)
    assert dots.count == 1
    assert dots.focusPolicy() == Qt.FocusPolicy.NoFocus
    assert not dots.findChildren(QLineEdit) and not dots.findChildren(QLabel)
    assert dots.accessibleDescription() == "1 digits entered"
    assert "9" not in dots.accessibleDescription() + dots.accessibleName()


def test_accessible_text_is_in_chinese_by_default(qtbot):
    dots = PinDots(6)
    qtbot.addWidget(dots)
    dots.on_key(KeyPressed(key=Key.DIGIT, digits=4))
    assert dots.accessibleDescription() == "已输入4位"
