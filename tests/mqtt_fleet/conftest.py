"""A real Mosquitto (Debian's package) per test on a free loopback port, with the fleet's TLS,
client certificates and ACL; an observer client with the console's certificate."""

from __future__ import annotations

import queue
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from peripherals_sim.broker.mosquitto import Mosquitto, find_mosquitto
from tests.gui.conftest import rig  # noqa: F401 (the kiosk fixture, for the kiosk tests)

needs_mosquitto = pytest.mark.skipif(find_mosquitto() is None,
                                     reason="mosquitto is not installed (apt-get install "
                                            "mosquitto)")

TERMINALS = ("ZN0001", "ZN0002")


@pytest.fixture()
def broker(tmp_path: Path) -> Iterator[Mosquitto]:
    if find_mosquitto() is None:
        pytest.skip("mosquitto is not installed (apt-get install mosquitto)")
    b = Mosquitto(tmp_path / "broker", terminals=TERMINALS)
    b.start()
    try:
        yield b
    finally:
        b.stop()


def endpoint(broker: Mosquitto, client_id: str) -> Any:
    from kiosk.telemetry.mqtt import Endpoint

    cert, key = broker.pki.client(client_id)
    return Endpoint(broker.url, broker.pki.ca_file, cert, key, client_id)


class Observer:
    """An MQTT client (default: the console's identity) collecting what it receives."""

    def __init__(self, broker: Mosquitto, client_id: str = "fleet-console",
                 subscribe: str = "zhunong/#", *, clean_start: bool = True) -> None:
        from kiosk.telemetry.mqtt import connect, new_client

        self.messages: queue.Queue[tuple[str, bytes, bool]] = queue.Queue()
        self.acks: queue.Queue[tuple[int, str]] = queue.Queue()
        self.ep = endpoint(broker, client_id)
        self.client = new_client(self.ep)
        self.subscribed = queue.Queue[Any]()
        self.seen: list[tuple[str, bytes, bool]] = []  # everything, also what wait_for skipped
        self.client.on_message = self._on_message
        self.client.on_publish = lambda c, u, mid, rc, p: self.acks.put((mid, str(rc)))
        self.client.on_subscribe = lambda c, u, mid, rcs, p: self.subscribed.put(rcs)
        self.client.on_connect = lambda c, u, f, rc, p: c.subscribe(subscribe, qos=1) \
            if subscribe else self.subscribed.put("connected")
        connect(self.client, self.ep, clean_start=clean_start)
        self.client.loop_start()
        self.subscribed.get(timeout=10)

    def _on_message(self, client: Any, userdata: Any, m: Any) -> None:
        msg = (m.topic, bytes(m.payload), bool(m.retain))
        self.seen.append(msg)
        self.messages.put(msg)

    def publish(self, topic: str, payload: bytes, qos: int = 1) -> str:
        info = self.client.publish(topic, payload, qos=qos)
        while True:
            mid, rc = self.acks.get(timeout=10)
            if mid == info.mid:
                return rc

    def wait_for(self, pred: Any, timeout: float = 10.0) -> tuple[str, bytes, bool]:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("no matching message")
            try:
                msg = self.messages.get(timeout=left)
            except queue.Empty:
                raise AssertionError("no matching message") from None
            if pred(msg):
                return msg

    def drain(self, quiet: float = 0.5) -> list[tuple[str, bytes, bool]]:
        out = []
        while True:
            try:
                out.append(self.messages.get(timeout=quiet))
            except queue.Empty:
                return out

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
