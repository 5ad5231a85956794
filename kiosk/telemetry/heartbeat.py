"""Builds the heartbeat: the terminal's health in one JSON object (schema 1).

Never personal data: providers give states, counts, times and names of journeys; the whole
object goes through the log masking once more before it leaves (a provider that slipped a
card or ID number into a detail would be masked, not published). See docs/fleet.md for every
field.
"""

from __future__ import annotations

import logging
import os
import platform
import re
import shutil
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

from kiosk.logs import mask_value
from kiosk.telemetry.providers import Providers
from kiosk.telemetry.wire import SCHEMA

log = logging.getLogger(__name__)

_NAME = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
_STARTED = time.time()


def _app_version() -> str:
    try:
        return metadata.version("zhunong-kiosk")
    except metadata.PackageNotFoundError:
        return "dev"


def _os_version() -> str:
    try:
        return Path("/etc/debian_version").read_text().strip()
    except OSError:
        return platform.release()


STATIC_VERSIONS = {"app": _app_version(), "python": platform.python_version(),
                   "os": _os_version(), "kernel": platform.release()}


def _meminfo() -> dict[str, float]:
    out: dict[str, float] = {}
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in ("MemAvailable", "MemTotal"):
                    out[key] = int(rest.split()[0]) / 1024
    except OSError:
        pass
    return out


def _rss_mb() -> float | None:
    try:
        with open("/proc/self/statm") as f:
            return round(int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)
    except OSError:
        return None


def _host_uptime() -> float | None:
    try:
        return float(Path("/proc/uptime").read_text().split()[0])
    except (OSError, ValueError):
        return None


def _call(name: str, fn: Callable[[], Any] | None) -> Any:
    """A provider's value; a failing provider gives None (and a log line), never no heartbeat."""
    if fn is None:
        return None
    try:
        return fn()
    except Exception as exc:
        log.warning("telemetry provider %s failed: %s", name, exc)
        return None


def safe_name(value: Any) -> str | None:
    """A journey or mode NAME (identifier-like); anything else is dropped."""
    if isinstance(value, str) and _NAME.match(value):
        return value
    return None


def build_heartbeat(terminal_id: str, service_point: str, seq: int, providers: Providers, *,
                    state_dir: Path, buffer_counts: dict[str, int] | None = None,
                    dropped: int = 0, now: float | None = None) -> dict[str, Any]:
    t = time.time() if now is None else now
    p = providers
    mem = _meminfo()
    try:
        disk_free = round(shutil.disk_usage(state_dir).free / 2**20, 1)
    except OSError:
        disk_free = None
    devices = _call("devices", p.devices) or {}
    journal = _call("journal", p.journal)
    outbox = _call("outbox", p.outbox)
    head = _call("audit_head", p.audit_head)
    versions = dict(STATIC_VERSIONS)
    versions.update({str(k): str(v) for k, v in (_call("versions", p.versions) or {}).items()})
    hb: dict[str, Any] = {
        "schema": SCHEMA,
        "terminal": terminal_id,
        "service_point": service_point,
        "seq": seq,
        "ts": round(t, 3),
        "versions": versions,
        "uptime_s": round(t - _STARTED, 1),
        "host_uptime_s": _host_uptime(),
        "restarts": dict(_call("restarts", p.restarts) or {}),
        "memory": {"rss_mb": _rss_mb(),
                   "available_mb": round(mem["MemAvailable"], 1) if "MemAvailable" in mem
                   else None},
        "disk": {"free_mb": disk_free},
        "devices": {str(k): dict(v) for k, v in devices.items()},
        "host": dict(_call("host", p.host) or {}),
        "clock_skew_s": _call("clock_skew", p.clock_skew),
        "journal": dict(journal) if journal is not None else None,
        "outbox": dict(outbox) if outbox is not None else None,
        "last_txn": _call("last_transaction", p.last_transaction),
        "mode": safe_name(_call("mode", p.mode)),
        "journey": safe_name(_call("journey", p.journey)),
        "buffer": {**(buffer_counts or {}), "dropped_heartbeats": dropped},
        "pid": os.getpid(),
    }
    masked: dict[str, Any] = mask_value(hb)
    # a hex hash may hold a long digit run: it is not personal data and must stay exact
    masked["audit"] = {"seq": int(head[0]), "hash": str(head[1])} if head else None
    return masked
