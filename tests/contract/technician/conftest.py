"""The simulators of every port-owning device and the bank host, as ``kiosk-sim up`` starts
them, and a kiosk.toml pointing the real drivers at them (the bank card reader uses its
``fake`` backend here: pcscd is machine-global and its tests take turns on it)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from peripherals_sim.process import SimulatorProcess

REPO = Path(__file__).resolve().parents[3]
TERMINAL = "ZN610425001"


@dataclass
class Sims:
    ready: dict[str, Any]
    state_dir: Path
    config: Path

    def url(self, kind: str) -> str:
        return str(self.ready["sims"][kind]["url"])

    def control(self, kind: str, method: str, path: str, body: Any = None) -> Any:
        with requests.Session() as s:
            s.trust_env = False
            r = s.request(method, self.ready["sims"][kind]["control"] + path, json=body,
                          timeout=10)
        r.raise_for_status()
        return r.json() if r.content else None


def write_config(path: Path, ready: dict[str, Any], state_dir: Path) -> Path:
    sims = ready["sims"]
    host = sims["host"]
    cert = host["terminals"][TERMINAL]
    path.write_text(f"""
state_dir = "{state_dir}"

[devices.idcard]
backend = "samv"
url = "{sims['idcard']['url']}"

[devices.iccard]
backend = "fake"

[devices.pinpad]
backend = "kmy"
url = "{sims['pinpad']['url']}"

[devices.printer]
backend = "escpos"
url = "{sims['printer']['url']}"

[host]
url = "{host['url']}"
ca_file = "{host['ca_file']}"
cert_file = "{cert['cert_file']}"
key_file = "{cert['key_file']}"
connect_timeout = 3
read_timeout = 10
""", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def sims(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sims]:
    root = tmp_path_factory.mktemp("technician")
    sim = SimulatorProcess("up", ["--only", "idcard,pinpad,printer,host"],
                           state_dir=root / "sim", cwd=REPO, stop_timeout=20)
    try:
        ready = sim.start().ready
        state = root / "state"
        state.mkdir()
        yield Sims(ready, state, write_config(root / "kiosk.toml", ready, state))
    finally:
        sim.stop()


def json_out(text: str) -> dict[str, Any]:
    return dict(json.loads(text))
