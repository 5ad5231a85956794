"""samv against the simulator process: what only a wire can show (retry, resync, pacing)."""

from __future__ import annotations

from typing import Any

import pytest

from devices.base import DeviceInitError, DeviceOperationError, DeviceState
from devices.idcard.contract import IdCardError
from kiosk.simcontrol.idcard import HttpIdCardControl
from peripherals_sim.process import SimulatorProcess


@pytest.fixture(params=["tcp", "pty"])
def sim(request: pytest.FixtureRequest) -> SimulatorProcess:
    sim: SimulatorProcess = request.getfixturevalue(f"idcard_sim_{request.param}")
    control = HttpIdCardControl(sim.control)
    control.remove()
    control.clear_fault()
    return sim


def test_one_corrupted_reply_is_retried_and_the_read_succeeds(
    sim: SimulatorProcess, samv_factory: Any
) -> None:
    control = HttpIdCardControl(sim.control)
    control.insert("zhang_weiguo")
    control.set_fault("checksum", count=1)
    reader = samv_factory(sim.url)
    reader.open()
    try:
        assert reader.read_identity(wait=False).name == "张卫国"
    finally:
        reader.close()
    tail = control.log()[-5:]  # find (corrupted), find, select, read, appended address
    assert [e["command"] for e in tail] == ["20 01", "20 01", "20 02", "30 01", "30 03"]
    assert [e["fault"] for e in tail] == ["checksum", None, None, None, None]


def test_noise_before_every_reply_is_survived(sim: SimulatorProcess, samv_factory: Any) -> None:
    control = HttpIdCardControl(sim.control)
    control.insert("liu_yan")
    control.set_fault("noise")
    reader = samv_factory(sim.url)
    reader.open()
    try:
        assert reader.read_identity(wait=False, fingerprints=True).name == "刘䶮"
        assert reader.sam_id().startswith("05.01-")
    finally:
        reader.close()
        control.clear_fault()


def test_paced_simulator_reads_at_line_rate(samv_factory: Any) -> None:
    with SimulatorProcess("idcard", ["--pty", "--pace", "--person", "chen_deming"]) as sim:
        reader = samv_factory(sim.url)
        reader.open()
        try:
            identity = reader.read_identity(wait=False, fingerprints=True)
            assert identity.name == "陈德明" and len(identity.fingerprint) == 1024
            with pytest.raises(DeviceOperationError) as info:
                reader.read_identity(wait=False)
            assert info.value.error is IdCardError.NO_CARD
        finally:
            reader.close()


def test_simulator_log_holds_no_personal_data(sim: SimulatorProcess, samv_factory: Any) -> None:
    control = HttpIdCardControl(sim.control)
    control.insert("zhang_weiguo")
    reader = samv_factory(sim.url)
    reader.open()
    try:
        reader.read_identity(wait=False)
    finally:
        reader.close()
    text = repr(control.log())
    assert "30 01" in text and "张卫国" not in text and "61042519680315301X" not in text


def test_pty_is_opened_exclusively_and_a_vanished_simulator_is_a_lost_port(
    samv_factory: Any,
) -> None:
    sim = SimulatorProcess("idcard", ["--pty"]).start()
    reader = samv_factory(sim.url)
    try:
        reader.open()
        assert reader.probe().device is DeviceState.ONLINE
        with pytest.raises(DeviceInitError):
            samv_factory(sim.url).open()  # a second opener is refused
        assert sim.stop() == 0  # SIGTERM: a clean stop
        with pytest.raises(DeviceInitError):
            reader.probe()
    finally:
        reader.close()
        sim.stop()
