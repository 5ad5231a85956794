"""``fake``: an in-process PIN pad with real keys, driven by scripted key presses.

A first-class backend (the python-can ``virtual`` idea): it keeps key slots, checks KCVs,
produces real encrypted PIN blocks and MACs with :mod:`devices.crypto`, and emits the same
masked :class:`KeyPressed` events as the ``kmy`` driver. Tests, the simulator panel and the
autopilot press keys through :meth:`FakePinPad.press` (``kiosk.simcontrol.pinpad``).

Out of the box it holds the demo terminal's TMK (``terminals[0]`` of the demo scenario) in the
master slot and, unless ``preload=False``, the test working keys :data:`TEST_PIK` and
:data:`TEST_MAK`, so the GUI can run without a host sign-in.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Sequence
from typing import Any

from devices.base import (
    CancelToken,
    CompletionCode,
    DeviceCanceled,
    DeviceOperationError,
    DeviceState,
    DeviceTimeout,
    EventSink,
    Key,
    KeyPressed,
)
from devices.crypto import (
    Algorithm,
    CryptoError,
    MacMethod,
    PinBlockFormat,
    decrypt_key_under,
    encrypt_pin_block,
    iso0_pan_digits,
    kcv,
    mac,
    verify_kcv,
    xor_components,
)
from devices.pinpad.contract import KeypadMode, KeyState, PinBlock, PinpadError, PinpadStatus

# The demo terminal's TMK components (peripherals_sim/scenarios/demo.yaml, terminals[0]).
DEMO_TMK_COMPONENTS = {
    Algorithm.TDES: ("0123456789ABCDEFFEDCBA9876543210", "11111111111111112222222222222222"),
    Algorithm.SM4: ("0123456789ABCDEFFEDCBA9876543210", "33333333333333334444444444444444"),
}
TEST_PIK = bytes.fromhex("11111111111111112222222222222222")
TEST_MAK = bytes.fromhex("33333333333333334444444444444444")
FAULTS = ("no_answer", "checksum", "key_slot_empty", "noise", "split")


class FakePinPad:
    """The ``fake`` PIN pad backend (parameters: ``algorithm``, ``preload``,
    ``sm4_pin_format``, ``mac_method``)."""

    kind = "pinpad"
    status_type = PinpadStatus

    def __init__(self, algorithm: str = "3des", preload: bool = True,
                 sm4_pin_format: str = PinBlockFormat.SM4_ISO0_ZERO_PAD.value,
                 mac_method: str = MacMethod.X9_19.value, **_ignored: Any) -> None:
        self.algorithm = Algorithm(algorithm)
        self.sm4_pin_format = PinBlockFormat(sm4_pin_format)
        self.mac_method_3des = MacMethod(mac_method)
        self.master_slot, self.pik_slot, self.mak_slot = 0, 1, 2
        self.fault: str | None = None
        self._lock = threading.Lock()
        self._keys: queue.Queue[str] = queue.Queue()
        self._mode = KeypadMode.OFF
        self._digits = 0
        self._opened = False
        tmk = xor_components(*(bytes.fromhex(c) for c in DEMO_TMK_COMPONENTS[self.algorithm]))
        self._slots: dict[tuple[int, int], tuple[Algorithm, bytes]] = {
            (0, 0): (self.algorithm, tmk)}
        if preload:
            self._slots[(0, self.pik_slot)] = (self.algorithm, TEST_PIK)
            self._slots[(0, self.mak_slot)] = (self.algorithm, TEST_MAK)

    # --- control side (simcontrol, tests) -------------------------------------------------

    def press(self, keys: str) -> dict[str, int]:
        """Press keys on the pad: digits, ``C`` clear, ``B`` backspace, ``E`` enter, ``X``
        cancel. Keys pressed while the keypad is off are ignored, as on a real pad."""
        if any(k not in "0123456789CBEX" for k in keys.upper()):
            raise ValueError("keys are digits and C, B, E, X")
        with self._lock:
            active = self._mode in (KeypadMode.PIN, KeypadMode.PLAIN)
        if not active:
            return {"accepted": 0, "ignored": len(keys)}
        for key in keys.upper():
            self._keys.put(key)
        return {"accepted": len(keys), "ignored": 0}

    def state(self) -> dict[str, Any]:
        """What the control API's ``GET /state`` shows (never a key or a digit)."""
        with self._lock:
            return {
                "mode": self._mode.value,
                "digits": self._digits,
                "algorithm": self.algorithm.value,
                "slots": {f"{m}/{w}" if w else str(m): {
                    "algorithm": alg.value, "kcv": kcv(key, alg).hex().upper()}
                    for (m, w), (alg, key) in self._slots.items()},
                "fault": self.fault,
            }

    def set_fault(self, kind: str) -> None:
        if kind not in FAULTS:
            raise ValueError(f"unknown fault {kind!r}")
        self.fault = kind

    def clear_fault(self) -> None:
        self.fault = None

    # --- driver side ----------------------------------------------------------------------

    def open(self) -> None:
        self._opened = True

    def close(self) -> None:
        self._opened = False

    def _check_link(self) -> None:
        if self.fault == "no_answer":
            raise DeviceOperationError(PinpadError.NO_ANSWER, "no answer (fault)",
                                       CompletionCode.DEVICE_NOT_READY)
        if self.fault == "checksum":
            raise DeviceOperationError(PinpadError.CHECKSUM, "bad checksum (fault)")

    def _key(self, work: int) -> tuple[Algorithm, bytes]:
        found = None if self.fault == "key_slot_empty" else self._slots.get(
            (self.master_slot, work))
        if found is None:
            raise DeviceOperationError(PinpadError.KEY_NOT_LOADED, f"key 0/{work} not loaded",
                                       CompletionCode.DEVICE_NOT_READY)
        return found

    def probe(self) -> PinpadStatus:
        if self.fault == "no_answer":
            return PinpadStatus(device=DeviceState.OFFLINE)
        with self._lock:
            mode = self._mode
        has = (self.master_slot, self.pik_slot) in self._slots
        return PinpadStatus(
            device=DeviceState.ONLINE, version="FAKE-EPP 1.0", keypad=mode,
            master_key=KeyState.LOADED if (0, 0) in self._slots else KeyState.MISSING,
            working_keys=KeyState.LOADED if has else KeyState.MISSING,
            algorithm=self.algorithm.value)

    def version(self) -> str:
        self._check_link()
        return "FAKE-EPP 1.0"

    def reset(self) -> None:
        self._check_link()
        self._set_mode(KeypadMode.OFF)

    def keypad(self, on: bool) -> None:
        self._check_link()
        if not on:
            self._set_mode(KeypadMode.OFF)

    def load_master_key(self, components: Sequence[bytes], algorithm: Algorithm,
                        slot: int | None = None) -> bytes:
        """Key ceremony: XOR the components into the master slot; return the KCV."""
        self._check_link()
        algorithm = Algorithm(algorithm)
        try:
            key = xor_components(*components)
            check = kcv(key, algorithm)
        except CryptoError as exc:
            raise DeviceOperationError(PinpadError.PARAMETER, str(exc),
                                       CompletionCode.INVALID_DATA) from exc
        self._slots = {(0, 0): (algorithm, key)}
        self.algorithm = algorithm
        return check

    def load_working_keys(self, pik_encrypted: bytes, pik_kcv: bytes, mak_encrypted: bytes,
                          mak_kcv: bytes, algorithm: Algorithm) -> None:
        """Unwrap PIK and MAK under the master key and check their KCVs."""
        self._check_link()
        algorithm = Algorithm(algorithm)
        master_alg, tmk = self._key(0)
        keys = {}
        for slot, cipher, check in ((self.pik_slot, pik_encrypted, pik_kcv),
                                    (self.mak_slot, mak_encrypted, mak_kcv)):
            try:
                key = decrypt_key_under(tmk, cipher, master_alg)
                good = verify_kcv(key, check, algorithm)
            except CryptoError as exc:
                raise DeviceOperationError(PinpadError.PARAMETER, str(exc),
                                           CompletionCode.INVALID_DATA) from exc
            if not good:
                raise DeviceOperationError(PinpadError.KEY_CHECK_FAILED,
                                           f"working key {slot}: check value differs",
                                           CompletionCode.INVALID_DATA)
            keys[(0, slot)] = (algorithm, key)
        self._slots.update(keys)
        self.algorithm = algorithm

    def _set_mode(self, mode: KeypadMode, digits: int = 0) -> None:
        with self._lock:
            self._mode = mode
            self._digits = digits
        if mode is KeypadMode.OFF:
            while not self._keys.empty():
                self._keys.get_nowait()

    def get_pin(self, pan: str, min_len: int = 4, max_len: int = 6, timeout: float = 30.0,
                *, events: EventSink, cancel: CancelToken) -> PinBlock:
        """PIN entry from pressed keys; the encrypted PIN block under the PIK."""
        self._check_link()
        if not 4 <= min_len <= max_len <= 12:
            raise DeviceOperationError(PinpadError.PARAMETER, "PIN length 4..12",
                                       CompletionCode.INVALID_DATA)
        try:
            iso0_pan_digits(pan)
        except CryptoError as exc:
            raise DeviceOperationError(PinpadError.PARAMETER, "bad account number",
                                       CompletionCode.INVALID_DATA) from exc
        alg, pik = self._key(self.pik_slot)
        digits: list[str] = []
        deadline = time.monotonic() + timeout
        self._set_mode(KeypadMode.PIN)
        try:
            while True:
                cancel.raise_if_cancelled()
                if time.monotonic() > deadline:
                    raise DeviceTimeout("PIN entry timed out", PinpadError.ENTRY_TIMEOUT)
                try:
                    key = self._keys.get(timeout=0.05)
                except queue.Empty:
                    continue
                if key.isdigit():
                    if len(digits) < max_len:
                        digits.append(key)
                        events(KeyPressed(key=Key.DIGIT, digits=len(digits)))
                elif key == "B":
                    if digits:
                        digits.pop()
                        events(KeyPressed(key=Key.BACKSPACE, digits=len(digits)))
                elif key == "C":
                    digits = []
                    events(KeyPressed(key=Key.CLEAR, digits=0))
                elif key == "X":
                    events(KeyPressed(key=Key.CANCEL, digits=0))
                    raise DeviceCanceled("cancel pressed on the PIN pad",
                                         PinpadError.USER_CANCELED)
                elif len(digits) >= min_len:
                    events(KeyPressed(key=Key.ENTER, digits=len(digits)))
                    break
                else:
                    digits = []
                    events(KeyPressed(key=Key.CLEAR, digits=0))
                with self._lock:
                    self._digits = len(digits)
            fmt = PinBlockFormat.ISO0 if alg is Algorithm.TDES else self.sm4_pin_format
            block = encrypt_pin_block(pik, "".join(digits), pan, fmt)
            return PinBlock(block, fmt, f"{self.master_slot}/{self.pik_slot}")
        finally:
            digits = []
            self._set_mode(KeypadMode.OFF)

    @property
    def mac_method(self) -> MacMethod:
        return MacMethod.SM4 if self.algorithm is Algorithm.SM4 else self.mac_method_3des

    def mac(self, data: bytes) -> bytes:
        """MAC of ``data`` under the MAK (same limits as the ``kmy`` driver)."""
        self._check_link()
        if not data or len(data) > 240:
            raise DeviceOperationError(PinpadError.DATA_TOO_LONG,
                                       f"MAC input of {len(data)} bytes (1..240)",
                                       CompletionCode.INVALID_DATA)
        _alg, mak = self._key(self.mak_slot)
        return mac(mak, data, self.mac_method)

    def keytest(self, duration: float = 30.0, *, events: EventSink,
                cancel: CancelToken) -> list[str]:
        """Plain mode: the names of the keys pressed until Enter, Cancel or ``duration``."""
        return self._plain_keys(duration, events, cancel, stop_at_end=True)

    def listen(self, duration: float = 3.0, *, events: EventSink,
               cancel: CancelToken) -> list[str]:
        """Plain mode for ``duration`` seconds or until cancelled; digits carry their value."""
        return self._plain_keys(duration, events, cancel, stop_at_end=False)

    def _plain_keys(self, duration: float, events: EventSink, cancel: CancelToken, *,
                    stop_at_end: bool) -> list[str]:
        self._check_link()
        names: list[str] = []
        deadline = time.monotonic() + duration
        self._set_mode(KeypadMode.PLAIN)
        named = {"B": ("backspace", Key.BACKSPACE), "C": ("clear", Key.CLEAR),
                 "E": ("enter", Key.ENTER), "X": ("cancel", Key.CANCEL)}
        try:
            while time.monotonic() < deadline and not cancel.cancelled:
                try:
                    key = self._keys.get(timeout=0.05)
                except queue.Empty:
                    continue
                name, kind = named.get(key, (key, Key.DIGIT))
                names.append(name)
                events(KeyPressed(key=kind, digits=0, value=key if kind is Key.DIGIT else ""))
                if stop_at_end and kind in (Key.ENTER, Key.CANCEL):
                    break
        finally:
            self._set_mode(KeypadMode.OFF)
        return names
