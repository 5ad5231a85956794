"""Icons from a maintained icon set: Material Design Icons (Apache-2.0) through qtawesome
(MIT), by meaning rather than by font name.

qtawesome (and the icon font) are loaded once, after the first paint (:func:`load`, called by
the app when it builds the home screen): buttons built before that get their icon then. A
button's icon follows its ``role`` colours (white on a filled button, ink on an outlined one).
"""

from __future__ import annotations

import contextlib
import logging
import os
import weakref
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QAbstractButton

from kiosk.shell import theme

log = logging.getLogger(__name__)

#: meaning -> Material Design Icons 6 name
ICONS = {
    "repeat": "mdi6.volume-high",
    "help": "mdi6.hand-back-right",
    "cancel": "mdi6.close-thick",
    "back": "mdi6.arrow-left-bold",
    "finish": "mdi6.check-bold",
    "ack": "mdi6.check-bold",
    "more": "mdi6.chevron-right",
    "next": "mdi6.chevron-right",
    "print": "mdi6.printer",
    "care": "mdi6.format-size",
    "brand": "mdi6.sprout",
    "idcard": "mdi6.card-account-details",
    "bank_card": "mdi6.credit-card-chip",
    "pinpad": "mdi6.dialpad",
    "receipt": "mdi6.receipt-text",
    "retry": "mdi6.refresh",
}

#: the button object names that get an icon by meaning (every journey's footer uses them)
BUTTON_ICONS = {"repeat": "repeat", "help": "help", "cancel": "cancel", "back": "back",
                "more": "more", "care": "care"}

_qta: Any = None
_failed = False
_pending: weakref.WeakSet[QAbstractButton] = weakref.WeakSet()
_callbacks: list[Callable[[], None]] = []


def loaded() -> bool:
    return _qta is not None


def load() -> bool:
    """Import qtawesome (once) and give every waiting button its icon. False when the icon
    set is missing: buttons keep their words (never an icon alone)."""
    global _qta, _failed
    if _qta is None and not _failed:
        os.environ.setdefault("QT_API", "pyside6")
        try:
            import qtawesome
        except Exception as exc:  # the words remain; a missing icon never stops the kiosk
            _failed = True
            log.warning("icons unavailable: %s", exc)
            return False
        _qta = qtawesome
    if _qta is None:
        return False
    for button in list(_pending):
        if shiboken6.isValid(button):  # a button of a screen deleted meanwhile is skipped
            _apply(button)
    _pending.clear()
    callbacks, _callbacks[:] = list(_callbacks), []
    for callback in callbacks:
        with contextlib.suppress(RuntimeError):  # its widget was deleted meanwhile
            callback()
    return True


def when_loaded(callback: Callable[[], None]) -> None:
    """Run ``callback`` once the icon set is loaded (at once when it already is)."""
    if _qta is not None:
        callback()
    elif not _failed:
        _callbacks.append(callback)


def icon(meaning: str, colour: str = theme.TEXT) -> Any:
    """A QIcon for ``meaning`` (see :data:`ICONS`); needs :func:`load` first."""
    if _qta is None:
        raise RuntimeError("icons.load() has not run")
    return _qta.icon(ICONS[meaning], color=colour, color_disabled=theme.MUTED_TEXT)


def set_icon(button: QAbstractButton, meaning: str) -> None:
    """Give ``button`` the icon of ``meaning`` now, or once the icon set is loaded."""
    button.setProperty("icon-meaning", meaning)
    if _qta is not None:
        _apply(button)
    elif not _failed:
        _pending.add(button)


def refresh(button: QAbstractButton) -> None:
    """Recolour after the button's ``role`` changed (primary <-> secondary)."""
    if _qta is not None and button.property("icon-meaning"):
        _apply(button)


def _apply(button: QAbstractButton) -> None:
    meaning = str(button.property("icon-meaning") or "")
    if not meaning:
        return
    filled = button.property("role") in ("primary", "danger")
    size = theme.ICON_PX
    button.setIcon(icon(meaning, theme.ON_PRIMARY if filled else theme.TEXT))
    button.setIconSize(QSize(size, size))
