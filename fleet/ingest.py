"""The console's MQTT side: subscribe to every terminal, keep the latest state, open and close
alerts, store answers to commands, publish signed commands.

paho's network thread only appends ``(topic, payload, received)`` to a list; the ingest
thread takes the list every ``batch_seconds`` and handles it in one SQLite transaction, so
thousands of heartbeats a second cost one commit per batch. For each heartbeat the time from
the terminal's publish (its ``ts``) to the commit is recorded (``stats()``: p50/p99).

Several console instances can share the load with an MQTT 5 shared subscription
(``share_group``: ``$share/<group>/zhunong/+/hb``), each keeping the terminals it hears.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt

from fleet.alerts import STICKY, AlertSettings, TermState, conditions
from fleet.store import Store
from kiosk.telemetry.mqtt import Endpoint, connect, new_client
from kiosk.telemetry.wire import command_topic, parse_topic

log = logging.getLogger(__name__)

KINDS = ("hb", "evt", "status", "reply")


class Ingest:
    def __init__(self, store: Store, endpoint: Endpoint, *, state_dir: Path,
                 alerts: AlertSettings | None = None, batch_seconds: float = 0.05,
                 share_group: str | None = None, clock: Callable[[], float] = time.time
                 ) -> None:
        self.store = store
        self.endpoint = endpoint
        self.state_dir = Path(state_dir)
        self.settings = alerts or AlertSettings()
        self.batch_seconds = batch_seconds
        self.share_group = share_group
        self.clock = clock
        self.terms: dict[str, TermState] = {}
        self.open_alerts: dict[tuple[str, str], int] = {}
        self._open_by_tid: dict[str, set[str]] = {}  # the same, per terminal
        self._pending: list[tuple[str, bytes, float]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.client: mqtt.Client | None = None
        self.connected = threading.Event()
        self.received = 0
        self.heartbeats = 0
        self.latencies: deque[tuple[float, float]] = deque(maxlen=500_000)  # (commit, ms)
        self.listeners: list[Callable[[str, str], None]] = []  # (tid, kind) after a commit
        self._load()

    # --- start / stop ------------------------------------------------------------------------

    def _load(self) -> None:
        for r in self.store.query("SELECT * FROM terminals"):
            t = TermState(r["tid"], r["service_point"] or "",
                          None if r["online"] is None else bool(r["online"]), r["status_ts"])
            if r["hb_json"]:
                t.apply_heartbeat(json.loads(r["hb_json"]))
            t.online, t.status_ts, t.last_seen = (None if r["online"] is None
                                                  else bool(r["online"])), r["status_ts"], \
                r["last_seen"]
            self.terms[t.tid] = t
        for r in self.store.query("SELECT id, tid, kind, detail FROM alerts "
                                  "WHERE closed IS NULL"):
            self.open_alerts[(r["tid"], r["kind"])] = int(r["id"])
            self._open_by_tid.setdefault(r["tid"], set()).add(r["kind"])
            if r["kind"] == "audit_gap" and r["tid"] in self.terms:
                self.terms[r["tid"]].audit_gap = r["detail"]

    def start(self) -> Ingest:
        c = new_client(self.endpoint)
        c.on_connect = self._on_connect
        c.on_message = self._on_message
        c.on_disconnect = self._on_disconnect
        c.reconnect_delay_set(1, 30)
        self.client = c
        connect(c, self.endpoint, clean_start=False)
        c.loop_start()
        self._thread = threading.Thread(target=self._run, name="fleet-ingest", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self.client is not None:
            self.client.disconnect()
            self.client.loop_stop()
        if self._thread is not None:
            self._thread.join(5)

    # --- MQTT (paho thread) ----------------------------------------------------------------

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any,
                    properties: Any) -> None:
        if reason.is_failure:
            log.error("console: broker refused the connection: %s", reason)
            return
        for kind in KINDS:
            name = f"zhunong/+/{kind}"
            if self.share_group:
                name = f"$share/{self.share_group}/{name}"
            client.subscribe(name, qos=1)
        self.connected.set()
        log.info("console: connected to %s", self.endpoint.url)

    def _on_disconnect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any,
                       properties: Any) -> None:
        self.connected.clear()

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        item = (msg.topic, bytes(msg.payload), time.time())
        with self._lock:
            self._pending.append(item)

    def publish_command(self, tid: str, envelope: bytes) -> bool:
        if self.client is None:
            return False
        info = self.client.publish(command_topic(tid), envelope, qos=1)
        return info.rc == mqtt.MQTT_ERR_SUCCESS

    # --- the ingest thread -----------------------------------------------------------------

    def _run(self) -> None:
        next_sweep = 0.0
        next_prune = time.monotonic() + 60
        while not self._stop.wait(self.batch_seconds):
            with self._lock:
                batch, self._pending = self._pending, []
            try:
                touched = self.handle(batch) if batch else set()
                now_m = time.monotonic()
                if now_m >= next_sweep:  # time-based alerts (offline) for every terminal
                    next_sweep = now_m + 5
                    self._alerts(set(self.terms))
                elif touched:
                    self._alerts(touched)
                if now_m >= next_prune:
                    next_prune = now_m + 60
                    self.store.prune(list(self.terms))
            except Exception:
                log.exception("console ingest failed on a batch of %d", len(batch))

    def handle(self, batch: list[tuple[str, bytes, float]]) -> set[str]:
        """Apply a batch in one transaction; returns the terminals touched."""
        touched: set[str] = set()
        hb_ts: list[float] = []
        notify: list[tuple[str, str]] = []
        with self.store.tx() as db:
            for topic, payload, recv in batch:
                parsed = parse_topic(topic)
                if parsed is None:
                    continue
                tid, kind = parsed
                try:
                    body = json.loads(payload)
                except ValueError:
                    log.warning("console: %s sent a payload that is not JSON", tid)
                    continue
                if not isinstance(body, dict):
                    continue
                self.received += 1
                t = self.terms.get(tid)
                if t is None:
                    t = self.terms[tid] = TermState(tid)
                    db.execute("INSERT OR IGNORE INTO terminals(tid) VALUES (?)", (tid,))
                t.last_seen = recv
                touched.add(tid)
                notify.append((tid, kind))
                if kind == "hb":
                    self._heartbeat(db, t, body, payload, recv)
                    if isinstance(body.get("ts"), (int, float)):
                        hb_ts.append(float(body["ts"]))
                elif kind == "evt":
                    self._event(db, t, body, recv)
                elif kind == "status":
                    online = bool(body.get("online"))
                    if online != t.online:
                        t.online, t.status_ts = online, recv
                    db.execute("UPDATE terminals SET online=?, status_ts=?, last_seen=? "
                               "WHERE tid=?", (int(online), t.status_ts, recv, tid))
                elif kind == "reply":
                    self._reply(db, tid, body, recv)
        done = time.time()
        self.heartbeats += len(hb_ts)
        self.latencies.extend((done, (done - ts) * 1000.0) for ts in hb_ts)
        for tid, kind in notify:
            for fn in self.listeners:
                fn(tid, kind)
        return touched

    def _heartbeat(self, db: Any, t: TermState, hb: dict[str, Any], raw: bytes,
                   recv: float) -> None:
        seq = hb.get("seq")
        mem = hb.get("memory") or {}
        db.execute("INSERT OR IGNORE INTO heartbeats(tid, seq, ts, recv, rss_mb, avail_mb, "
                   "outbox_depth, unresolved) VALUES (?,?,?,?,?,?,?,?)",
                   (t.tid, seq, hb.get("ts") or recv, recv, mem.get("rss_mb"),
                    mem.get("available_mb"), (hb.get("outbox") or {}).get("depth"),
                    (hb.get("journal") or {}).get("unresolved")))
        if t.hb_ts is not None and float(hb.get("ts") or 0) < t.hb_ts:
            db.execute("UPDATE terminals SET last_seen=? WHERE tid=?", (recv, t.tid))
            return  # a replayed older heartbeat: history only, not the latest state
        gap = t.apply_heartbeat(hb)
        if gap:
            log.warning("console: audit chain gap on %s: %s", t.tid, gap)
        if t.online is None:
            t.online, t.status_ts = True, recv
        db.execute(
            "UPDATE terminals SET service_point=?, online=?, status_ts=?, mode=?, journey=?, "
            "paper=?, printer=?, unresolved=?, unresolved_age=?, outbox_depth=?, "
            "clock_skew=?, audit_seq=?, audit_hash=?, hb_seq=?, hb_ts=?, last_seen=?, "
            "hb_json=? WHERE tid=?",
            (t.service_point, int(bool(t.online)), t.status_ts, t.mode, t.journey, t.paper,
             t.printer, t.unresolved, t.unresolved_age, t.outbox_depth, t.clock_skew,
             t.audit_seq, t.audit_hash, t.hb_seq, t.hb_ts, recv, raw.decode("utf-8"), t.tid))

    def _event(self, db: Any, t: TermState, ev: dict[str, Any], recv: float) -> None:
        detail = ev.get("detail") or {}
        db.execute("INSERT OR IGNORE INTO events(id, tid, ts, recv, kind, detail) "
                   "VALUES (?,?,?,?,?,?)",
                   (str(ev.get("id") or f"{t.tid}-{recv}"), t.tid, ev.get("ts") or recv, recv,
                    str(ev.get("kind")), json.dumps(detail, ensure_ascii=False)))
        if ev.get("kind") == "device" and isinstance(detail, dict):
            t.apply_device_event(detail)
            db.execute("UPDATE terminals SET paper=?, printer=?, last_seen=? WHERE tid=?",
                       (t.paper, t.printer, recv, t.tid))
        elif ev.get("kind") == "mode" and isinstance(detail, dict):
            t.mode = detail.get("new") or t.mode
            db.execute("UPDATE terminals SET mode=? WHERE tid=?", (t.mode, t.tid))

    def _reply(self, db: Any, tid: str, reply: dict[str, Any], recv: float) -> None:
        cid = reply.get("id")
        if not cid:
            return
        shot = None
        png = reply.pop("png", None)
        if isinstance(png, str):
            d = self.state_dir / "screenshots"
            d.mkdir(parents=True, exist_ok=True)
            shot = f"{cid}.png"
            (d / shot).write_bytes(base64.b64decode(png))
        db.execute("UPDATE actions SET reply=?, reply_ts=?, ok=?, screenshot=COALESCE(?, "
                   "screenshot) WHERE id=? AND tid=?",
                   (json.dumps(reply, ensure_ascii=False), recv, int(bool(reply.get("ok"))),
                    shot, str(cid), tid))

    # --- alerts ----------------------------------------------------------------------------

    def _alerts(self, tids: set[str]) -> None:
        now = self.clock()
        opened: list[tuple[str, str, str, str]] = []
        closed: list[int] = []
        for tid in tids:
            t = self.terms.get(tid)
            if t is None:
                continue
            current = conditions(t, now, self.settings)
            for kind, (severity, detail) in current.items():
                if (tid, kind) not in self.open_alerts:
                    opened.append((tid, kind, severity, detail))
            for kind in list(self._open_by_tid.get(tid, ())):
                if kind not in current and kind not in STICKY:
                    closed.append(self.open_alerts.pop((tid, kind)))
                    self._open_by_tid[tid].discard(kind)
        if not opened and not closed:
            return
        with self.store.tx() as db:
            for tid, kind, severity, detail in opened:
                cur = db.execute("INSERT INTO alerts(tid, kind, severity, detail, opened) "
                                 "VALUES (?,?,?,?,?)", (tid, kind, severity, detail, now))
                self.open_alerts[(tid, kind)] = int(cur.lastrowid or 0)
                self._open_by_tid.setdefault(tid, set()).add(kind)
                log.info("console: alert %s on %s: %s", kind, tid, detail)
            for aid in closed:
                db.execute("UPDATE alerts SET closed=? WHERE id=?", (now, aid))

    def acknowledge(self, alert_id: int, operator: str) -> bool:
        row = self.store.one("SELECT tid, kind FROM alerts WHERE id=? AND closed IS NULL",
                             (alert_id,))
        if row is None:
            return False
        now = self.clock()
        with self.store.tx() as db:
            db.execute("UPDATE alerts SET closed=?, acked_by=?, acked=? WHERE id=?",
                       (now, operator, now, alert_id))
        self.open_alerts.pop((row["tid"], row["kind"]), None)
        self._open_by_tid.get(row["tid"], set()).discard(row["kind"])
        if row["kind"] == "audit_gap" and row["tid"] in self.terms:
            self.terms[row["tid"]].audit_gap = None
        return True

    # --- figures ---------------------------------------------------------------------------

    def stats(self, window: float = 60.0) -> dict[str, Any]:
        now = time.time()
        recent = [ms for t, ms in list(self.latencies) if now - t <= window]
        recent.sort()

        def pct(p: float) -> float | None:
            if not recent:
                return None
            return round(recent[min(len(recent) - 1, int(p * len(recent)))], 2)

        return {"terminals": len(self.terms), "received": self.received,
                "heartbeats": self.heartbeats, "window_s": window,
                "window_heartbeats": len(recent), "rate_hz": round(len(recent) / window, 1),
                "latency_p50_ms": pct(0.50), "latency_p99_ms": pct(0.99),
                "latency_max_ms": recent[-1] if recent else None,
                "open_alerts": len(self.open_alerts), "connected": self.connected.is_set()}
