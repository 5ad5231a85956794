"""SAM_V frame codec: the reference's frames byte for byte, and properties of the decoder."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.idcard.frames import (
    MAX_LEN,
    PREAMBLE,
    FrameError,
    FrameErrorKind,
    NeedMore,
    RequestFrame,
    ResponseDecoder,
    ResponseFrame,
    decode_request,
    decode_response,
    encode_frame,
    encode_request,
    xor_checksum,
)
from devices.idcard.samv import format_sam_id

H = bytes.fromhex

# Reference §3: every command frame as published.
REFERENCE_REQUESTS = [
    ((0x10, 0xFF, b""), "AA AA AA 96 69 00 03 10 FF EC"),
    ((0x11, 0xFF, b""), "AA AA AA 96 69 00 03 11 FF ED"),
    ((0x12, 0xFF, b""), "AA AA AA 96 69 00 03 12 FF EE"),
    ((0x20, 0x01, b""), "AA AA AA 96 69 00 03 20 01 22"),
    ((0x20, 0x02, b""), "AA AA AA 96 69 00 03 20 02 21"),
    ((0x30, 0x01, b""), "AA AA AA 96 69 00 03 30 01 32"),
    ((0x30, 0x03, b""), "AA AA AA 96 69 00 03 30 03 30"),
    ((0x30, 0x10, b""), "AA AA AA 96 69 00 03 30 10 23"),
    ((0x60, 0x00, b""), "AA AA AA 96 69 00 03 60 00 63"),
    ((0x60, 0x04, b""), "AA AA AA 96 69 00 03 60 04 67"),
    ((0x61, 0xFF, b"\x50"), "AA AA AA 96 69 00 04 61 FF 50 CA"),
]

# Reference §5: replies as published -> (SW3, data length).
REFERENCE_REPLIES = [
    ("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97", 0x9F, 4),
    ("AA AA AA 96 69 00 04 00 00 80 84", 0x80, 0),
    ("AA AA AA 96 69 00 0C 00 00 90 00 00 00 00 00 00 00 00 9C", 0x90, 8),
    ("AA AA AA 96 69 00 04 00 00 81 85", 0x81, 0),
    ("AA AA AA 96 69 00 04 00 00 41 45", 0x41, 0),
    ("AA AA AA 96 69 00 04 00 00 90 94", 0x90, 0),
    ("AA AA AA 96 69 00 04 00 00 91 95", 0x91, 0),
    ("AA AA AA 96 69 00 14 00 00 90 05 00 01 00 FD 04 33 01 0D 3E C1 02 EA 04 AB 3B C5", 0x90, 16),
]


@pytest.mark.parametrize(("command", "frame"), REFERENCE_REQUESTS)
def test_request_frames_match_the_reference(command: tuple[int, int, bytes], frame: str) -> None:
    assert encode_request(*command) == H(frame)
    assert decode_request(H(frame)) == RequestFrame(*command)


@pytest.mark.parametrize(("frame", "sw3", "size"), REFERENCE_REPLIES)
def test_reference_replies_decode(frame: str, sw3: int, size: int) -> None:
    decoded = decode_response(H(frame))
    assert isinstance(decoded, ResponseFrame)
    assert (decoded.sw1, decoded.sw2, decoded.sw3, len(decoded.data)) == (0, 0, sw3, size)
    assert encode_frame(bytes([0, 0, sw3]), decoded.data) == H(frame)


def test_sam_id_of_the_reference_example() -> None:
    frame = decode_response(H(REFERENCE_REPLIES[-1][0]))
    assert isinstance(frame, ResponseFrame)
    assert format_sam_id(frame.data) == "05.01-20120829-0046218765-1001063658"
    assert format_sam_id(frame.data, digits=9) == "05.01-20120829-046218765-1001063658"


def worked_example_text() -> bytes:
    """Reference §9, built by hand from the §6.1 offsets (independent of every encoder)."""

    def field(value: str, size: int) -> bytes:
        raw = value.encode("utf-16-le")
        return raw + b"\x20\x00" * ((size - len(raw)) // 2)

    text = (
        field("张三", 30)
        + field("1", 2)
        + field("01", 4)
        + field("19900101", 16)
        + field("某省某县某乡某村1号", 70)
        + field("11010119900101001X", 36)
        + field("某县公安局", 30)
        + field("20200101", 16)
        + field("20400101", 16)
        + field("", 36)
    )
    assert len(text) == 256 and text[:4] == H("205F094E")
    return text


def test_worked_example_reply_frames_match_the_reference() -> None:
    text = worked_example_text()
    reply = encode_frame(H("000090"), H("01000400") + text + bytes(1024))
    assert len(reply) == 1295
    assert reply[:14] == H("AAAAAA9669 0508 000090 0100 0400")
    assert reply[-1] == 0x41
    with_fp = encode_frame(H("000090"), H("010004000400") + text + bytes(1024) + bytes(1024))
    assert len(with_fp) == 2321
    assert with_fp[:16] == H("AAAAAA9669 090A 000090 0100 0400 0400")
    assert with_fp[-1] == 0x4B


def test_worked_example_decodes_to_the_identity() -> None:
    from devices.idcard.samv import SamvIdCardReader

    frame = decode_response(
        encode_frame(H("000090"), H("01000400") + worked_example_text() + bytes(1024))
    )
    assert isinstance(frame, ResponseFrame)
    identity = SamvIdCardReader(url="loop://")._parse_read(frame.data, fingerprints=False)
    assert identity.to_json(reveal=True) == {
        "name": "张三",
        "gender": "男",
        "nation": "汉",
        "birth_date": "1990-01-01",
        "address": "某省某县某乡某村1号",
        "id_number": "11010119900101001X",
        "issuing_authority": "某县公安局",
        "valid_from": "2020-01-01",
        "valid_to": "2040-01-01",
        "card_type": "resident",
        "photo_length": 1024,
        "fingerprint_length": 0,
    }
    assert identity.valid_to == dt.date(2040, 1, 1)


def test_noise_before_a_frame_is_dropped_and_the_frame_found() -> None:
    good = encode_frame(H("00009F"), bytes(4))
    dec = ResponseDecoder()
    out = dec.feed(b"\x01\x02\xaa\xaa" + good)
    assert [type(x) for x in out] == [FrameError, ResponseFrame]
    assert out[0] == FrameError(FrameErrorKind.NOISE, 4)


def test_bad_checksum_and_bad_length_are_reported() -> None:
    good = bytearray(encode_frame(H("00009F"), bytes(4)))
    good[-1] ^= 1
    assert decode_response(bytes(good)) == FrameError(FrameErrorKind.BAD_CHECKSUM, len(good))
    assert decode_response(PREAMBLE + b"\x00\x02" + b"\x00\x00") == FrameError(
        FrameErrorKind.BAD_LENGTH, 1
    )
    too_long = PREAMBLE + (MAX_LEN + 1).to_bytes(2, "big")
    assert decode_response(too_long) == FrameError(FrameErrorKind.BAD_LENGTH, 1)


def test_split_frame_needs_more_bytes() -> None:
    good = encode_frame(H("000090"), bytes(16))
    assert decode_response(good[:3]) == NeedMore(4)
    assert decode_response(good[:7]) == NeedMore(len(good) - 7)
    assert decode_response(b"") == NeedMore(7)


# --- properties -------------------------------------------------------------------------------

frames = st.builds(
    lambda sw, data: encode_frame(bytes([0, 0, sw]), data),
    st.integers(0, 255),
    st.binary(max_size=300),
)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_any_byte_stream_gives_frames_errors_or_need_more(stream: bytes) -> None:
    result = decode_response(stream)
    assert isinstance(result, ResponseFrame | FrameError | NeedMore)
    if isinstance(result, FrameError):
        assert 1 <= result.drop <= len(stream)
    elif isinstance(result, NeedMore):
        assert result.count >= 1
    else:
        assert result.wire_length <= len(stream)
    dec = ResponseDecoder()
    consumed = 0
    for item in dec.feed(stream):
        assert isinstance(item, ResponseFrame | FrameError)
        consumed += item.wire_length if isinstance(item, ResponseFrame) else item.drop
    assert consumed + dec.buffered == len(stream)


@settings(max_examples=200, deadline=None)
@given(st.lists(frames, min_size=1, max_size=5), st.data())
def test_random_splits_of_valid_frames_decode_the_same(
    chunks: list[bytes], data: st.DataObject
) -> None:
    stream = b"".join(chunks)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=12)))
    dec = ResponseDecoder()
    out: list[object] = []
    prev = 0
    for cut in [*cuts, len(stream)]:
        out += dec.feed(stream[prev:cut])
        prev = cut
    whole = ResponseDecoder().feed(stream)
    assert out == whole
    assert [f.wire_length for f in out if isinstance(f, ResponseFrame)] == [len(c) for c in chunks]
    assert dec.buffered == 0


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=60).filter(lambda b: 0xAA not in b), frames)
def test_a_frame_after_noise_is_always_recovered(noise: bytes, frame: bytes) -> None:
    out = ResponseDecoder().feed(noise + frame)
    assert [x for x in out if isinstance(x, ResponseFrame)] == [decode_response(frame)]


@given(st.binary(max_size=3000))
def test_folded_xor_checksum_equals_the_byte_by_byte_xor(data: bytes) -> None:
    naive = 0
    for b in data:
        naive ^= b
    assert xor_checksum(data) == naive
