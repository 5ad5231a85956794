"""Requests: a cancelled request delivers nothing, unless cancelled with ``keep_events``; then a
key the device still sent before the worker stopped it reaches the asker, and nothing after
the command ended. Run on the real DeviceWorker with the in-process PIN pad backend."""

from __future__ import annotations

import queue
import time
from collections.abc import Iterator
from typing import Any

import pytest

from devices.base import Completion, KeyPressed
from devices.pinpad.fake import FakePinPad
from devices.worker import DeviceWorker
from kiosk.requests import Requests


class Pump:
    """The GUI thread's part: events from the worker's sink and posted callbacks, in order."""

    def __init__(self) -> None:
        self.sink: queue.Queue[Any] = queue.Queue()
        self.posted: queue.Queue[Any] = queue.Queue()

    def next_key(self, timeout: float = 5.0) -> KeyPressed:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            item = self.sink.get(timeout=deadline - time.monotonic())
            if isinstance(item, KeyPressed):
                return item
        raise AssertionError("no key event")

    def run_posted_until(self, done: Any, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            self.posted.get(timeout=max(0.01, deadline - time.monotonic()))()


@pytest.fixture()
def rig() -> Iterator[tuple[FakePinPad, Requests, Pump]]:
    pad = FakePinPad()
    pump = Pump()
    worker = DeviceWorker("pinpad", pad, pump.sink.put, probe_interval=60.0)
    worker.start()
    try:
        yield pad, Requests({"pinpad": worker}, pump.posted.put), pump
    finally:
        worker.stop()


def _listening(pad: FakePinPad) -> None:
    deadline = time.monotonic() + 5
    while pad.state().get("mode") != "plain":
        assert time.monotonic() < deadline, pad.state()
        time.sleep(0.01)


@pytest.mark.parametrize("keep", [True, False])
def test_a_key_sent_before_the_cancel_reached_the_worker(rig: Any, keep: bool) -> None:
    pad, requests, pump = rig
    heard: list[KeyPressed] = []
    done: list[Completion[Any]] = []
    request = requests.submit("pinpad", "listen", 5.0, on_done=done.append,
                              on_event=heard.append, safe=True)
    _listening(pad)
    pad.press("5")
    key = pump.next_key()  # the worker sent it; the GUI thread has not routed it yet
    request.cancel(keep_events=keep)
    requests.route_event(key)
    assert [e.value for e in heard] == (["5"] if keep else [])
    assert requests.in_flight() == []  # cancelled: not in flight either way

    pump.run_posted_until(lambda: not requests._in_flight)  # the worker stopped the listening
    requests.route_event(key)  # nothing of an ended command is delivered
    assert len(heard) == (1 if keep else 0)
    assert done == []  # a cancelled request's completion is dropped
