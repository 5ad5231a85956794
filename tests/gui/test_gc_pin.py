"""Cyclic garbage is collected on the GUI thread only (kiosk/shell/gc_pin.py): a worker thread
that allocates past every threshold does not finalise a cycle; the GUI thread's collector
does, as soon as a generation is due."""

from __future__ import annotations

import gc
import threading
from typing import Any, ClassVar

from kiosk.app import make_qt_app
from kiosk.shell import gc_pin


class Cycle:
    finalised_on: ClassVar[list[str]] = []

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        Cycle.finalised_on.append(threading.current_thread().name)


def test_a_worker_never_collects_the_gui_thread_does(qtbot: Any) -> None:
    app = make_qt_app("zh_CN")
    collector = gc_pin.install(app)
    assert gc_pin.install(app) is collector and not gc.isenabled()
    Cycle.finalised_on.clear()
    gc.collect()
    Cycle()  # unreachable at once, freed only by a cyclic collection

    def allocate() -> None:  # live objects, far past the youngest generation's threshold
        kept = [[] for _ in range(5 * collector.threshold[0])]
        assert len(kept) > collector.threshold[0]

    worker = threading.Thread(target=allocate, name="worker")
    worker.start()
    worker.join(60)
    assert Cycle.finalised_on == []  # automatic collection would have run on the worker
    kept = [[] for _ in range(2 * collector.threshold[0])]  # due again, on the GUI thread
    qtbot.waitUntil(lambda: Cycle.finalised_on == [threading.current_thread().name],
                    timeout=5000)  # the timer's check
    assert collector.collections >= 1 and len(kept) > 0
