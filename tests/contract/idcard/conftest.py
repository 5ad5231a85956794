"""The ID card contract tiers: ``fake`` in-process, ``samv`` + the simulator process over a TCP
socket and over a real pty, and real hardware only when ``KIOSK_HW_IDCARD`` names a port.

A ``Rig`` is one opened reader plus the control that plays the farmer on it (the simulator's
control API over HTTP, or the fake's in-process control). Simulator processes are started once
per session and reset (card removed, fault cleared) before every test.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from devices.idcard.fake import FakeIdCardReader
from devices.idcard.samv import SamvIdCardReader
from kiosk.simcontrol.idcard import FakeIdCardControl, HttpIdCardControl
from peripherals_sim.process import SimulatorProcess

SIM_TIERS = ("samv-tcp", "samv-pty")
TIERS = ("fake", *SIM_TIERS)
HW_PORT = os.environ.get("KIOSK_HW_IDCARD")

# Generous timeouts: the machine running the tests is shared and loaded; the reference's
# 100 ms find timeout is the driver's default, not what a loaded CI box can promise.
SAMV_TEST_PARAMS: dict[str, Any] = dict(
    find_timeout=0.5,
    sam_timeout=0.5,
    read_timeout=3.0,
    read_fingerprint_timeout=4.0,
    poll_interval=0.05,
    read_new_address=True,
)


@dataclass
class Rig:
    tier: str
    reader: Any
    control: FakeIdCardControl | HttpIdCardControl
    url: str = ""

    @property
    def simulated(self) -> bool:
        return self.tier in SIM_TIERS


@pytest.fixture(scope="session")
def idcard_sim_tcp() -> Iterator[SimulatorProcess]:
    with SimulatorProcess("idcard", ["--listen", "tcp://127.0.0.1:0"]) as sim:
        yield sim


@pytest.fixture(scope="session")
def idcard_sim_pty() -> Iterator[SimulatorProcess]:
    with SimulatorProcess("idcard", ["--pty"]) as sim:
        yield sim


def make_samv(url: str, **over: Any) -> SamvIdCardReader:
    return SamvIdCardReader(url=url, **{**SAMV_TEST_PARAMS, **over})


@pytest.fixture()
def samv_factory() -> Any:
    """``samv_factory(url, **params)``: a samv reader with the test timeouts (not opened)."""
    return make_samv


@contextlib.contextmanager
def build_rig(tier: str, request: pytest.FixtureRequest) -> Iterator[Rig]:
    if tier == "fake":
        fake = FakeIdCardReader(read_new_address=True)
        fake.open()
        try:
            yield Rig(tier, fake, FakeIdCardControl(fake))
        finally:
            fake.close()
        return
    sim: SimulatorProcess = request.getfixturevalue(
        "idcard_sim_tcp" if tier == "samv-tcp" else "idcard_sim_pty"
    )
    control = HttpIdCardControl(sim.control)
    control.remove()
    control.clear_fault()
    reader = make_samv(sim.url)
    reader.open()
    try:
        yield Rig(tier, reader, control, sim.url)
    finally:
        reader.close()
        control.clear_fault()
        control.remove()


@pytest.fixture(params=TIERS)
def rig(request: pytest.FixtureRequest) -> Iterator[Rig]:
    with build_rig(request.param, request) as r:
        yield r


@pytest.fixture(params=[*TIERS, "hw"] if HW_PORT else list(TIERS))
def any_reader(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A reader of any tier, real hardware included (for tests that need no control)."""
    if request.param == "hw":
        reader = SamvIdCardReader(url=str(HW_PORT))
        reader.open()
        try:
            yield reader
        finally:
            reader.close()
        return
    with build_rig(request.param, request) as r:
        yield r.reader
