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

``--detach``: the simulators keep running in the background; the command prints the line and
returns once every simulator is ready (``kill PID`` of the line stops them all), so a script
can go on at once: ``kiosk-sim up --detach > sims.json``. Their messages go to
``<state dir>/up.log``.

Started by hand (no ``--state-dir``) or with ``--publish``, it also writes the same line to
``$XDG_RUNTIME_DIR/zhunong-kiosk-sim/up-<pid>.json`` (``/tmp/zhunong-kiosk-sim-<uid>/`` without
XDG_RUNTIME_DIR) while it runs, so that ``kiosk diag`` with a simulated configuration (the
built-in demo one) finds the simulators and the bank host's certificates by itself
(:func:`running`). Tests and ``kiosk run --sim`` give a state directory and publish nothing.
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

from peripherals_sim.atomicfile import write_atomic
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


def publish_dir() -> Path:
    """Where a running ``kiosk-sim up`` publishes its line (one file per process)."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and Path(runtime).is_dir():
        return Path(runtime) / "zhunong-kiosk-sim"
    return Path(tempfile.gettempdir()) / f"zhunong-kiosk-sim-{os.getuid()}"


def _alive(pid: int) -> bool:
    """The process runs (a zombie nobody reaped yet does not count)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no procfs: trust the signal
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def stop_detached(pid: int, timeout: float = 20.0) -> bool:
    """Stop a ``kiosk-sim up --detach`` by its pid (SIGTERM, which stops every simulator;
    SIGKILL after ``timeout``); True when it ended within ``timeout``."""
    import time

    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return True
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)
    return False


def running() -> dict[str, Any] | None:
    """The line of the newest published ``kiosk-sim up`` that still runs, else None (files
    left by a process that was killed outright are ignored and removed)."""
    directory = publish_dir()
    found: list[tuple[float, dict[str, Any]]] = []
    for path in directory.glob("up-*.json"):
        try:
            line = json.loads(path.read_text(encoding="utf-8"))
            pid = int(line["pid"])
            mtime = path.stat().st_mtime
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if not _alive(pid):
            path.unlink(missing_ok=True)
            continue
        found.append((mtime, line))
    return max(found, key=lambda item: item[0])[1] if found else None


def _publish(line: dict[str, Any]) -> Path:
    directory = publish_dir()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = directory / f"up-{os.getpid()}.json"
    write_atomic(path, json.dumps(line, ensure_ascii=False))
    return path


_LINE_SEEN = False


def _detach(log_path: Path) -> bool:
    """Fork: the parent waits for the child's line, prints it and returns True; the child, in
    its own session, returns False and goes on as ``kiosk-sim up`` with stdout into a pipe
    that it closes after its line, and stderr (its own and every simulator's) in
    ``log_path``."""
    global _LINE_SEEN
    read_fd, write_fd = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        os.close(write_fd)
        with os.fdopen(read_fd, "rb") as pipe:
            line = pipe.readline()
        if line:
            sys.stdout.write(line.decode("utf-8"))
            sys.stdout.flush()
            _LINE_SEEN = True
        else:
            print(f"kiosk-sim up: the background process ended before its line; see {log_path}",
                  file=sys.stderr)
        return True
    os.close(read_fd)
    os.setsid()
    os.dup2(write_fd, sys.stdout.fileno())
    os.close(write_fd)
    log_fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(log_fd, sys.stderr.fileno())
    os.close(log_fd)
    null_fd = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null_fd, sys.stdin.fileno())
    os.close(null_fd)
    return False


def _end_detached_stdout() -> None:
    """After the line: stdout (the pipe to the waiting parent) to /dev/null, so the parent
    reads EOF and returns while the simulators run on."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


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
    p.add_argument("--publish", action=argparse.BooleanOptionalAction, default=None,
                   help="publish the line for `kiosk diag` (default: only without "
                        "--state-dir)")
    p.add_argument("--detach", action="store_true",
                   help="run in the background; print the line once all are ready, return")
    args = p.parse_args(argv)
    publish = args.publish if args.publish is not None else args.state_dir is None

    state_dir = Path(args.state_dir or tempfile.mkdtemp(prefix="kiosk-sim-"))
    state_dir.mkdir(parents=True, exist_ok=True)
    if args.detach and _detach(state_dir / "up.log"):
        return 0 if _LINE_SEEN else 1
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
    published = _publish(line) if publish else None
    print(json.dumps(line, ensure_ascii=False), flush=True)
    if args.detach:
        _end_detached_stdout()
    for kind, reason in failed.items():
        print(f"kiosk-sim up: {kind} not started: {reason}", file=sys.stderr)

    try:
        while not stop.wait(0.5):
            for kind, sim in list(procs.items()):
                if sim.proc is not None and sim.proc.poll() is not None:
                    print(f"kiosk-sim up: {kind} exited with status {sim.proc.returncode}",
                          file=sys.stderr)
                    del procs[kind]
    finally:
        if published is not None:
            published.unlink(missing_ok=True)
        stop_all(procs.values())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
