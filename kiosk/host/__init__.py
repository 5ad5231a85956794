"""The kiosk's side of the bank host API: the client, its answer models and its errors.

Never imports ``peripherals_sim``: the simulator is an independent implementation of
``docs/host-api.yaml``.
"""

from kiosk.host.client import (
    HeartbeatInfo,
    HostClient,
    HostSettings,
    HostStatus,
    mac_input,
    new_idempotency_key,
    working_key_args,
)
from kiosk.host.errors import HostCallError, HostErrorCode, NextAction

__all__ = [
    "HeartbeatInfo",
    "HostCallError",
    "HostClient",
    "HostErrorCode",
    "HostSettings",
    "HostStatus",
    "NextAction",
    "mac_input",
    "new_idempotency_key",
    "working_key_args",
]
