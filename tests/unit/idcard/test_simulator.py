"""The SAM_V simulator's protocol engine (checked with the driver's independent codec)."""

from __future__ import annotations

from devices.idcard.frames import ResponseFrame, decode_response, encode_request
from peripherals_sim.idcard.card import card_for
from peripherals_sim.idcard.reader import RequestParser, SimReader


def ask(sim: SimReader, frame: bytes) -> ResponseFrame:
    [request] = RequestParser().feed(frame)
    reply = decode_response(sim.handle(request))
    assert isinstance(reply, ResponseFrame)
    return reply


def test_bad_checksum_length_and_command_get_10_11_21() -> None:
    sim = SimReader()
    bad = bytearray(encode_request(0x20, 0x01))
    bad[-1] ^= 0xFF
    assert ask(sim, bytes(bad)).sw3 == 0x10
    assert ask(sim, bytes.fromhex("AAAAAA9669 0001 00")).sw3 == 0x11
    assert ask(sim, encode_request(0x77, 0x01)).sw3 == 0x21


def test_card_state_machine_and_the_remove_and_reinsert_rule(demo_scenario: dict) -> None:
    sim = SimReader()
    find, select, read = (encode_request(0x20, 1), encode_request(0x20, 2), encode_request(0x30, 1))
    assert ask(sim, find).sw3 == 0x80
    sim.insert(card_for(demo_scenario["people"][0]))
    assert ask(sim, select).sw3 == 0x81  # select needs a find first
    assert ask(sim, read).sw3 == 0x41  # read needs a select first
    assert ask(sim, find).sw3 == 0x9F
    assert ask(sim, select).sw3 == 0x90
    reply = ask(sim, read)
    assert reply.sw3 == 0x90 and len(reply.data) == 4 + 256 + 1024
    assert ask(sim, find).sw3 == 0x80  # read once: absent until taken away and put back
    sim.remove()
    sim.insert(card_for(demo_scenario["people"][0]))
    assert ask(sim, find).sw3 == 0x9F


def test_fault_with_a_count_wears_off() -> None:
    sim = SimReader()
    sim.set_fault("checksum", count=1)
    [request] = RequestParser().feed(encode_request(0x11, 0xFF))
    assert decode_response(sim.handle(request)).__class__.__name__ == "FrameError"
    assert isinstance(decode_response(sim.handle(request)), ResponseFrame)


def test_parser_resynchronises_after_noise_and_splits() -> None:
    parser = RequestParser()
    frame = encode_request(0x20, 0x01)
    out = parser.feed(b"\x01\xaa\x02" + frame[:4])
    out += parser.feed(frame[4:] + frame)
    assert out == [(0x20, 0x01, b""), (0x20, 0x01, b"")]
