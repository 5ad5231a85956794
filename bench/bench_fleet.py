"""Fleet scale on this machine: one Mosquitto + one console (``kiosk-fleet serve``) fed by
``kiosk-fleet simulate`` (real TLS clients, one per simulated terminal, own certificates).

For each terminal count and heartbeat interval: how many heartbeats per second the console
ingested (committed to its state), the time from a terminal's publish (its ``ts``) to the
console's commit (p50/p99/max over the run), the CPU seconds of broker, console and load
generator, and the console's resident memory before and after (-> MB per 1,000 terminals).
Then the terminal side: CPU time of the real telemetry (build, buffer, publish over TLS,
PUBACK, delete) per heartbeat, measured in-process against the same broker, minus the idle
cost of its network loop measured right before (interleaved A B A B).

Run as a script (the figures for docs/fleet.md)::

    .venv/bin/python bench/bench_fleet.py --runs 1000:10 1000:1 5000:10 5000:2 --duration 30

``make bench`` (pytest-benchmark) runs only ``test_build_heartbeat`` below.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


PROCS = 1  # load generator processes (--procs)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _raise_nofile() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def stats(url: str, window: float) -> dict[str, Any]:
    with urllib.request.urlopen(f"{url}/api/stats?window={window}", timeout=10) as r:
        return dict(json.loads(r.read()))


def run_scale(terminals: int, interval: float, duration: float, pki_dir: Path,
              inflight: int = 1000) -> dict[str, Any]:
    from peripherals_sim.broker.mosquitto import Mosquitto
    from peripherals_sim.process import read_ready_line

    tmp = Path(tempfile.mkdtemp(prefix="bench-fleet-"))
    shutil.rmtree(pki_dir / "data", ignore_errors=True)  # no sessions or retained messages
    broker = Mosquitto(pki_dir, log_file=tmp / "mosquitto.log",  # certificates kept
                       max_inflight=inflight).start()
    assert broker.proc is not None
    console = subprocess.Popen(
        [sys.executable, "-m", "fleet", "serve", "--state-dir", str(tmp / "console"),
         "--broker", broker.url, "--pki", str(broker.state_dir)],
        stdout=subprocess.PIPE, stderr=(tmp / "console.err").open("wb"), cwd=REPO)
    try:
        url = str(read_ready_line(console, 30)["url"])
        time.sleep(1.0)
        rss0 = rss_mb(console.pid)
        b0, c0 = cpu_seconds(broker.proc.pid), cpu_seconds(console.pid)
        load0 = os.getloadavg()[0]
        t0 = time.monotonic()
        ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        sim = subprocess.run(
            [sys.executable, "-m", "fleet", "simulate", "--terminals", str(terminals),
             "--interval", str(interval), "--duration", str(duration), "--events-per-hour",
             "6", "--broker", broker.url, "--pki", str(broker.state_dir),
             "--connect-rate", "400", "--procs", str(PROCS)],
            capture_output=True, cwd=REPO, timeout=3600,
            preexec_fn=_raise_nofile)
        wall = time.monotonic() - t0
        if sim.returncode != 0:
            raise RuntimeError(sim.stderr.decode()[-2000:])
        result = json.loads(sim.stdout.decode().strip().splitlines()[-1])
        deadline = time.monotonic() + 60
        while stats(url, wall + 60)["heartbeats"] < result["heartbeats"] and \
                time.monotonic() < deadline:
            time.sleep(0.5)
        st = stats(url, wall + 60)
        ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        sim_cpu = ru1.ru_utime - ru0.ru_utime + ru1.ru_stime - ru0.ru_stime
        return {
            "terminals": terminals, "interval_s": interval, "duration_s": duration,
            "connected": result["connected"], "connect_s": result["connect_seconds"],
            "offered_hz": round(terminals / interval, 1),
            "published": result["heartbeats"], "publish_hz": result["rate_hz"],
            "ingested": st["heartbeats"],
            "ingest_hz": round(st["heartbeats"] / max(result["seconds"], 1e-9), 1),
            "p50_ms": st["latency_p50_ms"], "p99_ms": st["latency_p99_ms"],
            "max_ms": round(st["latency_max_ms"] or 0, 1),
            "broker_cpu_s": round(cpu_seconds(broker.proc.pid) - b0, 2),
            "console_cpu_s": round(cpu_seconds(console.pid) - c0, 2),
            "loadgen_cpu_s": round(sim_cpu, 2),
            "console_rss_mb_before": round(rss0, 1),
            "console_rss_mb_after": round(rss_mb(console.pid), 1),
            "loadavg_1min_before_after": [round(load0, 1), round(os.getloadavg()[0], 1)],
            "cpus": os.cpu_count(), "broker_max_inflight": inflight,
        }
    finally:
        console.terminate()
        console.wait(10)
        broker.stop()


def terminal_cpu(beats: int = 300, spacing: float = 0.02) -> dict[str, Any]:
    """CPU per heartbeat of the real telemetry, minus the idle cost of its loop (A/B A/B)."""
    from kiosk.telemetry.client import Telemetry, TelemetrySettings
    from kiosk.telemetry.mqtt import Endpoint
    from peripherals_sim.broker.mosquitto import Mosquitto

    tmp = Path(tempfile.mkdtemp(prefix="bench-fleet-term-"))
    broker = Mosquitto(tmp / "broker", terminals=["ZNBENCH"]).start()
    cert, key = broker.pki.client("ZNBENCH")
    tel = Telemetry(TelemetrySettings("ZNBENCH", "bench", Endpoint(
        broker.url, broker.pki.ca_file, cert, key, "ZNBENCH"), heartbeat_seconds=3600),
        tmp / "state").start()
    try:
        tel.connected.wait(10)
        time.sleep(1.0)
        busy, idle = [], []
        for _round in range(2):
            p0, w0 = time.process_time(), time.monotonic()
            time.sleep(beats * spacing)
            idle.append((time.process_time() - p0) / (time.monotonic() - w0))
            p0, w0 = time.process_time(), time.monotonic()
            for _ in range(beats):
                tel.heartbeat_now()
                time.sleep(spacing)
            while tel.buffer.counts():
                time.sleep(0.005)
            busy.append((time.process_time() - p0, time.monotonic() - w0))
        per = [(cpu - idle_rate * wall) / beats * 1000
               for (cpu, wall), idle_rate in zip(busy, idle, strict=True)]
        return {"beats_per_round": beats, "rounds": 2,
                "cpu_ms_per_heartbeat": [round(x, 3) for x in per],
                "idle_loop_cpu_pct": [round(x * 100, 2) for x in idle]}
    finally:
        tel.stop()
        broker.stop()


def console_capacity(terminals: int = 5000, beats: int = 20000, batch: int = 500
                     ) -> dict[str, Any]:
    """The console's ingest alone (no broker, no network): ``Ingest.handle`` on batches of
    realistic heartbeats, as its thread does; CPU microseconds per heartbeat."""
    import random

    from fleet.ingest import Ingest
    from fleet.simulate import heartbeat
    from fleet.store import Store
    from kiosk.telemetry.mqtt import Endpoint
    from kiosk.telemetry.wire import dumps

    tmp = Path(tempfile.mkdtemp(prefix="bench-fleet-ingest-"))
    store = Store(tmp / "fleet.sqlite3")
    ingest = Ingest(store, Endpoint("mqtts://127.0.0.1:1", None, None, None, "x"),
                    state_dir=tmp)
    rng = random.Random(1)
    started = time.time()
    msgs = [(f"zhunong/SIM{i % terminals:05d}/hb",
             dumps(heartbeat(f"SIM{i % terminals:05d}", i // terminals + 1, rng, started)),
             time.time()) for i in range(beats)]
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for k in range(0, beats, batch):
        ingest._alerts(ingest.handle(msgs[k:k + batch]))
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    store.close()
    return {"terminals": terminals, "heartbeats": beats, "batch": batch,
            "cpu_us_per_heartbeat": round(cpu / beats * 1e6, 1),
            "wall_us_per_heartbeat": round(wall / beats * 1e6, 1),
            "max_hz_one_core": round(beats / cpu, 0)}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", nargs="+", default=["1000:10", "1000:1", "5000:10", "5000:2"],
                   help="TERMINALS:INTERVAL_SECONDS[:BROKER_MAX_INFLIGHT] per run")
    p.add_argument("--duration", type=float, default=30.0)
    p.add_argument("--pki-dir", type=Path, help="keep the simulated terminals' certificates "
                   "here between runs (default: a temporary directory)")
    p.add_argument("--skip-terminal", action="store_true")
    p.add_argument("--only-capacity", action="store_true",
                   help="only the console's in-process ingest capacity")
    p.add_argument("--procs", type=int, default=1, help="load generator processes")
    args = p.parse_args()
    global PROCS
    PROCS = args.procs
    out: dict[str, Any] = {"scale": []}
    cap = console_capacity()
    print(json.dumps({"console_capacity": cap}), flush=True)
    if args.only_capacity:
        return 0
    pki = args.pki_dir or Path(tempfile.mkdtemp(prefix="bench-fleet-pki-"))
    for run in args.runs:
        n, interval, *inflight = run.split(":")
        r = run_scale(int(n), float(interval), args.duration, pki,
                      int(inflight[0]) if inflight else 1000)
        print(json.dumps(r), flush=True)
        out["scale"].append(r)
    if not args.skip_terminal:
        t = terminal_cpu()
        print(json.dumps({"terminal": t}), flush=True)
        out["terminal"] = t
    return 0


def test_build_heartbeat(benchmark: Any, tmp_path: Path) -> None:
    """The heartbeat's own cost (providers, /proc reads, masking), under pytest-benchmark."""
    from kiosk.telemetry.heartbeat import build_heartbeat
    from kiosk.telemetry.providers import Providers

    providers = Providers(devices=lambda: {"printer": {"state": "online", "paper": "ok"}},
                          mode=lambda: "inService")
    hb = benchmark(build_heartbeat, "ZN0001", "bench", 1, providers, state_dir=tmp_path)
    assert hb["devices"]["printer"]["paper"] == "ok"


if __name__ == "__main__":
    raise SystemExit(main())
