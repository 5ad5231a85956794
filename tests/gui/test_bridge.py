"""The bridge delivers worker output on the GUI thread, in order, from a real DeviceWorker."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from PySide6.QtCore import QThread

from devices.base import CardInserted, Completion, DeviceState, DeviceStatus, ErrorEvent
from devices.worker import DeviceWorker
from kiosk.bridge import Bridge


class Reader:
    """A tiny driver: ``read`` emits a solicited event, then returns a value."""

    kind = "reader"

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def probe(self) -> DeviceStatus:
        return DeviceStatus(DeviceState.ONLINE)

    def read(self, *, events) -> str:  # type: ignore[no-untyped-def]
        events(CardInserted())
        return "data"


@dataclass
class Seen:
    item: object
    on_gui_thread: bool


def test_worker_output_arrives_on_the_gui_thread(qtbot) -> None:  # type: ignore[no-untyped-def]
    bridge = Bridge()
    seen: list[Seen] = []
    gui = QThread.currentThread()

    class Receiver:
        def completed(self, c: object) -> None:
            seen.append(Seen(c, QThread.currentThread() is gui))

        def event(self, e: object) -> None:
            seen.append(Seen(e, QThread.currentThread() is gui))

        status = event

    receiver = Receiver()
    bridge.completed.connect(receiver.completed)
    bridge.device_event.connect(receiver.event)
    bridge.status_changed.connect(receiver.status)
    worker = DeviceWorker("reader", Reader(), bridge.post, probe_interval=60)
    worker.start()
    try:
        with qtbot.waitSignal(bridge.completed, timeout=5000) as blocker:
            handle = worker.submit("read")
        assert isinstance(blocker.args[0], Completion)
        assert blocker.args[0].request_id == handle.request_id
        assert blocker.args[0].data == "data"
    finally:
        worker.stop()
    kinds = [type(s.item).__name__ for s in seen]
    assert "StatusChanged" in kinds
    # the solicited event comes before its completion, tagged with the request id
    assert kinds.index("CardInserted") < kinds.index("Completion")
    inserted = next(s.item for s in seen if isinstance(s.item, CardInserted))
    assert inserted.request_id == handle.request_id and inserted.device == "reader"
    assert all(s.on_gui_thread for s in seen)


def test_many_posts_from_many_threads_all_arrive_in_per_thread_order(qtbot) -> None:  # type: ignore[no-untyped-def]
    bridge = Bridge()
    got: list[tuple[str, int]] = []

    class Receiver:
        def on_event(self, e: ErrorEvent) -> None:
            got.append((e.device, int(e.detail)))

    receiver = Receiver()
    bridge.device_event.connect(receiver.on_event)
    n = 300

    def producer(name: str) -> None:
        for i in range(n):
            bridge.post(ErrorEvent(device=name, detail=str(i)))

    threads = [threading.Thread(target=producer, args=(f"t{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    qtbot.waitUntil(lambda: len(got) == 4 * n, timeout=5000)
    assert bridge.pending() == 0
    for name in ("t0", "t1", "t2", "t3"):
        assert [i for d, i in got if d == name] == list(range(n))


def test_call_soon_runs_on_the_gui_thread_later(qtbot) -> None:  # type: ignore[no-untyped-def]
    bridge = Bridge()
    ran: list[bool] = []
    gui = QThread.currentThread()

    def job() -> None:
        ran.append(QThread.currentThread() is gui)

    t = threading.Thread(target=bridge.call_soon, args=(job,))
    t.start()
    t.join()
    assert ran == []  # not run on the posting thread
    qtbot.waitUntil(lambda: ran == [True], timeout=3000)
