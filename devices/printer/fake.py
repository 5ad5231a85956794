"""Registry backend ``fake``: an in-process receipt printer for the GUI, demos and tests.

It lays receipts out exactly like the real driver (same layout, same ESC/POS encoder), keeps
every receipt with its text and bytes, and plays the faults of a real printer: paper out
(also part-way through a receipt), paper near end, cover open, offline, no answer, cutter
error, not connected. Thread-safe: the GUI's control panel sets faults while the device
worker prints.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from devices.base import (
    CancelToken,
    CompletionCode,
    DeviceInitError,
    DeviceOperationError,
    DeviceState,
    EventSink,
    PrintProgress,
    discard_events,
)
from devices.printer.contract import (
    CoverState,
    FaultState,
    PaperState,
    PrintedPart,
    PrinterError,
    PrinterProfile,
    PrinterStatus,
    PrintInterrupted,
    PrintResult,
    ReceiptDoc,
    profile_named,
)
from devices.printer.encoder import ReceiptEncoder
from devices.printer.escpos_driver import NOT_READY_CODES
from devices.printer.layout import plain_text

FAULT_KINDS = ("paper_out", "paper_near_end", "cover_open", "offline", "silent",
               "cutter_error", "not_connected")


@dataclass(frozen=True)
class FakeReceipt:
    """One receipt the fake printed: the document, its text, its bytes, and if it finished."""

    n: int
    doc: ReceiptDoc
    text: str
    data: bytes
    complete: bool
    lines_printed: int


class FakeReceiptPrinter:
    """A printer in memory. ``set_fault(kind, after_lines=N)`` arms paper out after N lines."""

    kind = "printer"
    status_type = PrinterStatus

    def __init__(self, profile: str | PrinterProfile | dict[str, Any] | None = None,
                 **_: Any) -> None:
        self.profile = profile_named(profile)
        self.encoder = ReceiptEncoder(self.profile)
        self._lock = threading.Lock()
        self._receipts: list[FakeReceipt] = []
        self._faults: set[str] = set()
        self._paper_left: int | None = None
        self._open = False

    # --- control (any thread) -----------------------------------------------------------------

    def set_fault(self, kind: str, after_lines: int | None = None) -> None:
        """Inject a fault; ``paper_out`` with ``after_lines`` runs out part-way."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown printer fault {kind!r} (one of {', '.join(FAULT_KINDS)})")
        with self._lock:
            if kind == "paper_out" and after_lines is not None:
                self._paper_left = max(0, int(after_lines))
            else:
                self._faults.add(kind)

    def clear_fault(self) -> None:
        with self._lock:
            self._faults.clear()
            self._paper_left = None

    @property
    def receipts(self) -> list[FakeReceipt]:
        with self._lock:
            return list(self._receipts)

    def clear_receipts(self) -> None:
        with self._lock:
            self._receipts.clear()

    # --- device -------------------------------------------------------------------------------

    def open(self) -> None:
        with self._lock:
            if "not_connected" in self._faults:
                raise DeviceInitError("fake printer: not connected")
            self._open = True

    def close(self) -> None:
        self._open = False

    def _status_locked(self) -> PrinterStatus:
        f = self._faults
        if "not_connected" in f:
            raise DeviceInitError("fake printer: connection lost")
        if "silent" in f:
            return PrinterStatus(device=DeviceState.UNKNOWN)
        paper_out = "paper_out" in f or self._paper_left == 0
        offline = bool({"offline", "cover_open", "cutter_error"} & f) or paper_out
        return PrinterStatus(
            device=DeviceState.OFFLINE if offline else DeviceState.ONLINE,
            paper=(PaperState.OUT if paper_out else
                   PaperState.NEAR_END if "paper_near_end" in f else PaperState.OK),
            cover=CoverState.OPEN if "cover_open" in f else CoverState.CLOSED,
            fault=FaultState.CUTTER if "cutter_error" in f else FaultState.NONE,
        )

    def probe(self) -> PrinterStatus:
        if not self._open:
            raise DeviceInitError("not open")
        with self._lock:
            return self._status_locked()

    status = probe

    def print_receipt(self, doc: ReceiptDoc, events: EventSink = discard_events,
                      cancel: CancelToken | None = None) -> PrintResult:
        """Print like the real driver: refuse when not ready, stop when paper runs out."""
        encoded = self.encoder.encode(doc)
        text_lines = plain_text(doc, self.profile).splitlines()
        before = self.probe()
        problem = before.problem
        if problem is not None:
            raise DeviceOperationError(problem, f"printer not ready: {problem.value}",
                                       NOT_READY_CODES.get(problem,
                                                           CompletionCode.DEVICE_NOT_READY))
        if cancel is not None:
            cancel.raise_if_cancelled()
        total = encoded.lines
        with self._lock:
            left = self._paper_left
            printed = total if left is None else min(total, left)
            if left is not None:
                self._paper_left = left - printed
            n = len(self._receipts) + 1
            self._receipts.append(FakeReceipt(
                n, doc, "\n".join(text_lines if printed == total else text_lines[:printed])
                + "\n", encoded.data,
                printed == total, printed))
        step = max(1, self.profile.status_check_lines or total)
        for done in range(step, printed + 1, step):
            events(PrintProgress(done=done, total=total))
        if printed < total:
            last = text_lines[printed - 1] if printed else ""
            raise PrintInterrupted(PrinterError.PAPER_OUT_DURING_PRINT,
                                   PrintedPart(printed, total, last.strip(), printed))
        events(PrintProgress(done=total, total=total))
        return PrintResult(total, len(encoded.data), self.probe())
