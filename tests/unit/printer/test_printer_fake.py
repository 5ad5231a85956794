"""The fake printer under a DeviceWorker: completions, progress events, faults, threads."""

from __future__ import annotations

import queue
import threading

from devices.base import CompletionCode, DeviceState, PrintProgress, StatusChanged
from devices.printer.contract import PaperState, PrinterError, PrintResult, ReceiptDoc, TextBlock
from devices.printer.fake import FakeReceiptPrinter
from devices.registry import create_device
from devices.worker import DeviceWorker


def doc(n: int = 30) -> ReceiptDoc:
    return ReceiptDoc(tuple(TextBlock(f"第{i}行 line {i}") for i in range(1, n + 1)))


def worker(device):
    out: queue.Queue = queue.Queue()
    w = DeviceWorker("printer", device, out.put, probe_interval=0.05)
    w.start()
    return w, out


def test_registry_builds_the_fake():
    assert isinstance(create_device("printer", "fake"), FakeReceiptPrinter)


def test_print_through_the_worker_reports_progress_and_keeps_the_receipt():
    fake = FakeReceiptPrinter()
    w, out = worker(fake)
    try:
        c = w.call("print_receipt", doc(), timeout=5)
        assert c.ok and isinstance(c.data, PrintResult) and c.data.confirmed
        events = []
        while not out.empty():
            events.append(out.get())
        progress = [e for e in events if isinstance(e, PrintProgress)]
        assert progress[-1].done == progress[-1].total == 30
        assert all(e.request_id == c.request_id for e in progress)
        (receipt,) = fake.receipts
        assert receipt.complete and "第30行 line 30" in receipt.text
        assert receipt.data.startswith(b"\x1b@")
    finally:
        w.stop()


def test_paper_out_before_printing_prints_nothing():
    fake = FakeReceiptPrinter()
    fake.open()
    fake.set_fault("paper_out")
    w, _ = worker(fake)
    try:
        c = w.call("print_receipt", doc(), timeout=5)
        assert (c.code, c.error) == (CompletionCode.DEVICE_NOT_READY, PrinterError.PAPER_OUT)
        assert fake.receipts == []
    finally:
        w.stop()


def test_paper_out_mid_job_says_what_was_printed():
    fake = FakeReceiptPrinter()
    fake.set_fault("paper_out", after_lines=12)
    w, _ = worker(fake)
    try:
        c = w.call("print_receipt", doc(), timeout=5)
        assert c.code is CompletionCode.HARDWARE_ERROR
        assert c.error is PrinterError.PAPER_OUT_DURING_PRINT
        assert "after 12 of 30 lines" in c.detail
        (receipt,) = fake.receipts
        assert not receipt.complete and receipt.lines_printed == 12
        assert receipt.text.splitlines()[-1] == "第12行 line 12"
        after = w.call("probe", timeout=5).data
        assert after.paper is PaperState.OUT and not after.ready
    finally:
        w.stop()


def test_silent_printer_is_no_answer_and_offline_is_offline():
    fake = FakeReceiptPrinter()
    fake.open()
    fake.set_fault("silent")
    s = fake.probe()
    assert (s.device, s.problem) == (DeviceState.UNKNOWN, PrinterError.NO_ANSWER)
    fake.clear_fault()
    fake.set_fault("offline")
    s = fake.probe()
    assert (s.device, s.problem, s.paper) == (DeviceState.OFFLINE, PrinterError.OFFLINE,
                                              PaperState.OK)


def test_status_changes_are_published_when_a_fault_is_set_from_another_thread():
    fake = FakeReceiptPrinter()
    w, out = worker(fake)
    try:
        threading.Thread(target=fake.set_fault, args=("cover_open",)).start()
        seen = None
        for _ in range(100):
            item = out.get(timeout=2)
            if isinstance(item, StatusChanged) and item.new.problem is PrinterError.COVER_OPEN:
                seen = item
                break
        assert seen is not None and "cover" in seen.changed_fields
    finally:
        w.stop()


def test_not_connected_fails_open():
    fake = FakeReceiptPrinter()
    fake.set_fault("not_connected")
    w, _ = worker(fake)
    try:
        c = w.call("print_receipt", doc(2), timeout=5)
        assert c.code is CompletionCode.DEVICE_NOT_READY
    finally:
        w.stop()


def test_concurrent_prints_and_faults_keep_every_receipt():
    fake = FakeReceiptPrinter()
    fake.open()
    errors = []

    def printer():
        for _ in range(20):
            try:
                fake.print_receipt(doc(5))
            except Exception as exc:
                errors.append(exc)

    def flipper():
        for _ in range(50):
            fake.set_fault("paper_near_end")
            fake.clear_fault()

    threads = [threading.Thread(target=printer) for _ in range(3)] + [
        threading.Thread(target=flipper)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(r.n for r in fake.receipts) == list(range(1, 61))
