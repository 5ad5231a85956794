"""How each device is built: the configured backend and its parameters, or (with ``--sim``)
the real driver pointed at its simulator, else the ``fake`` backend.

Product code (the kiosk's bring-up uses it on every start). The simulator launcher itself
(kiosk/sim_panel/children.py ``SimulatorSet``) is a development tool: ``sims`` here is anything
with its ``sims`` mapping and ``control_url(kind)``, so nothing of it is imported when
``sim = false``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from devices.registry import resolve_backend

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


class Simulators(Protocol):
    """What planning needs of a running simulator set."""

    sims: dict[str, dict[str, Any]]

    def control_url(self, kind: str) -> str | None: ...


def _driver_exists(kind: str, backend: str) -> bool:
    try:
        resolve_backend(kind, backend)
    except Exception as exc:  # ImportError of a driver not written yet, or a broken one
        log.info("no %s %s driver yet (%s)", kind, backend, exc)
        return False
    return True


def plan_devices(config: Any, sims: Simulators | None) -> dict[str, DevicePlan]:
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
