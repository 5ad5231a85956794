"""Sizes and look of the staff and technician screens (denser than the farmer's)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton

from kiosk.shell import theme

TEXT_PX = 24  # never smaller on a staff screen
HEADING_PX = 34
TARGET_PX = 64  # touch targets at least 64x64 (content + padding + the 3 px border)
GAP_PX = 10
FOOTER_BUTTON_PX = 140
STAFF_BG = "#F4F6F4"

#: What a staff message means, by its colour AND a symbol (never colour alone): success
#: (done), info (neutral), warning (needs a look, nothing lost), error (failed, refused).
SUCCESS_TEXT = theme.PRIMARY  # the cooperative's green
INFO_TEXT = theme.TEXT
WARNING_TEXT = "#5D3A00"  # warm brown (amber would not reach 7:1 on the staff background)
ERROR_TEXT = theme.ERROR_TEXT
TONES = {"success": (SUCCESS_TEXT, "\u2713"), "info": (INFO_TEXT, ""),
         "warning": (WARNING_TEXT, "\u26a0"), "error": (ERROR_TEXT, "\u00d7")}

STYLE = f"""
QWidget#staffscreen {{ background: {STAFF_BG}; }}
QWidget#staffscreen QLabel {{ font-size: {TEXT_PX}px; color: {theme.TEXT}; }}
QWidget#staffscreen QLabel[role="heading"] {{ font-size: {HEADING_PX}px; font-weight: bold; }}
QWidget#staffscreen QLabel[role="alert"] {{ color: {ERROR_TEXT}; font-weight: bold; }}
QWidget#staffscreen QLabel[tone="success"] {{ color: {SUCCESS_TEXT}; font-weight: bold; }}
QWidget#staffscreen QLabel[tone="info"] {{ color: {INFO_TEXT}; font-weight: normal; }}
QWidget#staffscreen QLabel[tone="warning"] {{ color: {WARNING_TEXT}; font-weight: bold; }}
QWidget#staffscreen QLabel[tone="error"] {{ color: {ERROR_TEXT}; font-weight: bold; }}
QWidget#staffscreen QPushButton {{
    font-size: {TEXT_PX}px; min-height: {TARGET_PX - 6}px; min-width: {TARGET_PX - 14}px;
    padding: 0 4px; border-radius: 8px;
}}
QWidget#staffscreen QLineEdit {{
    font-size: {TEXT_PX + 4}px; min-height: {TARGET_PX}px; padding: 0 10px;
    border: 2px solid {theme.TEXT}; border-radius: 6px; background: #FFFFFF;
}}
QWidget#staffscreen QTableWidget {{ font-size: {TEXT_PX}px; background: #FFFFFF; }}
QWidget#staffscreen QHeaderView::section {{ font-size: {TEXT_PX}px; padding: 4px; }}
"""


def button(text: str = "", *, primary: bool = False, name: str = "") -> QPushButton:
    b = QPushButton(text)
    b.setProperty("role", "primary" if primary else "secondary")
    b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    b.setMinimumSize(TARGET_PX, TARGET_PX)
    if name:
        b.setObjectName(name)
    return b


def label(role: str = "", *, name: str = "") -> QLabel:
    lab = QLabel()
    lab.setWordWrap(True)
    lab.setTextFormat(Qt.TextFormat.PlainText)
    if role:
        lab.setProperty("role", role)
    if name:
        lab.setObjectName(name)
    return lab


def set_tone(lab: QLabel, text: str, tone: str = "info") -> None:
    """``text`` on ``lab`` with the colour and the symbol of ``tone`` (see :data:`TONES`)."""
    if tone not in TONES:
        raise ValueError(f"unknown tone {tone!r}")
    symbol = TONES[tone][1]
    lab.setText(f"{symbol} {text}" if text and symbol else text)
    lab.setProperty("tone", tone)
    lab.style().unpolish(lab)
    lab.style().polish(lab)
