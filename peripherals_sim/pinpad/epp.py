"""The EPP itself: key slots, command logic, PIN entry, faults. Transport-free and thread-safe.

The PIN digits exist only in ``Epp._digits`` (memory) and are wiped when a PIN block is read,
on cancel, reset, timeout and keypad close. Key slots are persisted in the state directory
(``pinpad_keys.json``) like the battery-backed memory of a real pad; the PIN never is.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from devices.crypto import (
    Algorithm,
    MacMethod,
    PinBlockFormat,
    block_size,
    decrypt_key_under,
    encrypt_ecb,
    encrypt_pin_block,
    kcv,
    mac,
    xor_components,
)

# The one exception to "simulators import nothing from devices/": the shared crypto module.
from peripherals_sim.atomicfile import write_atomic

ST_OK, ST_OK_NO_MK, ST_PARAM, ST_TIMEOUT, ST_NO_KEY, ST_BAD_CMD = (
    0x04, 0xA4, 0x15, 0x80, 0xB5, 0xE0)
FAULTS = ("no_answer", "checksum", "key_slot_empty", "noise", "split")
SM4_CONVENTIONS = {"a": PinBlockFormat.SM4_ISO0_ZERO_PAD, "b": PinBlockFormat.SM4_EXTENDED}
MAC_CODES = {0x01: MacMethod.X9_9, 0x02: MacMethod.PBOC_3DES, 0x03: MacMethod.UNIONPAY_ECB,
             0x04: MacMethod.X9_19}
ECHO_NAMES = {0x2A: "digit", 0x08: "backspace", 0x0D: "enter", 0x1B: "cancel", 0x00: "timeout",
              0x18: "clear"}


class Epp:
    """One KMY-family pad. ``send`` writes raw bytes to the host (set by the transport)."""

    def __init__(self, state_dir: Path, scenario: dict[str, Any], algorithm: str = "3des",
                 sm4_convention: str = "a", reply_kcv: bool = False,
                 version: str = "KMY3501B-SIM V1.0") -> None:
        self.state_dir = Path(state_dir)
        self.scenario = scenario
        self.sm4_format = SM4_CONVENTIONS[sm4_convention]
        self.reply_kcv = reply_kcv
        self.version_text = version
        self.send: Callable[[bytes], None] = lambda _data: None
        self.fault: str | None = None
        self._lock = threading.RLock()
        self._log: list[dict[str, Any]] = []
        self._slots: dict[str, dict[str, str]] = {}
        self._work_algo = 0x30
        self._master_mode = 0x70
        self._mac_code = 0x01
        self._auto_enter = False
        self._active: tuple[int, int] | None = None
        self._account = ""
        self._mode = "off"
        self._digits: list[str] = []
        self._pin_len = 6
        self._pin_ready = False
        self._deadline = 0.0
        self._serial = b"SIM00001"
        self._load_slots(algorithm)
        self._stop = threading.Event()
        self._ticker = threading.Thread(target=self._tick, name="epp-timeout", daemon=True)
        self._ticker.start()

    # --- persistence ----------------------------------------------------------------------

    @property
    def _slots_file(self) -> Path:
        return self.state_dir / "pinpad_keys.json"

    def _load_slots(self, algorithm: str) -> None:
        if self._slots_file.exists():
            self._slots = json.loads(self._slots_file.read_text())["slots"]
            return
        # First start: a pre-ceremonied pad holding the scenario terminal's TMK in slot 0.
        terminals = self.scenario.get("terminals") or []
        if terminals:
            comps = terminals[0].get(f"tmk_{algorithm}_components")
            if comps:
                tmk = xor_components(*(bytes.fromhex(c) for c in comps))
                self._slots["0"] = {"alg": algorithm, "key": tmk.hex().upper()}
        self._save_slots()

    def _save_slots(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        write_atomic(self._slots_file, json.dumps({"slots": self._slots}, indent=1))

    def _key(self, m: int, w: int) -> tuple[Algorithm, bytes] | None:
        if self.fault == "key_slot_empty":
            return None
        slot = self._slots.get(str(m) if w == 0 else f"{m}/{w}")
        if slot is None:
            return None
        return Algorithm(slot["alg"]), bytes.fromhex(slot["key"])

    # --- log and state --------------------------------------------------------------------

    @property
    def lock(self) -> threading.RLock:
        """Held while a command is answered, so key echoes never cut into a reply frame."""
        return self._lock

    def note(self, **entry: Any) -> None:
        with self._lock:
            self._log.append({"t": time.monotonic(), **entry})
            del self._log[:-1000]

    def log(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._log)

    def state(self) -> dict[str, Any]:
        """Everything observable, never a key or a PIN digit."""
        with self._lock:
            slots = {}
            for name, slot in self._slots.items():
                alg = Algorithm(slot["alg"])
                slots[name] = {"algorithm": alg.value,
                               "kcv": kcv(bytes.fromhex(slot["key"]), alg).hex().upper()}
            return {
                "mode": self._mode,
                "digits": len(self._digits),
                "pin_ready": self._pin_ready,
                "pin_length": self._pin_len,
                "account_set": bool(self._account),
                "active": None if self._active is None else "{}/{}".format(*self._active),
                "work_algorithm": f"{self._work_algo:02X}",
                "mac_code": f"{self._mac_code:02X}",
                "auto_enter": self._auto_enter,
                "slots": slots,
                "fault": self.fault,
            }

    # --- key presses (control API) --------------------------------------------------------

    def _echo(self, byte: int) -> None:
        self.note(dir="tx", echo=ECHO_NAMES.get(byte, "plain"))
        self.send(bytes([byte]))

    def _wipe(self) -> None:
        self._digits = []
        self._pin_ready = False

    def press(self, keys: str) -> dict[str, int]:
        """Press keys: digits, C clear, B backspace, E enter, X cancel."""
        accepted = ignored = 0
        for key in keys.upper():
            if key not in "0123456789CBEX":
                raise ValueError("keys are digits and C, B, E, X")
            with self._lock:
                if self._mode == "pin":
                    accepted += 1
                    self._pin_key(key)
                elif self._mode == "plain":
                    accepted += 1
                    plain = {"B": 0x08, "C": 0x18, "E": 0x0D, "X": 0x1B}
                    self._echo(plain[key] if key in plain else ord(key))
                else:
                    ignored += 1
            time.sleep(0.002)  # a finger is slower than the serial line
        return {"accepted": accepted, "ignored": ignored}

    def _pin_key(self, key: str) -> None:
        if key.isdigit():
            if len(self._digits) < self._pin_len:
                self._digits.append(key)
                self._echo(0x2A)
                if self._auto_enter and len(self._digits) == self._pin_len:
                    self._enter()
        elif key == "B":
            if self._digits:
                self._digits.pop()
                self._echo(0x08)
        elif key == "C":
            for _ in self._digits:
                self._echo(0x08)
            self._digits = []
        elif key == "E":
            self._enter()
        else:
            self._wipe()
            self._mode = "off"
            self._echo(0x1B)

    def _enter(self) -> None:
        self._pin_ready = True
        self._mode = "off"
        self._echo(0x0D)

    def _tick(self) -> None:
        while not self._stop.wait(0.05):
            with self._lock:
                if self._mode == "pin" and time.monotonic() > self._deadline:
                    self._wipe()
                    self._mode = "off"
                    self._echo(0x00)

    def stop(self) -> None:
        self._stop.set()

    # --- commands -------------------------------------------------------------------------

    def handle(self, cmd: int, data: bytes) -> tuple[int, bytes] | None:
        """One request -> (status, data); None when the pad stays silent (fault)."""
        with self._lock:
            self.note(dir="rx", cmd=f"{cmd:02X}", len=len(data))
            if self.fault == "no_answer":
                return None
            fn = _COMMANDS.get(cmd)
            if fn is None:
                return ST_BAD_CMD, b""
            try:
                status, out = fn(self, data)
            except (ValueError, IndexError):
                status, out = ST_PARAM, b""
            if status == ST_OK and self._key(0, 0) is None and cmd in (0x30, 0x31):
                status = ST_OK_NO_MK
            self.note(dir="tx", st=f"{status:02X}", len=len(out))
            return status, out

    def _version(self, data: bytes) -> tuple[int, bytes]:
        return ST_OK, self.version_text.encode()

    def _reset(self, data: bytes) -> tuple[int, bytes]:
        self._wipe()
        self._mode = "off"
        self._account = ""
        return ST_OK, b""

    def _load_master(self, data: bytes) -> tuple[int, bytes]:
        slot, key = data[0], bytes(data[1:])
        alg = Algorithm.SM4 if self._master_mode == 0x90 else Algorithm.TDES
        if slot > 15 or len(key) not in ((16,) if alg is Algorithm.SM4 else (8, 16, 24)):
            return ST_PARAM, b""
        self._slots = {k: v for k, v in self._slots.items()
                       if k != str(slot) and not k.startswith(f"{slot}/")}
        self._slots[str(slot)] = {"alg": alg.value, "key": key.hex().upper()}
        self._save_slots()
        return ST_OK, kcv(key, alg) if self.reply_kcv else b""

    def _load_work(self, data: bytes) -> tuple[int, bytes]:
        m, w, cipher = data[0], data[1], bytes(data[2:])
        master = self._key(m, 0)
        if master is None:
            return ST_NO_KEY, b""
        alg, tmk = master
        if w == 0 or w > 15 or not cipher or len(cipher) % block_size(alg):
            return ST_PARAM, b""
        key = decrypt_key_under(tmk, cipher, alg)
        self._slots[f"{m}/{w}"] = {"alg": alg.value, "key": key.hex().upper()}
        self._save_slots()
        return ST_OK, kcv(key, alg) if self.reply_kcv else b""

    def _account_cmd(self, data: bytes) -> tuple[int, bytes]:
        text = data.decode("ascii")
        if len(text) != 12 or not text.isdigit():
            return ST_PARAM, b""
        self._account = text
        return ST_OK, b""

    def _start_pin(self, data: bytes) -> tuple[int, bytes]:
        length, _disp, add_mode, _prompt, seconds = data[:5]
        if not 4 <= length <= 12 or add_mode != 0x01 or not self._account:
            return ST_PARAM, b""
        if self._active is None or self._key(*self._active) is None:
            return ST_NO_KEY, b""
        self._wipe()
        self._pin_len = length
        self._mode = "pin"
        self._deadline = time.monotonic() + max(1, seconds)
        return ST_OK, b""

    def _active_key(self) -> tuple[Algorithm, bytes] | None:
        return None if self._active is None else self._key(*self._active)

    def _encrypt(self, data: bytes) -> tuple[int, bytes]:
        key = self._active_key()
        if key is None:
            return ST_NO_KEY, b""
        alg, value = key
        if not data or len(data) % block_size(alg):
            return ST_PARAM, b""
        return ST_OK, encrypt_ecb(value, bytes(data), alg)

    def _serial_no(self, data: bytes) -> tuple[int, bytes]:
        if len(data) == 8:
            self._serial = bytes(data)
            return ST_OK, b""
        return ST_OK, self._serial

    def _mac(self, data: bytes) -> tuple[int, bytes]:
        key = self._active_key()
        if key is None:
            return ST_NO_KEY, b""
        alg, value = key
        if not data:
            return ST_PARAM, b""
        method = MacMethod.SM4 if alg is Algorithm.SM4 else MAC_CODES.get(self._mac_code)
        if method is None:
            return ST_PARAM, b""
        return ST_OK, mac(value, bytes(data), method)

    def _read_pin(self, data: bytes) -> tuple[int, bytes]:
        key = self._active_key()
        if key is None:
            return ST_NO_KEY, b""
        if not self._pin_ready or len(self._digits) < 4:
            return ST_PARAM, b""
        alg, value = key
        fmt = PinBlockFormat.ISO0 if alg is Algorithm.TDES else self.sm4_format
        # The account field of the block is the 12 digits of command 34; any PAN whose
        # digits 13..2 from the right are those gives the same block.
        pan = self._account + "0"
        block = encrypt_pin_block(value, "".join(self._digits), pan, fmt)
        self._wipe()
        return ST_OK, block

    def _activate(self, data: bytes) -> tuple[int, bytes]:
        m, w = data[0], data[1]
        if self._key(m, w) is None:
            return ST_NO_KEY, b""
        self._active = (m, w)
        return ST_OK, b""

    def _keypad(self, data: bytes) -> tuple[int, bytes]:
        p = data[0]
        if p in (0x00, 0x01):
            self._wipe()
            self._mode = "off"
        elif p in (0x02, 0x03):
            self._mode = "open"
        elif p == 0x04:
            self._wipe()
            self._mode = "plain"
        else:
            return ST_PARAM, b""
        return ST_OK, b""

    def _set(self, data: bytes) -> tuple[int, bytes]:
        p1, p2 = data[0], data[1]
        if p1 == 0x00 and p2 in (0x20, 0x30):
            self._master_mode = 0x70
        elif p1 == 0x01 and p2 in (0x20, 0x30, 0x80):
            self._work_algo = p2
        elif p1 == 0x01 and p2 in (0x60, 0x70, 0x90):
            self._master_mode = p2
        elif p1 == 0x05 and p2 in (0x00, 0x01):
            self._auto_enter = p2 == 0x01
        elif p1 == 0x06 and p2 in MAC_CODES:
            self._mac_code = p2
        elif p1 == 0x08 and p2 in (0x01, 0x03):
            pass
        else:
            return ST_PARAM, b""
        return ST_OK, b""


_COMMANDS: dict[int, Callable[[Epp, bytes], tuple[int, bytes]]] = {
    0x30: Epp._version, 0x31: Epp._reset, 0x32: Epp._load_master, 0x33: Epp._load_work,
    0x34: Epp._account_cmd, 0x35: Epp._start_pin, 0x36: Epp._encrypt, 0x38: Epp._serial_no,
    0x41: Epp._mac, 0x42: Epp._read_pin, 0x43: Epp._activate, 0x45: Epp._keypad,
    0x46: Epp._set,
}
