"""Alert rules over a terminal's latest state (pure functions; the ingest opens and closes).

- offline (critical): the last will said offline, or nothing was heard, for more than
  ``offline_minutes``;
- paper_out (critical) / paper_near_end (warning): the printer's paper sensor;
- device_fault (critical): a device in hardwareError, noDevice, offline, userError, powerOff;
- unresolved (critical): the oldest unresolved money transaction is older than
  ``unresolved_minutes``;
- clock_skew (warning): abs(terminal clock - host clock) > ``clock_skew_seconds``;
- audit_gap (critical): the audit chain's head went backwards or changed at the same seq.

All but ``audit_gap`` close by themselves when the condition clears (Kiosk Pro's practice:
status from heartbeats self-resolves); ``audit_gap`` stays until an operator acknowledges it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

FAULT_STATES = frozenset({"hardwareError", "noDevice", "offline", "userError", "powerOff"})
STICKY = frozenset({"audit_gap"})


@dataclass(frozen=True)
class AlertSettings:
    offline_minutes: float = 10.0
    unresolved_minutes: float = 30.0
    clock_skew_seconds: float = 60.0


@dataclass(slots=True)
class TermState:
    """What the console keeps in memory per terminal (the full heartbeat is in SQLite)."""

    tid: str
    service_point: str = ""
    online: bool | None = None
    status_ts: float | None = None
    mode: str | None = None
    journey: str | None = None
    paper: str | None = None
    printer: str | None = None
    devices: dict[str, str] = field(default_factory=dict)
    unresolved: int | None = None
    unresolved_age: float | None = None
    outbox_depth: int | None = None
    clock_skew: float | None = None
    audit_seq: int | None = None
    audit_hash: str | None = None
    hb_seq: int | None = None
    hb_ts: float | None = None
    last_seen: float | None = None
    audit_gap: str | None = None

    def apply_heartbeat(self, hb: dict[str, Any]) -> str | None:
        """Take a heartbeat's fields; returns an audit-gap description when the chain's head
        went backwards or was rewritten."""
        self.service_point = str(hb.get("service_point") or self.service_point)
        self.mode, self.journey = hb.get("mode"), hb.get("journey")
        devices = hb.get("devices") or {}
        self.devices = {str(k): str((v or {}).get("state", "unknown"))
                        for k, v in devices.items()}
        printer = devices.get("printer") or {}
        self.paper = printer.get("paper")
        self.printer = printer.get("state")
        journal = hb.get("journal") or {}
        self.unresolved = journal.get("unresolved")
        self.unresolved_age = journal.get("oldest_unresolved_age_s")
        self.outbox_depth = (hb.get("outbox") or {}).get("depth")
        self.clock_skew = hb.get("clock_skew_s")
        self.hb_seq, self.hb_ts = hb.get("seq"), hb.get("ts")
        gap = None
        audit = hb.get("audit") or None
        if audit and self.audit_seq is not None:
            seq, digest = int(audit["seq"]), str(audit["hash"])
            if seq < self.audit_seq:
                gap = f"#{self.audit_seq} -> #{seq}"
            elif seq == self.audit_seq and digest != self.audit_hash:
                gap = f"#{seq} {str(self.audit_hash)[:12]} -> {digest[:12]}"
        if audit:
            self.audit_seq, self.audit_hash = int(audit["seq"]), str(audit["hash"])
        if gap:
            self.audit_gap = gap
        return gap

    def apply_device_event(self, detail: dict[str, Any]) -> None:
        device = str(detail.get("device") or "")
        new = detail.get("new") or {}
        if not device:
            return
        if "state" in new:
            self.devices[device] = str(new["state"])
        if device == "printer":
            if "paper" in new:
                self.paper = new["paper"]
            if "state" in new:
                self.printer = new["state"]


def conditions(t: TermState, now: float, s: AlertSettings) -> dict[str, tuple[str, str]]:
    """kind -> (severity, detail) of every alert condition that holds now; ``detail`` is a
    JSON object of fields for the console's catalog text ``fleet.alert_text.<kind>``."""
    out: dict[str, tuple[str, dict[str, Any]]] = {}
    limit = s.offline_minutes * 60
    if t.online is False and t.status_ts is not None and now - t.status_ts > limit:
        out["offline"] = ("critical", {"minutes": int((now - t.status_ts) // 60)})
    elif t.last_seen is not None and now - t.last_seen > limit:
        out["offline"] = ("critical", {"minutes": int((now - t.last_seen) // 60)})
    if t.paper == "out":
        out["paper_out"] = ("critical", {})
    elif t.paper == "near_end":
        out["paper_near_end"] = ("warning", {})
    faults = sorted(k for k, v in t.devices.items() if v in FAULT_STATES)
    if faults:
        out["device_fault"] = ("critical", {"devices": ", ".join(
            f"{k} ({t.devices[k]})" for k in faults)})
    if t.unresolved and t.unresolved_age is not None and \
            t.unresolved_age > s.unresolved_minutes * 60:
        out["unresolved"] = ("critical", {"count": t.unresolved,
                                          "minutes": int(t.unresolved_age // 60)})
    if t.clock_skew is not None and abs(t.clock_skew) > s.clock_skew_seconds:
        out["clock_skew"] = ("warning", {"seconds": f"{t.clock_skew:+.0f}"})
    if t.audit_gap:
        out["audit_gap"] = ("critical", {"what": t.audit_gap})
    return {k: (sev, json.dumps(fields, ensure_ascii=False, sort_keys=True))
            for k, (sev, fields) in out.items()}
