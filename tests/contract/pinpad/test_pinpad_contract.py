"""The PIN pad contract, run on every tier (see conftest.py)."""

from __future__ import annotations

import os
import threading
import time

import pytest

from devices.base import (
    CancelToken,
    CompletionCode,
    DeviceCanceled,
    DeviceOperationError,
    DeviceState,
    Key,
    KeyPressed,
    run_command,
)
from devices.crypto import (
    Algorithm,
    MacMethod,
    PinBlockFormat,
    decrypt_pin_block,
    pin_from_block,
    verify_mac,
)
from devices.pinpad.contract import PinBlock, PinpadError

PAN = "6217991000001234561"  # zhang_debit in the demo scenario


def _keys(events):
    return [(e.key, e.digits) for e in events if isinstance(e, KeyPressed)]


def test_probe_reports_an_online_pad_with_a_version(rig):
    status = rig.pad.probe()
    assert status.device is DeviceState.ONLINE
    assert status.version


@pytest.mark.parametrize("algorithm", [Algorithm.TDES, Algorithm.SM4])
def test_full_flow_pin_block_decrypts_to_the_pin_and_mac_verifies(rig, algorithm):
    host = rig.ceremony(algorithm)
    block, events = rig.get_pin_pressing(["123456E"], PAN, min_len=4, max_len=6, timeout=20)
    assert isinstance(block, PinBlock), block
    expected_fmt = (PinBlockFormat.ISO0 if algorithm is Algorithm.TDES
                    else PinBlockFormat.SM4_ISO0_ZERO_PAD)
    assert block.format is expected_fmt
    assert len(block.ciphertext) == (8 if algorithm is Algorithm.TDES else 16)
    clear = decrypt_pin_block(host.pik, block.ciphertext, PAN, block.format)
    assert pin_from_block(clear, PAN, block.format) == "123456"
    assert _keys(events) == [(Key.DIGIT, n) for n in range(1, 7)] + [(Key.ENTER, 6)]

    message = b'{"amount":"10000.00","idempotency_key":"ZN610425001-000123"}'
    tag = rig.pad.mac(message)
    method = MacMethod.SM4 if algorithm is Algorithm.SM4 else MacMethod.X9_19
    assert verify_mac(host.mak, message, tag, method)
    assert not verify_mac(host.mak, message.replace(b"10000", b"90000"), tag, method)


def test_backspace_removes_a_digit_and_events_count_down(rig):
    host = rig.ceremony()
    block, events = rig.get_pin_pressing(["1239B456E"], PAN, timeout=20)
    assert isinstance(block, PinBlock), block
    clear = decrypt_pin_block(host.pik, block.ciphertext, PAN, block.format)
    assert pin_from_block(clear, PAN, block.format) == "123456"
    assert [d for _, d in _keys(events)] == [1, 2, 3, 4, 3, 4, 5, 6, 6]
    assert (Key.BACKSPACE, 3) in _keys(events)


def test_enter_before_the_minimum_length_restarts_entry(rig):
    host = rig.ceremony()
    block, events = rig.get_pin_pressing(["12E", "3456E"], PAN, min_len=4, timeout=20)
    assert isinstance(block, PinBlock), block
    clear = decrypt_pin_block(host.pik, block.ciphertext, PAN, block.format)
    assert pin_from_block(clear, PAN, block.format) == "3456"
    assert (Key.CLEAR, 0) in _keys(events)


def test_cancel_on_the_pad_ends_with_user_canceled(rig):
    rig.ceremony()
    result, events = rig.get_pin_pressing(["12X"], PAN, timeout=20)
    assert isinstance(result, DeviceCanceled)
    assert result.error is PinpadError.USER_CANCELED
    assert _keys(events)[-1] == (Key.CANCEL, 0)
    assert rig.control.state()["mode"] != "pin"


def test_cancel_from_the_app_stops_pin_entry(rig):
    rig.ceremony()
    token = CancelToken()

    def cancel_soon():
        rig.control.wait_for_mode("pin", 10)
        rig.control.press("12")
        time.sleep(0.2)
        token.cancel()

    threading.Thread(target=cancel_soon, daemon=True).start()
    done = run_command(rig.pad, "get_pin", PAN, timeout=20, cancel=token)
    assert done.code is CompletionCode.CANCELED
    assert rig.control.state()["mode"] != "pin"


def test_pad_timeout_ends_with_entry_timeout(rig):
    rig.ceremony()
    done = run_command(rig.pad, "get_pin", PAN, timeout=1)
    assert done.code is CompletionCode.TIMEOUT
    assert done.error is PinpadError.ENTRY_TIMEOUT


def test_working_key_with_a_wrong_check_value_is_refused(rig):
    host = rig.ceremony()
    payload = host.sign_in_payload()
    payload["mak_kcv"] = bytes(b ^ 0xFF for b in payload["mak_kcv"])
    with pytest.raises(DeviceOperationError) as info:
        rig.pad.load_working_keys(algorithm=Algorithm.TDES, **payload)
    assert info.value.error is PinpadError.KEY_CHECK_FAILED


def test_mac_input_longer_than_a_frame_is_refused(rig):
    rig.ceremony()
    done = run_command(rig.pad, "mac", os.urandom(1024))
    assert done.code is CompletionCode.INVALID_DATA
    assert done.error is PinpadError.DATA_TOO_LONG


def test_keytest_reports_key_names_in_plain_mode_never_pin_mode(rig):
    modes: list[str] = []

    def technician():
        assert rig.control.wait_for_mode("plain", 10)
        modes.append(rig.control.state()["mode"])
        rig.control.press("19BCE")

    threading.Thread(target=technician, daemon=True).start()
    names = rig.pad.keytest(10, events=lambda e: None, cancel=CancelToken())
    assert names == ["1", "9", "backspace", "clear", "enter"]
    assert modes == ["plain"]


def test_listen_gives_digits_with_their_value_and_goes_on_past_enter_and_cancel(rig):
    """The audio-guided mode's menu keys: plain mode, every digit with its value, Enter and
    Cancel do not end the listening; the keypad is off again afterwards."""
    events: list[KeyPressed] = []
    cancel = CancelToken()

    def farmer():
        assert rig.control.wait_for_mode("plain", 10)
        rig.control.press("3E07BX")
        deadline = time.monotonic() + 10
        while len(events) < 6 and time.monotonic() < deadline:
            time.sleep(0.01)
        cancel.cancel()

    threading.Thread(target=farmer, daemon=True).start()
    names = rig.pad.listen(20, events=events.append, cancel=cancel)
    assert names == ["3", "enter", "0", "7", "backspace", "cancel"]
    assert [(e.key, e.value) for e in events] == [
        (Key.DIGIT, "3"), (Key.ENTER, ""), (Key.DIGIT, "0"), (Key.DIGIT, "7"),
        (Key.BACKSPACE, ""), (Key.CANCEL, "")]
    assert rig.control.state()["mode"] == "off"


@pytest.mark.parametrize(
    ("fault", "command", "code", "error"),
    [
        ("no_answer", "version", CompletionCode.DEVICE_NOT_READY, PinpadError.NO_ANSWER),
        ("checksum", "version", CompletionCode.HARDWARE_ERROR, PinpadError.CHECKSUM),
        ("key_slot_empty", "get_pin", CompletionCode.DEVICE_NOT_READY,
         PinpadError.KEY_NOT_LOADED),
    ],
)
def test_faults_map_to_pinpad_errors(rig, fault, command, code, error):
    if rig.name == "kmy-hw":
        pytest.skip("fault injection needs a simulator")
    rig.ceremony()
    rig.control.set_fault(fault)
    kwargs = {"pan": PAN, "timeout": 2} if command == "get_pin" else {}
    done = run_command(rig.pad, command, **kwargs)
    assert (done.code, done.error) == (code, error)
    rig.control.clear_fault()
    assert rig.pad.version()


@pytest.mark.parametrize("fault", ["noise", "split"])
def test_noisy_or_split_replies_do_not_disturb_pin_entry(rig, fault):
    if rig.name == "kmy-hw":
        pytest.skip("fault injection needs a simulator")
    host = rig.ceremony()
    rig.control.set_fault(fault)
    block, _ = rig.get_pin_pressing(["2468E"], PAN, timeout=20)
    assert isinstance(block, PinBlock), block
    clear = decrypt_pin_block(host.pik, block.ciphertext, PAN, block.format)
    assert pin_from_block(clear, PAN, block.format) == "2468"

