"""The simulated SAM_V module: request parsing, the card state machine, replies and faults.

Independent of the kiosk's driver (own frame parser and builder). Behaviour (reference §10):

- a request with a wrong CHK gets SW3=10, an impossible length SW3=11, an unknown command 21;
- card states ``no_card -> present -> found -> selected -> read_done``: find (20 01) answers 9F
  for an unread card and 80 otherwise, select (20 02) needs a preceding 9F (else 81), a read
  (30 xx) needs a select (else 41); after a read the card answers 80 until it is taken away
  and put back (``remove()`` then ``insert()``);
- faults: ``checksum`` (replies with a wrong CHK), ``garbage`` (bytes that hold no frame
  instead of replies), ``noise`` (garbage *before* each good reply), ``silence`` (no reply),
  ``sam_fail`` (SW3 60 to everything), ``sam_unauthorised`` (66 to everything), ``read_fail``
  (41 to reads), ``select_fail`` (81 to selects), ``unknown_card`` (40 to reads). A fault may
  carry ``count``: it then affects only that many replies.
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from dataclasses import dataclass
from enum import Enum
from typing import Any

from peripherals_sim.idcard.card import SimCard

PREAMBLE = b"\xaa\xaa\xaa\x96\x69"
MAX_REQUEST_LEN = 0x100

FAULT_KINDS = (
    "checksum",
    "garbage",
    "noise",
    "silence",
    "sam_fail",
    "sam_unauthorised",
    "read_fail",
    "select_fail",
    "unknown_card",
)

# A fixed SAM management number ("05.01-20120829-0046218765-1001063658", reference §5.4).
SAM_ID_BYTES = bytes.fromhex("05000100FD0433010D3EC102EA04AB3B")


class CardState(Enum):
    NO_CARD = "no_card"
    PRESENT = "present"
    FOUND = "found"
    SELECTED = "selected"
    READ_DONE = "read_done"


def _xor(data: bytes) -> int:
    x = 0
    for b in data:
        x ^= b
    return x


def reply(sw3: int, data: bytes = b"", sw1: int = 0, sw2: int = 0) -> bytes:
    """A reader -> host frame."""
    body = bytes([sw1, sw2, sw3]) + data
    size = (len(body) + 1).to_bytes(2, "big")
    return PREAMBLE + size + body + bytes([_xor(size + body)])


@dataclass
class Fault:
    kind: str
    remaining: int | None = None  # None: until cleared


class RequestParser:
    """Splits the host's byte stream into requests: ``(cmd, para, data)`` or an error SW3."""

    def __init__(self) -> None:
        self.buf = bytearray()

    def feed(self, chunk: bytes) -> list[tuple[int, int, bytes] | int]:
        self.buf += chunk
        out: list[tuple[int, int, bytes] | int] = []
        while True:
            start = self.buf.find(PREAMBLE)
            if start < 0:
                # keep a tail that may be the start of a preamble
                keep = 0
                for n in range(min(4, len(self.buf)), 0, -1):
                    if self.buf.endswith(PREAMBLE[:n]):
                        keep = n
                        break
                del self.buf[: len(self.buf) - keep]
                return out
            del self.buf[:start]
            if len(self.buf) < 7:
                return out
            size = int.from_bytes(self.buf[5:7], "big")
            if size < 3 or size > MAX_REQUEST_LEN:
                del self.buf[:5]
                out.append(0x11)
                continue
            if len(self.buf) < 7 + size:
                return out
            frame = bytes(self.buf[: 7 + size])
            del self.buf[: 7 + size]
            if _xor(frame[5:-1]) != frame[-1]:
                out.append(0x10)
                continue
            out.append((frame[7], frame[8], frame[9:-1]))


class SimReader:
    """The reader's state, shared by the transport threads and the control API (locked)."""

    def __init__(self, seed: int = 4677) -> None:
        self._lock = threading.RLock()
        self._card: SimCard | None = None
        self._state = CardState.NO_CARD
        self._fault: Fault | None = None
        self._rng = random.Random(seed)
        self.log: deque[dict[str, Any]] = deque(maxlen=500)

    # --- control ------------------------------------------------------------------------------

    def insert(self, card: SimCard) -> None:
        with self._lock:
            self._card = card
            self._state = CardState.PRESENT

    def remove(self) -> None:
        with self._lock:
            self._card = None
            self._state = CardState.NO_CARD

    def set_fault(self, kind: str, count: int | None = None) -> None:
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r} (one of {', '.join(FAULT_KINDS)})")
        with self._lock:
            self._fault = Fault(kind, count)

    def clear_fault(self) -> None:
        with self._lock:
            self._fault = None

    def state(self) -> dict[str, Any]:
        with self._lock:
            return {
                "card": self._state.value,
                "label": None if self._card is None else self._card.label,
                "fault": None if self._fault is None else self._fault.kind,
            }

    # --- the protocol -------------------------------------------------------------------------

    def _take_fault(self) -> str | None:
        f = self._fault
        if f is None:
            return None
        if f.remaining is not None:
            f.remaining -= 1
            if f.remaining <= 0:
                self._fault = None
        return f.kind

    def _garbage(self, n: int) -> bytes:
        # 0xAA never appears, so the bytes can never hold a preamble.
        return bytes(self._rng.choice(range(0, 0xAA)) for _ in range(n))

    def handle(self, request: tuple[int, int, bytes] | int) -> bytes:
        """The bytes to send back for one parsed request (b"" for silence)."""
        with self._lock:
            fault = self._take_fault()
            if fault == "silence":
                self._log(request, None, 0, fault)
                return b""
            frame = self._answer(request, fault)
            sw3 = frame[9]
            if fault == "checksum":
                frame = frame[:-1] + bytes([frame[-1] ^ 0xFF])
            elif fault == "garbage":
                frame = self._garbage(len(frame))
            elif fault == "noise":
                frame = self._garbage(self._rng.randint(1, 40)) + frame
            self._log(request, sw3, len(frame), fault)
            return frame

    def _answer(self, request: tuple[int, int, bytes] | int, fault: str | None) -> bytes:
        if isinstance(request, int):
            return reply(request)
        if fault == "sam_fail":
            return reply(0x60)
        if fault == "sam_unauthorised":
            return reply(0x66)
        cmd, para, _data = request
        if (cmd, para) in ((0x10, 0xFF), (0x11, 0xFF)) or cmd == 0x60:
            return reply(0x90)
        if (cmd, para) == (0x61, 0xFF):
            return reply(0x90)
        if (cmd, para) == (0x12, 0xFF):
            return reply(0x90, SAM_ID_BYTES)
        if (cmd, para) == (0x20, 0x01):
            if self._state in (CardState.PRESENT, CardState.FOUND, CardState.SELECTED):
                self._state = CardState.FOUND
                return reply(0x9F, bytes(4))
            return reply(0x80)
        if (cmd, para) == (0x20, 0x02):
            if self._state is CardState.FOUND and fault != "select_fail":
                self._state = CardState.SELECTED
                return reply(0x90, bytes(8))
            return reply(0x81)
        if cmd == 0x30 and para in (0x01, 0x10):
            if self._state is not CardState.SELECTED or self._card is None:
                return reply(0x41)
            if fault in ("read_fail", "unknown_card"):
                self._state = CardState.PRESENT  # still unread: find sees it again
                return reply(0x41 if fault == "read_fail" else 0x40)
            card = self._card
            self._state = CardState.READ_DONE
            head = len(card.text).to_bytes(2, "big") + len(card.photo).to_bytes(2, "big")
            if para == 0x10:
                head += len(card.fingerprint).to_bytes(2, "big")
                return reply(0x90, head + card.text + card.photo + card.fingerprint)
            return reply(0x90, head + card.text + card.photo)
        if (cmd, para) == (0x30, 0x03):
            if self._card is None or self._state not in (CardState.SELECTED, CardState.READ_DONE):
                return reply(0x41)
            if not self._card.new_address:
                return reply(0x91)
            addr = self._card.new_address.encode("utf-16-le")[:70]
            return reply(0x90, addr + " ".encode("utf-16-le") * ((70 - len(addr)) // 2))
        return reply(0x21)

    def _log(
        self, request: tuple[int, int, bytes] | int, sw3: int | None, size: int, fault: str | None
    ) -> None:
        cmd = (
            f"bad:{request:02X}"
            if isinstance(request, int)
            else (f"{request[0]:02X} {request[1]:02X}")
        )
        self.log.append(
            {
                "t": round(time.time(), 3),
                "command": cmd,
                "sw3": None if sw3 is None else f"{sw3:02X}",
                "reply_bytes": size,
                "fault": fault,
                "card": self._state.value,
            }
        )
