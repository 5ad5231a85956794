"""Rigs for the PIN pad contract suite: the same tests on every tier.

* ``fake``: the in-process backend, keys pressed through ``kiosk.simcontrol.pinpad``;
* ``kmy-socket``, ``kmy-pty``, ``kmy-ascii``: the real driver against ``kiosk-sim pinpad``
  (a separate process) over TCP, over a pseudo-terminal, and with ASCII-hex framing + ETX;
* ``kmy-hw``: real hardware, only when ``KIOSK_HW_PINPAD`` names its port (keys are then
  pressed by a person following the prompts).

A test plays the bank host with :class:`HostKeys`: it runs the key ceremony with fresh random
components and wraps fresh PIK/MAK under that TMK, so it can decrypt PIN blocks and verify
MACs with its own copy of the keys.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from devices.base import CancelToken, DeviceEvent, KeyPressed
from devices.crypto import Algorithm, encrypt_key_under, kcv, xor_components
from devices.pinpad.fake import FakePinPad
from devices.pinpad.kmy import KmyPinPad
from kiosk.simcontrol.pinpad import in_process, over_http
from peripherals_sim.process import SimulatorProcess


@dataclass
class HostKeys:
    """What the host knows: the TMK (from the ceremony) and the working keys it issued."""

    algorithm: Algorithm
    tmk: bytes
    pik: bytes = field(default_factory=lambda: os.urandom(16))
    mak: bytes = field(default_factory=lambda: os.urandom(16))

    def sign_in_payload(self) -> dict[str, bytes]:
        a = self.algorithm
        return {
            "pik_encrypted": encrypt_key_under(self.tmk, self.pik, a),
            "pik_kcv": kcv(self.pik, a),
            "mak_encrypted": encrypt_key_under(self.tmk, self.mak, a),
            "mak_kcv": kcv(self.mak, a),
        }


class HumanControl:
    """Hardware tier: tell the person at the pad what to press."""

    kind = "pinpad"

    def press(self, keys: str) -> None:
        print(f"\n>>> press on the PIN pad: {keys}", file=sys.__stderr__, flush=True)

    def state(self) -> dict[str, Any]:
        return {"mode": "pin"}

    def wait_for_mode(self, mode: str = "pin", timeout: float = 5.0) -> bool:
        return True

    def set_fault(self, kind: str) -> None:
        pytest.skip("fault injection needs a simulator")  # never reached in CI tiers

    def clear_fault(self) -> None:
        pass


@dataclass
class Rig:
    """One backend under test: the opened driver and the control that plays the farmer."""

    name: str
    pad: Any
    control: Any
    state_dir: Path | None = None

    def ceremony(self, algorithm: Algorithm = Algorithm.TDES) -> HostKeys:
        """Key ceremony with two fresh components, then the host's sign-in keys."""
        size = 16
        c1, c2 = os.urandom(size), os.urandom(size)
        check = self.pad.load_master_key([c1, c2], algorithm)
        tmk = xor_components(c1, c2)
        assert check == kcv(tmk, algorithm)
        host = HostKeys(algorithm, tmk)
        self.pad.load_working_keys(algorithm=algorithm, **host.sign_in_payload())
        return host

    def get_pin_pressing(self, presses: list[str], pan: str, **kw: Any
                         ) -> tuple[Any, list[DeviceEvent]]:
        """Run get_pin while a helper thread presses keys once the pad listens.

        Each element of ``presses`` is sent after the pad (re)enters PIN mode.
        Returns (result or exception, events).
        """
        events: list[DeviceEvent] = []

        def farmer() -> None:
            for i, keys in enumerate(presses):
                assert self.control.wait_for_mode("pin", 10.0)
                self.control.press(keys)
                if i + 1 < len(presses):  # a too-short PIN: wait for the restart (clear)
                    end = time.monotonic() + 5
                    while time.monotonic() < end and sum(
                            1 for e in list(events)
                            if isinstance(e, KeyPressed) and e.key.value == "clear") <= i:
                        time.sleep(0.01)

        t = threading.Thread(target=farmer, daemon=True)
        t.start()
        cancel = kw.pop("cancel", None) or CancelToken()
        try:
            result: Any = self.pad.get_pin(pan, events=events.append, cancel=cancel, **kw)
        except Exception as exc:
            result = exc
        t.join(10)
        return result, events


SIM_VARIANTS = {
    "kmy-socket": (["--listen", "tcp://127.0.0.1:0"], {}),
    "kmy-pty": (["--pty"], {}),
    "kmy-ascii": (["--listen", "tcp://127.0.0.1:0", "--framing", "ascii", "--etx"],
                  {"framing": "ascii", "etx": True}),
}


@pytest.fixture(scope="session")
def pinpad_sims(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, SimulatorProcess]]:
    """One simulator process per wire variant, shared by the session (started lazily)."""
    sims: dict[str, SimulatorProcess] = {}

    class Lazy(dict):  # type: ignore[type-arg]
        def __missing__(self, key: str) -> SimulatorProcess:
            args, _ = SIM_VARIANTS[key]
            sim = SimulatorProcess("pinpad", args,
                                   state_dir=tmp_path_factory.mktemp(f"pinpad-{key}")).start()
            sims[key] = sim
            self[key] = sim
            return sim

    yield Lazy()
    for sim in sims.values():
        sim.stop()


def _backends() -> list[str]:
    names = ["fake", *SIM_VARIANTS]
    if os.environ.get("KIOSK_HW_PINPAD"):
        names.append("kmy-hw")
    return names


@pytest.fixture(params=_backends())
def rig(request: pytest.FixtureRequest, pinpad_sims: dict[str, SimulatorProcess]) -> Iterator[Rig]:
    """An opened PIN pad of each tier, with its control; faults cleared afterwards."""
    name: str = request.param
    if name == "fake":
        pad: Any = FakePinPad(preload=False)
        pad.open()
        r = Rig(name, pad, in_process(pad))
    elif name == "kmy-hw":
        pad = KmyPinPad(url=os.environ["KIOSK_HW_PINPAD"])
        pad.open()
        r = Rig(name, pad, HumanControl())
    else:
        sim = pinpad_sims[name]
        _, params = SIM_VARIANTS[name]
        pad = KmyPinPad(url=sim.ready["url"], reply_timeout=0.4, **params)
        pad.open()
        r = Rig(name, pad, over_http(sim.ready["control"]),
                Path(sim.ready["state_dir"]))
    try:
        yield r
    finally:
        if name not in ("fake", "kmy-hw"):
            r.control.clear_fault()
        r.pad.close()
