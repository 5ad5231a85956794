"""DeviceWorker: queue, completions, cancel, timeout, probe, reopen, shutdown."""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass
from enum import StrEnum

import pytest

from devices.base import (
    CancelToken,
    CardInserted,
    CardRemoved,
    Completion,
    CompletionCode,
    DeviceInitError,
    DeviceOperationError,
    DeviceState,
    DeviceStatus,
    StatusChanged,
    run_command,
)
from devices.worker import DeviceWorker


class JamError(StrEnum):
    JAMMED = "jammed"


@dataclass(frozen=True)
class PaperStatus(DeviceStatus):
    paper: str = "unknown"


class Driver:
    """A small driver with controllable behaviour, run on a real worker thread."""

    kind = "test"
    status_type = PaperStatus

    def __init__(self) -> None:
        self.open_failures = 0
        self.opened = 0
        self.closed = 0
        self.paper = "full"
        self.release = threading.Event()
        self.threads: set[str] = set()
        self.present = False
        self.reported_present = False

    def open(self) -> None:
        self.threads.add(threading.current_thread().name)
        if self.open_failures > 0:
            self.open_failures -= 1
            raise DeviceInitError("port missing")
        self.opened += 1

    def close(self) -> None:
        self.closed += 1

    def probe(self) -> PaperStatus:
        self.threads.add(threading.current_thread().name)
        return PaperStatus(device=DeviceState.ONLINE, paper=self.paper)

    def poll(self, events) -> None:
        if self.reported_present and not self.present:
            events(CardRemoved())
        self.reported_present = self.present

    def echo(self, value: int) -> int:
        self.threads.add(threading.current_thread().name)
        return value * 2

    def count_threads(self) -> int:
        return threading.active_count()

    def insert(self, events, cancel: CancelToken) -> str:
        events(CardInserted())
        return "ok"

    def jam(self) -> None:
        raise DeviceOperationError(JamError.JAMMED, "paper jam at cutter")

    def crash(self) -> None:
        raise ZeroDivisionError("bug")

    def wait_cancel(self, cancel: CancelToken) -> str:
        while not cancel.wait(0.01):
            pass
        cancel.raise_if_cancelled()
        return "unreachable"

    def hang(self) -> str:
        self.release.wait(5)
        return "late"

    def lose(self) -> None:
        raise DeviceInitError("USB unplugged")


def drain(q: queue.Queue, kind, timeout: float = 3.0, pred=lambda x: True):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            item = q.get(timeout=0.05)
        except queue.Empty:
            continue
        if isinstance(item, kind) and pred(item):
            return item
    raise AssertionError(f"no {kind.__name__} within {timeout}s")


@pytest.fixture()
def rig():
    q: queue.Queue = queue.Queue()
    drv = Driver()
    w = DeviceWorker("test", drv, q.put, probe_interval=0.05, default_timeout=2.0,
                     reopen_backoff=(0.05,))
    w.start()
    yield w, drv, q
    drv.release.set()
    w.stop()


def test_command_runs_on_the_worker_thread_and_completes(rig):
    w, drv, q = rig
    c = w.call("echo", 21, timeout=1)
    assert c.ok and c.data == 42 and c.command == "echo" and c.device == "test"
    assert drv.threads == {"device-test"}
    assert drain(q, Completion).request_id == c.request_id


def test_operation_error_maps_to_class_error(rig):
    w, _, _ = rig
    c = w.call("jam", timeout=1)
    assert c.code is CompletionCode.HARDWARE_ERROR
    assert c.error is JamError.JAMMED
    assert c.to_json() == {"completion": "hardwareError", "error": "jammed",
                           "detail": "paper jam at cutter"}


def test_unexpected_exception_becomes_internal_error(rig):
    w, _, _ = rig
    c = w.call("crash", timeout=1)
    assert c.code is CompletionCode.INTERNAL_ERROR
    assert "ZeroDivisionError" in c.detail


def test_solicited_event_is_tagged_with_request_id(rig):
    w, _, q = rig
    h = w.submit("insert")
    ev = drain(q, CardInserted)
    assert ev.request_id == h.request_id and ev.device == "test"
    assert h.wait(2).data == "ok"


def test_cancel_running_command(rig):
    w, _, _ = rig
    h = w.submit("wait_cancel", timeout=5)
    time.sleep(0.05)
    h.cancel()
    assert h.wait(2).code is CompletionCode.CANCELED


def test_cancel_queued_command_completes_at_once(rig):
    w, drv, _ = rig
    first = w.submit("hang", timeout=5)
    time.sleep(0.05)
    second = w.submit("echo", 1)
    second.cancel()
    assert second.wait(0.5).code is CompletionCode.CANCELED
    drv.release.set()
    assert first.wait(2).data == "late"


def test_timeout_cooperative_driver(rig):
    w, _, _ = rig
    c = w.call("wait_cancel", timeout=0.1)
    assert c.code is CompletionCode.TIMEOUT


def test_timeout_delivered_even_when_driver_hangs(rig):
    w, drv, _ = rig
    h = w.submit("hang", timeout=0.1)
    t0 = time.monotonic()
    c = h.wait(2)
    assert c.code is CompletionCode.TIMEOUT
    assert time.monotonic() - t0 < 1.5
    drv.release.set()
    # the late result is discarded and the worker goes on serving
    assert w.call("echo", 2, timeout=2).data == 4


def test_status_change_published_by_idle_probe(rig):
    _, drv, q = rig
    drain(q, StatusChanged, pred=lambda e: e.new.device is DeviceState.ONLINE)
    drv.paper = "out"
    ev = drain(q, StatusChanged, pred=lambda e: e.new.paper == "out")
    assert ev.old.paper == "full" and ev.changed_fields == ("paper",)


def test_unsolicited_event_from_poll(rig):
    _, drv, q = rig
    drv.present = True
    time.sleep(0.2)
    drv.present = False
    assert drain(q, CardRemoved).device == "test"


def test_open_failure_reports_no_device_then_reopens():
    q: queue.Queue = queue.Queue()
    drv = Driver()
    drv.open_failures = 2
    w = DeviceWorker("test", drv, q.put, probe_interval=0.05, reopen_backoff=(0.05,))
    w.start()
    try:
        drain(q, StatusChanged, pred=lambda e: e.new.device is DeviceState.NO_DEVICE)
        drain(q, StatusChanged, pred=lambda e: e.new.device is DeviceState.ONLINE)
        assert drv.opened == 1
    finally:
        w.stop()


def test_lost_device_is_closed_and_reopened(rig):
    w, drv, q = rig
    c = w.call("lose", timeout=1)
    assert c.code is CompletionCode.DEVICE_NOT_READY
    drain(q, StatusChanged, pred=lambda e: e.new.device is DeviceState.NO_DEVICE)
    drain(q, StatusChanged, pred=lambda e: e.new.device is DeviceState.ONLINE)
    assert drv.closed >= 1 and drv.opened >= 2


def test_stop_with_command_in_flight_cancels_it():
    q: queue.Queue = queue.Queue()
    drv = Driver()
    w = DeviceWorker("test", drv, q.put)
    w.start()
    h = w.submit("wait_cancel", timeout=30)
    queued = w.submit("echo", 1)
    time.sleep(0.05)
    w.stop(timeout=2)
    assert h.wait(1).code is CompletionCode.CANCELED
    assert queued.wait(1).code is CompletionCode.CANCELED
    assert not w.running and drv.closed == 1


def test_run_command_outside_a_worker():
    c = run_command(Driver(), "jam")
    assert c.code is CompletionCode.HARDWARE_ERROR and c.error is JamError.JAMMED
    assert run_command(Driver(), "echo", 5).data == 10


def test_one_watchdog_thread_serves_every_deadline(rig):
    w, _, _ = rig
    before = threading.active_count()
    # while a command with a deadline runs, no extra thread exists for its deadline
    for _ in range(20):
        assert w.call("count_threads", timeout=5).data == before
    assert w.call("wait_cancel", timeout=0.05).code is CompletionCode.TIMEOUT
    assert w.call("echo", 3, timeout=5).data == 6


def test_stop_ends_the_watchdog_too():
    drv = Driver()
    w = DeviceWorker("test", drv, lambda item: None)
    w.start()
    names = {t.name for t in threading.enumerate()}
    assert {"device-test", "device-test-watchdog"} <= names
    w.stop(timeout=2)
    assert not {"device-test", "device-test-watchdog"} & {t.name for t in threading.enumerate()}
