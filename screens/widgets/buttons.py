"""Big touch buttons (>= 96x96 px, 16 px apart), primary and secondary."""

from __future__ import annotations

from PySide6.QtWidgets import QPushButton

from kiosk.shell.page import make_button


def big_button(text: str = "", *, primary: bool = False, name: str = "") -> QPushButton:
    """A farmer button; the primary one is filled, the others outlined (shape, not colour,
    tells them apart too)."""
    return make_button(text, primary=primary, name=name)
