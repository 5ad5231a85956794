"""KMY-family EPP framing: ``02 Ln CMD|ST DATA BCC``, binary or ASCII-hex (optional ETX).

``Ln`` counts CMD (or ST) plus DATA; ``BCC`` is the XOR of ``Ln`` and every byte after it up to
the end of DATA. In ASCII-hex mode every logical byte after STX (BCC included) travels as two
upper-case hex characters and an ETX may follow. Key echo bytes after a start-PIN command are
single raw bytes outside any frame (reference §1.2-1.3).

:class:`FrameDecoder` is incremental: feed it whatever the port gave (split frames, line noise)
and it yields :class:`Reply`, :class:`Echo` and :class:`BadFrame` items.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

STX = 0x02
ETX = 0x03
_HEX = b"0123456789ABCDEFabcdef"


class Framing(StrEnum):
    """Physical encoding of a frame."""

    BINARY = "binary"
    ASCII = "ascii"


def bcc(body: bytes) -> int:
    """XOR of every byte of ``body`` (``Ln`` and what follows it up to the end of DATA)."""
    value = 0
    for b in body:
        value ^= b
    return value


def encode_frame(cmd: int, data: bytes = b"", framing: Framing = Framing.BINARY,
                 etx: bool = False) -> bytes:
    """A request (or reply: pass ST as ``cmd``) as it goes on the wire."""
    if len(data) + 1 > 0xFF:
        raise ValueError(f"{len(data)} data bytes do not fit a KMY frame")
    body = bytes([len(data) + 1, cmd]) + data
    payload = body + bytes([bcc(body)])
    if framing is Framing.ASCII:
        return bytes([STX]) + payload.hex().upper().encode("ascii") + (
            bytes([ETX]) if etx else b"")
    return bytes([STX]) + payload


@dataclass(frozen=True)
class Reply:
    """A well-formed frame: its status (or command) byte and data."""

    status: int
    data: bytes


@dataclass(frozen=True)
class Echo:
    """An unframed key echo byte (``2A`` digit, ``08``, ``0D``, ``1B``, ``00``, plain digits)."""

    byte: int


@dataclass(frozen=True)
class BadFrame:
    """A frame that started but failed its checksum or encoding (the decoder resynchronised)."""

    reason: str


Item = Reply | Echo | BadFrame


class FrameDecoder:
    """Incremental decoder for one direction of a KMY link.

    ``echo`` tells whether bytes outside frames are key echoes (during PIN entry or key test);
    otherwise they are line noise and dropped.
    """

    def __init__(self, framing: Framing = Framing.BINARY, echo: bool = False) -> None:
        self.framing = framing
        self.echo = echo
        self._buf = bytearray()
        #: Bytes dropped as line noise so far (outside frames while not echoing, and the
        #: first byte of every frame that failed its checksum or encoding).
        self.noise = 0

    def reset(self) -> None:
        """Forget any partial frame (after a timeout or a reopen); its bytes count as noise."""
        self.noise += len(self._buf)
        self._buf.clear()

    def feed(self, data: bytes) -> list[Item]:
        """Add bytes; return every complete item in order."""
        self._buf += data
        items: list[Item] = []
        while self._buf:
            if self._buf[0] != STX:
                if self.echo:
                    byte = self._buf.pop(0)
                    if byte != ETX:
                        items.append(Echo(byte))
                    continue
                # Not echoing: everything up to the next STX is noise, dropped in one step
                # (a flood costs one slice per chunk, not one list operation per byte).
                start = self._buf.find(STX)
                dropped = len(self._buf) if start < 0 else start
                del self._buf[:dropped]
                self.noise += dropped
                continue
            step = self._binary() if self.framing is Framing.BINARY else self._ascii()
            if step is None:
                break  # incomplete: wait for more bytes
            if isinstance(step, BadFrame):
                self.noise += 1
            items.append(step)
        return items

    def _binary(self) -> Item | None:
        buf = self._buf
        if len(buf) < 2:
            return None
        ln = buf[1]
        if ln == 0:
            del buf[:1]
            return BadFrame("zero length")
        if len(buf) < ln + 3:
            return None
        body = bytes(buf[1:ln + 2])
        if bcc(body) != buf[ln + 2]:
            del buf[:1]  # resynchronise on the next STX
            return BadFrame("checksum")
        del buf[:ln + 3]
        return Reply(body[1], body[2:])

    def _ascii(self) -> Item | None:
        buf = self._buf
        hexpart = bytearray()
        i = 1
        need = 2
        while len(hexpart) < need:
            if i >= len(buf):
                return None
            c = buf[i]
            if c not in _HEX:
                del buf[:1]
                return BadFrame("not hex")
            hexpart.append(c)
            i += 1
            if len(hexpart) == 2:
                ln = int(hexpart, 16)
                if ln == 0:
                    del buf[:1]
                    return BadFrame("zero length")
                need = 2 * ln + 4
        raw = bytes.fromhex(hexpart.decode("ascii"))
        if bcc(raw[:-1]) != raw[-1]:
            del buf[:1]
            return BadFrame("checksum")
        del buf[:i]
        if buf and buf[0] == ETX:
            del buf[:1]
        return Reply(raw[1], raw[2:-1])
