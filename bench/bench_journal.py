"""Benchmarks of the transaction journal and the outbox (issue 12).

1. One journal state change (``Journal.move``: UPDATE ... RETURNING, event row, COMMIT
   fsynced) vs a raw SQLite one-row UPDATE + COMMIT with the same pragmas (WAL,
   synchronous=FULL) on the same file system, and vs the journal's own two statements sent raw
   (the cost of the Python layer alone), interleaved in one run (goal <= 1.2x); and the cost of
   FULL against NORMAL.
2. Recovery time: a journal of 10,000 rows of which 100 are unresolved, settled against the
   host simulator (HTTPS, mutual TLS): one status query per unresolved row.
3. Outbox drain rate (Forwarder + HostClient + the delivered mark) vs bare ``requests``
   posting the same bodies with an Idempotency-Key to the same host, interleaved in blocks.

Run: ``.venv/bin/python bench/bench_journal.py [--rounds 400] [--outbox 200]``
(``make bench`` runs it through pytest-benchmark once, as one round).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from offline_queue import db as dbmod
from offline_queue.journal import Journal, TxState

TERMINAL = "ZN610425001"


def _ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def bench_state_change(rounds: int, base: Path) -> dict[str, Any]:
    """Interleaved: journal move (FULL), raw commit (FULL), journal move (NORMAL)."""
    j_full = Journal.open(base / "full", TERMINAL)
    j_normal = Journal.open(base / "normal", TERMINAL, synchronous="NORMAL")
    raw = sqlite3.connect(str(base / "raw.db"), isolation_level=None)
    dbmod.configure(raw, "FULL")
    raw.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, state TEXT, updated TEXT)")
    raw.execute("INSERT INTO t VALUES (1, 'UNKNOWN', '')")
    # the journal's own statements, raw: its schema, the UPDATE and the event INSERT
    same = Journal.open(base / "same", TERMINAL)
    same_row = same.prepare("drawdown", "C0001", Decimal("1"), "d" * 64)
    same.move(same_row.serial, TxState.SENT, sent=True)
    same.move(same_row.serial, TxState.UNKNOWN)
    sconn = same.connection
    rows = {}
    for name, j in (("full", j_full), ("normal", j_normal)):
        r = j.prepare("drawdown", "C0001", Decimal("1"), "d" * 64)
        j.move(r.serial, TxState.SENT, sent=True)
        j.move(r.serial, TxState.UNKNOWN)
        rows[name] = r.serial
    a: list[float] = []
    b: list[float] = []
    c: list[float] = []
    d: list[float] = []
    for i in range(rounds):
        t0 = time.perf_counter()
        j_full.move(rows["full"], TxState.UNKNOWN, note="bench")
        t1 = time.perf_counter()
        raw.execute("BEGIN IMMEDIATE")
        raw.execute("UPDATE t SET state=?, updated=? WHERE id=1", ("UNKNOWN", str(i)))
        raw.execute("COMMIT")
        t2 = time.perf_counter()
        j_normal.move(rows["normal"], TxState.UNKNOWN, note="bench")
        t3 = time.perf_counter()
        sconn.execute("BEGIN IMMEDIATE")
        sconn.execute("UPDATE tx SET state=?, updated=? WHERE serial=?",
                      ("UNKNOWN", str(i), same_row.serial))
        sconn.execute("INSERT INTO tx_event (serial, seq, state, at, note) VALUES (?,?,?,?,?)",
                      (same_row.serial, i + 10, "UNKNOWN", str(i), "bench"))
        sconn.execute("COMMIT")
        t4 = time.perf_counter()
        a.append(t1 - t0)
        b.append(t2 - t1)
        c.append(t3 - t2)
        d.append(t4 - t3)
    j_full.close()
    j_normal.close()
    raw.close()
    same.close()
    return {"journal_move_full_ms": _ms(a), "raw_commit_full_ms": _ms(b),
            "raw_same_statements_full_ms": _ms(d), "journal_move_normal_ms": _ms(c),
            "ratio_journal_vs_raw": _ms(a) / _ms(b),
            "ratio_journal_vs_raw_same_statements": _ms(a) / _ms(d),
            "ratio_full_vs_normal": _ms(a) / _ms(c), "rounds": rounds}


def _host(base: Path) -> Any:
    from peripherals_sim.bank_host.process import HostProcess

    return HostProcess(base / "host", stderr=base / "host.log")


def _client(host: Any, **changes: Any) -> Any:
    from kiosk.host import HostClient, HostSettings

    t = host.ready["terminals"][TERMINAL]
    values = {"url": host.url, "terminal_id": TERMINAL, "ca_file": Path(host.ready["ca_file"]),
              "cert_file": Path(t["cert_file"]), "key_file": Path(t["key_file"]),
              "get_retries": 0}
    values.update(changes)
    client = HostClient(HostSettings(**values))
    client.open()
    return client


def bench_recovery(host: Any, base: Path, total: int = 10_000, unresolved: int = 100
                   ) -> dict[str, Any]:
    from kiosk.transactions import MoneySettings, TransactionsService

    state = base / "recovery"
    j = Journal.open(state, TERMINAL, clock=lambda: 0.0)  # sends "long ago": not in flight
    t0 = time.perf_counter()
    with j.write() as c:  # the 9,900 settled rows in one transaction (setup, not measured)
        for n in range(1, total + 1):
            state_ = "UNKNOWN" if n % (total // unresolved) == 0 else "CONFIRMED"
            c.execute(
                "INSERT INTO tx (serial, key, kind, customer_ref, amount, request_digest, "
                "state, created, updated, attempts, last_sent_ts) VALUES "
                "(?,?,?,?,?,?,?,?,?,1,0)",
                (n, j.key_for(n), "drawdown", "C0001", "100.00", "d" * 64, state_,
                 "2026-03-16T09:00:00.000+08:00", "2026-03-16T09:00:01.000+08:00"))
    setup = time.perf_counter() - t0
    j.close()
    client = _client(host)
    t0 = time.perf_counter()
    svc = TransactionsService.open(state, TERMINAL, client,
                                   MoneySettings(in_flight_seconds=60))
    opened = time.perf_counter() - t0
    report = svc.recover()
    elapsed = time.perf_counter() - t0
    assert report.clean and len(report.resolved) == unresolved
    svc.close()
    client.close()
    return {"rows": total, "unresolved": unresolved, "open_and_check_s": round(opened, 3),
            "recovery_s": round(elapsed, 3),
            "per_unresolved_row_ms": round((elapsed - opened) / unresolved * 1000, 2),
            "setup_s": round(setup, 2)}


def bench_outbox(host: Any, base: Path, n: int, block: int = 25) -> dict[str, Any]:
    import requests

    from kiosk.transactions import TransactionsService

    client = _client(host, read_timeout=10.0)
    svc = TransactionsService.open(base / "outbox", TERMINAL, client)
    assert svc.forwarder is not None
    t = host.ready["terminals"][TERMINAL]
    bare = requests.Session()
    bare.trust_env = False
    bare.verify = host.ready["ca_file"]
    bare.cert = (t["cert_file"], t["key_file"])
    bare.headers.update({"X-Terminal-Id": TERMINAL, "Content-Type": "application/json"})
    body = {"phone": "13709101234", "amount": "20000.00", "purpose": "买化肥", "consent": True,
            "customer_id": "C0001", "name": "张卫国", "village": "烟霞镇官厅村"}
    outbox_s = bare_s = 0.0
    sent = 0
    seq = 0
    while sent < n:
        # A: the forwarder drains a block (send + fsynced mark per message; the enqueue
        # before it is not timed: that is the farmer's side); B: bare posts of the same bodies
        for _ in range(block):
            svc.register_intention(**body)
        t0 = time.perf_counter()
        delivered = svc.forwarder.drain(force=True)
        t1 = time.perf_counter()
        for _ in range(block):
            seq += 1
            r = bare.post(host.url + "/v1/intentions",
                          data=json.dumps({**body, "recorded_at": "x"}, ensure_ascii=False,
                                          separators=(",", ":")).encode(),
                          headers={"Idempotency-Key": f"BENCH-{time.time_ns()}-{seq}"},
                          timeout=10)
            r.raise_for_status()
            r.json()
        t2 = time.perf_counter()
        assert delivered == block
        outbox_s += t1 - t0
        bare_s += t2 - t1
        sent += block
    svc.close()
    client.close()
    bare.close()
    return {"messages": n, "outbox_per_s": round(n / outbox_s, 1),
            "bare_requests_per_s": round(n / bare_s, 1),
            "ratio_time_outbox_vs_bare": round(outbox_s / bare_s, 3)}


def run(rounds: int, outbox: int) -> dict[str, Any]:
    # on the disk (not /dev/shm): fsync costs what it costs on the terminal's file system
    with tempfile.TemporaryDirectory(prefix="bench-journal-", dir="/var/tmp") as tmp:
        base = Path(tmp)
        results: dict[str, Any] = {"state_change": bench_state_change(rounds, base)}
        with _host(base) as host:
            results["recovery"] = bench_recovery(host, base)
            results["outbox"] = bench_outbox(host, base, outbox)
    return results


def test_journal_benchmarks(benchmark: Any) -> None:
    results = benchmark.pedantic(run, args=(200, 100), rounds=1, iterations=1)
    print(json.dumps(results, indent=1))


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=400)
    p.add_argument("--outbox", type=int, default=200)
    args = p.parse_args()
    print(json.dumps(run(args.rounds, args.outbox), indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
