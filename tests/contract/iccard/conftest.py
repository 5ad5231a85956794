"""The bank card contract tiers: ``fake`` in-process, ``pcsc`` against the real pcscd + vpcd +
``kiosk-sim iccard``, and real hardware only when ``KIOSK_HW_ICCARD`` names a reader.

For the ``pcsc`` tier this package starts its OWN ``pcscd -f`` (never one left running by
someone else): it takes the pcscd lock (peripherals_sim/iccard/pcscd.py) so that two runs
take turns, clears stale /run/pcscd files, runs pcscd on a private reader.conf.d with vpcd on
a free port pair, waits for the virtual reader, and stops pcscd by its pid at the end. pcscd
dies with this process even on SIGKILL (PR_SET_PDEATHSIG), so no stale daemon is left.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from devices.base import DeviceEvent, run_command
from devices.iccard.fake import FakeIcCardReader
from peripherals_sim.iccard.pcscd import Pcscd, PcscdLock
from peripherals_sim.process import SimulatorProcess
from peripherals_sim.scenario import load_scenario

HW_READER = os.environ.get("KIOSK_HW_ICCARD", "")
SCENARIO = load_scenario()
CARDS = {c["id"]: c for c in SCENARIO["cards"]}
PEOPLE = {p["id"]: p for p in SCENARIO["people"]}


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


def free_port_pair() -> int:
    """A port P with P and P+1 free (vpcd listens on both, one per slot)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port < 65535 and _port_free(port) and _port_free(port + 1):
            return port
    raise RuntimeError("no free port pair")


def reader_visible(name: str) -> bool:
    from smartcard import scard

    hr, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hr != scard.SCARD_S_SUCCESS:
        return False
    try:
        hr, readers = scard.SCardListReaders(ctx, [])
        return hr == scard.SCARD_S_SUCCESS and name in readers
    finally:
        scard.SCardReleaseContext(ctx)


class PcscStack:
    """Our pcscd and our ``kiosk-sim iccard --pcscd no`` on a private vpcd port."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.lock = PcscdLock()
        self.port = 0
        self.pcscd: Pcscd | None = None
        self.sim: SimulatorProcess | None = None
        self.ready: dict[str, Any] = {}

    @property
    def reader(self) -> str:
        return str(self.ready["reader"])

    @property
    def control(self) -> str:
        return str(self.ready["control"])

    def start(self) -> None:
        self.lock.acquire(timeout=900)
        self.port = free_port_pair()
        self.start_pcscd()
        self.sim = SimulatorProcess(
            "iccard", ["--pcscd", "no", "--vpcd", f"127.0.0.1:{self.port}", "--control", "0"],
            state_dir=self.work / "sim", ready_timeout=20).start()
        self.ready = self.sim.ready
        assert self.ready["sim"] == "iccard" and self.ready["reader"] == "Virtual PCD 00 00"

    def start_pcscd(self) -> None:
        self.pcscd = Pcscd(self.work / "pcscd", self.port)
        self.pcscd.start()
        deadline = time.monotonic() + 10
        while not reader_visible("Virtual PCD 00 00"):
            if time.monotonic() > deadline:
                raise RuntimeError("virtual reader did not appear")
            time.sleep(0.05)

    def stop_pcscd(self) -> None:
        if self.pcscd is not None:
            self.pcscd.stop()
            self.pcscd = None

    def stop(self) -> None:
        try:
            if self.sim is not None:
                self.sim.stop()
        finally:
            self.stop_pcscd()
            self.lock.release()


@pytest.fixture(scope="package")
def pcsc_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PcscStack]:
    """Our pcscd + simulator for this package's tests only: pcscd (and the lock) are gone
    again before any other area's tests run in the same session."""
    stack = PcscStack(tmp_path_factory.mktemp("pcsc"))
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()


@dataclass
class Harness:
    """One backend under test plus the means to play the farmer on it."""

    backend: str
    device: Any
    control: Any = None  # a kiosk.simcontrol IcCardControl (None on real hardware)
    stack: PcscStack | None = None
    events: list[DeviceEvent] = field(default_factory=list)

    def card_present(self) -> bool:
        c = run_command(self.device, "card_present")
        return bool(c.ok and c.data)

    def wait_present(self, present: bool, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while self.card_present() != present:
            assert time.monotonic() < deadline, f"card present never became {present}"
            time.sleep(0.02)

    def remove(self) -> None:
        self.control.remove()
        self.wait_present(False)

    def insert(self, card_id: str) -> None:
        """Make ``card_id`` the card in the reader: left in when it already is (saves the
        ~1 s a swap takes on vpcd), else take out whatever is there, then insert it."""
        if self.control.state().get("card") == card_id and self.card_present():
            return
        self.remove()
        self.control.insert(card_id)

    def fault(self, kind: str, **params: Any) -> None:
        self.control.set_fault(kind, **params)


def make_harness(backend: str, request: pytest.FixtureRequest, **params: Any) -> Harness:
    if backend == "fake":
        from kiosk.simcontrol.iccard import in_process

        device = FakeIcCardReader(mute_seconds=0.1, **params)
        device.open()
        return Harness("fake", device, in_process(device))
    if backend == "pcsc":
        from devices.iccard.pcsc import PcscIcCardReader
        from kiosk.simcontrol.iccard import over_http

        stack: PcscStack = request.getfixturevalue("pcsc_stack")
        device = PcscIcCardReader(stack.reader, removal_check_seconds=1.0, **params)
        device.open()
        control = over_http(stack.control)
        control.clear_fault()
        return Harness("pcsc", device, control, stack)
    from devices.iccard.pcsc import PcscIcCardReader

    device = PcscIcCardReader(HW_READER, **params)
    device.open()
    return Harness("hw", device)


BACKENDS = ["fake", pytest.param("pcsc", marks=pytest.mark.pcsc)]


@pytest.fixture(params=BACKENDS)
def harness(request: pytest.FixtureRequest) -> Iterator[Harness]:
    h = make_harness(request.param, request)
    try:
        yield h
    finally:
        if h.control is not None:
            h.control.clear_fault()  # the card stays in: the next test may use it as it is
        h.device.close()


def expected_account(card_id: str, app_index: int = 0) -> dict[str, Any]:
    """The card-account JSON the scenario implies (revealed)."""
    card = CARDS[card_id]
    chip = card.get("chip") or {}
    app = (chip.get("applications") or [{}])[app_index]
    person = PEOPLE.get(card.get("person", ""), {})
    holder = bool(chip.get("holder_data"))
    track2_only = app.get("layout") == "track2_only"
    return {
        "aid": app.get("aid", "A000000333010101"),
        "label": app.get("label", "PBOC DEBIT"),
        "pan": str(app.get("pan") or card["pan"]),
        "pan_sequence": None if track2_only else str(app.get("pan_sequence", "01")),
        "expiry": str(card["expiry"]),
        "cardholder_name": person.get("name") if holder else None,
        "id_number": person.get("id_number") if holder else None,
        "id_type": "resident_id" if holder else None,
        "track2_present": True,
    }
