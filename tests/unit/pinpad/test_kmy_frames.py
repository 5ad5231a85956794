"""The KMY frame codec: the reference's worked frames and hypothesis round trips."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.pinpad.kmy_frames import (
    BadFrame,
    Echo,
    FrameDecoder,
    Framing,
    Reply,
    encode_frame,
)

H = bytes.fromhex


@pytest.mark.parametrize(
    ("cmd", "data", "binary", "ascii_text"),
    [
        (0x30, b"", "02013031", "013031"),
        (0x31, b"", "02013130", "013130"),
        (0x32, H("000123456789ABCDEFFEDCBA9876543210"),
         "0212320001234567 89ABCDEFFEDCBA987654321020", "1232000123456789ABCDEFFEDCBA987654321020"),
        (0x33, H("000100112233445566778899AABBCCDDEEFF"),
         "02133300010011223344556677 8899AABBCCDDEEFF21",
         "1333000100112233445566778899AABBCCDDEEFF21"),
        (0x34, b"660100772688", "020D34363630313030373732363838 3C",
         "0D343636303130303737323638383C"),
        (0x35, H("060101001E"), "0206350601 01001E2B", "0635060101001E2B"),
        (0x43, H("0001"), "0203430001 41", "0343000141"),
        (0x46, H("0130"), "0203460130 74", "0346013074"),
        (0x46, H("0180"), "02034601 80C4", "03460180C4"),
        (0x42, b"", "02014243", "014243"),
        (0x41, b"12345678", "0209413132333435363738 40", "0941313233343536373840"),
    ],
)
def test_worked_frames_of_the_reference(cmd, data, binary, ascii_text):
    assert encode_frame(cmd, data) == H(binary.replace(" ", ""))
    if ascii_text is not None:
        assert encode_frame(cmd, data, Framing.ASCII) == b"\x02" + ascii_text.encode()
        assert encode_frame(cmd, data, Framing.ASCII, etx=True) == (
            b"\x02" + ascii_text.encode() + b"\x03")


def test_worked_replies_decode():
    dec = FrameDecoder()
    assert dec.feed(H("02010405")) == [Reply(0x04, b"")]
    assert dec.feed(H("02011514")) == [Reply(0x15, b"")]
    assert dec.feed(H("020904 6A09FA4E8439E25C D9".replace(" ", ""))) == [
        Reply(0x04, H("6A09FA4E8439E25C"))]
    asc = FrameDecoder(Framing.ASCII)
    assert asc.feed(b"\x02010405\x03") == [Reply(0x04, b"")]


def test_echo_bytes_between_frames_only_count_in_echo_mode():
    dec = FrameDecoder()
    assert dec.feed(b"\x2a\x0d" + H("02010405")) == [Reply(0x04, b"")]
    dec.echo = True
    assert dec.feed(b"\x2a" + H("02010405") + b"\x08\x0d") == [
        Echo(0x2A), Reply(0x04, b""), Echo(0x08), Echo(0x0D)]


def test_bad_checksum_is_reported_and_the_next_frame_still_decodes():
    dec = FrameDecoder()
    items = dec.feed(H("02010406") + H("02010405"))
    assert isinstance(items[0], BadFrame)
    assert items[-1] == Reply(0x04, b"")


frames = st.tuples(st.integers(0, 255), st.binary(max_size=40))
noise = st.binary(max_size=6).map(lambda b: bytes(x for x in b if x != 0x02))


@settings(max_examples=200, deadline=None)
@given(
    items=st.lists(st.tuples(frames, noise), min_size=1, max_size=6),
    framing=st.sampled_from(list(Framing)),
    etx=st.booleans(),
    cuts=st.lists(st.integers(1, 7), max_size=40),
)
def test_split_and_noisy_streams_decode_to_the_same_frames(items, framing, etx, cuts):
    stream = b""
    for (status, data), junk in items:
        stream += junk + encode_frame(status, data, framing, etx)
    dec = FrameDecoder(framing)
    out = []
    pos = 0
    for cut in cuts:  # feed the stream in arbitrary pieces
        out += dec.feed(stream[pos:pos + cut])
        pos += cut
    out += dec.feed(stream[pos:])
    assert out == [Reply(status, data) for (status, data), _ in items]


@settings(max_examples=300, deadline=None)
@given(garbage=st.binary(max_size=300), framing=st.sampled_from(list(Framing)))
def test_garbage_never_crashes_the_decoder_and_a_good_frame_follows(garbage, framing):
    dec = FrameDecoder(framing)
    dec.feed(garbage)
    dec.reset()
    assert dec.feed(encode_frame(0x04, b"ok", framing)) == [Reply(0x04, b"ok")]


@settings(max_examples=200, deadline=None)
@given(frame=frames, flip=st.integers(0, 10_000), framing=st.sampled_from(list(Framing)))
def test_a_corrupted_frame_is_never_accepted_as_the_original(frame, flip, framing):
    status, data = frame
    wire = bytearray(encode_frame(status, data, framing))
    first = 2 if framing is Framing.BINARY else 3  # leave STX and Ln alone
    i = first + flip % (len(wire) - first)
    wire[i] ^= 0x01
    out = FrameDecoder(framing).feed(bytes(wire))
    assert Reply(status, data) not in out
    assert any(isinstance(x, BadFrame) for x in out)
