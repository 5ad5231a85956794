"""A small BER-TLV walker for EMV/PBOC card data.

Why our own: the maintained Python TLV libraries return dicts (repeated tags such as the ``61``
entries of a payment directory are lost) or choke on ``00`` padding (pboc_ic_card.md §1.9).
This walker keeps every object in order, skips ``00``/``FF`` padding between objects, descends
only into constructed tags (bit 6 of the first tag byte), and raises :class:`TlvError` on a
truncated or impossible encoding instead of reading past the end.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

PADDING = (0x00, 0xFF)


class TlvError(ValueError):
    """The bytes are not valid BER-TLV (truncated tag, length or value)."""


@dataclass(frozen=True)
class Tlv:
    """One TLV object. ``tag`` is the upper-case hex of the tag bytes (``"9F38"``);
    ``children`` are the objects inside a constructed tag (empty for a primitive one)."""

    tag: str
    value: bytes = field(repr=False)
    children: tuple[Tlv, ...] = ()

    @property
    def constructed(self) -> bool:
        return bool(int(self.tag[:2], 16) & 0x20)

    def walk(self) -> list[Tlv]:
        """This object, then every object inside it, depth first, in order."""
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


def _read_tag(data: bytes, i: int) -> tuple[bytes, int]:
    start = i
    first = data[i]
    i += 1
    if first & 0x1F == 0x1F:  # multi-byte tag: continue while bit 8 is set
        while True:
            if i >= len(data):
                raise TlvError(f"truncated tag at offset {start}")
            b = data[i]
            i += 1
            if not b & 0x80:
                break
            if i - start > 4:
                raise TlvError(f"tag longer than 4 bytes at offset {start}")
    return data[start:i], i


def _read_length(data: bytes, i: int) -> tuple[int, int]:
    if i >= len(data):
        raise TlvError(f"missing length at offset {i}")
    n = data[i]
    i += 1
    if n < 0x80:
        return n, i
    k = n & 0x7F
    if k == 0 or k > 3:
        raise TlvError(f"unsupported length form {n:02X} at offset {i - 1}")
    if i + k > len(data):
        raise TlvError(f"truncated length at offset {i - 1}")
    return int.from_bytes(data[i : i + k], "big"), i + k


def parse(data: bytes, *, max_depth: int = 8) -> list[Tlv]:
    """Parse ``data`` into a list of top-level objects (constructed ones parsed recursively)."""
    return _parse(bytes(data), 0, max_depth)


def _parse(data: bytes, depth: int, max_depth: int) -> list[Tlv]:
    if depth > max_depth:
        raise TlvError("TLV nested too deeply")
    out: list[Tlv] = []
    i = 0
    while i < len(data):
        if data[i] in PADDING:
            i += 1
            continue
        tag, i = _read_tag(data, i)
        length, i = _read_length(data, i)
        if i + length > len(data):
            raise TlvError(
                f"value of {tag.hex().upper()} needs {length} bytes, {len(data) - i} left"
            )
        value = data[i : i + length]
        i += length
        children: tuple[Tlv, ...] = ()
        if tag[0] & 0x20:
            children = tuple(_parse(value, depth + 1, max_depth))
        out.append(Tlv(tag.hex().upper(), value, children))
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
