"""Python's cyclic garbage collection pinned to the GUI thread.

CPython runs a cyclic collection in whichever thread crosses the allocation threshold: in the
kiosk that is as often a device worker, the money service's resolver or an HTTPS client as the
GUI thread. A collection there finalises any Qt wrapper caught in a reference cycle (a page
replaced, a finished request's slot) off the GUI thread, which Qt forbids, and shiboken's
wrapper lock then meets the GIL held by the GUI thread: the process hangs (seen once in a full
test run: the GUI thread inside ``QBoxLayout.addWidget``, a worker inside urllib3's pool
manager ``__init__``, both waiting). The remedy other Qt applications use (calibre,
pyqtgraph's ``GarbageCollector``, napari's discussion #1029): automatic collection off, and a
GUI-thread timer that collects each generation when its count passes the threshold Python
itself would have used. Reference counting frees everything else at once, as before.
"""

from __future__ import annotations

import gc
import logging
from typing import Any

from PySide6.QtCore import QObject, QTimer

log = logging.getLogger(__name__)

#: how often the GUI thread looks at the allocation counts
INTERVAL_MS = 500


class MainThreadCollector(QObject):
    """Installed once per QApplication (:func:`install`); :meth:`check` may also be called
    directly on the GUI thread (tests between two kiosks, a shutdown)."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        self.collections = 0
        gc.disable()
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check)
        self.timer.start()

    def check(self) -> int:
        """Collect the generations that are due (as Python would have); the objects found."""
        c0, c1, c2 = gc.get_count()
        t0, t1, t2 = self.threshold
        found = 0
        if c0 > t0:
            found = gc.collect(0)
            if c1 > t1:
                found += gc.collect(1)
                if c2 > t2:
                    found += gc.collect(2)
            self.collections += 1
        return found

    def stop(self) -> None:
        """Give collection back to Python (the application is going away)."""
        self.timer.stop()
        gc.enable()


def install(app: Any) -> MainThreadCollector:
    """The application's collector (made on first call; ``app`` owns it)."""
    collector = getattr(app, "_main_thread_gc", None)
    if collector is None:
        collector = MainThreadCollector(app)
        app._main_thread_gc = collector
        log.debug("cyclic garbage collection pinned to the GUI thread")
    return collector


def collect_due() -> int:
    """On the GUI thread: collect what is due now (no-op without an installed collector)."""
    from PySide6.QtWidgets import QApplication

    collector = getattr(QApplication.instance(), "_main_thread_gc", None)
    return collector.check() if collector is not None else 0
