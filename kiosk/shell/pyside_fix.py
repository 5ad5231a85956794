"""Guard against the reference-count bugs of PySide6 6.12.0 on CPython 3.11.

6.12.0 returns ``None`` without a new reference from every void method (``setText``,
``show``, ``processEvents`` ... each call loses one reference of ``None``) and ``True`` from
``SignalInstance.emit()``; after enough calls CPython aborts with "none_dealloc" or
"bool_dealloc". pyproject.toml therefore pins PySide6-Essentials < 6.12 (6.11.3 is clean);
:func:`void_steals_none` lets a test and the start-up log catch a broken wheel.

The emit half has a cheap workaround kept here: ``SignalInstance.emit()`` returns
``True`` without a new reference, so every signal emitted from Python steals one reference of
``True``; after a few thousand emits CPython aborts with "bool_dealloc: deallocating True or
False" (found here: 200 emits = -200 on ``sys.getrefcount(True)``; 6.11.3 is correct; signals
emitted from C++, such as QTimer.timeout or clicked, are not affected).

:func:`install` detects the bug with a probe and, only when present, wraps ``emit`` to repay
the stolen reference. Imported by ``kiosk.shell`` and ``kiosk.bridge`` so that every GUI
process of the kiosk is covered. Remove once the pinned PySide6 no longer has the bug.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from PySide6.QtCore import QObject, Signal, SignalInstance

log = logging.getLogger(__name__)


def _incref(obj: object) -> None:
    """Give ``obj`` one more reference (ctypes imported only when a repayment is due)."""
    import ctypes

    fn = ctypes.pythonapi.Py_IncRef
    fn.argtypes = [ctypes.py_object]
    fn.restype = None
    fn(obj)

_installed = False


class _Probe(QObject):
    sig = Signal()


def emit_steals_bool() -> bool:
    """True when ``emit()`` loses references of True (the probe repays what it took)."""
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(8):
        probe.sig.emit()
    lost = before - sys.getrefcount(True)
    for _ in range(max(0, lost)):
        _incref(True)
    return lost > 0


class _VoidProbe(QObject):
    pass


def void_steals_none() -> bool:
    """True when a void Qt method loses references of None (the probe repays them)."""
    probe = _VoidProbe()
    before = sys.getrefcount(None)
    for _ in range(8):
        probe.setObjectName("probe")
    lost = before - sys.getrefcount(None)
    for _ in range(max(0, lost)):
        _incref(None)
    return lost > 0


def install() -> bool:
    """Wrap ``SignalInstance.emit`` if this PySide6 has the bug; True when wrapped."""
    global _installed
    if _installed:
        return True
    if not emit_steals_bool():
        return False
    original = SignalInstance.emit

    def emit(self: SignalInstance, *args: Any) -> Any:
        result = original(self, *args)
        if result is True or result is False:
            _incref(result)
        return result

    SignalInstance.emit = emit  # type: ignore[method-assign]
    _installed = True
    log.info("PySide6 emit() reference bug present: workaround installed")
    return True


install()
if void_steals_none():
    log.critical("this PySide6 loses references of None on every void call and will crash a "
                 "long-running kiosk: install PySide6-Essentials < 6.12 (see pyproject.toml)")
