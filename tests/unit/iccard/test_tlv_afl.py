"""Property tests of the BER-TLV walker and the AFL parser."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.base import DeviceOperationError
from devices.iccard import tlv
from devices.iccard.contract import IccardError
from devices.iccard.emv import AflEntry, parse_afl

# --- TLV ----------------------------------------------------------------------------------

# Tags as EMV uses them: one byte (low 5 bits not all 1) or two bytes (xx1F + second byte
# without bit 8). 0x00/0xFF are padding bytes, never first tag bytes.
_SINGLE = [b for b in range(0x01, 0xFF) if b & 0x1F != 0x1F]
_MULTI_FIRST = [b for b in range(0x01, 0xFF) if b & 0x1F == 0x1F and not b & 0x20]
_prim_tag = st.one_of(
    st.sampled_from([f"{b:02X}" for b in _SINGLE if not b & 0x20]),
    st.tuples(st.sampled_from(_MULTI_FIRST), st.integers(0x00, 0x7F)).map(
        lambda t: f"{t[0]:02X}{t[1]:02X}"),
)
_cons_tag = st.sampled_from([f"{b:02X}" for b in _SINGLE if b & 0x20])


def _tree() -> st.SearchStrategy[tuple]:
    leaf = st.tuples(_prim_tag, st.binary(max_size=300))
    return st.recursive(
        leaf,
        lambda children: st.tuples(_cons_tag, st.lists(children, max_size=4)),
        max_leaves=12,
    )


def _encode(node: tuple) -> bytes:
    tag, body = node
    if isinstance(body, bytes):
        return tlv.encode(tag, body)
    return tlv.encode(tag, b"".join(_encode(c) for c in body))


def _shape(obj: tlv.Tlv) -> tuple:
    if obj.constructed:
        return (obj.tag, [_shape(c) for c in obj.children])
    return (obj.tag, obj.value)


@settings(max_examples=60)
@given(st.lists(_tree(), max_size=5))
def test_tlv_round_trip_keeps_every_object_in_order(nodes):
    data = b"".join(_encode(n) for n in nodes)
    assert [_shape(o) for o in tlv.parse(data)] == [_norm(n) for n in nodes]


def _norm(node: tuple) -> tuple:
    tag, body = node
    if isinstance(body, bytes):
        return node
    return (tag, [_norm(c) for c in body])


@settings(max_examples=60)
@given(st.lists(_tree(), min_size=1, max_size=4), st.lists(st.sampled_from([0, 0xFF]),
                                                              max_size=3))
def test_padding_between_objects_is_skipped(nodes, pad):
    plain = b"".join(_encode(n) for n in nodes)
    padded = bytes(pad) + b"".join(_encode(n) + bytes(pad) for n in nodes)
    assert [_shape(o) for o in tlv.parse(padded)] == [_shape(o) for o in tlv.parse(plain)]


@given(st.binary(max_size=200))
def test_garbage_never_reads_past_the_end(data):
    try:
        objs = tlv.parse(data)
    except tlv.TlvError:
        return
    for top in objs:
        for obj in top.walk():
            assert len(obj.value) <= len(data)


def test_repeated_directory_entries_are_kept():
    entry1 = tlv.encode("61", tlv.encode("4F", bytes.fromhex("A000000333010101")))
    entry2 = tlv.encode("61", tlv.encode("4F", bytes.fromhex("A000000333010102")))
    data = tlv.encode("70", entry1 + b"\x00\x00" + entry2)
    aids = [o.value.hex().upper() for o in tlv.parse(data)[0].find_all("4F")]
    assert aids == ["A000000333010101", "A000000333010102"]


@pytest.mark.parametrize("data", ["5A0A6217", "9F", "5F2081", "708301", "6F04A5035001"])
def test_truncated_input_raises_tlv_error(data):
    with pytest.raises(tlv.TlvError):
        tlv.parse(bytes.fromhex(data))


def test_primitive_value_that_looks_like_tlv_is_not_descended():
    obj = tlv.parse(bytes.fromhex("5A046F025A00"))[0]
    assert obj.children == () and obj.value == bytes.fromhex("6F025A00")


# --- AFL ----------------------------------------------------------------------------------

_entry = st.integers(1, 30).flatmap(
    lambda sfi: st.integers(1, 16).flatmap(
        lambda first: st.integers(first, 16).flatmap(
            lambda last: st.integers(0, last - first + 1).map(
                lambda oda: AflEntry(sfi, first, last, oda)))))


@given(st.lists(_entry, max_size=8))
def test_afl_round_trip(entries):
    data = b"".join(bytes([e.sfi << 3, e.first, e.last, e.oda]) for e in entries)
    assert list(parse_afl(data)) == entries
    assert sum(len(e.records()) for e in parse_afl(data)) == sum(
        e.last - e.first + 1 for e in entries)


@given(st.binary(max_size=40))
def test_afl_garbage_is_invalid_data_or_valid_entries(data):
    try:
        entries = parse_afl(data)
    except DeviceOperationError as exc:
        assert exc.error is IccardError.INVALID_DATA
        return
    assert len(data) % 4 == 0
    for e in entries:
        assert 1 <= e.sfi <= 30 and 1 <= e.first <= e.last


@pytest.mark.parametrize("afl", ["080102", "00010200", "08000100", "08020100", "08010103",
                                 "F8010100", "09010100"])
def test_bad_afl_entries_are_rejected(afl):
    with pytest.raises(DeviceOperationError) as err:
        parse_afl(bytes.fromhex(afl))
    assert err.value.error is IccardError.INVALID_DATA


def test_afl_of_the_public_dp_file():
    entries = parse_afl(bytes.fromhex("08010200100105001801020120010100"))
    assert [(e.sfi, e.first, e.last, e.oda) for e in entries] == [
        (1, 1, 2, 0), (2, 1, 5, 0), (3, 1, 2, 1), (4, 1, 1, 0)]
