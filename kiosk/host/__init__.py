"""The kiosk's side of the bank host API: the client, its answer models and its errors.

Wiring in the app (the host is one more worker; its completions reach the GUI by the bridge)::

    client = HostClient(HostSettings.from_config(config, url=sim_url),
                        mac_provider=mac_via_worker(pinpad_worker),
                        key_loader=load_keys_via_worker(pinpad_worker),
                        heartbeat_info=outbox_and_device_summary)
    host = host_worker(client, bridge.post)
    host.start()
    host.submit("sign_in")                    # -> Completion(data=SignInResponse)
    host.submit("drawdown", key, ...)         # key journaled PREPARED before this
    host.submit("transaction", key)           # after a timeout/reset: the status query

A failed call completes with ``error`` = :class:`HostErrorCode` (``mac_invalid``, ...), which
the unified error table maps to ``HOST-...`` texts; ``HostCallError.outcome_unknown`` tells a
money flow to query by key instead of declaring failure. Never imports ``peripherals_sim``:
the simulator is an independent implementation of ``docs/host-api.yaml``.
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
