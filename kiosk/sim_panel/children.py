"""The app side of ``--sim``: run ``kiosk-sim up`` as a child, read its one JSON line, point
each device's configuration at its simulator, stop it with the app.

A device whose simulator or driver does not exist yet falls back to the ``fake`` backend,
with a log line, so the kiosk always starts in simulation.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devices.registry import resolve_backend
from peripherals_sim.process import SimulatorProcess

log = logging.getLogger(__name__)

DEVICE_KINDS = ("idcard", "iccard", "printer", "pinpad")

# The real driver that speaks each simulator's wire protocol, and what of the ready line it
# takes as its address.
SIM_DRIVERS: dict[str, tuple[str, str]] = {
    "idcard": ("samv", "url"),
    "pinpad": ("kmy", "url"),
    "printer": ("escpos", "url"),
    "iccard": ("pcsc", "reader"),
}


@dataclass(frozen=True)
class DevicePlan:
    """How one device is built: backend, its parameters, and the simulator control URL."""

    kind: str
    backend: str
    params: Mapping[str, Any]
    control_url: str | None = None
    note: str = ""


@dataclass
class SimulatorSet:
    """The running ``kiosk-sim up`` child and what it announced."""

    proc: SimulatorProcess | None
    sims: dict[str, dict[str, Any]] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    state_dir: str = ""

    @classmethod
    def start(cls, *, scenario: str | Path | None = None, state_dir: str | Path | None = None,
              only: Sequence[str] | None = None, timeout: float = 60.0) -> SimulatorSet:
        """Spawn ``python -m peripherals_sim up`` and wait for its line."""
        if only is not None and not only:
            return cls(None)
        args: list[str] = []
        if scenario:
            args += ["--scenario", str(scenario)]
        if only is not None:
            args += ["--only", ",".join(only)]
        proc = SimulatorProcess("up", args, state_dir=state_dir or None, ready_timeout=timeout,
                                stop_timeout=2.0, stderr="inherit", die_with_parent=True)
        line = proc.start().ready
        sims = dict(line.get("sims") or {})
        failed = dict(line.get("failed") or {})
        for kind, reason in failed.items():
            log.warning("simulator %s did not start: %s", kind, reason)
        log.info("simulators up: %s", ", ".join(sorted(sims)) or "none")
        return cls(proc, sims, failed, str(line.get("state_dir", "")))

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.stop(timeout=5.0)
            self.proc = None

    def control_url(self, kind: str) -> str | None:
        url = self.sims.get(kind, {}).get("control")
        return str(url) if url else None

    @property
    def host_url(self) -> str | None:
        url = self.sims.get("host", {}).get("url")
        return str(url) if url else None

    def host_tls(self, terminal_id: str) -> dict[str, Any]:
        """The simulated host's CA and this terminal's client certificate (mutual TLS)."""
        host = self.sims.get("host", {})
        tls: dict[str, Any] = {}
        if host.get("ca_file"):
            tls["ca_file"] = Path(host["ca_file"])
        cert = (host.get("terminals") or {}).get(terminal_id) or {}
        if cert.get("cert_file") and cert.get("key_file"):
            tls["cert_file"] = Path(cert["cert_file"])
            tls["key_file"] = Path(cert["key_file"])
        return tls


def _driver_exists(kind: str, backend: str) -> bool:
    try:
        resolve_backend(kind, backend)
    except Exception as exc:  # ImportError of a driver not written yet, or a broken one
        log.info("no %s %s driver yet (%s)", kind, backend, exc)
        return False
    return True


def plan_devices(config: Any, sims: SimulatorSet | None) -> dict[str, DevicePlan]:
    """Each device's backend: the configured one, or with ``sims`` the real driver against
    its simulator, else ``fake``."""
    plans: dict[str, DevicePlan] = {}
    for kind in DEVICE_KINDS:
        dev = config.devices.for_kind(kind)
        params = dict(dev.params)
        if sims is None:
            plans[kind] = DevicePlan(kind, dev.backend, params)
            continue
        backend, address_key = SIM_DRIVERS[kind]
        ready = sims.sims.get(kind)
        if ready is not None and ready.get(address_key) and _driver_exists(kind, backend):
            params[address_key] = ready[address_key]
            plans[kind] = DevicePlan(kind, backend, params, sims.control_url(kind),
                                     note=f"(simulator at {ready[address_key]})")
            continue
        why = "no simulator" if ready is None else f"no {backend} driver"
        log.info("%s: %s yet; using the fake backend", kind, why)
        plans[kind] = DevicePlan(kind, "fake", {}, None, note=f"({why} yet)")
    return plans


def read_line(text: str) -> dict[str, Any]:
    """Parse a ``kiosk-sim up`` line (tests, tools)."""
    obj = json.loads(text)
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    return obj
