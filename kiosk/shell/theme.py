"""Look of the farmer screens (PRODUCT.md 适老化): sizes in px at 1280x800, colours with a
contrast of at least 7:1, the explicit Simplified-Chinese font.

Meaning never rests on colour alone: every state also has a word and a symbol.
"""

from __future__ import annotations

FONT_FAMILY = "Noto Sans CJK SC"  # explicit: Qt's fallback would pick the JP face
FALLBACK_FAMILIES = ("WenQuanYi Micro Hei",)

HEADING_PX = 52  # >= 48
BODY_PX = 34  # >= 32
BUTTON_PX = 36
STATUS_PX = 22  # the status strip is staff information, not farmer body text
BIG_NUMBER_PX = 96

TOUCH_MIN_PX = 96  # touch targets at least 96x96
TILE_MIN_PX = 200  # a home tile: its title and one wrapped line
GAP_PX = 16  # between touch targets
MARGIN_PX = 28

# Colours (sRGB hex). Pairs used for text are checked >= 7:1 in tests/gui/test_theme.py.
BACKGROUND = "#FFFFFF"
TEXT = "#1A1A1A"
MUTED_TEXT = "#3D3D3D"
PRIMARY = "#1B5E20"  # cooperative green; white text on it
ON_PRIMARY = "#FFFFFF"
SECONDARY_BG = "#FFFFFF"
SECONDARY_BORDER = "#1A1A1A"
ERROR_TEXT = "#8B0000"
STRIP_BG = "#1A1A1A"
STRIP_TEXT = "#FFFFFF"
OVERLAY_BG = "#FFF8E1"  # warm panel for the idle warning
OVERLAY_TEXT = "#1A1A1A"

TEXT_PAIRS = {
    "body": (TEXT, BACKGROUND),
    "muted": (MUTED_TEXT, BACKGROUND),
    "primary_button": (ON_PRIMARY, PRIMARY),
    "error": (ERROR_TEXT, BACKGROUND),
    "status_strip": (STRIP_TEXT, STRIP_BG),
    "overlay": (OVERLAY_TEXT, OVERLAY_BG),
}


def _channel(c: int) -> float:
    s = c / 255
    return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4


def luminance(hex_colour: str) -> float:
    """WCAG relative luminance of ``#RRGGBB``."""
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(fg: str, bg: str) -> float:
    """WCAG contrast ratio of two colours (1..21)."""
    a, b = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


STYLE_SHEET = f"""
QWidget#screen {{ background: {BACKGROUND}; }}
QLabel {{ color: {TEXT}; font-size: {BODY_PX}px; }}
QLabel[role="heading"] {{ font-size: {HEADING_PX}px; font-weight: bold; }}
QLabel[role="muted"] {{ color: {MUTED_TEXT}; }}
QLabel[role="error"] {{ color: {ERROR_TEXT}; font-size: {HEADING_PX}px; font-weight: bold; }}
QLabel[role="alert"] {{ color: {ERROR_TEXT}; font-weight: bold; }}
QLabel[role="big-number"] {{ font-size: {BIG_NUMBER_PX}px; font-weight: bold; }}
QLabel[role="tile-title"] {{
    font-size: {HEADING_PX}px; font-weight: bold; color: {ON_PRIMARY}; background: transparent;
}}
QLabel[role="tile-note"] {{ color: {ON_PRIMARY}; background: transparent; }}
QLabel[role="tile-title"][off="true"], QLabel[role="tile-note"][off="true"] {{ color: {TEXT}; }}
QLabel[role="amount"] {{ font-size: {HEADING_PX}px; font-weight: bold; }}
QLabel[role="staff-code"] {{ font-size: {STATUS_PX}px; color: {MUTED_TEXT}; }}
QPushButton {{
    font-size: {BUTTON_PX}px; min-height: {TOUCH_MIN_PX}px; min-width: {TOUCH_MIN_PX}px;
    padding: 0 28px; border-radius: 12px;
    color: {TEXT}; background: {SECONDARY_BG}; border: 3px solid {SECONDARY_BORDER};
}}
QPushButton[role="primary"] {{
    color: {ON_PRIMARY}; background: {PRIMARY}; border: 3px solid {PRIMARY}; font-weight: bold;
}}
QPushButton:disabled {{ color: {MUTED_TEXT}; border-style: dashed; }}
QPushButton[tile="true"] {{ min-height: {TILE_MIN_PX}px; padding: 0; }}
QPushButton[keypad="true"] {{ padding: 0; font-size: {HEADING_PX}px; }}
QPushButton[keypad="word"] {{ padding: 0; }}
QPushButton[compact="true"] {{ padding: 0 12px; }}
QWidget#status-strip {{ background: {STRIP_BG}; }}
QWidget#status-strip QLabel {{ color: {STRIP_TEXT}; font-size: {STATUS_PX}px; }}
QFrame#idle-warning {{ background: {OVERLAY_BG}; border: 4px solid {TEXT}; border-radius: 16px; }}
QFrame#idle-warning QLabel {{ color: {OVERLAY_TEXT}; }}
"""
