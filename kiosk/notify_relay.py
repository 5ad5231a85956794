"""``python -m kiosk.notify_relay [--backoff-file F] -- cage -d -- kiosk run``: the main
process of zhunong-kiosk.service.

The unit has ``PAMName=`` (cage needs a logind session for the seat), and systemd then moves
the main process's children (cage, then the kiosk) into the session scope, where their
``sd_notify`` messages no longer count for the service (systemd.exec(5)). This relay stays the
main process: it binds its own notify socket in ``$RUNTIME_DIRECTORY``, starts the command
with ``NOTIFY_SOCKET`` pointing there (and without ``WATCHDOG_PID``, so the kiosk honours
``WATCHDOG_USEC``), and forwards every datagram to systemd except ``MAINPID=``.

cage exits 0 whatever happened to the kiosk, so the kiosk tells the relay its exit status in a
field of its own (``X_KIOSK_EXIT=<code>``, which systemd would ignore) and the relay exits with
it (1 when nothing was said): ``RestartPreventExitStatus=64`` then stops the restart loop on an
invalid configuration, and the out-of-service screen takes the display.

Back-off: systemd 252 has no ``RestartSteps=``; the relay waits before starting the command
when the previous runs ended quickly (5 s, 10 s, 20 s … at most ``MAX_DELAY``), telling systemd
with ``EXTEND_TIMEOUT_USEC`` and ``STATUS=``. Standard library only (no Qt, no kiosk imports).
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from devices.atomicfile import write_json_atomic

QUICK_RUN = 60.0  # a run shorter than this counts towards the back-off
BASE_DELAY = 5.0
MAX_DELAY = 120.0
EXIT_FIELD = "X_KIOSK_EXIT"


def backoff_delay(quick_failures: int) -> float:
    """Seconds to wait before the next start after ``quick_failures`` quick runs in a row."""
    if quick_failures <= 0:
        return 0.0
    return min(BASE_DELAY * 2 ** (quick_failures - 1), MAX_DELAY)


def _load(path: Path | None) -> dict[str, float]:
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _save(path: Path | None, data: Mapping[str, float]) -> None:
    if path is None:
        return
    write_json_atomic(path, dict(data))


def _send(sock: socket.socket, addr: str | None, payload: bytes) -> None:
    if not addr:
        return
    target = "\0" + addr[1:] if addr.startswith("@") else addr
    try:
        sock.sendto(payload, target)
    except OSError as exc:
        print(f"notify_relay: cannot forward to systemd: {exc}", file=sys.stderr)


def relay(command: Sequence[str], *, runtime_dir: Path, env: Mapping[str, str],
          backoff_file: Path | None = None) -> int:
    upstream = env.get("NOTIFY_SOCKET")
    out = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
    state = _load(backoff_file)
    quick = int(state.get("quick_failures", 0))
    delay = backoff_delay(quick)
    if delay:
        _send(out, upstream, (f"EXTEND_TIMEOUT_USEC={int((delay + 120) * 1e6)}\n"
                              f"STATUS=waiting {delay:.0f} s after {quick} quick restarts")
              .encode())
        time.sleep(delay)

    runtime_dir.mkdir(parents=True, exist_ok=True)
    path = runtime_dir / "kiosk-notify.sock"
    path.unlink(missing_ok=True)
    inbox = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
    inbox.bind(str(path))
    child_env = {k: v for k, v in env.items() if k not in ("WATCHDOG_PID", "NOTIFY_SOCKET")}
    child_env["NOTIFY_SOCKET"] = str(path)
    started = time.monotonic()
    child = subprocess.Popen(list(command), env=child_env)

    def forward_signal(signum: int, frame: object) -> None:
        if child.poll() is None:
            child.send_signal(signum)

    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, forward_signal)

    exit_code: int | None = None
    sel = selectors.DefaultSelector()
    sel.register(inbox, selectors.EVENT_READ)
    while True:
        for _ in sel.select(timeout=0.5):
            data = inbox.recv(65536)
            lines = data.decode(errors="replace").split("\n")
            kept = []
            for line in lines:
                if line.startswith(f"{EXIT_FIELD}="):
                    value = line.split("=", 1)[1]
                    exit_code = int(value) if value.isdigit() else exit_code
                elif not line.startswith("MAINPID="):
                    kept.append(line)
            if any(kept):
                _send(out, upstream, "\n".join(kept).encode())
        if child.poll() is not None:
            break
    while True:  # whatever the child sent just before it ended
        try:
            data = inbox.recv(65536, socket.MSG_DONTWAIT)
        except BlockingIOError:
            break
        for line in data.decode(errors="replace").split("\n"):
            if line.startswith(f"{EXIT_FIELD}=") and line.split("=", 1)[1].isdigit():
                exit_code = int(line.split("=", 1)[1])
    inbox.close()
    path.unlink(missing_ok=True)
    ran = time.monotonic() - started
    code = exit_code if exit_code is not None else (child.returncode or 1)
    if code < 0:
        code = 128 - code
    quick = quick + 1 if (ran < QUICK_RUN and code != 0) else 0
    _save(backoff_file, {"quick_failures": quick, "last_exit": code, "ran_seconds": ran})
    return code


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    backoff_file: Path | None = None
    if args[:1] == ["--backoff-file"] and len(args) > 1:
        backoff_file, args = Path(args[1]), args[2:]
    if args[:1] == ["--"]:
        args = args[1:]
    if not args:
        print("usage: python -m kiosk.notify_relay [--backoff-file F] -- COMMAND ...",
              file=sys.stderr)
        return 64
    runtime = Path(os.environ.get("RUNTIME_DIRECTORY", "").split(":")[0]
                   or os.environ.get("XDG_RUNTIME_DIR") or "/tmp")
    return relay(args, runtime_dir=runtime, env=os.environ,
                 backoff_file=backoff_file or runtime / "relay-backoff.json")


if __name__ == "__main__":
    raise SystemExit(main())
