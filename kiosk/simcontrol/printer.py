"""Control of the receipt printer for the panel, the autopilot and tests: look at the paper.

Two implementations of :class:`kiosk.simcontrol.PrinterControl`:

- :class:`FakePrinterControl` (``in_process(device)``) over the in-process ``fake`` printer;
  its PNG is drawn by the simulator's own ESC/POS interpreter from the bytes the fake kept,
  so both transports show the same picture;
- :class:`HttpPrinterControl` (``over_http(url)``) over ``kiosk-sim printer``'s control API.

Faults: paper_out, paper_near_end, cover_open, offline, cutter_error, silent (no answer);
``set_fault("paper_out", after_lines=N)`` runs out of paper N lines later.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from devices.printer.fake import FakeReceiptPrinter
from kiosk.simcontrol import HttpControl

KIND = "printer"
FAULT_KINDS = ("paper_out", "paper_near_end", "cover_open", "offline", "cutter_error", "silent")


class FakePrinterControl:
    """Looks at, and breaks, a :class:`FakeReceiptPrinter` in the same process."""

    kind = KIND

    def __init__(self, device: FakeReceiptPrinter) -> None:
        self.device = device

    def receipts(self) -> list[dict[str, Any]]:
        out = []
        for r in self.device.receipts:
            out.append({"n": r.n, "title": r.doc.title, "lines": r.lines_printed,
                        "qr": list(r.doc.qr_payloads()), "complete": r.complete})
        return out

    def _receipt(self, n: int) -> Any:
        for r in self.device.receipts:
            if r.n == n:
                return r
        raise KeyError(f"no receipt {n}")

    def receipt_text(self, n: int) -> str:
        text: str = self._receipt(n).text
        return text

    def receipt_png(self, n: int) -> bytes:
        # The simulator's interpreter is an independent reading of the bytes: data only.
        from peripherals_sim.printer.parser import EscPosParser
        from peripherals_sim.printer.render import to_png

        receipt = self._receipt(n)
        prof = self.device.profile
        parser = EscPosParser(prof.codec, prof.font_charset, prof.chinese_mode_default)
        parser.feed(receipt.data)
        parser.finish()
        return to_png(parser.paper.items, prof.width_px)

    def fault_kinds(self) -> Sequence[str]:
        return FAULT_KINDS

    def set_fault(self, kind: str, after_lines: int | None = None) -> None:
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r} (one of {', '.join(FAULT_KINDS)})")
        self.device.set_fault(kind, after_lines)

    def clear_fault(self) -> None:
        self.device.clear_fault()


class HttpPrinterControl:
    """The same over ``kiosk-sim printer --control PORT``."""

    kind = KIND

    def __init__(self, control_url: str, timeout: float = 5.0) -> None:
        self.http = HttpControl(control_url, timeout)

    def receipts(self) -> list[dict[str, Any]]:
        data: list[dict[str, Any]] = self.http.get("/receipts")
        return data

    def receipt_text(self, n: int) -> str:
        text: str = self.http.get(f"/receipts/{int(n)}")
        return text

    def receipt_png(self, n: int) -> bytes:
        data: bytes = self.http.get(f"/receipts/{int(n)}.png")
        return data

    def fault_kinds(self) -> Sequence[str]:
        return FAULT_KINDS

    def set_fault(self, kind: str, after_lines: int | None = None) -> None:
        body: dict[str, Any] = {"kind": kind}
        if after_lines is not None:
            body["after_lines"] = int(after_lines)
        self.http.post("/fault", body)

    def clear_fault(self) -> None:
        self.http.delete("/fault")


def in_process(device: FakeReceiptPrinter) -> FakePrinterControl:
    return FakePrinterControl(device)


def over_http(control_url: str) -> HttpPrinterControl:
    return HttpPrinterControl(control_url)
