"""The printer contract tiers: ``fake`` in-process, ``escpos`` + the simulator process over TCP,
and a real printer only when ``KIOSK_HW_PRINTER`` names its URL (tcp://, usb://, a port).

The ``escpos`` driver runs twice against the simulator: over python-escpos's Network
class and over its Serial class opened with ``serial_for_url("socket://…")``.

A ``Rig`` is one opened printer plus the control that looks at its paper and injects faults
(the simulator's control API over HTTP, or the fake's in-process control). The simulator is
started once per session; faults are cleared before and after every test.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from devices.printer.contract import PROFILES, PrinterProfile
from devices.printer.escpos_driver import EscposReceiptPrinter
from devices.printer.fake import FakeReceiptPrinter
from kiosk.simcontrol.printer import FakePrinterControl, HttpPrinterControl
from peripherals_sim.process import SimulatorProcess

HW_URL = os.environ.get("KIOSK_HW_PRINTER")
# escpos-sim: python-escpos Network; escpos-serial: python-escpos Serial opened through
# pyserial's serial_for_url("socket://…"), the path a serial or RFC 2217 printer takes.
TIERS = ("fake", "escpos-sim", "escpos-serial")

# Short status timeout: a silent printer costs this much per query on a loaded machine.
TEST_PROFILE: PrinterProfile = dataclasses.replace(
    PROFILES["generic_58mm"], status_timeout=0.6, status_check_lines=8)


@pytest.fixture(scope="session")
def printer_sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatorProcess]:
    """``kiosk-sim printer`` as a child process; ``url``/``control`` from its ready line."""
    out = tmp_path_factory.mktemp("printer-sim")
    with SimulatorProcess("printer", ["--listen", "tcp://127.0.0.1:0", "--out", str(out),
                                      "--control", "0"]) as sim:
        yield sim


@dataclass
class Rig:
    tier: str
    printer: Any
    control: FakePrinterControl | HttpPrinterControl

    def receipt_count(self) -> int:
        return len(self.control.receipts())

    def wait_receipts(self, count: int, timeout: float = 6.0) -> list[dict[str, Any]]:
        """The control's receipts once there are ``count`` (jobs end at a cut or idle)."""
        deadline = time.monotonic() + timeout
        while True:
            got = self.control.receipts()
            if len(got) >= count or time.monotonic() > deadline:
                return got
            time.sleep(0.05)


@contextlib.contextmanager
def build_rig(tier: str, request: pytest.FixtureRequest) -> Iterator[Rig]:
    if tier == "fake":
        fake = FakeReceiptPrinter(TEST_PROFILE)
        fake.open()
        try:
            yield Rig(tier, fake, FakePrinterControl(fake))
        finally:
            fake.close()
        return
    sim: SimulatorProcess = request.getfixturevalue("printer_sim")
    control = HttpPrinterControl(sim.control)
    control.clear_fault()
    url = sim.url if tier == "escpos-sim" else sim.url.replace("tcp://", "socket://")
    printer = EscposReceiptPrinter(url, profile=TEST_PROFILE)
    printer.open()
    try:
        yield Rig(tier, printer, control)
    finally:
        printer.close()
        control.clear_fault()


@pytest.fixture(params=TIERS)
def rig(request: pytest.FixtureRequest) -> Iterator[Rig]:
    with build_rig(request.param, request) as r:
        yield r


@pytest.fixture(params=[*TIERS, "hw"] if HW_URL else list(TIERS))
def any_printer(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A printer of any tier, real hardware included (for tests that need no control)."""
    if request.param == "hw":
        printer = EscposReceiptPrinter(str(HW_URL))
        printer.open()
        try:
            yield printer
        finally:
            printer.close()
        return
    with build_rig(request.param, request) as r:
        yield r.printer
