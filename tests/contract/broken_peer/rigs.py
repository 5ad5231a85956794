"""Every stream-reading driver, every command, against a :class:`BrokenPeer`: what each case
must end with, and within which bound (from the driver's own configured timeouts).

Shared by ``test_broken_peer.py`` (outcomes) and ``bench/bench_broken_peer.py`` (time to
completion and CPU of the command's thread, the figures of the closing note).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from devices.base import (
    CancelToken,
    Completion,
    CompletionCode,
    DeviceInitError,
    discard_events,
    run_command,
)
from devices.crypto import Algorithm
from devices.idcard.samv import SamvIdCardReader
from devices.pinpad.kmy import KmyPinPad
from devices.printer.contract import PrinterStatus, ReceiptDoc, TextBlock, profile_named
from devices.printer.escpos_driver import EscposReceiptPrinter
from tests.contract.broken_peer.peer import ESCPOS, KMY, SAMV, BrokenPeer, Protocol

SLACK = 2.0  # seconds added to every bound: thread start, a loaded CI machine


@dataclass(frozen=True)
class Expect:
    """An acceptable end: a completion code and class error value (``None``: no error), or
    ``status_not_ready``: a probe that succeeds but reports a device that cannot work."""

    codes: frozenset[tuple[CompletionCode, str | None]] = frozenset()
    status_not_ready: bool = False

    def holds(self, completion: Completion[Any]) -> bool:
        if self.status_not_ready and completion.ok:
            return not _status_ready(completion.data)
        error = None if completion.error is None else str(completion.error.value)
        return (completion.code, error) in self.codes


def _status_ready(status: Any) -> bool:
    if isinstance(status, PrinterStatus):
        return status.ready
    return getattr(status, "device", None) is not None and status.device.value == "online"


def _e(*pairs: tuple[CompletionCode, str | None]) -> Expect:
    return Expect(frozenset(pairs))


LOST = (CompletionCode.DEVICE_NOT_READY, None)  # DeviceInitError: port lost / reset


@dataclass
class DriverRig:
    """One driver: how to make it on a peer's URL, its commands, and their expected ends."""

    name: str
    protocol: Protocol
    scheme: str
    make: Callable[[str], Any]
    commands: dict[str, Callable[[Any, CancelToken], Any]]
    errors: dict[str, Expect]  # behaviour -> expected end of a failing command
    status_commands: frozenset[str] = frozenset({"probe"})
    # How many reply waits one command may spend at most (each bounded by ``wait``).
    waits: dict[str, int] = field(default_factory=dict)
    wait: float = 0.0
    fresh_open: bool = True  # "open" runs on a new driver against the already broken peer

    def expect(self, command: str, behaviour: str) -> Expect:
        base = self.errors[behaviour]
        if command in self.status_commands and behaviour != "reset_mid_frame":
            return Expect(base.codes, status_not_ready=True)
        if command == "open" and self.name == "escpos":
            # Opening a printer connects and reads a status: unknown (not ready) is fine.
            return Expect(base.codes | {(CompletionCode.SUCCESS, None)}, status_not_ready=True)
        return base

    def bound(self, command: str) -> float:
        """Seconds within which ``command`` must have completed, whatever the peer does."""
        return self.waits.get(command, 2) * self.wait + SLACK


# --- the drivers, with short timeouts so that the whole matrix runs in about a minute ------------

SAMV_TIMEOUT = 0.15
SAMV_READ_TIMEOUT = 0.3


def _samv(url: str) -> SamvIdCardReader:
    return SamvIdCardReader(url=url, find_timeout=SAMV_TIMEOUT, sam_timeout=SAMV_TIMEOUT,
                            read_timeout=SAMV_READ_TIMEOUT, read_fingerprint_timeout=0.4,
                            write_timeout=0.5, poll_interval=0.1, retries=1, exclusive=False)


SAMV_RIG = DriverRig(
    name="samv",
    protocol=SAMV,
    scheme="socket",
    make=_samv,
    commands={
        "open": lambda d, c: d.open(),
        "probe": lambda d, c: d.probe(),
        "sam_id": lambda d, c: d.sam_id(),
        "read_identity": lambda d, c: d.read_identity(wait=False, cancel=c),
        "read_identity_wait": lambda d, c: d.read_identity(wait=True, cancel=c),
        "wait_for_removal": lambda d, c: d.wait_for_removal(cancel=c),
    },
    errors={
        "silence": _e((CompletionCode.TIMEOUT, "no_response")),
        "noise_flood": _e((CompletionCode.HARDWARE_ERROR, "protocol_error")),
        "drip": _e((CompletionCode.HARDWARE_ERROR, "protocol_error"),
                   (CompletionCode.TIMEOUT, "no_response")),
        "truncated": _e((CompletionCode.HARDWARE_ERROR, "protocol_error")),
        "huge_length": _e((CompletionCode.HARDWARE_ERROR, "protocol_error")),
        "bad_checksum": _e((CompletionCode.HARDWARE_ERROR, "checksum_error")),
        "reset_mid_frame": _e(LOST),
    },
    # probe: SAM status + find, 2 attempts each; the others stop at the first failing one.
    waits={"open": 0, "probe": 4, "sam_id": 2, "read_identity": 2, "read_identity_wait": 2,
           "wait_for_removal": 2},
    wait=SAMV_TIMEOUT + 0.05,
)

KMY_REPLY_TIMEOUT = 0.2
_PAN = "6217991000001234561"


def _kmy(url: str) -> KmyPinPad:
    return KmyPinPad(url=url, reply_timeout=KMY_REPLY_TIMEOUT, write_timeout=0.5, retries=1)


KMY_RIG = DriverRig(
    name="kmy",
    protocol=KMY,
    scheme="socket",
    make=_kmy,
    commands={
        "open": lambda d, c: d.open(),
        "probe": lambda d, c: d.probe(cancel=c),
        "version": lambda d, c: d.version(cancel=c),
        "reset": lambda d, c: d.reset(cancel=c),
        "keypad": lambda d, c: d.keypad(True, cancel=c),
        "load_master_key": lambda d, c: d.load_master_key(
            [os.urandom(16), os.urandom(16)], Algorithm.TDES, cancel=c),
        "load_working_keys": lambda d, c: d.load_working_keys(
            os.urandom(16), b"\x00" * 4, os.urandom(16), b"\x00" * 4, Algorithm.TDES, cancel=c),
        "get_pin": lambda d, c: d.get_pin(_PAN, timeout=5, events=discard_events, cancel=c),
        "mac": lambda d, c: d.mac(b"0123456789abcdef", cancel=c),
        "keytest": lambda d, c: d.keytest(5.0, events=discard_events, cancel=c),
    },
    errors={
        "silence": _e((CompletionCode.DEVICE_NOT_READY, "noAnswer")),
        "noise_flood": _e((CompletionCode.DEVICE_NOT_READY, "noAnswer")),
        "drip": _e((CompletionCode.DEVICE_NOT_READY, "noAnswer")),
        "truncated": _e((CompletionCode.DEVICE_NOT_READY, "noAnswer")),
        "huge_length": _e((CompletionCode.DEVICE_NOT_READY, "noAnswer")),
        "bad_checksum": _e((CompletionCode.HARDWARE_ERROR, "checksum")),
        "reset_mid_frame": _e(LOST),
    },
    # retries=1: two waits per command; keytest also closes the keypad (two more).
    waits={"keytest": 4},
    wait=KMY_REPLY_TIMEOUT + 0.05,
)


PRINTER_STATUS_TIMEOUT = 0.3
PRINTER_IO_TIMEOUT = 1.0
_DOC = ReceiptDoc((TextBlock("broken peer test"), TextBlock("助农E终端")), title="test")


def _open_printer(printer: EscposReceiptPrinter) -> PrinterStatus:
    """Open, and give the status read while opening (it must not say ready)."""
    printer.open()
    assert printer._last_status is not None
    return printer._last_status[1]


def _escpos(url: str) -> EscposReceiptPrinter:
    profile = dataclasses.replace(profile_named(None), status_timeout=PRINTER_STATUS_TIMEOUT,
                                  io_timeout=PRINTER_IO_TIMEOUT, connect_timeout=1.0)
    return EscposReceiptPrinter(url, profile=profile)


ESCPOS_RIG = DriverRig(
    name="escpos",
    protocol=ESCPOS,
    scheme="tcp",
    make=_escpos,
    commands={
        "open": lambda d, c: _open_printer(d),
        "probe": lambda d, c: d.probe(cancel=c),
        "print_receipt": lambda d, c: d.print_receipt(_DOC, cancel=c),
        "send_raw": lambda d, c: d.send_raw(b"\x1b@"),
    },
    errors={b: _e((CompletionCode.TIMEOUT, "no_answer")) for b in
            ("silence", "noise_flood", "drip", "truncated", "huge_length", "bad_checksum")}
    | {"reset_mid_frame": _e(LOST)},
    waits={"open": 1, "probe": 1, "print_receipt": 1, "send_raw": 1},
    wait=PRINTER_STATUS_TIMEOUT + PRINTER_IO_TIMEOUT,
)

RIGS = {r.name: r for r in (SAMV_RIG, KMY_RIG, ESCPOS_RIG)}


def cases() -> list[tuple[str, str, str, str]]:
    """(driver, transport, behaviour, command) for the whole matrix."""
    from tests.contract.broken_peer.peer import BEHAVIOURS, TRANSPORTS

    return [(rig.name, transport, behaviour, command)
            for rig in RIGS.values() for transport in TRANSPORTS
            for behaviour in BEHAVIOURS for command in rig.commands]


@dataclass
class CaseResult:
    """How one case ended."""

    completion: Completion[Any] | None  # None: still running when the bound passed
    elapsed: float  # seconds from the call to its completion
    cpu: float  # CPU seconds of the command's thread
    bound: float
    noise_bytes: int = 0
    peer_bytes: int = 0


def expected_end(rig: DriverRig, command: str, behaviour: str) -> Expect:
    if command == "send_raw":
        return _e((CompletionCode.SUCCESS, None), LOST)
    if command == "open" and rig.name == "kmy":  # no pad answers: DeviceInitError
        return _e((CompletionCode.DEVICE_NOT_READY, None))
    if command == "open" and rig.name == "samv":  # opening a port says nothing to the reader
        return _e((CompletionCode.SUCCESS, None))
    return rig.expect(command, behaviour)


def _run(rig: DriverRig, device: Any, command: str, cancel: CancelToken,
         out: dict[str, Any]) -> None:
    t0, c0 = time.monotonic(), time.thread_time()
    completion = run_command(_Adapter(rig, device, command), "run", cancel=cancel)
    out["elapsed"] = time.monotonic() - t0
    out["cpu"] = time.thread_time() - c0
    out["completion"] = completion


class _Adapter:
    """Gives :func:`run_command` one method that runs the rig's command (and names it)."""

    def __init__(self, rig: DriverRig, device: Any, command: str) -> None:
        self.kind = rig.name
        self._rig, self._device, self._command = rig, device, command

    def run(self, cancel: CancelToken) -> Any:
        return self._rig.commands[self._command](self._device, cancel)


def run_case(rig: DriverRig, transport: str, behaviour: str, command: str,
             cancel_after: float | None = None, make: Callable[[str], Any] | None = None
             ) -> CaseResult:
    """Open the driver on a healthy peer, break the peer, run ``command`` in a thread."""
    peer = BrokenPeer(rig.protocol, transport).start()
    device: Any = None
    try:
        device = (make or rig.make)(peer.url(rig.scheme))
        fresh = command == "open" and rig.fresh_open
        if fresh:
            peer.break_as(behaviour)
        else:
            device.open()  # on the healthy peer
            peer.break_as(behaviour)
            time.sleep(0.05)  # let a flood start
        cancel = CancelToken()
        out: dict[str, Any] = {}
        worker = threading.Thread(target=_run, args=(rig, device, command, cancel, out),
                                  daemon=True, name=f"case-{rig.name}-{command}")
        bound = rig.bound(command)
        worker.start()
        if cancel_after is not None:
            time.sleep(cancel_after)
            cancel.cancel()
        worker.join(bound)
        if worker.is_alive():
            cancel.cancel()  # a driver that ignores it stays stuck; the case fails
            return CaseResult(None, bound, float("nan"), bound,
                              getattr(device, "noise_bytes", 0), peer.bytes_sent)
        return CaseResult(out["completion"], out["elapsed"], out["cpu"], bound,
                          getattr(device, "noise_bytes", 0), peer.bytes_sent)
    finally:
        if device is not None:  # pyserial's socket close sleeps 0.3 s: not on the test's time
            threading.Thread(target=_close_quietly, args=(device,), daemon=True).start()
        peer.stop()


def _close_quietly(device: Any) -> None:
    with contextlib.suppress(DeviceInitError):
        device.close()
