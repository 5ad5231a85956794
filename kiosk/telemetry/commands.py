"""Remote commands on the terminal: verify, refuse or carry out, answer, audit.

Every command that arrives is written to the audit log, carried out or not: accepted ones as
``remote.<cmd>`` with the operator and the outcome, refused ones as ``remote.refused`` with
the reason (unsigned, bad_signature, expired, replayed, wrong_terminal, ...). The answer goes
to ``zhunong/<id>/reply``; a refusal also raises a ``command_refused`` event.
"""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519

from kiosk.audit import AuditLog
from kiosk.telemetry.buffer import TelemetryBuffer
from kiosk.telemetry.providers import SAFE_SCREENS, Actions
from kiosk.telemetry.wire import CommandRefused, VerifiedCommand, verify_command

log = logging.getLogger(__name__)

MAX_LOG_LINES = 500


class CommandProcessor:
    def __init__(self, terminal_id: str, public_key: ed25519.Ed25519PublicKey | None,
                 actions: Actions, buffer: TelemetryBuffer, audit: AuditLog | None, *,
                 skew: float = 120.0, journey: Callable[[], str | None] | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.terminal_id = terminal_id
        self.public_key = public_key
        self.actions = actions
        self.buffer = buffer
        self.audit = audit
        self.skew = skew
        self.journey = journey
        self.clock = clock

    def handle(self, payload: bytes) -> tuple[dict[str, Any], bool]:
        """(reply, refused)."""
        try:
            if self.public_key is None:
                raise CommandRefused("bad_signature", "this terminal trusts no command key")
            cmd = verify_command(payload, self.public_key, self.terminal_id, now=self.clock(),
                                 skew=self.skew)
            if not self.buffer.remember_command(cmd.id, cmd.expires):
                raise CommandRefused("replayed", cmd.id, {"id": cmd.id, "cmd": cmd.cmd,
                                                          "operator": cmd.operator})
        except CommandRefused as exc:
            body = exc.body
            reply = {"id": body.get("id"), "cmd": body.get("cmd"), "ok": False,
                     "refused": exc.reason, "detail": exc.detail, "ts": self.clock()}
            log.warning("remote command refused: %s (%s)", exc.reason, exc.detail)
            self._audit(f"ops:{body.get('operator') or 'unknown'}", "remote.refused",
                        {"id": body.get("id"), "cmd": body.get("cmd"), "reason": exc.reason})
            return reply, True
        try:
            result = self._run(cmd)
            reply = {"id": cmd.id, "cmd": cmd.cmd, "ok": result.pop("ok", True), **result}
        except Exception as exc:  # an action failed: answer, never crash the command thread
            log.exception("remote command %s failed", cmd.cmd)
            reply = {"id": cmd.id, "cmd": cmd.cmd, "ok": False, "error": "failed",
                     "detail": type(exc).__name__}
        reply["ts"] = self.clock()
        self._audit(f"ops:{cmd.operator}", f"remote.{cmd.cmd}",
                    {"id": cmd.id, "args": cmd.args, "ok": reply["ok"],
                     "error": reply.get("error")})
        return reply, False

    def _audit(self, actor: str, action: str, detail: Mapping[str, Any]) -> None:
        if self.audit is None:
            return
        try:
            self.audit.append(actor, action, dict(detail))
        except OSError:
            log.exception("the audit log cannot be written")

    def _run(self, cmd: VerifiedCommand) -> dict[str, Any]:
        a = self.actions
        if cmd.cmd == "screenshot":
            journey = self.journey() if self.journey else None
            screen = a.screen() if a.screen else None
            if journey or screen not in SAFE_SCREENS:
                # never a farmer's data on an operator's screen
                return {"ok": False, "error": "busy", "screen": screen,
                        "journey": journey}
            if a.screenshot is None:
                return {"ok": False, "error": "unsupported"}
            png = a.screenshot()
            return {"png": base64.b64encode(png).decode("ascii"), "screen": screen}
        if cmd.cmd == "restart":
            if a.request_restart is None:
                return {"ok": False, "error": "unsupported"}
            return {"restart": a.request_restart("remote")}
        if cmd.cmd == "out_of_service":
            if a.out_of_service is None:
                return {"ok": False, "error": "unsupported"}
            reason = str(cmd.args.get("reason") or "")[:200]
            a.out_of_service(reason)
            return {"mode": "outOfService", "reason": reason}
        if cmd.cmd == "in_service":
            if a.in_service is None:
                return {"ok": False, "error": "unsupported"}
            a.in_service()
            return {"mode": "back"}
        if cmd.cmd == "logs":
            if a.logs is None:
                return {"ok": False, "error": "unsupported"}
            n = max(1, min(int(cmd.args.get("lines", 100)), MAX_LOG_LINES))
            return {"lines": a.logs(n)}
        if cmd.cmd == "self_test":
            if a.self_test is None:
                return {"ok": False, "error": "unsupported"}
            return {"devices": dict(a.self_test())}
        return {"ok": False, "error": "unsupported"}
