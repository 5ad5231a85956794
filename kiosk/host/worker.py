"""Host calls off the GUI thread: the client runs in a :class:`devices.worker.DeviceWorker`.

The host is one more "device" to the worker: ``open`` builds the HTTPS sessions, ``probe`` is
the heartbeat (at most once per heartbeat interval), commands are the client's methods. Their
completions (with a :class:`~kiosk.host.errors.HostErrorCode` as ``error`` on failure) reach the
GUI through the same sink (the Qt bridge) as every device's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from devices.base import Completion, DeviceOperationError
from devices.worker import DeviceWorker, Sink
from kiosk.host import models as m
from kiosk.host.client import HostClient, MacProvider, working_key_args
from kiosk.host.errors import HostErrorCode

#: Seconds a worker allows a host call beyond its connect and read timeouts (GET retries and
#: their back-off included) before it reports ``timeout`` itself.
DEADLINE_MARGIN = 5.0


def host_worker(client: HostClient, sink: Sink, name: str = "host") -> DeviceWorker:
    """A started-later worker that owns ``client`` (``worker.start()`` to run it)."""
    s = client.settings
    per_try = s.connect_timeout + s.read_timeout
    deadline = per_try * (1 + s.get_retries) + DEADLINE_MARGIN
    return DeviceWorker(
        name,
        client,
        sink,
        default_timeout=deadline,
        probe_interval=s.heartbeat_interval,
        reopen_backoff=(1.0, 2.0, 5.0, 10.0, 30.0, 60.0),
    )


def mac_via_worker(pinpad_worker: DeviceWorker, timeout: float = 10.0) -> MacProvider:
    """A ``mac_provider`` that asks the PIN pad's worker for the MAC (the pad's port stays
    owned by its worker; the host worker waits for the answer, never the GUI thread)."""

    def provide(data: bytes) -> bytes:
        completion: Completion[Any] = pinpad_worker.call("mac", data, timeout=timeout)
        if not completion.ok or not isinstance(completion.data, bytes):
            error = completion.error
            if error is None:
                error = HostErrorCode.MAC_INVALID
            raise DeviceOperationError(error, f"PIN pad MAC failed: {completion.detail}",
                                       completion.code)
        return completion.data

    return provide


def load_keys_via_worker(pinpad_worker: DeviceWorker, timeout: float = 10.0
                         ) -> Callable[[m.SignInResponse], None]:
    """A ``key_loader`` that loads the sign-in's PIK and MAK into the PIN pad through its
    worker (the pad checks both check values; a refusal fails the sign-in)."""

    def load(answer: m.SignInResponse) -> None:
        completion: Completion[Any] = pinpad_worker.call(
            "load_working_keys", *working_key_args(answer), timeout=timeout)
        if not completion.ok:
            error = completion.error if completion.error is not None else (
                HostErrorCode.NOT_SIGNED_IN)
            raise DeviceOperationError(error, f"PIN pad refused the working keys: "
                                              f"{completion.detail}", completion.code)

    return load
