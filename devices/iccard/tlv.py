"""A small BER-TLV walker for EMV/PBOC card data.

Why our own: the maintained Python TLV libraries return dicts (repeated tags such as the ``61``
entries of a payment directory are lost) or choke on ``00`` padding (pboc_ic_card.md §1.9).
This walker keeps every object in order, skips ``00``/``FF`` padding between objects, descends
only into constructed tags (bit 6 of the first tag byte), and raises :class:`TlvError` on a
truncated or impossible encoding instead of reading past the end.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple


class TlvError(ValueError):
    """The bytes are not valid BER-TLV (truncated tag, length or value)."""


class Tlv(NamedTuple):
    """One TLV object. ``tag`` is the upper-case hex of the tag bytes (``"9F38"``);
    ``children`` are the objects inside a constructed tag (empty for a primitive one).
    A named tuple: the walker builds thousands of them per card read."""

    tag: str
    value: bytes
    children: tuple[Tlv, ...] = ()

    def __repr__(self) -> str:  # values may be card data: never in logs
        return f"Tlv({self.tag}, {len(self.value)} bytes, {len(self.children)} children)"

    @property
    def constructed(self) -> bool:
        return bool(int(self.tag[:2], 16) & 0x20)

    def walk(self) -> list[Tlv]:
        """This object, then every object inside it, depth first, in order."""
        if not self.children:
            return [self]
        out: list[Tlv] = []
        stack: list[Tlv] = [self]
        while stack:
            obj = stack.pop()
            out.append(obj)
            if obj.children:
                stack.extend(reversed(obj.children))
        return out

    def find(self, tag: str) -> Tlv | None:
        """The first object with ``tag`` at any depth inside (or this one)."""
        return next((t for t in self.walk() if t.tag == tag), None)

    def find_all(self, tag: str) -> list[Tlv]:
        """Every object with ``tag`` at any depth, in order (repeated tags are kept)."""
        return [t for t in self.walk() if t.tag == tag]


_TAGS: dict[bytes, str] = {}


def parse(data: bytes, *, max_depth: int = 8) -> list[Tlv]:
    """Parse ``data`` into a list of top-level objects (constructed ones parsed recursively)."""
    return _parse(bytes(data), 0, max_depth)


def _parse(data: bytes, depth: int, max_depth: int) -> list[Tlv]:
    if depth > max_depth:
        raise TlvError("TLV nested too deeply")
    out: list[Tlv] = []
    i = 0
    n = len(data)
    while i < n:
        first = data[i]
        if first == 0x00 or first == 0xFF:  # padding between objects
            i += 1
            continue
        start = i
        i += 1
        if first & 0x1F == 0x1F:  # multi-byte tag: continue while bit 8 is set
            while True:
                if i >= n:
                    raise TlvError(f"truncated tag at offset {start}")
                b = data[i]
                i += 1
                if not b & 0x80:
                    break
                if i - start > 4:
                    raise TlvError(f"tag longer than 4 bytes at offset {start}")
        raw_tag = data[start:i]
        if i >= n:
            raise TlvError(f"missing length at offset {i}")
        length = data[i]
        i += 1
        if length & 0x80:
            k = length & 0x7F
            if k == 0 or k > 3:
                raise TlvError(f"unsupported length form {length:02X} at offset {i - 1}")
            if i + k > n:
                raise TlvError(f"truncated length at offset {i - 1}")
            length = int.from_bytes(data[i : i + k], "big")
            i += k
        if i + length > n:
            raise TlvError(
                f"value of {raw_tag.hex().upper()} needs {length} bytes, {n - i} left"
            )
        value = data[i : i + length]
        i += length
        tag = _TAGS.get(raw_tag)
        if tag is None:
            tag = _TAGS.setdefault(raw_tag, raw_tag.hex().upper()) if len(_TAGS) < 4096 else (
                raw_tag.hex().upper())
        children: tuple[Tlv, ...] = ()
        if first & 0x20:
            children = tuple(_parse(value, depth + 1, max_depth))
        out.append(Tlv(tag, value, children))
    return out


def index(objs: list[Tlv]) -> dict[str, Tlv]:
    """Tag -> first object with that tag, at any depth, depth first (one pass)."""
    out: dict[str, Tlv] = {}
    for top in objs:
        for obj in top.walk():
            out.setdefault(obj.tag, obj)
    return out


def iter_tlv(data: bytes) -> Iterator[Tlv]:
    """Every object in ``data`` at every depth, in order (duplicates kept)."""
    for top in parse(data):
        yield from top.walk()


def first(data: bytes | list[Tlv], tag: str) -> bytes | None:
    """The value of the first ``tag`` at any depth, or None."""
    objs = parse(data) if isinstance(data, bytes | bytearray) else data
    for top in objs:
        hit = top.find(tag)
        if hit is not None:
            return hit.value
    return None


def encode(tag: str, value: bytes) -> bytes:
    """One TLV object (tag given as hex). Lengths up to 0xFFFF."""
    n = len(value)
    if n < 0x80:
        length = bytes([n])
    elif n <= 0xFF:
        length = bytes([0x81, n])
    elif n <= 0xFFFF:
        length = bytes([0x82]) + n.to_bytes(2, "big")
    else:
        raise ValueError("value too long")
    return bytes.fromhex(tag) + length + value
