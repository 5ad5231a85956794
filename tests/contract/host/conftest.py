"""The bank host simulator as a real process over HTTPS with mutual TLS on loopback.

One simulator per test module (``host``), in the module's own state directory; ``term`` is a
bare terminal signed in with working keys unwrapped under the scenario's TMK.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from peripherals_sim.bank_host.process import HostProcess, SimTerminal
from peripherals_sim.scenario import load_scenario

TERMINAL = "ZN610425001"
ZHANG_ID = "61042519680315301X"
ZHANG_PAN = "6217991000001234561"
LI_PAN = "6217991000002345671"
WANG_PAN = "6217991000003456782"
PIN = "123456"


@pytest.fixture(scope="module")
def scenario() -> dict[str, Any]:
    return load_scenario()


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostProcess]:
    state: Path = tmp_path_factory.mktemp("host-state")
    with HostProcess(state) as proc:
        yield proc


@pytest.fixture(scope="module")
def term(host: HostProcess, scenario: dict[str, Any]) -> Iterator[SimTerminal]:
    t = SimTerminal.for_host(host, scenario)
    t.sign_in()
    yield t
    t.close()


def control(host: HostProcess, method: str, path: str, body: Any = None) -> Any:
    r = requests.request(method, host.control + path, json=body, timeout=10)
    r.raise_for_status()
    return r.json()
