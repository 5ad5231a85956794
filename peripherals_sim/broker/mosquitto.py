"""Mosquitto for the fleet: PKI, configuration, ACL, and the broker as a child process.

Layout of the broker's state directory::

    tls/ca.pem ca.key            the cooperative's fleet CA (demo)
    tls/broker.pem broker.key    the broker's server certificate (localhost, 127.0.0.1)
    tls/<id>.pem <id>.key        one client certificate per terminal / console (CN = id)
    ops/command.key command.pub  the operations desk's Ed25519 command key (raw PEM)
    mosquitto.conf  acl          written on every start
    data/                        Mosquitto's persistence (sessions, retained messages)

The ACL (the certificate CN is the MQTT user name, ``use_identity_as_username``)::

    pattern write zhunong/%u/#          a terminal publishes only under its own id
    pattern read  zhunong/cmd/%u/#      and reads only its own commands
    user <console>                      each console reads everything, writes commands
    topic read  zhunong/#
    topic write zhunong/cmd/#

Terminal ids are ``[A-Za-z0-9_-]+`` and never ``cmd`` (which would collide with the command
tree). Standard library + ``cryptography``; imports nothing from ``kiosk``.
"""

from __future__ import annotations

import os
import pwd
import re
import resource
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from peripherals_sim.atomicfile import write_atomic
from peripherals_sim.bank_host.tls import _load_key, issue, write_pair

MOSQUITTO_CANDIDATES = ("/usr/sbin/mosquitto", "/usr/bin/mosquitto")
CA_NAME = "ZhuNong Cooperative Fleet CA (demo)"
DEFAULT_CONSOLES = ("fleet-console",)
ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def find_mosquitto() -> str | None:
    """The mosquitto binary, or None when the Debian package is not installed."""
    found = shutil.which("mosquitto")
    if found:
        return found
    return next((p for p in MOSQUITTO_CANDIDATES if os.access(p, os.X_OK)), None)


def check_id(client_id: str) -> str:
    if not ID_RE.match(client_id) or client_id == "cmd":
        raise ValueError(f"not a usable terminal/console id: {client_id!r}")
    return client_id


@dataclass(frozen=True)
class FleetPki:
    """Paths of the fleet's PKI and the operations desk's command key."""

    dir: Path
    ca_file: Path
    ca_key: Path
    broker_cert: Path
    broker_key: Path
    command_key: Path  # Ed25519 private key (PKCS8 PEM): the console signs with it
    command_pub: Path  # its public key (PEM): terminals trust it

    def client(self, client_id: str) -> tuple[Path, Path]:
        """(cert, key) of a terminal or console, issued from the CA when missing."""
        check_id(client_id)
        cp, kp = self.dir / "tls" / f"{client_id}.pem", self.dir / "tls" / f"{client_id}.key"
        if not cp.exists() or not kp.exists():
            ca = x509.load_pem_x509_certificate(self.ca_file.read_bytes())
            cert, key = issue(client_id, ca, _load_key(self.ca_key), client=True)
            write_pair(cert, key, cp, kp)
        return cp, kp


def ensure_fleet_pki(state_dir: Path, client_ids: Iterable[str] = ()) -> FleetPki:
    """Create what is missing under ``state_dir`` (kept across restarts)."""
    tls = Path(state_dir) / "tls"
    tls.mkdir(parents=True, exist_ok=True)
    ca_file, ca_key = tls / "ca.pem", tls / "ca.key"
    if not ca_file.exists() or not ca_key.exists():
        cert, key = issue(CA_NAME, None, None)
        write_pair(cert, key, ca_file, ca_key)
    broker_cert, broker_key = tls / "broker.pem", tls / "broker.key"
    if not broker_cert.exists() or not broker_key.exists():
        ca = x509.load_pem_x509_certificate(ca_file.read_bytes())
        cert, key = issue("mqtt-broker.sim", ca, _load_key(ca_key), server=True)
        write_pair(cert, key, broker_cert, broker_key)
    ops = Path(state_dir) / "ops"
    ops.mkdir(parents=True, exist_ok=True)
    command_key, command_pub = ops / "command.key", ops / "command.pub"
    if not command_key.exists() or not command_pub.exists():
        sk = ed25519.Ed25519PrivateKey.generate()
        write_atomic(command_key, sk.private_bytes(serialization.Encoding.PEM,
                                                   serialization.PrivateFormat.PKCS8,
                                                   serialization.NoEncryption()))
        write_atomic(command_pub, sk.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
            mode=0o644)
    pki = FleetPki(Path(state_dir), ca_file, ca_key, broker_cert, broker_key, command_key,
                   command_pub)
    for cid in client_ids:
        pki.client(cid)
    return pki


def acl_text(consoles: Sequence[str]) -> str:
    lines = ["# written by kiosk-sim broker: the certificate CN is the user name",
             "pattern write zhunong/%u/#",
             "pattern read zhunong/cmd/%u/#", ""]
    for c in consoles:
        lines += [f"user {check_id(c)}", "topic read zhunong/#", "topic write zhunong/cmd/#", ""]
    return "\n".join(lines)


def config_text(pki: FleetPki, port: int, data_dir: Path, acl: Path, *,
                host: str = "127.0.0.1", max_inflight: int = 1000) -> str:
    user = pwd.getpwuid(os.getuid()).pw_name  # stay who we are (root would drop to mosquitto)
    return "\n".join([
        "# written by kiosk-sim broker (see peripherals_sim/broker/mosquitto.py)",
        f"user {user}",
        "per_listener_settings false",
        "persistence true",
        f"persistence_location {data_dir}/",
        "autosave_interval 60",
        "persistent_client_expiration 14d",
        # per client, broker -> client: the console receives every terminal's messages on one
        # connection; a window of 20 unacknowledged messages caps it at 20 / round trip
        f"max_inflight_messages {max_inflight}",
        "max_queued_messages 100000",
        "allow_anonymous false",
        f"acl_file {acl}",
        "log_dest stderr",
        "log_type error",
        "log_type warning",
        "log_type notice",
        "connection_messages false",
        f"listener {port} {host}",
        "max_connections -1",
        f"cafile {pki.ca_file}",
        f"certfile {pki.broker_cert}",
        f"keyfile {pki.broker_key}",
        "tls_version tlsv1.2",
        "require_certificate true",
        "use_identity_as_username true",
        "",
    ])


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _child_setup() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # the Debian unit leaves 1024
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)  # die with the parent
    except OSError:
        pass


class MosquittoError(RuntimeError):
    pass


class Mosquitto:
    """``/usr/sbin/mosquitto -c state_dir/mosquitto.conf`` on a free loopback port."""

    def __init__(self, state_dir: Path, *, consoles: Sequence[str] = DEFAULT_CONSOLES,
                 terminals: Iterable[str] = (), port: int = 0,
                 log_file: Path | None = None, max_inflight: int = 1000) -> None:
        self.state_dir = Path(state_dir)
        self.consoles = list(consoles)
        self.pki = ensure_fleet_pki(self.state_dir, [*self.consoles, *terminals])
        self.port = port
        self.log_file = log_file or self.state_dir / "mosquitto.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.max_inflight = max_inflight

    @property
    def url(self) -> str:
        return f"mqtts://127.0.0.1:{self.port}"

    def start(self, timeout: float = 15.0) -> Mosquitto:
        binary = find_mosquitto()
        if binary is None:
            raise MosquittoError("mosquitto is not installed (apt-get install mosquitto)")
        data = self.state_dir / "data"
        data.mkdir(parents=True, exist_ok=True)
        acl = self.state_dir / "acl"
        acl.write_text(acl_text(self.consoles))
        want = self.port
        last = ""
        for _attempt in range(5):
            self.port = want or free_port()
            conf = self.state_dir / "mosquitto.conf"
            conf.write_text(config_text(self.pki, self.port, data, acl,
                                        max_inflight=self.max_inflight))
            log = self.log_file.open("ab")
            self.proc = subprocess.Popen([binary, "-c", str(conf)], stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=log, preexec_fn=_child_setup)
            log.close()
            if self._wait_listening(timeout):
                return self
            last = self.log_tail()
            self.stop()
            if want or "in use" not in last:
                break
        raise MosquittoError(f"mosquitto did not start on port {self.port}: {last[-800:]}")

    def _wait_listening(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                return False
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return True
            except OSError:
                time.sleep(0.05)
        return False

    def log_tail(self, n: int = 4000) -> str:
        try:
            return self.log_file.read_text("utf-8", "replace")[-n:]
        except OSError:
            return ""

    def stop(self, timeout: float = 5.0) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)

    def kill(self) -> None:
        """SIGKILL (a crash or power cut of the broker machine)."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(5)
            self.proc = None

    def __enter__(self) -> Mosquitto:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def ready_line(self, terminals: Iterable[str]) -> dict[str, object]:
        """What ``kiosk-sim broker`` prints once listening."""
        def pair(cid: str) -> dict[str, str]:
            c, k = self.pki.client(cid)
            return {"cert_file": str(c), "key_file": str(k)}

        return {"sim": "broker", "url": self.url, "control": None,
                "ca_file": str(self.pki.ca_file), "ca_key": str(self.pki.ca_key),
                "state_dir": str(self.state_dir),
                "command_key": str(self.pki.command_key),
                "command_pub": str(self.pki.command_pub),
                "terminals": {t: pair(t) for t in terminals},
                "consoles": {c: pair(c) for c in self.consoles}}
