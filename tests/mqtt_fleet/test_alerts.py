"""The console's alert rules and its ingest on a real SQLite file (no broker needed): every
alert kind opens and closes, the audit chain gap stays until acknowledged, a replayed old
heartbeat does not become the latest state, a duplicate event is stored once."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from fleet.alerts import AlertSettings, TermState, conditions
from fleet.ingest import Ingest
from fleet.store import Store
from kiosk.telemetry.mqtt import Endpoint
from kiosk.telemetry.wire import dumps

S = AlertSettings(offline_minutes=10, unresolved_minutes=30, clock_skew_seconds=60)


def hb(seq: int, ts: float, **over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "seq": seq, "ts": ts, "service_point": "烟霞镇", "mode": "inService",
        "devices": {"printer": {"state": "online", "paper": "ok"},
                    "idcard": {"state": "online"}},
        "journal": {"unresolved": 0, "oldest_unresolved_age_s": None},
        "outbox": {"depth": 0}, "clock_skew_s": 0.5, "audit": {"seq": 5, "hash": "a" * 64},
        "memory": {"rss_mb": 150.0}}
    base.update(over)
    return base


def test_each_rule() -> None:
    now = 10_000.0
    t = TermState("ZN1", online=True, status_ts=now - 60, last_seen=now - 5)
    t.apply_heartbeat(hb(1, now - 5))
    assert conditions(t, now, S) == {}
    t.apply_heartbeat(hb(2, now, devices={"printer": {"state": "online", "paper": "near_end"},
                                          "idcard": {"state": "hardwareError"}},
                         journal={"unresolved": 2, "oldest_unresolved_age_s": 31 * 60},
                         clock_skew_s=-75.0))
    found = conditions(t, now, S)
    assert set(found) == {"paper_near_end", "device_fault", "unresolved", "clock_skew"}
    assert json.loads(found["device_fault"][1]) == {"devices": "idcard (hardwareError)"}
    assert json.loads(found["unresolved"][1]) == {"count": 2, "minutes": 31}
    assert found["paper_near_end"][0] == "warning" and found["unresolved"][0] == "critical"
    t.apply_device_event({"device": "printer", "new": {"paper": "out"}})
    assert "paper_out" in conditions(t, now, S) and "paper_near_end" not in conditions(t, now, S)
    t.online, t.status_ts = False, now - 9 * 60  # last will 9 minutes ago: not yet
    assert "offline" not in conditions(t, now, S)
    assert json.loads(conditions(t, now + 120, S)["offline"][1]) == {"minutes": 11}
    quiet = TermState("ZN2", online=True, status_ts=now - 3600, last_seen=now - 11 * 60)
    assert "offline" in conditions(quiet, now, S)  # no last will, but nothing heard


def test_audit_gap_detected_and_sticky() -> None:
    t = TermState("ZN1")
    assert t.apply_heartbeat(hb(1, 1.0, audit={"seq": 7, "hash": "a" * 64})) is None
    assert t.apply_heartbeat(hb(2, 2.0, audit={"seq": 9, "hash": "b" * 64})) is None
    assert t.apply_heartbeat(hb(3, 3.0, audit={"seq": 9, "hash": "c" * 64}))  # rewritten
    t2 = TermState("ZN2")
    t2.apply_heartbeat(hb(1, 1.0, audit={"seq": 9, "hash": "a" * 64}))
    assert t2.apply_heartbeat(hb(2, 2.0, audit={"seq": 4, "hash": "d" * 64}))  # truncated
    assert "audit_gap" in conditions(t2, 3.0, S)


def test_ingest_opens_closes_and_acknowledges(tmp_path: Path) -> None:
    store = Store(tmp_path / "fleet.sqlite3")
    ingest = Ingest(store, Endpoint("mqtts://127.0.0.1:1", None, None, None, "c"),
                    state_dir=tmp_path, alerts=S)
    now = time.time()

    def feed(*msgs: tuple[str, dict[str, Any]]) -> None:
        ingest._alerts(ingest.handle([(f"zhunong/ZN1/{k}", dumps(b), time.time())
                                      for k, b in msgs]))

    def open_kinds() -> set[str]:
        return {r["kind"] for r in store.query("SELECT kind FROM alerts WHERE closed IS NULL")}

    feed(("status", {"online": True}), ("hb", hb(1, now)))
    assert open_kinds() == set()
    feed(("evt", {"id": "e1", "kind": "device", "ts": now,
                  "detail": {"device": "printer", "new": {"paper": "out"}}}))
    feed(("evt", {"id": "e1", "kind": "device", "ts": now,  # the same event again (resent)
                  "detail": {"device": "printer", "new": {"paper": "out"}}}))
    assert open_kinds() == {"paper_out"}
    assert store.one("SELECT COUNT(*) AS n FROM events")["n"] == 1  # type: ignore[index]
    feed(("hb", hb(2, now + 1, audit={"seq": 3, "hash": "e" * 64})))  # paper ok again; gap
    assert open_kinds() == {"audit_gap"}  # paper_out closed by itself, the gap stays
    feed(("hb", hb(3, now + 2, audit={"seq": 4, "hash": "f" * 64})))
    assert open_kinds() == {"audit_gap"}
    gap = store.one("SELECT id FROM alerts WHERE kind='audit_gap' AND closed IS NULL")
    assert gap is not None and ingest.acknowledge(int(gap["id"]), "op.li")
    feed(("hb", hb(4, now + 3, audit={"seq": 5, "hash": "0" * 64})))
    assert open_kinds() == set()
    # a heartbeat buffered during an outage arrives late: history, not the latest state
    feed(("hb", hb(0, now - 600, mode="outOfService")))
    row = store.one("SELECT mode, hb_seq FROM terminals WHERE tid='ZN1'")
    assert row is not None and (row["mode"], row["hb_seq"]) == ("inService", 4)
    assert store.one("SELECT COUNT(*) AS n FROM heartbeats")["n"] == 5  # type: ignore[index]
    acked = store.one("SELECT acked_by FROM alerts WHERE kind='audit_gap'")
    assert acked is not None and acked["acked_by"] == "op.li"
    store.close()
