"""The modes chart above the flows (minimal for now): STARTING, IN_SERVICE, DEGRADED,
OUT_OF_SERVICE, derived from the device states the workers report.

Qt-free. A device is *mandatory* when no journey can run without it (the ID card reader:
every farmer journey but the calculator starts by identifying); a mandatory device down means
OUT_OF_SERVICE, any other device or the host down means DEGRADED. STARTING lasts until every
configured device has reported a state once (or the controller calls :meth:`ModesChart.settle`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import StrEnum

from devices.base import DeviceState


class Mode(StrEnum):
    STARTING = "starting"
    IN_SERVICE = "inService"
    DEGRADED = "degraded"
    OUT_OF_SERVICE = "outOfService"


UP_STATES = frozenset({DeviceState.ONLINE, DeviceState.BUSY})

Listener = Callable[[Mode, Mode], None]


class ModesChart:
    """Tracks device states and the host link; ``mode`` follows them."""

    def __init__(self, devices: Iterable[str], mandatory: Iterable[str] = ("idcard",)) -> None:
        self.devices = tuple(devices)
        self.mandatory = frozenset(mandatory) & set(self.devices)
        self.states: dict[str, DeviceState] = {d: DeviceState.UNKNOWN for d in self.devices}
        self.host_online: bool | None = None
        self.forced_reason: str | None = None  # out of service by the operations desk
        self._settled = False
        self.mode = Mode.STARTING
        self._listeners: list[Listener] = []

    def add_listener(self, fn: Listener) -> None:
        self._listeners.append(fn)

    def device_state(self, device: str, state: DeviceState) -> Mode:
        if device in self.states:
            self.states[device] = state
        return self._update()

    def host_state(self, online: bool | None) -> Mode:
        self.host_online = online
        return self._update()

    def force_out_of_service(self, reason: str | None) -> Mode:
        """Out of service whatever the devices say (a remote command), until called with
        None (back in service: the mode follows the devices again)."""
        self.forced_reason = reason
        return self._update()

    def settle(self) -> Mode:
        """End STARTING even if some device never answered (it then counts as down)."""
        self._settled = True
        return self._update()

    def down_devices(self) -> list[str]:
        return [d for d, s in self.states.items() if s not in UP_STATES]

    def _compute(self) -> Mode:
        if self.forced_reason is not None:
            return Mode.OUT_OF_SERVICE
        reported = all(s is not DeviceState.UNKNOWN for s in self.states.values())
        if not (reported or self._settled):
            return Mode.STARTING
        down = set(self.down_devices())
        if down & self.mandatory:
            return Mode.OUT_OF_SERVICE
        if down or self.host_online is False:
            return Mode.DEGRADED
        return Mode.IN_SERVICE

    def _update(self) -> Mode:
        new = self._compute()
        if new is not self.mode:
            old, self.mode = self.mode, new
            for fn in list(self._listeners):
                fn(old, new)
        return self.mode
