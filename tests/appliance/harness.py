"""A minimal systemd notify-socket harness (what systemd does for ``Type=notify`` with
``WatchdogSec=``): a datagram socket the kiosk sends READY/STATUS/WATCHDOG to, and a
watchdog deadline that, when missed, is answered like systemd answers it (SIGABRT).

Used by tests/appliance/test_watchdog.py and bench/bench_service.py (PID 1 in this sandbox is
not systemd, so ``systemd-run --user`` is not available)."""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.gui.test_app_process import write_config

__all__ = ["REPO", "Message", "NotifyHarness", "write_config"]

REPO = Path(__file__).resolve().parents[2]
HANG_APP = Path(__file__).with_name("hang_app.py")


@dataclass
class Message:
    t: float  # time.monotonic() at receipt
    fields: dict[str, str] = field(default_factory=dict)


class NotifyHarness:
    """Binds ``dir/notify.sock``; ``spawn`` starts a kiosk with ``NOTIFY_SOCKET`` set."""

    def __init__(self, directory: Path, watchdog_usec: int | None = None) -> None:
        self.path = directory / "notify.sock"
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(self.path))
        self.watchdog_usec = watchdog_usec
        self.messages: list[Message] = []
        self.spawned_at = 0.0

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("KIOSK_", "WATCHDOG_", "NOTIFY_"))}
        env.pop("DISPLAY", None)
        env.pop("WAYLAND_DISPLAY", None)
        env["QT_QPA_PLATFORM"] = "offscreen"
        env["NOTIFY_SOCKET"] = str(self.path)
        if self.watchdog_usec:
            env["WATCHDOG_USEC"] = str(self.watchdog_usec)
        env.update(extra or {})
        return env

    def spawn(self, config: Path, *, hang_after_ready_ms: int | None = None,
              extra_env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        env = self.env(extra_env)
        cmd = [sys.executable, "-m", "kiosk", "run", "--config", str(config)]
        if hang_after_ready_ms is not None:
            env["HANG_AFTER_READY_MS"] = str(hang_after_ready_ms)
            cmd = [sys.executable, str(HANG_APP), "--config", str(config)]
        self.messages.clear()
        self.spawned_at = time.monotonic()
        return subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)

    def receive(self, timeout: float) -> Message | None:
        ready, _, _ = select.select([self.sock], [], [], max(timeout, 0))
        if not ready:
            return None
        data = self.sock.recv(4096)
        fields = dict(line.split("=", 1) for line in data.decode().split("\n") if "=" in line)
        msg = Message(time.monotonic(), fields)
        self.messages.append(msg)
        return msg

    def drain(self) -> list[Message]:
        """Read whatever is queued (after the process ended)."""
        while self.receive(0) is not None:
            pass
        return self.messages

    def wait_for(self, key: str, timeout: float, proc: subprocess.Popen[bytes] | None = None
                 ) -> Message:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = self.receive(min(0.5, deadline - time.monotonic()))
            if msg is not None and key in msg.fields:
                return msg
            if proc is not None and proc.poll() is not None:
                raise AssertionError(f"the kiosk exited ({proc.returncode}) before {key}: "
                                     f"{proc.stderr.read().decode(errors='replace')[-2000:]}")
        raise AssertionError(f"no {key} within {timeout} s; got {self.messages}")

    def run_watchdog(self, proc: subprocess.Popen[bytes], limit: float) -> Message | None:
        """Act as systemd's watchdog after READY: every WATCHDOG=1 re-arms the deadline; a
        missed deadline kills the kiosk with SIGABRT. Returns the last ping, or None if the
        process ended by itself. Gives up after ``limit`` seconds."""
        assert self.watchdog_usec
        period = self.watchdog_usec / 1e6
        last = time.monotonic()
        last_ping: Message | None = None
        end = last + limit
        while time.monotonic() < end:
            if proc.poll() is not None:
                return None
            msg = self.receive(min(0.1, max(0.0, last + period - time.monotonic())))
            if msg is not None and msg.fields.get("WATCHDOG") == "1":
                last, last_ping = msg.t, msg
            elif time.monotonic() > last + period:
                proc.send_signal(6)  # systemd: WatchdogSignal= defaults to SIGABRT
                return last_ping
        raise AssertionError(f"the watchdog never expired within {limit} s")

    def close(self) -> None:
        self.sock.close()
        self.path.unlink(missing_ok=True)
