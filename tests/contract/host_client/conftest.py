"""The host simulator as a real process over HTTPS with mutual TLS, and a signed-in terminal.

One simulator per test module (``kiosk-sim host --listen https://127.0.0.1:0``, ready line
read from stdout). The terminal's MACs and PIN blocks come from the ``fake`` PIN pad backend
(real keys, :mod:`devices.crypto`) running in its own DeviceWorker, wired to the client exactly
as the app wires the PIN pad: ``mac_via_worker``.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from devices.pinpad.fake import FakePinPad
from devices.worker import DeviceWorker
from kiosk.host import HostClient, HostSettings
from kiosk.host.worker import load_keys_via_worker, mac_via_worker
from peripherals_sim.bank_host.process import HostProcess

TERMINAL = "ZN610425001"
ZHANG_PAN = "6217991000001234561"
ZHANG_ID = "61042519680315301X"
PIN = "123456"


class SimHost(HostProcess):
    """A running ``kiosk-sim host`` (its stderr in ``state_dir/sim.log``) and its ready line."""

    def __init__(self, state_dir: Path) -> None:
        super().__init__(state_dir, stderr=state_dir / "sim.log", stop_timeout=15.0)

    def settings(self, **changes: Any) -> HostSettings:
        t = self.ready["terminals"][TERMINAL]
        values: dict[str, Any] = {
            "url": self.url, "terminal_id": TERMINAL, "ca_file": Path(self.ready["ca_file"]),
            "cert_file": Path(t["cert_file"]), "key_file": Path(t["key_file"]),
            "connect_timeout": 3.0, "read_timeout": 10.0, "retry_backoff": 0.05}
        values.update(changes)
        return HostSettings(**values)

    def sim(self, method: str, path: str, body: Any = None) -> Any:
        with requests.Session() as s:
            s.trust_env = False
            r = s.request(method, self.control + path, json=body, timeout=10)
        r.raise_for_status()
        return r.json()

    @contextlib.contextmanager
    def fault(self, **spec: Any) -> Iterator[dict[str, Any]]:
        """``POST /sim/fault`` for the duration of a ``with`` block."""
        answer = self.sim("POST", "/sim/fault", spec)
        try:
            yield answer
        finally:
            self.sim("DELETE", "/sim/fault")


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimHost]:
    with SimHost(tmp_path_factory.mktemp("host-state")) as sim:
        yield sim


class Terminal:
    """The kiosk side: PIN pad worker + host client, signed in."""

    def __init__(self, host: SimHost) -> None:
        self.host = host
        self.pad = FakePinPad(preload=False, mac_method="x9.19")
        self.pad_events: list[Any] = []
        self.pad_worker = DeviceWorker("pinpad", self.pad, self.pad_events.append,
                                       probe_interval=60)
        self.pad_worker.start()
        self.client = HostClient(host.settings(), mac_provider=mac_via_worker(self.pad_worker),
                                 key_loader=load_keys_via_worker(self.pad_worker))
        self.client.open()

    def sign_in(self) -> Any:
        """Sign in; the client loads the new PIK and MAK into the pad (KCVs checked)."""
        return self.client.sign_in()

    def pin_block(self, pan: str = ZHANG_PAN, pin: str = PIN) -> str:
        """The farmer types ``pin`` on the pad; the encrypted PIN block as hex."""
        handle = self.pad_worker.submit("get_pin", pan, timeout=15)
        deadline = time.monotonic() + 5
        while self.pad.state()["mode"] != "pin":
            assert time.monotonic() < deadline, "PIN entry did not start"
            time.sleep(0.01)
        self.pad.press(pin + "E")
        completion = handle.wait(15)
        assert completion.ok, completion
        return str(completion.data.hex())

    def close(self) -> None:
        self.client.close()
        self.pad_worker.stop()


@pytest.fixture(scope="module")
def terminal(host: SimHost) -> Iterator[Terminal]:
    t = Terminal(host)
    t.sign_in()
    try:
        yield t
    finally:
        t.close()
