"""The kiosk's visual design system, in one place (PRODUCT.md 适老化; issue 18 item 1).

- **Colours**: the cooperative's green as the primary, warm accents (amber, cream, brown) on
  warm paper. Every pair that carries text is listed in :data:`TEXT_PAIRS` and has a contrast
  of at least 7:1 (tests/gui/test_ux_rules.py computes each).
- **Type scale** (px at 1280x800): body >= 32, headings and amounts >= 48, big figures, the
  staff's status strip. :func:`px` gives a size in the current mode: the elderly mode
  (关怀模式) multiplies every farmer text size by :data:`CARE_SCALE`, except the cells of a
  paged table (role ``table``), which stay at the body size: five columns of amounts do not
  fit 1024 px at x1.25 (the page's sums are shown and read aloud at the larger size).
- **Spacing grid**: multiples of :data:`GRID_PX` (8 px).
- **Buttons**: ``role`` ``primary`` (filled green), ``secondary`` (outlined, white),
  ``danger`` (filled dark red); shape and words tell them apart too, never colour alone.
- **Icons**: :mod:`kiosk.shell.icons` (Material Design Icons through qtawesome).

Widgets take their look from properties (``role``, ``tile``, ``keypad``, ...) that the style
sheet below matches, so a journey's screens built on ``kiosk.shell.page`` get it without
styling of their own. :func:`style_sheet` builds the sheet for a scale;
:func:`set_care_mode` switches the running application between the two.
"""

from __future__ import annotations

from collections.abc import Callable

FONT_FAMILY = "Noto Sans CJK SC"  # explicit: Qt's fallback would pick the JP face
FALLBACK_FAMILIES = ("WenQuanYi Micro Hei",)

# --- spacing grid -----------------------------------------------------------------------------

GRID_PX = 8
GAP_PX = 2 * GRID_PX  # between touch targets (>= 16)
MARGIN_PX = 2 * GRID_PX  # page margins
PANEL_PAD_PX = 10  # inside the panel (a 2 px border around it)
RADIUS_PX = 12

# --- type scale (normal mode) -----------------------------------------------------------------

HEADING_PX = 52  # >= 48
AMOUNT_PX = 52  # amounts are shown at heading size
BODY_PX = 34  # >= 32
BUTTON_PX = 36
BIG_NUMBER_PX = 96
STATUS_PX = 22  # the status strip is staff information, not farmer body text
BRAND_PX = 26  # the brand in the header (a name, not body text)
CARE_SCALE = 1.25  # 关怀模式: farmer texts x1.25

TOUCH_MIN_PX = 96  # touch targets at least 96x96
TILE_MIN_PX = 200  # a home tile: its title and one wrapped line
ICON_PX = 32  # an icon inside a button
SCROLLBAR_PX = 16  # a panel's scroll bar: a cue that there is more (a finger drags the panel)
BUTTON_PAD_PX = 18  # a button's side padding
BUTTON_PAD_CARE_PX = 8  # ... in the elderly mode (a grid unit: five-button footers fit 1024 px)

# --- colours (sRGB hex) -----------------------------------------------------------------------

BACKGROUND = "#F7F4EC"  # warm paper: every farmer page
SURFACE = "#FFFFFF"  # panels, outlined buttons
TEXT = "#1A1A1A"
MUTED_TEXT = "#3D3D3D"
PRIMARY = "#1B5E20"  # the cooperative's green; white text on it
PRIMARY_DARK = "#0F3D14"  # the header
ON_PRIMARY = "#FFFFFF"
ACCENT = "#FFC93C"  # warm amber: the header's rule, highlights (dark text on it)
ACCENT_SOFT = "#FFF3D6"  # cream: notices, the idle warning, amount panels
ACCENT_INK = "#5D3A00"  # warm brown text on cream
DANGER = "#9A1B1B"  # danger buttons (white text)
ERROR_TEXT = "#8B0000"
DISABLED_BG = "#E6E1D6"
SECONDARY_BG = SURFACE
SECONDARY_BORDER = TEXT
STRIP_BG = PRIMARY_DARK
STRIP_TEXT = "#FFFFFF"
OVERLAY_BG = ACCENT_SOFT
OVERLAY_TEXT = TEXT

#: Every (text, background) pair the farmer screens use; each must reach 7:1.
TEXT_PAIRS: dict[str, tuple[str, str]] = {
    "body": (TEXT, BACKGROUND),
    "body_on_panel": (TEXT, SURFACE),
    "muted": (MUTED_TEXT, BACKGROUND),
    "muted_on_panel": (MUTED_TEXT, SURFACE),
    "heading_green": (PRIMARY, BACKGROUND),
    "primary_button": (ON_PRIMARY, PRIMARY),
    "secondary_button": (TEXT, SECONDARY_BG),
    "danger_button": (ON_PRIMARY, DANGER),
    "disabled_button": (MUTED_TEXT, DISABLED_BG),
    "error": (ERROR_TEXT, BACKGROUND),
    "error_on_cream": (ERROR_TEXT, ACCENT_SOFT),
    "notice": (ACCENT_INK, ACCENT_SOFT),
    "amount_panel": (TEXT, ACCENT_SOFT),
    "accent_label": (TEXT, ACCENT),
    "header_brand": (ON_PRIMARY, PRIMARY_DARK),
    "header_accent": (ACCENT, PRIMARY_DARK),
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


# --- modes ------------------------------------------------------------------------------------

_scale = 1.0
_listeners: list[Callable[[bool], None]] = []


def scale() -> float:
    """1.0, or :data:`CARE_SCALE` in the elderly mode."""
    return _scale


def care_mode() -> bool:
    return _scale != 1.0


def px(base: int) -> int:
    """A farmer text size in the current mode."""
    return round(base * _scale)


def on_care_mode(callback: Callable[[bool], None]) -> None:
    """Call ``callback(on)`` whenever the elderly mode is switched (widgets whose painted
    sizes follow the text, e.g. the countdown's width)."""
    _listeners.append(callback)


def set_care_mode(on: bool) -> bool:
    """Switch the elderly mode (larger text) for the running application; True when it
    changed. The style sheet and the application font follow."""
    global _scale
    new = CARE_SCALE if on else 1.0
    if new == _scale:
        return False
    _scale = new
    _apply_to_app()
    for callback in list(_listeners):
        try:
            callback(on)
        except RuntimeError:  # a widget deleted meanwhile (tests build and drop shells)
            _listeners.remove(callback)
    return True


def _apply_to_app() -> None:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    font = app.font()
    font.setPixelSize(px(BODY_PX))
    app.setFont(font)
    app.setStyleSheet(style_sheet(_scale))


# --- the style sheet --------------------------------------------------------------------------


def style_sheet(factor: float = 1.0) -> str:
    """The application's style sheet with every farmer text size times ``factor``."""

    def s(base: int) -> int:
        return round(base * factor)

    heading, body, button, amount = s(HEADING_PX), s(BODY_PX), s(BUTTON_PX), s(AMOUNT_PX)
    # the larger words need the width: in the elderly mode a button's side padding shrinks
    # (five footer buttons fit 1024 px in English); its height and the gaps stay
    pad = BUTTON_PAD_PX if factor == 1.0 else BUTTON_PAD_CARE_PX
    return f"""
QWidget#screen {{ background: {BACKGROUND}; }}
QLabel {{ color: {TEXT}; font-size: {body}px; }}
QLabel[role="heading"] {{ font-size: {heading}px; font-weight: bold; color: {PRIMARY}; }}
QLabel[role="muted"] {{ color: {MUTED_TEXT}; }}
QLabel[role="error"] {{ color: {ERROR_TEXT}; font-size: {heading}px; font-weight: bold; }}
QLabel[role="alert"] {{
    color: {ERROR_TEXT}; font-weight: bold; background: {ACCENT_SOFT};
    border-left: 8px solid {ERROR_TEXT}; padding: 4px 12px;
}}
QLabel[role="notice"] {{
    color: {ACCENT_INK}; background: {ACCENT_SOFT}; border-radius: 6px; padding: 4px 12px;
}}
QLabel[role="big-number"] {{ font-size: {s(BIG_NUMBER_PX)}px; font-weight: bold; }}
QLabel[role="tile-title"] {{
    font-size: {heading}px; font-weight: bold; color: {ON_PRIMARY}; background: transparent;
}}
QLabel[role="tile-note"] {{ color: {ON_PRIMARY}; background: transparent; }}
QLabel[role="tile-title"][off="true"], QLabel[role="tile-note"][off="true"] {{
    color: {MUTED_TEXT};
}}
QLabel[role="amount"] {{ font-size: {amount}px; font-weight: bold; }}
QLabel[role="staff-code"] {{ font-size: {STATUS_PX}px; color: {MUTED_TEXT}; }}
QLabel[role="table"] {{ font-size: {BODY_PX}px; }}
QLabel[role="table-head"] {{ font-size: {BODY_PX}px; color: {MUTED_TEXT}; }}
QLabel[role="waiting"] {{ color: {PRIMARY}; font-weight: bold; }}
QFrame#panel {{
    background: {SURFACE}; border: 2px solid {DISABLED_BG}; border-radius: {RADIUS_PX}px;
}}
QFrame#panel QLabel {{ background: transparent; }}
QScrollArea#panel-scroll {{ background: transparent; }}
QScrollArea#panel-scroll QScrollBar:vertical {{
    width: {SCROLLBAR_PX}px; background: {DISABLED_BG}; border-radius: 8px;
}}
QScrollArea#panel-scroll QScrollBar::handle:vertical {{
    background: {PRIMARY}; border-radius: 8px; min-height: {TOUCH_MIN_PX}px;
}}
QScrollArea#panel-scroll QScrollBar::add-line, QScrollArea#panel-scroll QScrollBar::sub-line {{
    height: 0;
}}
QPushButton {{
    font-size: {button}px; min-height: {TOUCH_MIN_PX}px; min-width: {TOUCH_MIN_PX}px;
    padding: 0 {pad}px; border-radius: {RADIUS_PX}px;
    color: {TEXT}; background: {SECONDARY_BG}; border: 3px solid {SECONDARY_BORDER};
}}
QPushButton:pressed {{ background: {ACCENT_SOFT}; }}
QPushButton[role="primary"] {{
    color: {ON_PRIMARY}; background: {PRIMARY}; border: 3px solid {PRIMARY_DARK};
    font-weight: bold;
}}
QPushButton[role="primary"]:pressed {{ color: {ON_PRIMARY}; background: {PRIMARY_DARK}; }}
QPushButton[role="danger"] {{
    color: {ON_PRIMARY}; background: {DANGER}; border: 3px solid {ERROR_TEXT};
    font-weight: bold;
}}
QPushButton:disabled {{
    color: {MUTED_TEXT}; background: {DISABLED_BG}; border: 3px dashed {MUTED_TEXT};
}}
QPushButton[tile="true"] {{ min-height: {TILE_MIN_PX}px; padding: 0; border-radius: 16px; }}
QPushButton[tile="true"][role="primary"] {{ border-bottom: 8px solid {ACCENT}; }}
QPushButton[tile="true"][wide="true"] {{ min-height: {TOUCH_MIN_PX}px; }}
QPushButton[keypad="true"] {{ padding: 0; font-size: {heading}px; background: {SURFACE}; }}
QPushButton[keypad="word"] {{ padding: 0; }}
QPushButton[keypad="true"], QPushButton[keypad="word"] {{ min-height: 0; min-width: 0; }}
QPushButton[compact="true"] {{ padding: 0 12px; }}
QPushButton[care="true"] {{ padding: 0 12px; background: {ACCENT_SOFT}; }}
QPushButton[care="true"]:checked {{
    background: {ACCENT}; border: 3px solid {TEXT}; font-weight: bold;
}}
QWidget#status-strip {{ background: {STRIP_BG}; border-bottom: 4px solid {ACCENT}; }}
QWidget#status-strip QLabel {{ color: {STRIP_TEXT}; font-size: {STATUS_PX}px; }}
QWidget#status-strip QLabel#brand {{
    color: {ON_PRIMARY}; font-size: {BRAND_PX}px; font-weight: bold;
}}
QWidget#status-strip QLabel#place {{ color: {ACCENT}; }}
QFrame#idle-warning {{ background: {OVERLAY_BG}; border: 4px solid {TEXT}; border-radius: 16px; }}
QFrame#idle-warning QLabel {{ color: {OVERLAY_TEXT}; }}
"""


STYLE_SHEET = style_sheet(1.0)
