"""``kiosk-sim up``: every simulator that exists, as child processes, one JSON line for all.

Starts ``kiosk-sim <kind>`` for each kind whose ``peripherals_sim/<package>/cli.py`` exists,
on ephemeral loopback ports, reads each child's ready line, then prints ONE JSON line::

    {"sim": "up", "pid": 123, "state_dir": "...",
     "sims": {"idcard": {"sim": "idcard", "url": "socket://127.0.0.1:40001",
                         "control": "http://127.0.0.1:40002"}, ...},
     "failed": {"iccard": "exited with status 1 before its ready line"}}

and runs until SIGTERM or SIGINT, when it stops every child (SIGTERM, then SIGKILL after a
grace period). A simulator that fails to start is reported under ``failed``; the others run.
Children get PR_SET_PDEATHSIG so they also end if this process is killed outright.
Imports nothing from ``kiosk``, ``devices`` or ``screens``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from peripherals_sim.process import SimulatorProcess, SimulatorStartError, stop_all

PACKAGE_DIR = Path(__file__).resolve().parent

# kind -> simulator package (the ``kiosk-sim`` subcommand is the kind)
PACKAGES = {
    "idcard": "idcard",
    "iccard": "iccard",
    "pinpad": "pinpad",
    "printer": "printer",
    "host": "bank_host",
    "broker": "broker",  # Debian's mosquitto: only when it is installed
}


def available_kinds() -> list[str]:
    """Kinds whose simulator command exists."""
    from peripherals_sim.broker.mosquitto import find_mosquitto

    return [k for k, pkg in PACKAGES.items() if (PACKAGE_DIR / pkg / "cli.py").is_file()
            and (k != "broker" or find_mosquitto() is not None)]


def child_args(kind: str, state_dir: Path, scenario: str | None) -> list[str]:
    """The command line of one simulator, on ephemeral loopback ports."""
    own = state_dir / kind
    own.mkdir(parents=True, exist_ok=True)
    common = ["--state-dir", str(own)] + (["--scenario", scenario] if scenario else [])
    if kind in ("idcard", "pinpad"):
        return ["--listen", "tcp://127.0.0.1:0", "--control", "0", *common]
    if kind == "printer":
        return ["--listen", "tcp://127.0.0.1:0", "--out", str(own / "receipts"),
                "--control", "0", *common]
    if kind == "iccard":
        return ["--control", "0", *common]
    if kind == "host":
        return ["--listen", "https://127.0.0.1:0", "--control", "0", *common]
    if kind == "broker":
        return common
    raise ValueError(kind)


def drain_stdout(proc: subprocess.Popen[bytes], label: str) -> threading.Thread:
    """Forward whatever a child prints after its ready line to our stderr (so it never
    blocks on a full pipe)."""

    def run() -> None:
        assert proc.stdout is not None
        for raw in iter(proc.stdout.readline, b""):
            sys.stderr.write(f"[{label}] {raw.decode('utf-8', 'replace')}")

    thread = threading.Thread(target=run, name=f"drain-{label}", daemon=True)
    thread.start()
    return thread


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="kiosk-sim up", description=__doc__.split("\n\n")[0])
    p.add_argument("--scenario", help="scenario YAML (default: the demo scenario)")
    p.add_argument("--state-dir", help="directory for the simulators' state (default: a "
                   "fresh temporary directory)")
    p.add_argument("--only", help="comma-separated kinds to start (default: all that exist)")
    p.add_argument("--ready-timeout", type=float, default=20.0,
                   help="seconds each simulator has to print its ready line")
    args = p.parse_args(argv)

    state_dir = Path(args.state_dir or tempfile.mkdtemp(prefix="kiosk-sim-"))
    state_dir.mkdir(parents=True, exist_ok=True)
    kinds = available_kinds()
    if args.only:
        wanted = [k.strip() for k in args.only.split(",") if k.strip()]
        unknown = [k for k in wanted if k not in PACKAGES]
        if unknown:
            p.error(f"unknown simulator kind(s): {', '.join(unknown)}")
        kinds = [k for k in kinds if k in wanted]

    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    procs: dict[str, SimulatorProcess] = {}
    sims: dict[str, Any] = {}
    failed: dict[str, str] = {}
    for kind in kinds:  # every child spawned before any thread starts (preexec_fn)
        sim = SimulatorProcess(kind, child_args(kind, state_dir, args.scenario),
                               ready_timeout=args.ready_timeout, stop_timeout=1.0,
                               stderr="inherit", die_with_parent=True)
        try:
            procs[kind] = sim.spawn()
        except OSError as exc:
            failed[kind] = f"cannot start: {exc}"
    for kind, sim in list(procs.items()):
        try:
            sims[kind] = sim.wait_ready()
        except SimulatorStartError as exc:
            failed[kind] = exc.reason
            del procs[kind]
            continue
        assert sim.proc is not None
        drain_stdout(sim.proc, kind)

    line = {"sim": "up", "pid": os.getpid(), "state_dir": str(state_dir), "sims": sims,
            "failed": failed}
    print(json.dumps(line, ensure_ascii=False), flush=True)
    for kind, reason in failed.items():
        print(f"kiosk-sim up: {kind} not started: {reason}", file=sys.stderr)

    while not stop.wait(0.5):
        for kind, sim in list(procs.items()):
            if sim.proc is not None and sim.proc.poll() is not None:
                print(f"kiosk-sim up: {kind} exited with status {sim.proc.returncode}",
                      file=sys.stderr)
                del procs[kind]
    stop_all(procs.values())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
