"""The technician services in the running kiosk: the control socket that ``kiosk diag`` asks
(:mod:`kiosk.technician.control`) with the app's own workers behind it."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kiosk.audit import audit_log
from kiosk.technician import selftest
from kiosk.technician.control import ControlServer, socket_path

log = logging.getLogger(__name__)


def device_ports(kiosk: Any) -> dict[str, str | None]:
    """Each device's address as the app opened it (its plan), the host's URL."""
    ports: dict[str, str | None] = {
        kind: selftest.port_of(dict(plan.params)) for kind, plan in kiosk.plans.items()}
    host = kiosk.devices.get("host")
    if host is not None and getattr(host, "settings", None) is not None:
        ports["host"] = host.settings.url
    return ports


class AppTechnician:
    """What the control socket's commands do in the app."""

    def __init__(self, kiosk: Any, state_dir: Path) -> None:
        self.kiosk = kiosk
        self.state_dir = state_dir

    def selftest(self, request: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Every device's probe through its own worker (control-socket thread, blocking)."""
        workers = {k: w for k, w in list(self.kiosk.workers.items()) if w.running}
        report = selftest.through_workers(workers, device_ports(self.kiosk))
        actor = str((request or {}).get("actor") or "technician")
        audit_log(self.state_dir).append(actor, "diag.selftest", {
            "source": "app", "ok": report.ok, "failed": report.failed})
        return report.to_json()


def attach(kiosk: Any, config: Any) -> ControlServer | None:
    """Start the control socket of ``kiosk`` in its state directory (``None`` if it cannot:
    the command line then opens the devices itself, which the single-instance lock makes
    safe only when no app runs; so a failure here is logged loudly)."""
    state_dir = Path(config.state_dir).expanduser()
    tech = AppTechnician(kiosk, state_dir)
    server = ControlServer(socket_path(state_dir), {"selftest": tech.selftest})
    try:
        server.start()
    except OSError as exc:
        log.error("no control socket (%s): kiosk diag cannot ask this app", exc)
        return None
    return server
