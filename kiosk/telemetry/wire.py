"""What travels over MQTT between a terminal and the operations console (both sides use it).

Topics (``<id>`` is the terminal id, which is also its certificate CN and MQTT user name)::

    zhunong/<id>/hb          heartbeat, QoS 1, retained (the latest one stays on the broker)
    zhunong/<id>/evt         events, QoS 1, not retained
    zhunong/<id>/status      {"online": true|false}, retained; the last will sets false
    zhunong/<id>/reply       answers to commands, QoS 1
    zhunong/cmd/<id>/req     signed commands for this terminal only (the console writes)

A command on the wire is an envelope ``{"body": "<JSON text>", "sig": "<base64>",
"alg": "ed25519", "kid": "<key id>"}``; the signature is Ed25519 over the UTF-8 bytes of
``body`` exactly as sent (no re-serialisation on the terminal). The body is::

    {"id": "<uuid4 hex>", "terminal": "<id>", "cmd": "screenshot", "args": {...},
     "issued": <unix s>, "expires": <unix s>, "operator": "<operator name>"}

An operations desk key is the only key a terminal trusts (``[telemetry] command_key``).
Qt-free; ``cryptography`` only.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

ROOT = "zhunong"
SCHEMA = 1
COMMANDS = ("screenshot", "restart", "out_of_service", "in_service", "logs", "self_test")
MAX_VALIDITY = 3600.0  # a command valid longer than this is refused (a leaked one ages out)


def topic(terminal_id: str, kind: str) -> str:
    """``zhunong/<id>/<kind>`` (kind: hb, evt, status, reply)."""
    return f"{ROOT}/{terminal_id}/{kind}"


def command_topic(terminal_id: str) -> str:
    return f"{ROOT}/cmd/{terminal_id}/req"


def parse_topic(name: str) -> tuple[str, str] | None:
    """(terminal id, kind) of a terminal topic, None for anything else."""
    parts = name.split("/")
    if len(parts) == 3 and parts[0] == ROOT and parts[1] != "cmd":
        return parts[1], parts[2]
    return None


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True,
                      default=str).encode("utf-8")


def loads(payload: bytes) -> Any:
    return json.loads(payload.decode("utf-8"))


# --- keys ------------------------------------------------------------------------------------


def key_id(public: ed25519.Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def load_private_key(path: Path) -> ed25519.Ed25519PrivateKey:
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise ValueError(f"{path}: not an Ed25519 private key")
    return key


def load_public_key(path: Path) -> ed25519.Ed25519PublicKey:
    key = serialization.load_pem_public_key(Path(path).read_bytes())
    if not isinstance(key, ed25519.Ed25519PublicKey):
        raise ValueError(f"{path}: not an Ed25519 public key")
    return key


# --- commands --------------------------------------------------------------------------------


def make_command(terminal_id: str, cmd: str, args: Mapping[str, Any] | None = None, *,
                 operator: str, ttl: float = 300.0, now: float | None = None,
                 command_id: str | None = None) -> dict[str, Any]:
    """A command body (unsigned)."""
    if cmd not in COMMANDS:
        raise ValueError(f"unknown command {cmd!r}")
    t = time.time() if now is None else now
    return {"id": command_id or uuid.uuid4().hex, "terminal": terminal_id, "cmd": cmd,
            "args": dict(args or {}), "issued": round(t, 3), "expires": round(t + ttl, 3),
            "operator": operator}


def sign_command(body: Mapping[str, Any], key: ed25519.Ed25519PrivateKey) -> bytes:
    """The envelope to publish on :func:`command_topic`."""
    text = dumps(body).decode("utf-8")
    sig = key.sign(text.encode("utf-8"))
    return dumps({"body": text, "sig": base64.b64encode(sig).decode("ascii"),
                  "alg": "ed25519", "kid": key_id(key.public_key())})


class CommandRefused(Exception):
    """Why a command is not carried out; ``reason`` is one of the REASONS."""

    REASONS = ("malformed", "unsigned", "bad_signature", "wrong_terminal", "expired",
               "not_yet_valid", "replayed", "unknown_command")

    def __init__(self, reason: str, detail: str = "", body: Mapping[str, Any] | None = None
                 ) -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
        self.body = dict(body or {})


@dataclass(frozen=True)
class VerifiedCommand:
    id: str
    cmd: str
    args: dict[str, Any]
    issued: float
    expires: float
    operator: str


def verify_command(payload: bytes, public: ed25519.Ed25519PublicKey, terminal_id: str, *,
                   now: float | None = None, skew: float = 120.0) -> VerifiedCommand:
    """Check envelope, signature, addressee and validity window; raise CommandRefused.

    Replays (an id seen before) are the caller's check: it keeps the ids until they expire.
    """
    try:
        env = loads(payload)
    except (ValueError, UnicodeDecodeError) as exc:
        raise CommandRefused("malformed", "not JSON") from exc
    if not isinstance(env, dict) or not isinstance(env.get("body"), str):
        raise CommandRefused("malformed", "no body")
    try:
        body = json.loads(env["body"])
    except ValueError as exc:
        raise CommandRefused("malformed", "body is not JSON") from exc
    if not isinstance(body, dict):
        raise CommandRefused("malformed", "body is not an object")
    sig = env.get("sig")
    if not sig or not isinstance(sig, str):
        raise CommandRefused("unsigned", body=body)
    try:
        public.verify(base64.b64decode(sig, validate=True), env["body"].encode("utf-8"))
    except (InvalidSignature, ValueError) as exc:
        raise CommandRefused("bad_signature", "not signed by the operations desk",
                             body) from exc
    if body.get("terminal") != terminal_id:
        raise CommandRefused("wrong_terminal", str(body.get("terminal")), body)
    t = time.time() if now is None else now
    try:
        issued, expires = float(body["issued"]), float(body["expires"])
        cid, cmd = str(body["id"]), str(body["cmd"])
    except (KeyError, TypeError, ValueError) as exc:
        raise CommandRefused("malformed", "missing fields", body) from exc
    if expires < t:
        raise CommandRefused("expired", f"expired {t - expires:.0f} s ago", body)
    if issued > t + skew or expires - issued > MAX_VALIDITY:
        raise CommandRefused("not_yet_valid", "issued in the future or valid too long", body)
    if cmd not in COMMANDS:
        raise CommandRefused("unknown_command", cmd, body)
    args = body.get("args") or {}
    if not isinstance(args, dict):
        raise CommandRefused("malformed", "args", body)
    return VerifiedCommand(cid, cmd, args, issued, expires, str(body.get("operator", "")))
