"""The kiosk as a systemd service: boot-to-ready (READY=1 received on the notify socket, the
way systemd sees the service start) against the app's own time to ready (the attract screen
first painted), both from the spawn of the service's main process, measured in the same runs.

Each round starts ``python -m kiosk.notify_relay -- python -m kiosk run`` exactly as the unit
does (minus cage, which needs a seat) under the notify-socket harness of
tests/appliance/harness.py, with fake devices and no host (the sign-in decision is then
immediate), then stops it with SIGTERM. Rounds alternate relay / direct (A B A B) so that the
relay's own cost is measured in the same conditions.

    .venv/bin/python bench/bench_service.py --rounds 7
    .venv/bin/python -m pytest bench/bench_service.py -q -p no:cacheprovider --benchmark-only
"""

from __future__ import annotations

import argparse
import json
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.appliance.harness import NotifyHarness, write_config  # noqa: E402


def one_start(work: Path, relay: bool) -> dict[str, float]:
    h = NotifyHarness(work, watchdog_usec=30_000_000)
    config = write_config(work / "kiosk.toml", work / "state")
    cmd = [sys.executable, "-m", "kiosk", "run", "--config", str(config)]
    if relay:
        cmd = [sys.executable, "-m", "kiosk.notify_relay", "--backoff-file",
               str(work / "backoff.json"), "--", *cmd]
    env = h.env({"KIOSK_REPORT_PAINT": "1", "RUNTIME_DIRECTORY": str(work / "run")})
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    try:
        ready = h.wait_for("READY", 120, proc)
        painted = None
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("{") and '"painted"' in line:
                painted = json.loads(line)["t"]
                break
        assert painted is not None
        return {"painted_ms": (painted - t0) * 1000, "ready_ms": (ready.t - t0) * 1000}
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        h.close()


def bench(rounds: int = 5) -> dict[str, Any]:
    runs: dict[str, list[dict[str, float]]] = {"relay": [], "direct": []}
    with tempfile.TemporaryDirectory(prefix="bench-service-") as tmp:
        warm = Path(tmp) / "warm"
        warm.mkdir()
        one_start(warm, relay=False)  # the page cache, the escpos capabilities pickle
        for i in range(rounds):
            for relay in (True, False):
                work = Path(tmp) / f"r{i}-{int(relay)}"
                work.mkdir()
                runs["relay" if relay else "direct"].append(one_start(work, relay))
    out: dict[str, Any] = {"rounds": rounds}
    for kind, rs in runs.items():
        painted = statistics.median(r["painted_ms"] for r in rs)
        ready = statistics.median(r["ready_ms"] for r in rs)
        out[kind] = {"painted_median_ms": round(painted, 1), "ready_median_ms": round(ready, 1),
                     "ready_over_painted": round(ready / painted, 2),
                     "ready_minus_painted_ms": round(ready - painted, 1)}
    return out


def test_boot_to_ready_vs_first_paint(benchmark: Any) -> None:
    result = benchmark.pedantic(bench, kwargs={"rounds": 2}, rounds=1)
    benchmark.extra_info.update(result)


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=5)
    print(json.dumps(bench(p.parse_args().rounds), indent=1))
