"""The simulator's own KMY framing (independent of the driver's codec on purpose).

Requests arrive as ``02 Ln CMD DATA BCC`` (binary) or STX + hex text (+ optional ETX);
replies go back the same way; key echoes are single raw bytes.
"""

from __future__ import annotations

from collections.abc import Iterator

STX, ETX = 0x02, 0x03
HEXDIGITS = frozenset(b"0123456789ABCDEFabcdef")


def checksum(ln_cmd_data: bytes) -> int:
    out = 0
    for value in ln_cmd_data:
        out ^= value
    return out


def build_reply(status: int, data: bytes, ascii_hex: bool, etx: bool,
                corrupt: bool = False) -> bytes:
    """Frame a reply: Ln counts ST + DATA. ``corrupt``: a wrong BCC (fault injection)."""
    logical = bytes([1 + len(data), status]) + data
    logical += bytes([checksum(logical) ^ (0x5A if corrupt else 0)])
    if not ascii_hex:
        return b"\x02" + logical
    text = "".join(f"{b:02X}" for b in logical).encode()
    return b"\x02" + text + (b"\x03" if etx else b"")


class RequestParser:
    """Accumulates bytes from the host; yields ``(cmd, data)`` or ``("bad", reason)``."""

    def __init__(self, ascii_hex: bool) -> None:
        self.ascii_hex = ascii_hex
        self.pending = b""

    def push(self, chunk: bytes) -> Iterator[tuple[int | str, bytes]]:
        self.pending += chunk
        while True:
            start = self.pending.find(b"\x02")
            if start < 0:
                self.pending = b""
                return
            self.pending = self.pending[start:]
            result = self._one_ascii() if self.ascii_hex else self._one_binary()
            if result is None:
                return
            yield result

    def _one_binary(self) -> tuple[int | str, bytes] | None:
        p = self.pending
        if len(p) < 2:
            return None
        total = p[1] + 3
        if p[1] == 0:
            self.pending = p[1:]
            return ("bad", b"length")
        if len(p) < total:
            return None
        logical, bcc = p[1:total - 1], p[total - 1]
        if checksum(logical) != bcc:
            self.pending = p[1:]
            return ("bad", b"bcc")
        self.pending = p[total:]
        return (logical[1], bytes(logical[2:]))

    def _one_ascii(self) -> tuple[int | str, bytes] | None:
        p = self.pending
        if len(p) < 3:
            return None
        if p[1] not in HEXDIGITS or p[2] not in HEXDIGITS:
            self.pending = p[1:]
            return ("bad", b"hex")
        n = int(p[1:3], 16)
        chars = 2 * (n + 2)
        if len(p) < 1 + chars:
            return None
        text = p[1:1 + chars]
        if any(c not in HEXDIGITS for c in text) or n == 0:
            self.pending = p[1:]
            return ("bad", b"hex")
        logical = bytes.fromhex(text.decode())
        rest = p[1 + chars:]
        if rest[:1] == b"\x03":
            rest = rest[1:]
        if checksum(logical[:-1]) != logical[-1]:
            self.pending = p[1:]
            return ("bad", b"bcc")
        self.pending = rest
        return (logical[1], logical[2:-1])
