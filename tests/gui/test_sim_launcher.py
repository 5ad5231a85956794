"""``kiosk-sim up`` and the app side of ``--sim``: one JSON line with every simulator's
address, a failed simulator reported without stopping the others, everything stopped on
SIGTERM; device plans point the real drivers at the simulators or fall back to fakes."""

from __future__ import annotations

import json
import signal
import sys
import time
from pathlib import Path

from kiosk.sim_panel.children import SimulatorSet, plan_devices
from peripherals_sim import launcher
from peripherals_sim.process import SimulatorProcess

from .conftest import kiosk_config
from .test_app_process import alive, descendants

REPO = Path(__file__).resolve().parents[2]


def test_up_prints_one_line_and_stops_every_child_on_sigterm(tmp_path: Path) -> None:
    sim = SimulatorProcess("up", ["--only", "idcard,pinpad"], state_dir=tmp_path, cwd=REPO,
                           stop_timeout=20)
    try:
        line = sim.start().ready
        assert sim.proc is not None
        kids = descendants(sim.proc.pid)
        assert line["sim"] == "up" and line["state_dir"] == str(tmp_path)
        assert set(line["sims"]) == {"idcard", "pinpad"}
        for kind in ("idcard", "pinpad"):
            assert line["sims"][kind]["url"].startswith("socket://127.0.0.1:")
            assert line["sims"][kind]["control"].startswith("http://127.0.0.1:")
        assert len(kids) >= 2
        assert sim.stop() == 0  # SIGTERM
    finally:
        sim.stop()
    deadline = time.monotonic() + 10
    while any(alive(k) for k in kids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [k for k in kids if alive(k)]


def test_a_simulator_that_dies_is_reported_and_the_rest_run(tmp_path: Path,
                                                            monkeypatch) -> None:  # type: ignore[no-untyped-def]
    real_args = launcher.child_args

    def broken(kind: str, state_dir: Path, scenario: str | None) -> list[str]:
        if kind == "pinpad":
            return ["--no-such-option"]
        return real_args(kind, state_dir, scenario)

    monkeypatch.setattr(launcher, "child_args", broken)
    monkeypatch.setattr(sys, "argv", ["kiosk-sim"])
    out: list[str] = []
    monkeypatch.setattr("builtins.print", lambda *a, **k: out.append(" ".join(map(str, a))))

    def stop_soon() -> None:
        time.sleep(3)
        signal.raise_signal(signal.SIGTERM)

    import threading

    threading.Thread(target=stop_soon, daemon=True).start()
    old = signal.getsignal(signal.SIGTERM)
    try:
        rc = launcher.main(["--state-dir", str(tmp_path), "--only", "idcard,pinpad",
                            "--ready-timeout", "20"])
    finally:
        signal.signal(signal.SIGTERM, old)
    line = json.loads(next(o for o in out if o.startswith("{")))
    assert rc == 0
    assert set(line["sims"]) == {"idcard"}
    assert "pinpad" in line["failed"] and "status" in line["failed"]["pinpad"]


def test_device_plans_use_real_drivers_on_simulators_else_fakes(state_dir: Path) -> None:
    config = kiosk_config(state_dir, sim=True)
    sims = SimulatorSet(None, {
        "idcard": {"sim": "idcard", "url": "socket://127.0.0.1:1", "control": "http://c:2"},
    })
    plans = plan_devices(config, sims)
    assert plans["idcard"].backend == "samv"
    assert plans["idcard"].params["url"] == "socket://127.0.0.1:1"
    assert plans["idcard"].control_url == "http://c:2"
    for kind in ("iccard", "printer", "pinpad"):
        assert plans[kind].backend == "fake" and "no simulator" in plans[kind].note


def test_without_sim_the_configured_backends_are_used(state_dir: Path) -> None:
    plans = plan_devices(kiosk_config(state_dir), None)  # the demo file's real drivers
    assert {k: p.backend for k, p in plans.items()} == {
        "idcard": "samv", "iccard": "pcsc", "printer": "escpos", "pinpad": "kmy"}
    assert plans["idcard"].params["url"] == "/dev/ttyUSB0"
