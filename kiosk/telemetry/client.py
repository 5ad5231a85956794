"""The terminal's telemetry: heartbeats and events to the fleet broker, signed commands back.

Threads (none of them the GUI thread):

- **link**: owns the paho client and its socket (``loop()`` driven here, no paho thread):
  connects with the terminal's certificate, persistent session, last will ``{"online":
  false}`` on ``zhunong/<id>/status``; on CONNACK publishes ``online``, subscribes to its own
  command topic, then sends the buffer oldest first (at most ``window`` unacknowledged),
  deleting each row on its PUBACK. A lost connection drops the client; the next one starts
  again from the oldest row still in the buffer (so order holds; a message whose PUBACK was
  lost is sent twice, which the console ignores by ``seq``/event id).
- **beat**: every ``heartbeat_seconds`` builds a heartbeat and puts it in the buffer.
- **commands**: verifies and carries out commands (actions may wait for the GUI).
"""

from __future__ import annotations

import logging
import queue
import random
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt

from kiosk.audit import AuditLog
from kiosk.logs import mask_value
from kiosk.telemetry.buffer import HEARTBEAT, TelemetryBuffer
from kiosk.telemetry.commands import CommandProcessor
from kiosk.telemetry.heartbeat import build_heartbeat
from kiosk.telemetry.mqtt import Endpoint, connect, new_client
from kiosk.telemetry.providers import Actions, Providers
from kiosk.telemetry.wire import command_topic, dumps, load_public_key, topic

log = logging.getLogger(__name__)

BUFFER_FILE = Path("telemetry") / "buffer.sqlite3"


@dataclass(frozen=True)
class TelemetrySettings:
    terminal_id: str
    service_point: str
    endpoint: Endpoint
    command_key: Path | None = None  # the operations desk's Ed25519 public key (PEM)
    heartbeat_seconds: float = 60.0
    max_heartbeats: int = 1000
    keepalive: int = 60
    window: int = 20
    command_skew_seconds: float = 120.0
    reconnect_min: float = 1.0
    reconnect_max: float = 60.0
    extra: Mapping[str, Any] = field(default_factory=dict)


class Telemetry:
    def __init__(self, settings: TelemetrySettings, state_dir: Path, *,
                 providers: Providers | None = None, actions: Actions | None = None,
                 audit: AuditLog | None = None) -> None:
        self.settings = settings
        self.state_dir = Path(state_dir)
        self.providers = providers or Providers()
        self.actions = actions or Actions()
        self.buffer = TelemetryBuffer(self.state_dir / BUFFER_FILE, settings.max_heartbeats)
        key = load_public_key(settings.command_key) if settings.command_key else None
        self.commands = CommandProcessor(settings.terminal_id, key, self.actions, self.buffer,
                                         audit, skew=settings.command_skew_seconds,
                                         journey=self.providers.journey)
        self.tid = settings.terminal_id
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._cmd_q: queue.Queue[bytes | None] = queue.Queue()
        self._threads: list[threading.Thread] = []
        self.connected = threading.Event()
        self.connects = 0
        self.refused_publishes = 0
        self.last_heartbeat: dict[str, Any] | None = None
        # link-thread state
        self._inflight: dict[int, int] = {}  # mid -> row id
        self._last_handed = 0
        self._refused = False
        self._closed = False

    # --- producers (any thread) ---------------------------------------------------------

    def heartbeat_now(self) -> dict[str, Any]:
        """Build a heartbeat and queue it; returns what was queued."""
        hb = build_heartbeat(self.tid, self.settings.service_point, self.buffer.next_seq(),
                             self.providers, state_dir=self.state_dir,
                             buffer_counts=self.buffer.counts(),
                             dropped=self.buffer.dropped_heartbeats)
        self.buffer.put(HEARTBEAT, topic(self.tid, "hb"), dumps(hb), retain=True)
        self.last_heartbeat = hb
        self._wake.set()
        return hb

    def event(self, kind: str, **detail: Any) -> dict[str, Any]:
        """Queue an event (never dropped while running; after :meth:`stop` it is only
        logged). ``detail`` is masked like the logs."""
        if self._closed:
            log.info("telemetry stopped: event %s not sent", kind)
            return {}
        ev = {"schema": 1, "terminal": self.tid, "id": uuid.uuid4().hex, "kind": str(kind),
              "ts": round(time.time(), 3), "detail": mask_value(dict(detail))}
        self.buffer.put("evt", topic(self.tid, "evt"), dumps(ev))
        self._wake.set()
        return ev

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> Telemetry:
        for name, target in (("telemetry-link", self._link), ("telemetry-beat", self._beat),
                             ("telemetry-cmd", self._command_loop)):
            t = threading.Thread(target=target, name=name, daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        self._cmd_q.put(None)
        for t in self._threads:
            t.join(timeout)
        self._threads.clear()
        self._closed = True
        self.buffer.close()

    # --- threads ------------------------------------------------------------------------

    def _beat(self) -> None:
        while not self._stop.is_set():
            try:
                if self.providers.tick is not None:
                    self.providers.tick()
                self.heartbeat_now()
            except Exception:
                log.exception("heartbeat failed")
            self._stop.wait(self.settings.heartbeat_seconds)

    def _command_loop(self) -> None:
        while True:
            payload = self._cmd_q.get()
            if payload is None:
                return
            reply, refused = self.commands.handle(payload)
            self.buffer.put("reply", topic(self.tid, "reply"), dumps(reply))
            if refused:
                self.event("command_refused", id=reply.get("id"), cmd=reply.get("cmd"),
                           reason=reply.get("refused"))
            self._wake.set()

    def _link(self) -> None:
        delay = self.settings.reconnect_min
        while not self._stop.is_set():
            ok = self._session()
            if self._stop.is_set():
                return
            delay = self.settings.reconnect_min if ok else min(delay * 2,
                                                               self.settings.reconnect_max)
            self._stop.wait(delay * random.uniform(0.5, 1.0))  # spread reconnect storms

    def _session(self) -> bool:
        """One connection, until it is lost; True when it had been established."""
        ep = self.settings.endpoint
        will = (topic(self.tid, "status"), dumps({"online": False, "reason": "lost"}))
        client = new_client(ep, will=will)
        client.on_connect = self._on_connect
        client.on_publish = self._on_publish
        client.on_message = self._on_message
        self._inflight.clear()
        self._last_handed = 0
        self._refused = False
        was_connected = False
        try:
            connect(client, ep, keepalive=self.settings.keepalive)
        except (OSError, ValueError) as exc:
            log.info("telemetry: broker %s unreachable: %s", ep.url, exc)
            return False
        deadline = time.monotonic() + 15
        try:
            while not self._stop.is_set():
                rc = client.loop(timeout=0.05)
                if rc != mqtt.MQTT_ERR_SUCCESS:
                    log.info("telemetry: connection lost (%s)", mqtt.error_string(rc))
                    break
                if self.connected.is_set():
                    was_connected = True
                    self._pump(client)
                elif self._refused or time.monotonic() > deadline:
                    break  # refused (CONNACK failure) or no CONNACK in time
            if self._stop.is_set() and self.connected.is_set():
                client.publish(topic(self.tid, "status"),
                               dumps({"online": False, "reason": "stopped"}), qos=1,
                               retain=True)
                for _ in range(20):
                    if client.loop(timeout=0.05) != mqtt.MQTT_ERR_SUCCESS:
                        break
                client.disconnect()
        finally:
            self.connected.clear()
        return was_connected

    def _pump(self, client: mqtt.Client) -> None:
        free = self.settings.window - len(self._inflight)
        if free <= 0:
            return
        rows = self.buffer.after(self._last_handed, free)
        for row in rows:
            info = client.publish(row.topic, row.payload, qos=1, retain=row.retain)
            if info.rc != mqtt.MQTT_ERR_SUCCESS:
                return
            self._inflight[info.mid] = row.id
            self._last_handed = row.id

    # --- paho callbacks (link thread) ----------------------------------------------------

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any,
                    properties: Any) -> None:
        if reason.is_failure:
            log.warning("telemetry: broker refused the connection: %s", reason)
            self._refused = True
            return
        self.connects += 1
        client.subscribe(command_topic(self.tid), qos=1)
        client.publish(topic(self.tid, "status"),
                       dumps({"online": True, "ts": round(time.time(), 3)}), qos=1,
                       retain=True)
        self.connected.set()
        log.info("telemetry: connected to %s (session present: %s)",
                 self.settings.endpoint.url, flags.session_present)

    def _on_publish(self, client: mqtt.Client, userdata: Any, mid: int, reason: Any,
                    properties: Any) -> None:
        row = self._inflight.pop(mid, None)
        if row is None:
            return
        if reason.is_failure:  # e.g. Not authorized: never retried, but said
            self.refused_publishes += 1
            log.error("telemetry: broker refused a publish: %s", reason)
        self.buffer.delete(row)

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        if msg.topic == command_topic(self.tid):
            self._cmd_q.put(bytes(msg.payload))
