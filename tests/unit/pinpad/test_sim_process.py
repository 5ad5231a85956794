"""``kiosk-sim pinpad`` as a process: ready line, control API, keypad command, SIGTERM."""

from __future__ import annotations

import pytest

from devices.pinpad.kmy import KmyPinPad
from kiosk.simcontrol import HttpControlError
from kiosk.simcontrol.pinpad import over_http
from peripherals_sim.process import SimulatorProcess


def test_pty_simulator_ready_line_keypad_control_and_clean_sigterm(tmp_path):
    sim = SimulatorProcess("pinpad", ["--pty"], state_dir=tmp_path / "sim").start()
    try:
        assert sim.ready["sim"] == "pinpad"
        assert sim.ready["url"].startswith("/dev/pts/")
        assert sim.ready["control"].startswith("http://127.0.0.1:")
        control = over_http(sim.ready["control"])
        assert "terminals" in control.scenario()
        with pytest.raises(HttpControlError) as info:
            control.set_fault("lightning")
        assert info.value.status == 400
        pad = KmyPinPad(url=sim.ready["url"])
        pad.open()
        try:
            pad.keypad(True)
            assert control.state()["mode"] == "open"
            pad.keypad(False)
            assert control.state()["mode"] == "off"
            assert [e["cmd"] for e in control.log() if e.get("dir") == "rx"][-2:] == [
                "45", "45"]
        finally:
            pad.close()
    finally:
        rc = sim.stop()
    assert rc == 0
    assert (tmp_path / "sim" / "pinpad_keys.json").is_file()
