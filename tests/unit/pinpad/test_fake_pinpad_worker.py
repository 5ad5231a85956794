"""The fake PIN pad under a DeviceWorker: events carry the request id, completions map."""

from __future__ import annotations

import queue

from devices.base import Completion, CompletionCode, Key, KeyPressed
from devices.crypto import PinBlockFormat, decrypt_pin_block, pin_from_block
from devices.pinpad.contract import PinBlock, PinpadError
from devices.pinpad.fake import TEST_PIK, FakePinPad
from devices.worker import DeviceWorker
from kiosk.simcontrol.pinpad import in_process

PAN = "6217991000001234561"


def _run(keys: str):
    pad = FakePinPad()
    out: queue.Queue = queue.Queue()
    worker = DeviceWorker("pinpad", pad, out.put, probe_interval=60)
    worker.start()
    try:
        handle = worker.submit("get_pin", PAN, timeout=10)
        control = in_process(pad)
        assert control.wait_for_mode("pin", 5)
        control.press(keys)
        done = handle.wait(10)
    finally:
        worker.stop()
    items = []
    while not out.empty():
        items.append(out.get())
    return handle, done, items


def test_pin_entry_through_the_worker_gives_masked_events_and_a_real_block():
    handle, done, items = _run("135790E")
    assert done.ok and isinstance(done.data, PinBlock)
    clear = decrypt_pin_block(TEST_PIK, done.data.ciphertext, PAN, PinBlockFormat.ISO0)
    assert pin_from_block(clear, PAN, PinBlockFormat.ISO0) == "135790"
    keys = [i for i in items if isinstance(i, KeyPressed)]
    assert all(k.request_id == handle.request_id and k.device == "pinpad" for k in keys)
    assert [(k.key, k.digits) for k in keys][-1] == (Key.ENTER, 6)
    assert any(isinstance(i, Completion) for i in items)


def test_cancel_key_completes_canceled_with_user_canceled():
    _, done, _ = _run("1X")
    assert done.code is CompletionCode.CANCELED
    assert done.error is PinpadError.USER_CANCELED
