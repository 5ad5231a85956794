"""SAM_V (GA 467 part 5) frame codec.

::

    request : AA AA AA 96 69 | Len1 Len2 | CMD PARA | DATA | CHK
    response: AA AA AA 96 69 | Len1 Len2 | SW1 SW2 SW3 | DATA | CHK

``Len`` is big-endian and counts every byte after it, CHK included; CHK is the XOR of every
byte from Len1 through the last DATA byte. Success or failure is decided on SW3 only.

:func:`decode_response` looks at the start of a buffer and says exactly one of: a frame, a
protocol error (with how many bytes to drop to resynchronise), or "need more bytes".
:class:`ResponseDecoder` is the streaming form used by the driver.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

PREAMBLE = bytes.fromhex("AAAAAA9669")
HEADER_LEN = len(PREAMBLE) + 2  # preamble + Len1 Len2
MIN_RESPONSE_LEN = 4  # SW1 SW2 SW3 CHK
MIN_REQUEST_LEN = 3  # CMD PARA CHK
# The largest reply is text + photo + two fingerprint templates: Len 0x090A. Anything far
# beyond it is a corrupted length field, not a frame worth waiting for.
MAX_LEN = 0x1000


def xor_checksum(data: bytes | bytearray | memoryview) -> int:
    """XOR of all bytes.

    Folded as one big integer (halves XORed together, byte-aligned) rather than byte by
    byte: a 1.3 KB reply takes 11 big-int steps instead of 1300 interpreter iterations.
    """
    width = len(data)
    if width == 0:
        return 0
    x = int.from_bytes(data, "big")
    while width > 1:
        half = (width + 1) // 2
        bits = half * 8
        x = (x >> bits) ^ (x & ((1 << bits) - 1))
        width = half
    return x


def encode_frame(head: bytes, data: bytes = b"") -> bytes:
    """A frame with ``head`` (CMD+PARA or SW1+SW2+SW3) and ``data``; length and CHK computed."""
    body = head + data
    length = (len(body) + 1).to_bytes(2, "big")
    return PREAMBLE + length + body + bytes([xor_checksum(length + body)])


def encode_request(cmd: int, para: int, data: bytes = b"") -> bytes:
    """A host -> reader command frame."""
    return encode_frame(bytes([cmd, para]), data)


def wire_time(n_bytes: int, baud: int) -> float:
    """Seconds ``n_bytes`` take on an 8N1 line (10 bits per byte)."""
    return n_bytes * 10 / baud


class FrameErrorKind(StrEnum):
    """Why bytes at the head of a buffer are not a frame."""

    NOISE = "noise"  # bytes before a preamble
    BAD_LENGTH = "bad_length"  # Len shorter than the minimum or beyond MAX_LEN
    BAD_CHECKSUM = "bad_checksum"  # a complete frame whose CHK is wrong


@dataclass(frozen=True)
class ResponseFrame:
    """A reader -> host frame with a good checksum."""

    sw1: int
    sw2: int
    sw3: int
    data: bytes = field(repr=False)

    @property
    def wire_length(self) -> int:
        """Bytes of the whole frame on the wire."""
        return HEADER_LEN + 4 + len(self.data)

    def __repr__(self) -> str:
        return (
            f"ResponseFrame(sw={self.sw1:02X} {self.sw2:02X} {self.sw3:02X}, "
            f"data_length={len(self.data)})"
        )


@dataclass(frozen=True)
class FrameError:
    """``drop`` bytes at the head of the buffer are not (part of) a good frame."""

    kind: FrameErrorKind
    drop: int


@dataclass(frozen=True)
class NeedMore:
    """The buffer holds the beginning of a frame; at least ``count`` more bytes are needed."""

    count: int


DecodeResult = ResponseFrame | FrameError | NeedMore


def _preamble_prefix_at_end(buf: bytes | bytearray) -> int:
    """Length of the longest suffix of ``buf`` that is a proper prefix of the preamble."""
    for n in range(min(len(PREAMBLE) - 1, len(buf)), 0, -1):
        if buf[-n:] == PREAMBLE[:n]:
            return n
    return 0


def _decode(buf: bytes | bytearray, min_len: int) -> bytes | FrameError | NeedMore:
    """The body (bytes between Len2 and CHK) of the frame at the head of ``buf``."""
    if not buf.startswith(PREAMBLE):
        idx = bytes(buf).find(PREAMBLE)
        if idx > 0:
            return FrameError(FrameErrorKind.NOISE, idx)
        keep = _preamble_prefix_at_end(buf)
        if keep == len(buf):
            return NeedMore(len(PREAMBLE) - keep + 2)
        return FrameError(FrameErrorKind.NOISE, len(buf) - keep)
    if len(buf) < HEADER_LEN:
        return NeedMore(HEADER_LEN - len(buf))
    length = int.from_bytes(buf[5:7], "big")
    if length < min_len or length > MAX_LEN:
        # Drop one byte only: the "preamble" may have been noise and a real one follow.
        return FrameError(FrameErrorKind.BAD_LENGTH, 1)
    total = HEADER_LEN + length
    if len(buf) < total:
        return NeedMore(total - len(buf))
    if xor_checksum(memoryview(buf)[5 : total - 1]) != buf[total - 1]:
        return FrameError(FrameErrorKind.BAD_CHECKSUM, total)
    return bytes(buf[HEADER_LEN : total - 1])


def decode_response(buf: bytes | bytearray) -> DecodeResult:
    """Decode the head of ``buf``: a frame, a protocol error, or need-more-bytes.

    A :class:`ResponseFrame` always uses ``frame.wire_length`` bytes; a :class:`FrameError`
    says how many bytes to drop (always at least 1); :class:`NeedMore` drops nothing.
    """
    body = _decode(buf, MIN_RESPONSE_LEN)
    if isinstance(body, bytes):
        return ResponseFrame(body[0], body[1], body[2], body[3:])
    return body


@dataclass(frozen=True)
class RequestFrame:
    """A host -> reader frame (used by tests and tools; the simulator has its own codec)."""

    cmd: int
    para: int
    data: bytes = b""

    @property
    def wire_length(self) -> int:
        return HEADER_LEN + 3 + len(self.data)


def decode_request(buf: bytes | bytearray) -> RequestFrame | FrameError | NeedMore:
    """Like :func:`decode_response` for command frames."""
    body = _decode(buf, MIN_REQUEST_LEN)
    if isinstance(body, bytes):
        return RequestFrame(body[0], body[1], body[2:])
    return body


class ResponseDecoder:
    """Streaming decoder: ``feed(chunk)`` returns the frames and errors completed so far.

    Noise before a preamble and frames split across reads are handled; the bytes of an
    incomplete frame stay buffered for the next ``feed``.
    """

    def __init__(self) -> None:
        self._buf = bytearray()

    @property
    def buffered(self) -> int:
        """Bytes waiting for the rest of a frame."""
        return len(self._buf)

    def needed(self) -> int:
        """How many more bytes the buffered frame needs at least (at least 1)."""
        result = decode_response(self._buf)
        return result.count if isinstance(result, NeedMore) else 1

    def feed(self, chunk: bytes) -> list[ResponseFrame | FrameError]:
        self._buf += chunk
        out: list[ResponseFrame | FrameError] = []
        while self._buf:
            result = decode_response(self._buf)
            if isinstance(result, NeedMore):
                break
            if isinstance(result, ResponseFrame):
                del self._buf[: result.wire_length]
            else:
                del self._buf[: result.drop]
            out.append(result)
        return out

    def reset(self) -> None:
        self._buf.clear()
