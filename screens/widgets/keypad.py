"""A big on-screen number keypad (keys >= 96x96 px, 16 px apart): digits, an optional decimal
point, 更正 (delete the last figure) and 清空. ``text`` is what was keyed; ``changed(text)``
after each key. Keys are named ``key-<x>`` (tests, the autopilot; not counted as choices)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QPushButton, QWidget

from kiosk.i18n import Translator
from kiosk.shell import theme

DIGIT_ROWS = (("1", "2", "3"), ("4", "5", "6"), ("7", "8", "9"))
KEY_WIDTH = 136  # >= 96; wide enough for 更正 / Delete in 36 px
CARE_KEY_WIDTH = 168  # Delete at 45 px (关怀模式)


class NumberKeypad(QWidget):
    changed = Signal(str)

    def __init__(self, *, decimals: bool = False, max_len: int = 9,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.decimals = decimals
        self.max_len = max_len
        self.text = ""
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(theme.GAP_PX)
        self.keys: dict[str, QPushButton] = {}
        for r, row in enumerate(DIGIT_ROWS):
            for c, key in enumerate(row):
                grid.addWidget(self._key(key), r, c)
        grid.addWidget(self._key("back"), 3, 0)
        grid.addWidget(self._key("0"), 3, 1)
        grid.addWidget(self._key("." if decimals else "clear"), 3, 2)
        self._size_keys(theme.care_mode())
        theme.on_care_mode(self._size_keys)

    def _size_keys(self, care: bool) -> None:
        """Wider keys in the elderly mode, so the word keys hold their larger text."""
        width = CARE_KEY_WIDTH if care else KEY_WIDTH
        for button in self.keys.values():
            button.setFixedSize(width, theme.TOUCH_MIN_PX)
        g = theme.GAP_PX
        self.setFixedSize(3 * width + 2 * g, 4 * theme.TOUCH_MIN_PX + 3 * g)

    def _key(self, key: str) -> QPushButton:
        button = QPushButton(key if len(key) == 1 else "")
        button.setObjectName(f"key-{key}")
        button.setProperty("role", "secondary")
        button.setProperty("keypad", "true" if len(key) == 1 else "word")
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setFixedSize(KEY_WIDTH, theme.TOUCH_MIN_PX)
        button.clicked.connect(self._on_key)
        self.keys[key] = button
        return button

    def set_translator(self, tr: Translator) -> None:
        self.keys["back"].setText(tr("keypad.back"))
        if "clear" in self.keys:
            self.keys["clear"].setText(tr("keypad.clear"))

    def set_text(self, text: str) -> None:
        self.text = text
        self.changed.emit(self.text)

    def press(self, key: str) -> None:
        """One key: a digit, '.', 'back' or 'clear'."""
        text = self.text
        if key == "back":
            text = text[:-1]
        elif key == "clear":
            text = ""
        elif key == ".":
            if not self.decimals or "." in text:
                return
            text = (text or "0") + "."
        elif key.isdigit():
            if text == "0":
                text = ""
            if len(text) >= self.max_len or ("." in text and len(text.split(".", 1)[1]) >= 2):
                return
            text += key
        else:
            return
        self.set_text(text)

    def type_text(self, text: str) -> None:
        """Press the keys of ``text`` in order (the autopilot, tests)."""
        for ch in text:
            self.press(ch)

    def _on_key(self) -> None:
        button = self.sender()
        if isinstance(button, QPushButton):
            self.press(button.objectName().removeprefix("key-"))
