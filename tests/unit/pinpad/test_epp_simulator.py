"""The EPP simulator's own logic (in-process, no transport)."""

from __future__ import annotations

import json

from devices.crypto import (
    Algorithm,
    PinBlockFormat,
    decrypt_pin_block,
    encrypt_key_under,
    kcv,
    pin_from_block,
    xor_components,
)
from peripherals_sim.pinpad.epp import Epp

PAN = "6217991000002345671"


def _demo_tmk(scenario, alg):
    comps = scenario["terminals"][0][f"tmk_{alg}_components"]
    return xor_components(*(bytes.fromhex(c) for c in comps))


def _epp(tmp_path, scenario, **kw):
    sent = []
    epp = Epp(tmp_path, scenario, **kw)
    epp.send = sent.append
    return epp, sent


def test_first_start_holds_the_scenario_tmk_in_slot_0_and_persists_it(tmp_path, demo_scenario):
    epp, _ = _epp(tmp_path, demo_scenario)
    tmk = _demo_tmk(demo_scenario, "3des")
    assert epp.state()["slots"]["0"]["kcv"] == kcv(tmk, Algorithm.TDES).hex().upper()
    assert epp.state()["slots"]["0"]["kcv"] == "2284A82A"  # as documented in demo.yaml
    epp.stop()
    # A key loaded later survives a restart (battery-backed memory).
    epp, _ = _epp(tmp_path, demo_scenario)
    assert epp.handle(0x43, bytes([0, 0]))[0] == 0x04
    assert epp.handle(0x46, bytes([0x01, 0x70]))[0] == 0x04
    assert epp.handle(0x32, bytes([3]) + bytes(range(16)))[0] == 0x04
    epp.stop()
    again, _ = _epp(tmp_path, demo_scenario)
    assert "3" in again.state()["slots"]
    again.stop()


def test_sm4_pad_uses_the_sm4_tmk_and_convention_b_when_asked(tmp_path, demo_scenario):
    epp, sent = _epp(tmp_path, demo_scenario, algorithm="sm4", sm4_convention="b")
    tmk = _demo_tmk(demo_scenario, "sm4")
    pik = bytes(range(16))
    assert epp.handle(0x33, bytes([0, 1]) + encrypt_key_under(tmk, pik, Algorithm.SM4)) == (
        0x04, b"")
    assert epp.handle(0x43, bytes([0, 1]))[0] == 0x04
    assert epp.handle(0x34, b"100000234567")[0] == 0x04
    assert epp.handle(0x35, bytes([6, 1, 1, 0, 30]))[0] == 0x04
    epp.press("654321E")
    status, block = epp.handle(0x42, b"")
    assert status == 0x04 and len(block) == 16
    clear = decrypt_pin_block(pik, block, PAN, PinBlockFormat.SM4_EXTENDED)
    assert pin_from_block(clear, PAN, PinBlockFormat.SM4_EXTENDED) == "654321"
    assert sent == [b"\x2a"] * 6 + [b"\x0d"]
    epp.stop()


def test_keys_are_ignored_while_the_keypad_is_off_and_the_pin_is_wiped_after_reading(
        tmp_path, demo_scenario):
    epp, sent = _epp(tmp_path, demo_scenario)
    assert epp.press("1234") == {"accepted": 0, "ignored": 4}
    assert sent == []
    tmk = _demo_tmk(demo_scenario, "3des")
    epp.handle(0x33, bytes([0, 1]) + encrypt_key_under(tmk, bytes(16), Algorithm.TDES))
    epp.handle(0x43, bytes([0, 1]))
    epp.handle(0x34, b"100000234567")
    epp.handle(0x35, bytes([6, 1, 1, 0, 30]))
    epp.press("9876E")
    assert epp.handle(0x42, b"")[0] == 0x04
    assert epp.handle(0x42, b"") == (0x15, b"")  # nothing left to read
    epp.stop()


def test_state_log_and_key_file_never_hold_the_pin(tmp_path, demo_scenario):
    epp, _ = _epp(tmp_path, demo_scenario)
    tmk = _demo_tmk(demo_scenario, "3des")
    epp.handle(0x33, bytes([0, 1]) + encrypt_key_under(tmk, bytes(16), Algorithm.TDES))
    epp.handle(0x43, bytes([0, 1]))
    epp.handle(0x34, b"100000234567")
    epp.handle(0x35, bytes([6, 1, 1, 0, 30]))
    epp.press("8642")
    state = json.dumps(epp.state())
    log = json.dumps(epp.log())
    assert epp.state()["digits"] == 4
    for text in (state, log, (tmp_path / "pinpad_keys.json").read_text()):
        assert "8642" not in text
    epp.stop()


def test_pad_timeout_echoes_00_and_leaves_pin_mode(tmp_path, demo_scenario):
    epp, sent = _epp(tmp_path, demo_scenario)
    tmk = _demo_tmk(demo_scenario, "3des")
    epp.handle(0x33, bytes([0, 1]) + encrypt_key_under(tmk, bytes(16), Algorithm.TDES))
    epp.handle(0x43, bytes([0, 1]))
    epp.handle(0x34, b"100000234567")
    epp.handle(0x35, bytes([6, 1, 1, 0, 1]))
    import time

    time.sleep(1.3)
    assert sent[-1:] == [b"\x00"]
    assert epp.state()["mode"] == "off"
    epp.stop()


def test_unknown_command_and_empty_slot_statuses(tmp_path, demo_scenario):
    epp, _ = _epp(tmp_path, demo_scenario)
    assert epp.handle(0x7E, b"")[0] == 0xE0
    assert epp.handle(0x43, bytes([0, 9]))[0] == 0xB5
    epp.fault = "key_slot_empty"
    assert epp.handle(0x43, bytes([0, 0]))[0] == 0xB5
    epp.fault = "no_answer"
    assert epp.handle(0x30, b"") is None
    epp.stop()
