"""The transactions service against the real host simulator (HTTPS, mutual TLS), with the
PIN pad's MAC from the ``fake`` PIN pad backend in its own worker (real keys, as the
host_client tests): journal files on disk in the test's directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.host import HostClient
from kiosk.host.worker import mac_via_worker
from kiosk.transactions import MoneySettings, TransactionsService
from tests.contract.host_client import conftest as host_client
from tests.contract.host_client.conftest import SimHost, Terminal

# The host simulator and the signed-in terminal: the host client tests' module fixtures.
host = host_client.host
terminal = host_client.terminal

FAST = MoneySettings(resolve_seconds=8.0, backoff=(0.05, 0.1, 0.2, 0.4), in_flight_seconds=2.5,
                     min_free_bytes=64 * 1024, outbox_backoff=(0.05, 0.1))


def make_service(state_dir: Path, host: SimHost, terminal: Terminal,
                 settings: MoneySettings = FAST, **changes: Any) -> TransactionsService:
    """A service with its own client (read timeout 0.6 s unless ``changes`` say otherwise)."""
    values: dict[str, Any] = {"read_timeout": 0.6, "get_retries": 0}
    values.update(changes)
    client = HostClient(host.settings(**values), mac_provider=mac_via_worker(terminal.pad_worker))
    client.open()
    return TransactionsService.open(state_dir, "ZN610425001", client, settings)


@pytest.fixture
def service(tmp_path: Path, host: SimHost, terminal: Terminal) -> Iterator[TransactionsService]:
    svc = make_service(tmp_path / "state", host, terminal)
    try:
        yield svc
    finally:
        svc.close()


def ledger(host: SimHost) -> dict[str, dict[str, Any]]:
    """The host's booked money transactions by key (``/sim/ledger``)."""
    return {t["key"]: t for t in host.sim("GET", "/sim/ledger")["transactions"]}
