"""Emitting signals from Python must not eat references of True (PySide6 6.12.0 bug)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal

import kiosk.shell  # noqa: F401 (installs the workaround)
from kiosk.shell import pyside_fix


class Emitter(QObject):
    bare = Signal()
    value = Signal(object)


def test_twenty_thousand_emits_keep_true_alive(qapp) -> None:  # type: ignore[no-untyped-def]
    e = Emitter()
    seen: list[object] = []
    e.value.connect(seen.append)
    before = sys.getrefcount(True)
    for i in range(10_000):
        e.bare.emit()
        e.value.emit(i)
    assert sys.getrefcount(True) >= before
    assert len(seen) == 10_000
    assert pyside_fix.emit_steals_bool() is False  # with the workaround in place


def test_installed_pyside6_keeps_references_of_none(qapp) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QLabel

    assert pyside_fix.void_steals_none() is False, "a broken PySide6 wheel (see pyproject.toml)"
    label = QLabel()
    before = sys.getrefcount(None)
    for i in range(5_000):
        label.setText(str(i))
        qapp.processEvents()
    assert sys.getrefcount(None) >= before - 50  # a little slack for interned temporaries
