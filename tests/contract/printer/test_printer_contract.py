"""One contract, every tier: status, printing, each fault, paper out part-way, the worker."""

from __future__ import annotations

import queue
import socket

import pytest

from devices.base import (
    CompletionCode,
    DeviceInitError,
    DeviceState,
    PrintProgress,
    StatusChanged,
    run_command,
)
from devices.printer.contract import PaperState, PrinterError, PrintInterrupted, PrintResult
from devices.printer.escpos_driver import EscposReceiptPrinter
from devices.worker import DeviceWorker
from kiosk.i18n import Translator
from kiosk.receipts.capitals import amount_in_capitals
from kiosk.receipts.samples import sample_receipts
from kiosk.receipts.templates import render

SAMPLES = sample_receipts()


def drawdown_doc(lang: str = "zh_CN"):
    return render(SAMPLES["drawdown"], Translator(lang))


def test_a_fresh_printer_is_ready(any_printer):
    status = any_printer.probe()
    assert status.ready and status.device is DeviceState.ONLINE


def test_print_is_confirmed_and_the_paper_shows_the_receipt(rig):
    before = rig.receipt_count()
    result = rig.printer.print_receipt(drawdown_doc())
    assert isinstance(result, PrintResult) and result.confirmed
    receipts = rig.wait_receipts(before + 1)
    n = receipts[-1]["n"]
    text = rig.control.receipt_text(n)
    for field in ("贷款放款回单", "张*国", "610425********301X", "621799*********4561",
                  "￥10,000.00", amount_in_capitals(SAMPLES["drawdown"].amount), "4.35%",
                  "2026-11-29", "20261128000101", "成功", "S1001"):
        assert field in text, field
    assert receipts[-1]["qr"] == [b.data for b in drawdown_doc().blocks if hasattr(b, "data")]
    assert "?" not in text.split("[QR")[0]
    png = rig.control.receipt_png(n)
    assert png.startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("fault", "error", "code"),
    [
        ("paper_out", PrinterError.PAPER_OUT, CompletionCode.DEVICE_NOT_READY),
        ("cover_open", PrinterError.COVER_OPEN, CompletionCode.DEVICE_NOT_READY),
        ("offline", PrinterError.OFFLINE, CompletionCode.DEVICE_NOT_READY),
        ("cutter_error", PrinterError.CUTTER_ERROR, CompletionCode.HARDWARE_ERROR),
        ("silent", PrinterError.NO_ANSWER, CompletionCode.TIMEOUT),
    ],
)
def test_a_printer_that_cannot_print_refuses_before_printing(rig, fault, error, code):
    before = rig.receipt_count()
    rig.control.set_fault(fault)
    status = rig.printer.probe()
    assert status.problem is error and not status.ready
    c = run_command(rig.printer, "print_receipt", drawdown_doc())
    assert (c.code, c.error) == (code, error)
    assert rig.receipt_count() == before


def test_paper_out_and_no_answer_are_never_confused(rig):
    rig.control.set_fault("paper_out")
    out = rig.printer.probe()
    rig.control.clear_fault()
    rig.control.set_fault("silent")
    silent = rig.printer.probe()
    assert (out.device, out.paper) == (DeviceState.OFFLINE, PaperState.OUT)
    assert (silent.device, silent.paper) == (DeviceState.UNKNOWN, PaperState.UNKNOWN)
    rig.control.clear_fault()
    assert rig.printer.probe().ready


def test_paper_near_end_prints_and_warns(rig):
    rig.control.set_fault("paper_near_end")
    result = rig.printer.print_receipt(drawdown_doc("en"))
    assert result.confirmed and result.status_after.warning
    assert result.status_after.paper is PaperState.NEAR_END


def test_paper_out_mid_job_is_reported_with_what_was_printed(rig):
    before = rig.receipt_count()
    rig.control.set_fault("paper_out", after_lines=10)
    events = []
    with pytest.raises(PrintInterrupted) as err:
        rig.printer.print_receipt(drawdown_doc(), events=events.append)
    part = err.value.part
    assert err.value.error is PrinterError.PAPER_OUT_DURING_PRINT
    assert 0 < part.lines_printed <= 10 <= part.lines_sent <= part.lines_total
    assert all(e.done <= part.lines_printed for e in events if isinstance(e, PrintProgress))
    if rig.tier != "fake":
        rig.printer.close()  # the job without a cut ends with the connection
    receipts = rig.wait_receipts(before + 1)
    assert len(receipts) == before + 1
    text = rig.control.receipt_text(receipts[-1]["n"])
    assert "贷款放款回单" in text and "[QR" not in text and "[CUT" not in text
    assert not receipts[-1].get("complete", False)


def test_the_worker_publishes_status_changes_and_progress(rig):
    out: queue.Queue = queue.Queue()
    worker = DeviceWorker("printer", rig.printer, out.put, probe_interval=0.1)
    worker.start()
    seen = []
    try:
        c = worker.call("print_receipt", drawdown_doc(), timeout=20)
        assert c.ok and c.data.confirmed
        rig.control.set_fault("cover_open")
        changed = None
        for _ in range(400):
            item = out.get(timeout=5)
            seen.append(item)
            if isinstance(item, StatusChanged) and item.new.problem is PrinterError.COVER_OPEN:
                changed = item
                break
        assert changed is not None and "cover" in changed.changed_fields
        c2 = worker.call("print_receipt", drawdown_doc(), timeout=20)
        assert (c2.code, c2.error) == (CompletionCode.DEVICE_NOT_READY, PrinterError.COVER_OPEN)
    finally:
        worker.stop()
    progress = [e for e in seen if isinstance(e, PrintProgress)]
    assert progress and all(e.request_id == c.request_id for e in progress)
    assert progress[-1].done == progress[-1].total == c.data.lines


def test_clearing_a_fault_makes_the_printer_ready_again(rig):
    rig.control.set_fault("cover_open")
    assert not rig.printer.probe().ready
    rig.control.clear_fault()
    assert rig.printer.probe().ready


def test_nothing_listening_is_not_connected():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    printer = EscposReceiptPrinter(f"tcp://127.0.0.1:{port}")
    with pytest.raises(DeviceInitError) as err:
        printer.open()
    assert err.value.error is PrinterError.NOT_CONNECTED


def test_simulator_text_is_its_own_reading_of_the_bytes_it_received(printer_sim):
    from kiosk.simcontrol.printer import HttpPrinterControl
    from peripherals_sim.printer.parser import EscPosParser
    from peripherals_sim.printer.render import to_text

    control = HttpPrinterControl(printer_sim.control)
    control.clear_fault()
    printer = EscposReceiptPrinter(printer_sim.url)
    printer.open()
    try:
        printer.print_receipt(render(SAMPLES["repayment"], Translator("zh_CN")))
    finally:
        printer.close()
    n = control.receipts()[-1]["n"]
    raw = control.http.get(f"/receipts/{n}.bin")
    parser = EscPosParser()
    parser.feed(raw)
    parser.finish()
    assert control.receipt_text(n) == to_text(parser.paper.items, 32)
    # the bytes of the job: the status queries before it, then ESC @ ... cut
    assert raw.startswith(b"\x10\x04\x01") and b"\x1b@" in raw and raw.endswith(b"\x1dV\x01")


def test_reused_status_never_hides_paper_running_out(printer_sim):
    """With ``status_reuse`` the question before the receipt is skipped, but paper that ran
    out since is still caught by the checks during the job: never reported as printed."""
    import dataclasses

    from devices.printer.contract import PROFILES
    from kiosk.simcontrol.printer import HttpPrinterControl

    control = HttpPrinterControl(printer_sim.control)
    control.clear_fault()
    printer = EscposReceiptPrinter(printer_sim.url,
                                   profile=dataclasses.replace(PROFILES["generic_58mm"],
                                                               status_reuse=30.0))
    printer.open()  # reads a "ready" status
    try:
        control.set_fault("paper_out")
        with pytest.raises(PrintInterrupted) as err:
            printer.print_receipt(drawdown_doc())
        assert err.value.error is PrinterError.PAPER_OUT_DURING_PRINT
        assert err.value.part.lines_printed == 0
        c = run_command(printer, "print_receipt", drawdown_doc())  # asks again now
        assert (c.code, c.error) == (CompletionCode.DEVICE_NOT_READY, PrinterError.PAPER_OUT)
    finally:
        printer.close()
        control.clear_fault()
