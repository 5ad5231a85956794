"""Glue between the running kiosk (kiosk/app.py) and the Qt-free telemetry.

Providers read what the kiosk already knows (device statuses from the bridge, the modes
chart, the host link, the service's restart counters, the audit log's head, and the
journal/outbox once the transactions service is on the kiosk); actions run on the GUI thread
through the bridge and are waited for on the telemetry's command thread (never the other way
round). The only Qt used here is inside those GUI-thread calls (a PNG of the screen).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from enum import Enum
from pathlib import Path
from typing import Any

from kiosk.audit import AUDIT_FILE, audit_log, head
from kiosk.logs import LOG_FILE_NAME, mask_sensitive
from kiosk.telemetry.client import Telemetry, TelemetrySettings
from kiosk.telemetry.mqtt import Endpoint
from kiosk.telemetry.providers import Actions, Providers

log = logging.getLogger(__name__)

GUI_WAIT = 10.0  # seconds a command waits for the GUI thread


def settings_from_config(config: Any, sims: Any = None) -> TelemetrySettings | None:
    """``[telemetry]``, or the local broker of ``kiosk-sim up`` under ``--sim``; None: off."""
    t = config.telemetry
    tid = config.terminal.id
    url, ca, cert, key, cmd_key = t.broker_url, t.ca_file, t.cert_file, t.key_file, \
        t.command_key
    broker = (getattr(sims, "sims", None) or {}).get("broker") if sims is not None else None
    if url is None and broker:
        pair = (broker.get("terminals") or {}).get(tid) or {}
        url, ca = broker.get("url"), Path(broker["ca_file"])
        cert = Path(pair["cert_file"]) if pair.get("cert_file") else None
        key = Path(pair["key_file"]) if pair.get("key_file") else None
        cmd_key = Path(broker["command_pub"]) if broker.get("command_pub") else None
    if not url:
        return None
    return TelemetrySettings(tid, config.terminal.service_point,
                             Endpoint(url, ca, cert, key, tid), command_key=cmd_key,
                             heartbeat_seconds=float(t.heartbeat_seconds),
                             max_heartbeats=int(t.max_buffered_heartbeats),
                             keepalive=int(t.keepalive_seconds),
                             command_skew_seconds=float(t.command_skew_seconds))


def status_json(status: Any) -> dict[str, Any]:
    """A device status as plain JSON (``to_json()`` when the class has one)."""
    if hasattr(status, "to_json"):
        data = dict(status.to_json())
    elif dataclasses.is_dataclass(status):
        data = {f.name: getattr(status, f.name) for f in dataclasses.fields(status)}
    else:
        data = {"device": str(status)}
    out = {k: (v.value if isinstance(v, Enum) else v) for k, v in data.items()
           if isinstance(v, (str, int, float, bool, Enum)) or v is None}
    out["state"] = out.pop("device", "unknown")
    return out


class _OnGui:
    """Runs ``fn`` on the GUI thread (posted through the bridge) and hands back its result."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        self.fn = fn
        self.done = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None

    def __call__(self) -> None:
        try:
            self.result = self.fn()
        except BaseException as exc:  # handed to the waiting thread
            self.error = exc
        finally:
            self.done.set()

    def wait(self, timeout: float = GUI_WAIT) -> Any:
        if not self.done.wait(timeout):
            raise TimeoutError("the GUI thread did not answer")
        if self.error is not None:
            raise self.error
        return self.result


class KioskTelemetry:
    """Built on the GUI thread by :func:`attach`; ``stop()`` at shutdown."""

    def __init__(self, kiosk: Any, settings: TelemetrySettings, service: Any = None) -> None:
        self.kiosk = kiosk
        self.service = service
        self.state_dir = Path(kiosk.config.state_dir)
        # what the kiosk knows already; details arrive with the next status change
        self._devices: dict[str, dict[str, Any]] = {
            k: {"state": getattr(v, "value", str(v))} for k, v in kiosk.modes.states.items()}
        self._last_unresolved = 0
        self._crash_seen_file = self.state_dir / "telemetry" / "crashes-reported.json"
        providers = Providers(devices=self._devices_now, host=self._host, mode=self._mode,
                              journey=self._journey, restarts=self._restarts,
                              audit_head=self._audit_head, journal=self._journal,
                              outbox=self._outbox, last_transaction=self._last_transaction,
                              clock_skew=self._clock_skew, tick=self._tick)
        actions = Actions(screen=self._screen, screenshot=self._screenshot,
                          request_restart=self._request_restart,
                          out_of_service=self._out_of_service, in_service=self._in_service,
                          self_test=self._self_test, logs=self._logs)
        self.telemetry = Telemetry(settings, self.state_dir, providers=providers,
                                   actions=actions, audit=audit_log(self.state_dir))
        kiosk.bridge.status_changed.connect(self._on_status)
        kiosk.modes.add_listener(self._on_mode)

    def start(self) -> KioskTelemetry:
        self.telemetry.start()
        return self

    def stop(self) -> None:
        with contextlib.suppress(RuntimeError, TypeError):  # already gone with the bridge
            self.kiosk.bridge.status_changed.disconnect(self._on_status)
        self.telemetry.stop()

    # --- GUI thread: what happens ------------------------------------------------------------

    def _on_status(self, event: Any) -> None:
        if event.device == "host":
            return
        new = status_json(event.new)
        old = self._devices.get(event.device, {})
        self._devices = {**self._devices, event.device: new}
        changed = {k: v for k, v in new.items() if old.get(k) != v
                   and k in ("state", "paper", "cover", "fault", "tamper", "problem")}
        if changed and old.get("state", "unknown") != "unknown":
            self.telemetry.event("device", device=event.device,
                                 old={k: old.get(k) for k in changed}, new=changed)
        elif changed and new.get("state") not in ("online", "unknown"):
            self.telemetry.event("device", device=event.device, old={}, new=changed)

    def _on_mode(self, old: Any, new: Any) -> None:
        forced = self.kiosk.modes.forced_reason
        if forced is not None and new.value == "outOfService":
            # after the kiosk's own listener: show the operations desk's pause
            self.kiosk.shell.attract.set_mode(new, self.kiosk.translator("shell.reason.remote"))
        self.telemetry.event("mode", old=old.value, new=new.value,
                             remote=forced is not None,
                             down=list(self.kiosk.modes.down_devices()))

    # --- news raised as events (beat thread) --------------------------------------------------

    def _tick(self) -> None:
        """Crash logs not reported yet (also those of a run that died: reported at the next
        start), and a growing number of unresolved money transactions."""
        crash_dir = self.state_dir / "crash"
        try:
            seen = set(json.loads(self._crash_seen_file.read_text()))
        except (OSError, ValueError):
            seen = set()
        logs = sorted(p for p in crash_dir.glob("*.log") if p.name != "fatal.log") \
            if crash_dir.is_dir() else []
        new = [p for p in logs if p.name not in seen]
        for path in new:
            try:
                lines = [ln for ln in path.read_text("utf-8", "replace").splitlines()
                         if ln.strip()]
            except OSError:
                lines = []
            self.telemetry.event("crash", file=path.name, last_line=(lines[-1][:200]
                                                                     if lines else ""))
        if new:
            self._crash_seen_file.parent.mkdir(parents=True, exist_ok=True)
            self._crash_seen_file.write_text(json.dumps(sorted(p.name for p in logs)))
        journal = self._journal()
        count = int((journal or {}).get("unresolved") or 0)
        if count > self._last_unresolved:
            self.telemetry.event("unresolved", count=count,
                                 oldest_age_s=(journal or {}).get("oldest_unresolved_age_s"))
        self._last_unresolved = count

    # --- providers (telemetry threads: read only) -------------------------------------------

    def _devices_now(self) -> Mapping[str, Mapping[str, Any]]:
        return self._devices

    def _host(self) -> Mapping[str, Any]:
        st = self.kiosk.host_status
        if st is None:
            return {"online": None, "signed_in": None, "latency_ms": None}
        state = getattr(st.device, "value", str(st.device))
        return {"online": None if state == "unknown" else state == "online",
                "signed_in": st.signed_in,
                "latency_ms": getattr(self.kiosk.devices.get("host"), "last_round_trip_ms", None),
                "last_error": st.last_error}

    def _mode(self) -> str:
        return str(self.kiosk.modes.mode.value)

    def _journey(self) -> str | None:
        runner = getattr(self.kiosk, "_runner", None)
        if runner is not None and runner.active:
            return str(runner.current or runner.last_journey)
        return None

    def _restarts(self) -> Mapping[str, Any]:
        if self.service is None:
            return {}
        out: dict[str, Any] = dict(self.service.counters())
        out["previous_exit"] = self.service.counter.data.get("previous_exit")
        return out

    def _audit_head(self) -> tuple[int, str] | None:
        return head(self.state_dir / AUDIT_FILE)

    def _transactions(self) -> Any:
        return getattr(self.kiosk, "transactions", None)

    def _journal(self) -> Mapping[str, Any] | None:
        journal = getattr(self._transactions(), "journal", None)
        if journal is None:
            return None
        rows = journal.unresolved()
        oldest = None
        if rows:
            import datetime as dt

            try:
                created = dt.datetime.fromisoformat(rows[0].created)
                oldest = max(0.0, time.time() - created.timestamp())
            except ValueError:
                oldest = None
        return {"unresolved": len(rows), "oldest_unresolved_age_s": oldest}

    def _outbox(self) -> Mapping[str, Any] | None:
        outbox = getattr(self._transactions(), "outbox", None)
        if outbox is None:
            return None
        st = outbox.stats()
        return {"depth": st.depth, "oldest_age_s": st.age_seconds}

    def _last_transaction(self) -> float | None:
        journal = getattr(self._transactions(), "journal", None)
        if journal is None:
            return None
        rows = journal.rows()
        if not rows:
            return None
        import datetime as dt

        try:
            return dt.datetime.fromisoformat(rows[-1].updated).timestamp()
        except ValueError:
            return None

    def _clock_skew(self) -> float | None:
        """Host clock minus terminal clock, measured at the last sign-in (kiosk/clock.py)."""
        skew = getattr(getattr(self.kiosk, "clock", None), "skew", None)
        return round(float(skew), 2) if isinstance(skew, (int, float)) else None

    # --- actions (command thread; GUI work posted through the bridge) ------------------------

    def _gui(self, fn: Callable[[], Any]) -> Any:
        call = _OnGui(fn)
        self.kiosk.bridge.call_soon(call)
        return call.wait()

    def _screen(self) -> str:
        if self._journey() is not None:
            return "journey"
        if self.kiosk.modes.mode.value == "outOfService":
            return "out_of_service"
        return "attract"

    def _screenshot(self) -> bytes:
        return bytes(self._gui(self._grab))

    def _grab(self) -> bytes:
        from PySide6.QtCore import QBuffer, QByteArray, QIODevice

        if self._journey() is not None:  # checked again on the GUI thread, at the grab
            raise RuntimeError("a journey started")
        pixmap = self.kiosk.shell.grab()
        data = QByteArray()
        buf = QBuffer(data)
        buf.open(QIODevice.OpenModeFlag.WriteOnly)
        pixmap.save(buf, "PNG")
        buf.close()
        return bytes(data.data())

    def _request_restart(self, reason: str) -> str:
        if self.service is None:
            raise RuntimeError("not running as a service")
        self.service.restart_pending = reason
        return "at_next_safe_point"

    def _out_of_service(self, reason: str) -> None:
        self._gui(_Force(self.kiosk, reason or "remote"))

    def _in_service(self) -> None:
        self._gui(_Force(self.kiosk, None))

    def _self_test(self) -> Mapping[str, Any]:
        """The technician's self-test (kiosk/technician/selftest.py) through the workers."""
        from kiosk.technician import selftest
        from kiosk.technician.appwire import device_ports

        workers = {k: w for k, w in list(self.kiosk.workers.items()) if w.running}
        report = selftest.through_workers(workers, device_ports(self.kiosk), timeout=10.0)
        return {c.device: c.to_json() for c in report.checks}

    def _logs(self, lines: int) -> list[str]:
        path = self.state_dir / "logs" / LOG_FILE_NAME
        try:
            with path.open("rb") as f:
                f.seek(0, 2)
                size = f.tell()
                f.seek(max(0, size - 400 * lines))
                tail = f.read().decode("utf-8", "replace").splitlines()[-lines:]
        except OSError:
            return []
        return [mask_sensitive(line) for line in tail]  # masked again on the way out


class _Force:
    def __init__(self, kiosk: Any, reason: str | None) -> None:
        self.kiosk, self.reason = kiosk, reason

    def __call__(self) -> None:
        self.kiosk.modes.force_out_of_service(self.reason)


def attach(kiosk: Any, config: Any, service: Any = None) -> KioskTelemetry | None:
    """Start the telemetry when configured (GUI thread, after the kiosk started)."""
    try:
        settings = settings_from_config(config, kiosk.sims)
        if settings is None:
            return None
        return KioskTelemetry(kiosk, settings, service).start()
    except Exception:
        log.exception("telemetry not started")
        return None


__all__ = ["KioskTelemetry", "attach", "settings_from_config", "status_json"]
