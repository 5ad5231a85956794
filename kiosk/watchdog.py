"""The kiosk as a systemd ``Type=notify`` service: READY, watchdog pings, a memory ceiling that
asks for a restart at a safe point, restart counters, and the state file the package's
maintainer scripts read.

- **READY** is sent once the attract screen has been painted, the devices are installed and
  the terminal has either signed in with the host or decided to run without it (no host
  configured, the sign-in failed, or the host is offline) and the modes chart has left
  STARTING. Until then ``STATUS=`` lines say what is awaited.
- **WATCHDOG=1** pings come from a QTimer on the GUI thread at half ``WATCHDOG_USEC``: a GUI
  thread that hangs stops the pings and systemd kills and restarts the kiosk. Never ping from
  another thread (that would keep a hung GUI alive).
- **Memory ceiling** (``[service] memory_max_mb``): when the resident set exceeds it, the kiosk
  waits for a safe point (no journey in progress) and exits with :data:`EXIT_MEMORY`; systemd
  (``Restart=always``) starts a fresh one. Never in the middle of a journey.
- **Counters** (``state_dir/service.json``): starts, restarts in this boot, unclean restarts
  (the previous run never recorded its stop: crash, watchdog kill, power cut) and restarts for
  memory; :meth:`ServiceNotifier.counters` gives them to the heartbeat.
- **State file** (``state_dir/run/service-state.json``): ``pid``, ``journey``, ``ready``,
  ``updated``; rewritten when it changes. ``kiosk service may-stop`` (kiosk/service_cli.py)
  reads it in the package's ``prerm``/``preinst`` to refuse an upgrade during a journey.

The notify protocol is written here (one ``sendto`` of UTF-8 text on an ``AF_UNIX`` datagram
socket): the ``sdnotify`` package encodes Latin-1 and silently drops ``STATUS=就绪``, and
python3-systemd is not in the venv. Qt is imported only inside :class:`ServiceNotifier`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from devices import atomicfile

log = logging.getLogger(__name__)

EXIT_MEMORY = 71  # EX_OSERR: the memory ceiling was exceeded; restarted at a safe point
STATE_FILE = Path("run") / "service-state.json"
COUNTERS_FILE = Path("service.json")
POLL_MS = 250  # how often readiness and the journey flag are looked at


# --- the notify protocol -----------------------------------------------------------------------


def sd_notify(*fields: str, env: Mapping[str, str] | None = None) -> bool:
    """Send ``fields`` (``"READY=1"``, ``"STATUS=…"``) to ``$NOTIFY_SOCKET``; False when there
    is no socket (not under systemd) or the send failed."""
    env = os.environ if env is None else env
    addr = env.get("NOTIFY_SOCKET")
    if not addr or not fields:
        return False
    if addr[0] == "@":
        addr = "\0" + addr[1:]  # abstract namespace
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as s:
            s.sendto("\n".join(fields).encode(), addr)
    except OSError as exc:
        log.warning("sd_notify failed: %s", exc)
        return False
    return True


def notify_exit(code: int, env: Mapping[str, str] | None = None) -> bool:
    """Tell the notify relay (kiosk/notify_relay.py) the kiosk's exit status: cage, between
    the relay and the kiosk, always exits 0. systemd itself ignores the field."""
    return sd_notify(f"X_KIOSK_EXIT={int(code)}", env=env)


def watchdog_usec(env: Mapping[str, str] | None = None, pid: int | None = None) -> int | None:
    """``WATCHDOG_USEC`` if the watchdog is meant for this process (``WATCHDOG_PID`` unset or
    ours), else None."""
    env = os.environ if env is None else env
    wpid = env.get("WATCHDOG_PID")
    if wpid and wpid.isdigit() and int(wpid) != (os.getpid() if pid is None else pid):
        return None
    usec = env.get("WATCHDOG_USEC", "")
    return int(usec) if usec.isdigit() and int(usec) > 0 else None


def rss_bytes() -> int:
    """Resident set size of this process (``/proc/self/statm``)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def write_json_atomic(path: Path, obj: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomicfile.write_json_atomic(path, obj, sort_keys=True)


def read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


# --- restart counters ----------------------------------------------------------------------------


class RestartCounter:
    """``state_dir/service.json``: counted at start, closed at a clean stop."""

    def __init__(self, state_dir: Path) -> None:
        self.path = Path(state_dir) / COUNTERS_FILE
        self.data: dict[str, Any] = {}

    def start(self, now: float | None = None) -> dict[str, Any]:
        old = read_json(self.path)
        boot = boot_id()
        same_boot = bool(boot) and old.get("boot_id") == boot
        d = {k: old.get(k, 0) for k in ("starts", "crash_restarts", "memory_restarts")}
        d["starts"] += 1
        d["restarts_this_boot"] = int(old.get("restarts_this_boot", 0)) + 1 if same_boot else 0
        d["previous_exit"] = old.get("last_exit", "none") if old.get("running") is False \
            else ("unclean" if old else "none")
        if old.get("running") is True:  # crash, watchdog kill, power cut
            d["crash_restarts"] += 1
        d.update(boot_id=boot, running=True, last_start=time.time() if now is None else now,
                 pid=os.getpid())
        self.data = d
        write_json_atomic(self.path, d)
        return d

    def stop(self, reason: str) -> None:
        if not self.data:
            return
        self.data.update(running=False, last_exit=reason)
        if reason == "memory":
            self.data["memory_restarts"] = int(self.data.get("memory_restarts", 0)) + 1
        write_json_atomic(self.path, self.data)


# --- the service notifier (GUI thread) ------------------------------------------------------------


class ServiceNotifier:
    """Attach to a running :class:`kiosk.app.Kiosk` (``attach``) and talk to systemd.

    ``quit`` leaves the event loop with an exit code; ``env`` defaults to ``os.environ``.
    """

    def __init__(self, state_dir: Path, *, memory_max_mb: int = 0,
                 memory_check_seconds: float = 30.0,
                 quit: Callable[[int], None] | None = None,
                 env: Mapping[str, str] | None = None) -> None:
        self.state_dir = Path(state_dir)
        self.env = dict(os.environ if env is None else env)
        self.memory_max = memory_max_mb * 1024 * 1024
        self.memory_check_seconds = memory_check_seconds
        self.quit = quit
        self.counter = RestartCounter(self.state_dir)
        self.ready_sent = False
        self.painted = False
        self.restart_pending: str | None = None
        self.exit_reason = "clean"
        self._kiosk: Any = None
        self._state: dict[str, Any] = {}
        self._status = ""
        self._timers: list[Any] = []
        self._filter: Any = None
        self._next_memory_check = 0.0

    @classmethod
    def from_config(cls, config: Any, quit: Callable[[int], None] | None = None
                    ) -> ServiceNotifier:
        return cls(Path(config.state_dir), memory_max_mb=config.service.memory_max_mb,
                   memory_check_seconds=config.service.memory_check_seconds, quit=quit)

    # -- wiring --

    def attach(self, kiosk: Any) -> None:
        """Count this start, watch the attract screen's first paint, start the timers."""
        from PySide6.QtCore import QEvent, QObject, QTimer

        self._kiosk = kiosk
        self.counter.start()
        outer = self

        class _Painted(QObject):
            def eventFilter(self, watched: QObject, event: QEvent) -> bool:
                if event.type() == QEvent.Type.Paint:
                    watched.removeEventFilter(self)
                    outer.painted = True
                return False

        self._filter = _Painted(kiosk.shell.attract)
        kiosk.shell.attract.installEventFilter(self._filter)
        poll = QTimer()
        poll.timeout.connect(self.poll)
        poll.start(POLL_MS)
        self._timers.append(poll)
        usec = watchdog_usec(self.env)
        if usec is not None:
            ping = QTimer()
            ping.timeout.connect(self.ping)
            ping.start(max(usec // 2000, 50))
            self._timers.append(ping)
            log.info("systemd watchdog: %.1f s, pinging every %d ms from the GUI thread",
                     usec / 1e6, max(usec // 2000, 50))
        self._write_state()

    def ping(self) -> None:
        sd_notify("WATCHDOG=1", env=self.env)

    # -- readiness --

    def readiness(self) -> tuple[bool, str]:
        """(ready, what is awaited) from the kiosk's state."""
        k = self._kiosk
        if not self.painted:
            return False, "starting: attract screen"
        if not getattr(k, "ready", False):
            return False, "starting: devices"
        from kiosk.modes import Mode

        if k.modes.mode is Mode.STARTING:
            return False, "starting: device states"
        if "host" not in k.workers:
            return True, f"ready ({k.modes.mode.value}, no host)"
        if k.host_signed_in:
            return True, f"ready ({k.modes.mode.value}, signed in)"
        outcome = getattr(k, "sign_in_outcome", None)
        status = k.host_status
        offline = status is not None and getattr(status.device, "value", "") == "offline"
        if outcome is False or offline:
            return True, f"ready ({k.modes.mode.value}, host not signed in: degraded)"
        return False, "starting: terminal sign-in"

    def poll(self) -> None:
        """Every POLL_MS on the GUI thread: READY once, the state file, the memory ceiling."""
        if self._kiosk is None:
            return
        if not self.ready_sent:
            ready, status = self.readiness()
            if status != self._status:
                self._status = status
                sd_notify(f"STATUS={status}", env=self.env)
            if ready:
                self.send_ready(status)
        self._write_state()
        now = time.monotonic()
        if self.memory_max and now >= self._next_memory_check:
            self._next_memory_check = now + self.memory_check_seconds
            self.check_memory()
        if self.restart_pending and self.at_safe_point():
            self.restart_now()

    def send_ready(self, status: str) -> None:
        self.ready_sent = True
        self._write_state()  # before READY: whoever hears READY finds the state file current
        sd_notify("READY=1", f"STATUS={status}", env=self.env)
        log.info("service ready: %s", status)

    # -- safe point, memory --

    def journey_in_progress(self) -> bool:
        terminal = getattr(self._kiosk, "terminal", None)
        return bool(terminal is not None and not terminal.at_safe_point())

    def at_safe_point(self) -> bool:
        """Between journeys: nothing a farmer started is running."""
        return not self.journey_in_progress()

    def check_memory(self, rss: int | None = None) -> bool:
        """True (and a restart requested) when the resident set exceeds the ceiling."""
        rss = rss_bytes() if rss is None else rss
        if self.memory_max and rss > self.memory_max and not self.restart_pending:
            log.warning("resident memory %.0f MB exceeds the ceiling %.0f MB: restarting at the "
                        "next safe point", rss / 2**20, self.memory_max / 2**20)
            self.restart_pending = "memory"
            sd_notify("STATUS=memory ceiling: restart at the next safe point", env=self.env)
        return self.restart_pending is not None

    def restart_now(self) -> None:
        reason = self.restart_pending or "restart"
        log.warning("restarting at a safe point (%s)", reason)
        self.exit_reason = reason
        sd_notify(f"STATUS=restarting ({reason})", "STOPPING=1", env=self.env)
        if self.quit is not None:
            self.quit(EXIT_MEMORY)

    # -- state file and stop --

    def _write_state(self) -> None:
        state = {"pid": os.getpid(), "journey": self.journey_in_progress(),
                 "ready": self.ready_sent}
        if state != self._state:
            self._state = state
            write_json_atomic(self.state_dir / STATE_FILE, {**state, "updated": time.time()})

    def counters(self) -> dict[str, int]:
        """Restart counters for the heartbeat."""
        d = self.counter.data
        return {k: int(d.get(k, 0)) for k in ("starts", "restarts_this_boot", "crash_restarts",
                                              "memory_restarts")}

    def close(self) -> None:
        """The event loop has ended: stop the timers, record a clean stop, drop the state."""
        for t in self._timers:
            t.stop()
        self._timers.clear()
        self.counter.stop(self.exit_reason)
        with contextlib.suppress(OSError):
            (self.state_dir / STATE_FILE).unlink()
