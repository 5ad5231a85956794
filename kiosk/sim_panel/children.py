"""The app side of ``--sim``: run ``kiosk-sim up`` as a child, read its one JSON line, point
each device's configuration at its simulator, stop it with the app.

A device whose simulator or driver does not exist yet falls back to the ``fake`` backend,
with a log line, so the kiosk always starts in simulation.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.device_plan import DEVICE_KINDS, SIM_DRIVERS, DevicePlan, plan_devices
from peripherals_sim.process import STOP_TIMEOUT, SimulatorProcess

log = logging.getLogger(__name__)

__all__ = ["DEVICE_KINDS", "SIM_DRIVERS", "DevicePlan", "SimulatorSet", "plan_devices",
           "read_line"]


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
        """Stop ``kiosk-sim up``, giving it the time it gives its own children (it stops them
        within ``STOP_TIMEOUT``, then kills them). Killed earlier, it would leave its children
        to finish alone, holding this process's stderr (a caller reading our output to the
        end, as the e2e tests do, then waited for them: a demo that had finished timed out)."""
        if self.proc is not None:
            self.proc.stop(timeout=STOP_TIMEOUT + 5.0)
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


def read_line(text: str) -> dict[str, Any]:
    """Parse a ``kiosk-sim up`` line (tests, tools)."""
    obj = json.loads(text)
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    return obj
