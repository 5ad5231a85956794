"""A large on-screen keyboard for staff numbers and passwords (no physical keyboard on a
kiosk): digits, upper-case letters, backspace and clear, 64 px keys. It types into the line
edit given by :meth:`OnScreenKeyboard.attach` (the field that has the "cursor")."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QLineEdit, QWidget

from kiosk.i18n import Translator
from screens.staff import style

ROWS = ("1234567890", "QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM")


class OnScreenKeyboard(QWidget):
    """``typed`` is emitted after every key (the staff member is active: idle timer)."""

    typed = Signal()

    def __init__(self, tr: Translator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.target: QLineEdit | None = None
        grid = QGridLayout(self)
        grid.setSpacing(style.GAP_PX)
        grid.setContentsMargins(0, 0, 0, 0)
        self.keys: dict[str, object] = {}
        for r, row in enumerate(ROWS):
            for c, char in enumerate(row):
                b = style.button(char, name=f"key-{char}")
                b.clicked.connect(lambda _=False, ch=char: self.press(ch))
                grid.addWidget(b, r, c)
                self.keys[char] = b
        back = style.button(tr("staff.keyboard.backspace"), name="key-backspace")
        back.clicked.connect(self.backspace)
        grid.addWidget(back, 3, 7, 1, 2)
        clear = style.button(tr("staff.keyboard.clear"), name="key-clear")
        clear.clicked.connect(self.clear)
        grid.addWidget(clear, 3, 9, 1, 1)
        self.keys["backspace"], self.keys["clear"] = back, clear

    def attach(self, field: QLineEdit) -> None:
        self.target = field

    def press(self, char: str) -> None:
        if self.target is not None and len(self.target.text()) < 32:
            self.target.setText(self.target.text() + char)
        self.typed.emit()

    def backspace(self) -> None:
        if self.target is not None:
            self.target.setText(self.target.text()[:-1])
        self.typed.emit()

    def clear(self) -> None:
        if self.target is not None:
            self.target.clear()
        self.typed.emit()
