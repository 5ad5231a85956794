"""``kiosk-fleet simulate``: N simulated terminals, each a real MQTT 5 client over TLS with its
own client certificate (CN = its id, so the broker's ACL applies as to a real terminal),
publishing realistic heartbeats (retained, QoS 1), status with a last will, and now and then
an event (paper near end, paper out, device state), at ``--interval`` seconds each with a
random phase.

One thread drives every client through paho's external-loop API (``loop_read``,
``loop_write``, ``loop_misc``) and a selector: thousands of connections without thousands of
threads. Certificates are issued from the CA in ``--pki`` once and kept there.
"""

from __future__ import annotations

import argparse
import contextlib
import heapq
import random
import selectors
import signal
import threading
import time
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt

from kiosk.telemetry.mqtt import Endpoint, connect, new_client
from kiosk.telemetry.wire import dumps, topic

PAPER = ("ok",) * 18 + ("near_end", "out")


def heartbeat(tid: str, seq: int, rng: random.Random, started: float) -> dict[str, Any]:
    """A heartbeat shaped like kiosk.telemetry.heartbeat's (schema 1)."""
    now = time.time()
    paper = rng.choice(PAPER)
    return {
        "schema": 1, "terminal": tid, "service_point": f"模拟服务点 {tid}", "seq": seq,
        "ts": round(now, 3),
        "versions": {"app": "0.1.0", "python": "3.11.2", "os": "12.11", "kernel": "6.1.0"},
        "uptime_s": round(now - started, 1), "host_uptime_s": 86400.0,
        "restarts": {"starts": 3, "restarts_this_boot": 0, "crash_restarts": 0,
                     "memory_restarts": 0, "previous_exit": "clean"},
        "memory": {"rss_mb": round(150 + rng.random() * 20, 1), "available_mb": 1800.0},
        "disk": {"free_mb": 20480.0},
        "devices": {"idcard": {"state": "online"}, "iccard": {"state": "online"},
                    "pinpad": {"state": "online", "tamper": "none"},
                    "printer": {"state": "online", "paper": paper, "cover": "closed",
                                "fault": "none", "ready": paper != "out"}},
        "host": {"online": True, "latency_ms": round(20 + rng.random() * 30, 1),
                 "signed_in": True},
        "clock_skew_s": round(rng.uniform(-2, 2), 2),
        "journal": {"unresolved": 0, "oldest_unresolved_age_s": None},
        "outbox": {"depth": rng.randint(0, 2), "oldest_age_s": None},
        "last_txn": round(now - rng.randint(60, 7200), 0), "mode": "inService",
        "journey": None, "audit": {"seq": 12, "hash": "0" * 64},
        "buffer": {"dropped_heartbeats": 0},
    }


class SimTerminal:
    def __init__(self, tid: str, ep: Endpoint, rng: random.Random) -> None:
        self.tid = tid
        self.ep = ep
        self.rng = rng
        self.seq = 0
        self.started = time.time()
        self.connected = False
        self.client = new_client(ep, will=(topic(tid, "status"), dumps({"online": False})))
        self.client.on_connect = self._on_connect
        self.client.on_publish = self._on_publish
        self.acked = 0

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any,
                    properties: Any) -> None:
        self.connected = not reason.is_failure
        if self.connected:
            client.publish(topic(self.tid, "status"), dumps({"online": True}), qos=1,
                           retain=True)

    def _on_publish(self, client: mqtt.Client, userdata: Any, mid: int, reason: Any,
                    properties: Any) -> None:
        self.acked += 1

    def beat(self) -> None:
        self.seq += 1
        self.client.publish(topic(self.tid, "hb"),
                            dumps(heartbeat(self.tid, self.seq, self.rng, self.started)),
                            qos=1, retain=True)

    def event(self) -> None:
        kind = self.rng.choice(("paper_near_end", "device"))
        detail: dict[str, Any] = {"device": "printer", "old": {"paper": "ok"},
                                  "new": {"paper": "near_end"}} if kind == "paper_near_end" \
            else {"device": "idcard", "old": {"state": "online"}, "new": {"state": "online"}}
        self.client.publish(topic(self.tid, "evt"), dumps(
            {"schema": 1, "terminal": self.tid, "id": f"{self.tid}-{time.time_ns()}",
             "kind": "device", "ts": round(time.time(), 3), "detail": detail}), qos=1)


def run_parallel(args: argparse.Namespace) -> dict[str, Any]:
    """``--procs P``: P load generator processes, each with its share of the terminals."""
    import json
    import subprocess
    import sys

    share = -(-args.terminals // args.procs)
    children = []
    for k in range(args.procs):
        n = min(share, args.terminals - k * share)
        if n <= 0:
            break
        cmd = [sys.executable, "-m", "fleet", "simulate", "--terminals", str(n),
               "--offset", str(args.offset + k * share), "--procs", "1",
               "--interval", str(args.interval), "--duration", str(args.duration),
               "--events-per-hour", str(args.events_per_hour), "--prefix", args.prefix,
               "--connect-rate", str(args.connect_rate / args.procs),
               "--broker", args.broker, "--pki", str(args.pki)]
        children.append(subprocess.Popen(cmd, stdout=subprocess.PIPE))
    results = []
    for c in children:
        out, _ = c.communicate()
        results.append(json.loads(out.decode().strip().splitlines()[-1]))
    total: dict[str, Any] = {"simulate": "done", "procs": len(results)}
    for key in ("terminals", "connected", "connect_failed", "heartbeats", "events", "acked",
                "rate_hz"):
        total[key] = round(sum(r[key] for r in results), 1)
    for key in ("connect_seconds", "seconds"):
        total[key] = max(r[key] for r in results)
    return total


def run_simulation(args: argparse.Namespace) -> dict[str, Any]:
    from peripherals_sim.broker.mosquitto import ensure_fleet_pki

    if getattr(args, "procs", 1) > 1:
        return run_parallel(args)
    if not args.pki:
        raise SystemExit("kiosk-fleet simulate needs --pki (the broker's state directory: "
                         "its CA issues the simulated terminals' certificates)")
    pki = ensure_fleet_pki(Path(args.pki))
    rng = random.Random(17)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda s, f: stop.set())
    signal.signal(signal.SIGINT, lambda s, f: stop.set())
    sel = selectors.DefaultSelector()
    terms: list[SimTerminal] = []
    dirty: set[SimTerminal] = set()  # clients with something to write
    t0 = time.monotonic()
    failed = 0
    for i in range(args.terminals):
        if stop.is_set():
            break
        tid = f"{args.prefix}{args.offset + i:05d}"
        cert, key = pki.client(tid)
        t = SimTerminal(tid, Endpoint(args.broker, pki.ca_file, cert, key, tid), rng)
        try:
            connect(t.client, t.ep, keepalive=120, clean_start=True)
        except OSError:
            failed += 1
            continue
        sock = t.client.socket()
        sel.register(sock, selectors.EVENT_READ, t)  # type: ignore[arg-type]
        terms.append(t)
        dirty.add(t)
        _service(sel, 0, dirty)
        time.sleep(max(0.0, (i + 1) / args.connect_rate - (time.monotonic() - t0)))
    deadline = time.monotonic() + 30
    while not all(t.connected for t in terms) and time.monotonic() < deadline:
        _service(sel, 0.05, dirty)
    connect_s = time.monotonic() - t0
    connected = sum(t.connected for t in terms)
    now = time.monotonic()
    due: list[tuple[float, int, str]] = []
    for n in range(len(terms)):
        heapq.heappush(due, (now + rng.random() * args.interval, n, "hb"))
        if args.events_per_hour > 0:
            heapq.heappush(due, (now + rng.expovariate(args.events_per_hour / 3600), n, "evt"))
    published = events = 0
    start = time.monotonic()
    end = start + args.duration if args.duration else float("inf")
    last_misc = 0.0
    while not stop.is_set() and time.monotonic() < end:
        now = time.monotonic()
        while due and due[0][0] <= now:
            _, n, kind = heapq.heappop(due)
            t = terms[n]
            if kind == "hb":
                if t.connected:
                    t.beat()
                    published += 1
                    dirty.add(t)
                heapq.heappush(due, (now + args.interval, n, "hb"))
            else:
                if t.connected:
                    t.event()
                    events += 1
                    dirty.add(t)
                heapq.heappush(due, (now + rng.expovariate(args.events_per_hour / 3600),
                                     n, "evt"))
        if now - last_misc >= 1.0:
            last_misc = now
            for t in terms:
                t.client.loop_misc()
                if t.client.want_write():
                    dirty.add(t)
        _flush(dirty)
        wait = min(0.05, max(0.0, (due[0][0] - time.monotonic()) if due else 0.05))
        _service(sel, wait, dirty)
    elapsed = time.monotonic() - start
    # let the last PUBACKs arrive, then leave cleanly
    drain_end = time.monotonic() + 3
    while time.monotonic() < drain_end:
        _service(sel, 0.05, dirty)
    acked = sum(t.acked for t in terms)
    for t in terms:
        t.client.disconnect()
        t.client.loop_write()
    return {"simulate": "done", "terminals": len(terms), "connected": connected,
            "connect_failed": failed, "connect_seconds": round(connect_s, 2),
            "heartbeats": published, "events": events, "acked": acked,
            "seconds": round(elapsed, 2),
            "rate_hz": round(published / elapsed, 1) if elapsed else 0.0}


def _flush(dirty: set[SimTerminal]) -> None:
    """Write what the clients that published have queued (only those: not all N)."""
    for t in list(dirty):
        t.client.loop_write()
        if not t.client.want_write():
            dirty.discard(t)


def _service(sel: selectors.BaseSelector, timeout: float, dirty: set[SimTerminal]) -> None:
    """Read what arrived, then write for the clients that have something to send."""
    for key, _mask in sel.select(timeout):
        t: SimTerminal = key.data
        rc = t.client.loop_read()
        if rc != mqtt.MQTT_ERR_SUCCESS:
            t.connected = False
            with contextlib.suppress(KeyError, ValueError):
                sel.unregister(key.fileobj)
        elif t.client.want_write():
            dirty.add(t)
    _flush(dirty)
