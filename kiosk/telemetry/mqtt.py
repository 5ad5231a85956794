"""One way to make a paho-mqtt 2.x client for the fleet: MQTT 5 over TLS with a client
certificate, persistent session (``clean_start=False`` + session expiry), optional last will.

MQTT 5 because under 3.1.1 Mosquitto answers a publish the ACL refuses with a successful
PUBACK and drops the message; under 5 the PUBACK says ``Not authorized``.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

SESSION_EXPIRY = 7 * 86400  # seconds the broker keeps a terminal's session (and its commands)


@dataclass(frozen=True)
class Endpoint:
    """Where and who: ``mqtts://host:port``, the CA, this client's certificate and key."""

    url: str
    ca_file: Path | None
    cert_file: Path | None
    key_file: Path | None
    client_id: str

    @property
    def host_port_tls(self) -> tuple[str, int, bool]:
        u = urlparse(self.url)
        if u.scheme not in ("mqtts", "mqtt") or not u.hostname:
            raise ValueError(f"not an mqtt:// or mqtts:// URL: {self.url!r}")
        tls = u.scheme == "mqtts"
        return u.hostname, u.port or (8883 if tls else 1883), tls


def new_client(ep: Endpoint, *, will: tuple[str, bytes] | None = None,
               userdata: Any = None) -> mqtt.Client:
    """A configured, unconnected client (call :func:`connect`)."""
    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=ep.client_id,
                    protocol=mqtt.MQTTv5, userdata=userdata)
    _host, _port, tls = ep.host_port_tls
    if tls:
        ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH,
                                         cafile=str(ep.ca_file) if ep.ca_file else None)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        if ep.cert_file and ep.key_file:
            ctx.load_cert_chain(str(ep.cert_file), str(ep.key_file))
        c.tls_set_context(ctx)
    if will is not None:
        c.will_set(will[0], will[1], qos=1, retain=True)
    return c


def connect_properties(session_expiry: int = SESSION_EXPIRY) -> Properties:
    props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
    props.SessionExpiryInterval = session_expiry
    return props


def connect(c: mqtt.Client, ep: Endpoint, *, keepalive: int = 60, clean_start: bool = False,
            session_expiry: int = SESSION_EXPIRY) -> None:
    """Open the TCP/TLS connection and send CONNECT (the CONNACK arrives in the loop)."""
    host, port, _tls = ep.host_port_tls
    c.connect(host, port, keepalive=keepalive, clean_start=clean_start,
              properties=connect_properties(session_expiry))
