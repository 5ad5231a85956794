"""A broken device peer over TCP or a pseudo-terminal, for every driver that reads a byte stream.

:class:`BrokenPeer` plays the device end of the link. It answers sanely (``healthy``) until a
test breaks it, then behaves as one of :data:`BEHAVIOURS`:

- ``silence``: reads everything, answers nothing;
- ``noise_flood``: a steady stream of bytes that never form a frame (~130 KB/s, far beyond
  any serial line), whatever was asked;
- ``drip``: one noise byte every 100 ms (a deadline must not be pushed back by each byte);
- ``truncated``: the first half of a valid reply, then nothing;
- ``huge_length``: a frame header with the largest length the field can hold, a few bytes
  of it, then nothing (the printer, whose replies have no length field: a reply far longer
  than asked for);
- ``bad_checksum``: a complete, valid-looking reply whose checksum is wrong (the printer:
  status bytes with their fixed bits wrong);
- ``reset_mid_frame``: half a reply, then the connection is reset (TCP RST) or the pty's
  master side is closed.

The frames are built here by hand from the protocol references, not with the drivers' codecs,
so a codec bug cannot hide on both sides. :class:`Protocol` holds what differs per device.
"""

from __future__ import annotations

import contextlib
import os
import random
import select
import socket
import struct
import threading
import time
import tty
from collections.abc import Callable
from dataclasses import dataclass

BEHAVIOURS = ("silence", "noise_flood", "drip", "truncated", "huge_length", "bad_checksum",
              "reset_mid_frame")
TRANSPORTS = ("tcp", "pty")

FLOOD_CHUNK = 256  # bytes per flood write
FLOOD_PERIOD = 0.002  # seconds between flood writes (~128 KB/s)
DRIP_PERIOD = 0.1  # seconds between drip bytes


def _xor(data: bytes) -> int:
    value = 0
    for b in data:
        value ^= b
    return value


@dataclass(frozen=True)
class Protocol:
    """What the peer needs to know about one device protocol.

    ``answer(buffer) -> (consumed, reply)``: the healthy reply to the request at the head of
    ``buffer`` (``consumed`` 0 when no whole request is there yet). ``valid_reply``: one good
    reply to truncate or reset in the middle of. ``noise_ok(byte)``: True for bytes that can
    never start or complete a frame. ``huge`` and ``bad_checksum``: the broken replies.
    """

    name: str
    answer: Callable[[bytes], tuple[int, bytes]]
    valid_reply: bytes
    noise_ok: Callable[[int], bool]
    huge: bytes
    bad_checksum: bytes


# --- KMY EPP: 02 Ln CMD DATA BCC, BCC = XOR of Ln..DATA ----------------------------------------

def kmy_frame(status: int, data: bytes = b"") -> bytes:
    body = bytes([len(data) + 1, status]) + data
    return b"\x02" + body + bytes([_xor(body)])


def _kmy_answer(buf: bytes) -> tuple[int, bytes]:
    start = buf.find(b"\x02")
    if start < 0:
        return len(buf), b""
    if len(buf) < start + 2 or len(buf) < start + buf[start + 1] + 3:
        return 0, b""
    end = start + buf[start + 1] + 3
    cmd = buf[start + 2]
    return end, kmy_frame(0x04, b"KMY-BROKEN-PEER" if cmd == 0x30 else b"")


KMY = Protocol(
    name="kmy",
    answer=_kmy_answer,
    valid_reply=kmy_frame(0x04, b"0123456789ABCDEF"),
    noise_ok=lambda b: b != 0x02,
    huge=b"\x02\xff\x04" + bytes(range(0x40, 0x50)),  # 0xFF = 255 bytes announced, 16 sent
    bad_checksum=kmy_frame(0x04, b"0123456789ABCDEF")[:-1] + b"\x00",
)


# --- SAM_V: AA AA AA 96 69 Len(2, big-endian) SW1 SW2 SW3 DATA CHK ---------------------------

SAMV_PREAMBLE = bytes.fromhex("AAAAAA9669")


def samv_frame(sw3: int, data: bytes = b"") -> bytes:
    body = bytes([0x00, 0x00, sw3]) + data
    length = struct.pack(">H", len(body) + 1)
    return SAMV_PREAMBLE + length + body + bytes([_xor(length + body)])


def _samv_answer(buf: bytes) -> tuple[int, bytes]:
    start = buf.find(SAMV_PREAMBLE)
    if start < 0 or len(buf) < start + 7:
        return 0, b""
    end = start + 7 + struct.unpack(">H", buf[start + 5:start + 7])[0]
    if len(buf) < end:
        return 0, b""
    cmd = buf[start + 7:start + 9]
    if cmd == b"\x12\xff":
        return end, samv_frame(0x90, bytes(16))
    if cmd == b"\x20\x01":
        return end, samv_frame(0x80)  # find: no card
    return end, samv_frame(0x90, b"\x00" * 4 if cmd == b"\x20\x02" else b"")


SAMV = Protocol(
    name="samv",
    answer=_samv_answer,
    valid_reply=samv_frame(0x90, bytes(16)),
    noise_ok=lambda b: b != 0xAA,
    huge=SAMV_PREAMBLE + b"\xff\xff" + b"\x00\x00\x90" + bytes(12),
    bad_checksum=samv_frame(0x90, bytes(16))[:-1] + bytes([samv_frame(0x90, bytes(16))[-1] ^ 1]),
)


# --- ESC/POS status: one byte per DLE EOT n (fixed bits 0xx1xx10) or GS r 1 -------------------

def _escpos_answer(buf: bytes) -> tuple[int, bytes]:
    # Every real-time query (DLE EOT n, GS r n) gets one "all fine" byte; receipt bytes are
    # consumed silently. A query split across reads is answered when it is complete.
    out = bytearray()
    i = 0
    while i < len(buf):
        if buf[i] in (0x10, 0x1D) and i + 2 >= len(buf):
            break  # maybe the head of a query: wait for the rest
        if buf[i:i + 2] in (b"\x10\x04", b"\x1dr") and i + 2 < len(buf):
            out.append(0x12 if buf[i] == 0x10 else 0x00)
            i += 3
            continue
        i += 1
    return i, bytes(out)


ESCPOS = Protocol(
    name="escpos",
    answer=_escpos_answer,
    valid_reply=bytes([0x12, 0x12, 0x12, 0x12]),
    noise_ok=lambda b: (b & 0x93) != 0x12,  # never a well-formed status byte
    huge=bytes([0x12]) * 4096,  # a "reply" a thousand times longer than asked for
    bad_checksum=bytes([0xFF, 0x00, 0xFF, 0x00]),  # fixed bits wrong
)


class BrokenPeer:
    """The device end of one link (TCP listener on 127.0.0.1 or a pty), in its own thread."""

    def __init__(self, protocol: Protocol, transport: str, seed: int = 10) -> None:
        if transport not in TRANSPORTS:
            raise ValueError(transport)
        self.protocol = protocol
        self.transport = transport
        self.behaviour = "healthy"
        self.bytes_sent = 0
        self.requests = 0
        self._rng = random.Random(seed)
        self._noise = bytes(b for b in range(256) if protocol.noise_ok(b))
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._conn: socket.socket | None = None
        self._master: int | None = None
        self._slave: int | None = None
        self._thread: threading.Thread | None = None
        self._reset_done = False

    # --- addresses ---------------------------------------------------------------------------

    def start(self) -> BrokenPeer:
        if self.transport == "tcp":
            self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self._listener.bind(("127.0.0.1", 0))
            self._listener.listen(4)
        else:
            self._master, self._slave = os.openpty()
            tty.setraw(self._master)
            tty.setraw(self._slave)
            os.set_blocking(self._master, False)
        self._thread = threading.Thread(target=self._run, name=f"peer-{self.protocol.name}",
                                        daemon=True)
        self._thread.start()
        return self

    @property
    def address(self) -> str:
        """``host:port`` (tcp) or the pty's slave path."""
        if self.transport == "tcp":
            assert self._listener is not None
            return f"127.0.0.1:{self._listener.getsockname()[1]}"
        assert self._slave is not None
        return os.ttyname(self._slave)

    def url(self, scheme: str = "socket") -> str:
        """The driver's URL: ``socket://`` (pyserial) or ``tcp://`` (printer) over TCP, else
        the pty path."""
        return f"{scheme}://{self.address}" if self.transport == "tcp" else self.address

    def break_as(self, behaviour: str) -> None:
        if behaviour not in BEHAVIOURS and behaviour != "healthy":
            raise ValueError(behaviour)
        with self._lock:
            self.behaviour = behaviour
            self._reset_done = False

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        for s in (self._conn, self._listener):
            if s is not None:
                with contextlib.suppress(OSError):
                    s.close()
        for fd in (self._master, self._slave):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._conn = self._listener = None
        self._master = self._slave = None

    # --- the peer's loop -----------------------------------------------------------------------

    def _fd(self) -> int | None:
        if self.transport == "pty":
            return self._master
        return None if self._conn is None else self._conn.fileno()

    def _send(self, data: bytes) -> None:
        try:
            if self.transport == "tcp":
                if self._conn is None:
                    return
                self._conn.setblocking(False)
                n = self._conn.send(data)
            else:
                if self._master is None:
                    return
                n = os.write(self._master, data)
            self.bytes_sent += n
        except (BlockingIOError, InterruptedError):
            pass  # the driver does not read: the flood waits (as a real line would)
        except OSError:
            pass

    def _reset(self) -> None:
        """Break the link in the middle of a frame."""
        if self.transport == "tcp" and self._conn is not None:
            self._conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self._conn.close()  # RST
            self._conn = None
        elif self.transport == "pty" and self._master is not None:
            os.close(self._master)  # the driver's reads now fail with EIO
            self._master = None
        self._reset_done = True

    def _noise_bytes(self, n: int) -> bytes:
        return bytes(self._rng.choice(self._noise) for _ in range(n))

    def _run(self) -> None:
        buf = b""
        next_stream = 0.0
        while not self._stop.is_set():
            if self.transport == "tcp" and self._conn is None and not self._reset_done:
                assert self._listener is not None
                ready, _, _ = select.select([self._listener], [], [], 0.01)
                if ready:
                    self._conn, _ = self._listener.accept()
                    buf = b""
                continue
            fd = self._fd()
            if fd is None:
                time.sleep(0.01)
                continue
            ready, _, _ = select.select([fd], [], [], 0.002)
            if ready:
                try:
                    data = (self._conn.recv(65536) if self.transport == "tcp" and self._conn
                            else os.read(fd, 65536))
                except (BlockingIOError, InterruptedError):
                    data = b""
                except OSError:
                    data = None  # type: ignore[assignment]
                if data is None or (self.transport == "tcp" and not data and ready):
                    if self._conn is not None:  # the driver closed: wait for a new connection
                        with contextlib.suppress(OSError):
                            self._conn.close()
                        self._conn = None
                    continue
                buf += data
            with self._lock:
                behaviour = self.behaviour
            now = time.monotonic()
            if behaviour == "noise_flood" and now >= next_stream:
                self._send(self._noise_bytes(FLOOD_CHUNK))
                next_stream = now + FLOOD_PERIOD
            elif behaviour == "drip" and now >= next_stream:
                self._send(self._noise_bytes(1))
                next_stream = now + DRIP_PERIOD
            if not buf:
                continue
            if behaviour == "healthy":
                consumed, reply = self.protocol.answer(buf)
                if consumed:
                    buf = buf[consumed:]
                    self.requests += 1
                    if reply:
                        self._send(reply)
                continue
            # Broken: every chunk of input counts as a request; the reply is the broken one.
            buf = b""
            self.requests += 1
            valid = self.protocol.valid_reply
            if behaviour == "truncated":
                self._send(valid[: max(1, len(valid) // 2)])
            elif behaviour == "huge_length":
                self._send(self.protocol.huge)
            elif behaviour == "bad_checksum":
                self._send(self.protocol.bad_checksum)
            elif behaviour == "reset_mid_frame" and not self._reset_done:
                self._send(valid[: max(1, len(valid) // 2)])
                time.sleep(0.02)
                self._reset()
