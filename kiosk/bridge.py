"""The single place where worker-thread output reaches the GUI thread.

Device workers (plain threads, no Qt) call :meth:`Bridge.post` with completions, events and
status changes. ``post`` appends to a locked deque and emits ``_wake``; that signal is
connected to the bound method :meth:`Bridge._drain` of this QObject, which lives in the GUI
thread, so Qt queues the call into the GUI event loop (Anki's ``run_on_main`` pattern). The
drain re-emits each item on the matching public signal. Never connect lambdas to signals
emitted from worker threads: thread affinity is then ambiguous.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

from devices.base import Completion, DeviceEvent, StatusChanged
from kiosk.shell import pyside_fix  # noqa: F401 (PySide6 6.12.0 emit() reference bug)

log = logging.getLogger(__name__)


class Bridge(QObject):
    """Re-emits worker output on the GUI thread.

    ``completed(Completion)``, ``device_event(DeviceEvent)`` (solicited and unsolicited events
    other than status changes), ``status_changed(StatusChanged)``. ``call_soon(fn)`` runs a
    plain callable on the GUI thread (host calls and other background jobs hand back results
    that way).
    """

    completed = Signal(object)
    device_event = Signal(object)
    status_changed = Signal(object)
    _wake = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._items: deque[Any] = deque()
        self._wake_pending = False
        # Queued explicitly: even a post from the GUI thread itself is delivered later, in
        # order, so a slot never re-enters the code that submitted a command.
        self._wake.connect(self._drain, Qt.ConnectionType.QueuedConnection)

    def post(self, item: Completion[Any] | DeviceEvent) -> None:
        """Thread-safe: hand one worker output to the GUI thread (the DeviceWorker sink)."""
        self._enqueue(item)

    def call_soon(self, fn: Callable[[], None]) -> None:
        """Thread-safe: run ``fn()`` on the GUI thread."""
        self._enqueue(_Call(fn))

    __call__ = post

    def _enqueue(self, item: Any) -> None:
        with self._lock:
            self._items.append(item)
            if self._wake_pending:
                return
            self._wake_pending = True
        self._wake.emit()

    @Slot()
    def _drain(self) -> None:
        with self._lock:
            items = list(self._items)
            self._items.clear()
            self._wake_pending = False
        for item in items:
            self._deliver(item)

    def _deliver(self, item: Any) -> None:
        if isinstance(item, _Call):
            try:
                item.fn()
            except Exception:
                log.exception("call_soon callback failed")
        elif isinstance(item, Completion):
            self.completed.emit(item)
        elif isinstance(item, StatusChanged):
            self.status_changed.emit(item)
        elif isinstance(item, DeviceEvent):
            self.device_event.emit(item)
        else:
            log.warning("bridge dropped an item of type %s", type(item).__name__)

    def pending(self) -> int:
        """Items waiting for the GUI thread (diagnostics)."""
        with self._lock:
            return len(self._items)


class _Call:
    __slots__ = ("fn",)

    def __init__(self, fn: Callable[[], None]) -> None:
        self.fn = fn
