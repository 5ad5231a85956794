"""Staff and technician benchmarks (issue 13).

    .venv/bin/python bench/bench_staff.py [--rounds N]

1. Gesture -> staff sign-in screen: the real GUI (offscreen), the PIN pad's keytest in plain
   mode through its worker; timed from the last key of the entry code (确认) to the sign-in
   screen being current. The corner hold itself (``entry_hold_seconds``) is a set wait and is
   reported apart.
2. Technician self-test of every device against the simulators (``kiosk-sim up``: SAM_V ID
   card reader, KMY PIN pad, ESC/POS printer, bank host over mutual TLS; the bank card reader
   on its fake, pcscd being machine-global): through the app's workers (what the screen and the
   control socket do) and with the devices opened by the command line, total and per device,
   medians over the rounds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def bench_gesture(rounds: int) -> dict[str, float]:
    from PySide6.QtCore import QCoreApplication, QPoint, Qt
    from PySide6.QtTest import QTest

    from devices.idcard.fake import FakeIdCardReader
    from devices.pinpad.fake import FakePinPad
    from devices.voice.fake import RecordingVoice
    from kiosk.app import Kiosk, make_qt_app
    from kiosk.config import load_config

    app = make_qt_app("zh_CN")
    state = Path(tempfile.mkdtemp(prefix="bench-staff-"))
    config = load_config(None, env={}, overrides={
        "sim": False, "state_dir": str(state), "voice.backend": "fake",
        "ui.fullscreen": False, "ui.width": 1280, "ui.height": 800,
        "staff.entry_hold_seconds": 1.0})
    pad = FakePinPad(preload=False)
    voice = RecordingVoice()
    voice.open()
    kiosk = Kiosk(config, devices={"idcard": FakeIdCardReader(), "pinpad": pad},
                  voice_device=voice)
    kiosk.modes.settle()
    kiosk.start(show=True)
    staff = kiosk.staff

    def wait(cond: Any, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not cond():
            if time.monotonic() > deadline:
                raise TimeoutError
            app.processEvents()
            time.sleep(0.0005)

    wait(lambda: kiosk.ready and kiosk.workers["pinpad"].running)
    times, holds = [], []
    try:
        for _ in range(rounds):
            kiosk.shell.show_screen(kiosk.shell.attract)
            QCoreApplication.processEvents()
            started = time.perf_counter()
            QTest.mousePress(kiosk.shell.attract, Qt.MouseButton.LeftButton, pos=QPoint(20, 20))
            wait(lambda: pad.state()["mode"] == "plain")
            holds.append(time.perf_counter() - started)
            QTest.mouseRelease(kiosk.shell.attract, Qt.MouseButton.LeftButton,
                               pos=QPoint(20, 20))
            pad.press("BCB")
            started = time.perf_counter()
            pad.press("E")
            wait(lambda: kiosk.shell.current_name() == "staff_sign_in")
            times.append(time.perf_counter() - started)
    finally:
        kiosk.shutdown()
    del staff
    return {"code_to_sign_in_ms_median": statistics.median(times) * 1000,
            "code_to_sign_in_ms_max": max(times) * 1000,
            "hold_to_pad_ready_ms_median": statistics.median(holds) * 1000}


def bench_selftest(rounds: int) -> dict[str, Any]:
    from devices.registry import create_device
    from devices.worker import DeviceWorker
    from kiosk.config import load_config
    from kiosk.host import HostClient, HostSettings
    from kiosk.technician import selftest
    from peripherals_sim.process import SimulatorProcess
    from tests.contract.technician.conftest import write_config

    root = Path(tempfile.mkdtemp(prefix="bench-selftest-"))
    sim = SimulatorProcess("up", ["--only", "idcard,pinpad,printer,host"],
                           state_dir=root / "sim", cwd=REPO, stop_timeout=20)
    out: dict[str, Any] = {}
    try:
        ready = sim.start().ready
        (root / "state").mkdir()
        config = load_config(write_config(root / "kiosk.toml", ready, root / "state"))
        workers = {}
        for kind in ("idcard", "iccard", "pinpad", "printer"):
            dev = config.devices.for_kind(kind)
            workers[kind] = DeviceWorker(kind, create_device(kind, dev.backend, **dev.params),
                                         lambda item: None, probe_interval=3600)
        workers["host"] = DeviceWorker("host", HostClient(HostSettings.from_config(config)),
                                       lambda item: None, probe_interval=3600)
        for w in workers.values():
            w.start()
        try:
            selftest.through_workers(workers)  # warm: ports opened, TLS session up
            app_runs = [selftest.through_workers(workers) for _ in range(rounds)]
        finally:
            for w in workers.values():
                w.stop()
        cli_runs = [selftest.with_own_devices(config) for _ in range(rounds)]
        for name, runs in (("app_workers", app_runs), ("cli_own_devices", cli_runs)):
            assert all(r.ok for r in runs), [r.failed for r in runs]
            per = {c.device: statistics.median(
                [next(x for x in r.checks if x.device == c.device).elapsed_ms for r in runs])
                for c in runs[0].checks}
            out[name] = {"total_ms_median": statistics.median(r.total_ms for r in runs),
                         "per_device_ms_median": per}
    finally:
        sim.stop()
    return out


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=20)
    args = p.parse_args()
    import json

    print(json.dumps({"gesture": bench_gesture(args.rounds),
                      "selftest": bench_selftest(args.rounds)}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
