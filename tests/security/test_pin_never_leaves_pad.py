"""The PIN never leaves the PIN pad.

End to end: the kmy driver under a DeviceWorker, the EPP simulator (a separate process), the
kiosk's logging at DEBUG, the PIN dots widget fed by the worker's events. The farmer types the
PIN on the pad through the control API; afterwards every log file, the state directory (the
simulator's key store included), the simulator's log and state answers, everything the worker
handed to the app, and the text of every widget are searched for the PIN digits.
"""

from __future__ import annotations

import json
import logging
import queue
import re

import pytest

from devices.base import Completion, KeyPressed
from devices.crypto import (
    Algorithm,
    decrypt_pin_block,
    encrypt_key_under,
    kcv,
    pin_from_block,
    xor_components,
)
from devices.pinpad.contract import PinBlock
from devices.pinpad.kmy import KmyPinPad
from devices.worker import DeviceWorker
from kiosk.simcontrol.pinpad import over_http
from peripherals_sim.process import SimulatorProcess

PIN = "739154"
PAN = "6217991000001234561"
SPREAD = re.compile(r"7\D{0,4}3\D{0,4}9\D{0,4}1\D{0,4}5\D{0,4}4")


def _leaks(text: str) -> bool:
    return PIN in text or bool(SPREAD.search(text))


@pytest.fixture()
def logging_to(tmp_path):
    from kiosk.logs import setup_logging, teardown_logging

    state = tmp_path / "state"
    setup_logging(state, "DEBUG")
    logging.getLogger().setLevel(logging.DEBUG)
    yield state
    teardown_logging()


def test_pin_entry_end_to_end_leaves_no_trace_of_the_pin(logging_to, qtbot):
    from screens.widgets.pin_dots import PinDots

    state = logging_to
    sim_dir = state / "pinpad-sim"
    with SimulatorProcess("pinpad", ["--pty"], state_dir=sim_dir,
                          stderr=state / "sim-stderr.txt") as sim:
        control = over_http(sim.control)
        terminal = control.scenario()["terminals"][0]
        tmk = xor_components(*(bytes.fromhex(c) for c in terminal["tmk_3des_components"]))
        pik, mak = bytes(range(16)), bytes(range(16, 32))

        out: queue.Queue = queue.Queue()
        worker = DeviceWorker("pinpad", KmyPinPad(url=sim.url), out.put,
                              probe_interval=0.2)
        dots = PinDots(6)
        qtbot.addWidget(dots)
        worker.start()
        try:
            signed = worker.call("load_working_keys",
                                 encrypt_key_under(tmk, pik, Algorithm.TDES),
                                 kcv(pik, Algorithm.TDES),
                                 encrypt_key_under(tmk, mak, Algorithm.TDES),
                                 kcv(mak, Algorithm.TDES), Algorithm.TDES, timeout=10)
            assert signed.ok, signed
            handle = worker.submit("get_pin", PAN, timeout=20)
            assert control.wait_for_mode("pin", 10)
            control.press(PIN[:2] + "9B" + PIN[2:] + "E")
            done = handle.wait(25)
            sim_log = json.dumps(control.log())
            sim_state = json.dumps(control.state())
        finally:
            worker.stop()

    assert done.ok, done
    block: PinBlock = done.data
    clear = decrypt_pin_block(pik, block.ciphertext, PAN, block.format)
    assert pin_from_block(clear, PAN, block.format) == PIN  # the test's own keys find it

    seen = []
    while not out.empty():
        item = out.get()
        seen.append(repr(item))
        if isinstance(item, KeyPressed):
            dots.on_key(item)
    assert dots.count == 6
    assert any("KeyPressed" in s for s in seen)
    assert not any(isinstance(out, Completion) and _leaks(repr(out)) for out in seen)

    files = [p for p in state.rglob("*") if p.is_file()]
    assert any(p.name == "pinpad_keys.json" for p in files)
    assert any(p.suffix == ".jsonl" for p in files)
    leaking = [str(p) for p in files
               if _leaks(p.read_bytes().decode("utf-8", "replace"))]
    assert leaking == []
    assert not _leaks(sim_log) and not _leaks(sim_state)
    assert not any(_leaks(s) for s in seen)
    widget_texts = [dots.accessibleName(), dots.accessibleDescription(), dots.toolTip(),
                    dots.statusTip(), dots.whatsThis(), dots.windowTitle()]
    assert not any(_leaks(t) for t in widget_texts)
    assert dots.accessibleDescription() == "已输入6位"
