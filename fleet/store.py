"""The console's SQLite file: latest state per terminal, recent heartbeats and events, alert
history, operators and their sessions, remote actions and their answers.

One writer connection (the ingest thread and the web handlers share it under a lock; WAL so
readers never wait for a commit). Heartbeats are kept ``keep_heartbeats`` per terminal.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS terminals (
    tid TEXT PRIMARY KEY,
    service_point TEXT NOT NULL DEFAULT '',
    online INTEGER,               -- from the status topic (last will: 0)
    status_ts REAL,               -- when online last changed
    mode TEXT,
    journey TEXT,
    paper TEXT,
    printer TEXT,
    unresolved INTEGER,
    unresolved_age REAL,
    outbox_depth INTEGER,
    clock_skew REAL,
    audit_seq INTEGER,
    audit_hash TEXT,
    hb_seq INTEGER,
    hb_ts REAL,                   -- the terminal's time of the latest heartbeat
    last_seen REAL,               -- our time of the latest message of any kind
    hb_json TEXT
);
CREATE TABLE IF NOT EXISTS heartbeats (
    tid TEXT NOT NULL, seq INTEGER NOT NULL, ts REAL NOT NULL, recv REAL NOT NULL,
    rss_mb REAL, avail_mb REAL, outbox_depth INTEGER, unresolved INTEGER,
    PRIMARY KEY (tid, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events (
    id TEXT PRIMARY KEY, tid TEXT NOT NULL, ts REAL NOT NULL, recv REAL NOT NULL,
    kind TEXT NOT NULL, detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_tid ON events(tid, ts);
CREATE TABLE IF NOT EXISTS alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tid TEXT NOT NULL, kind TEXT NOT NULL, severity TEXT NOT NULL, detail TEXT NOT NULL,
    opened REAL NOT NULL, closed REAL, acked_by TEXT, acked REAL
);
CREATE INDEX IF NOT EXISTS alerts_open ON alerts(closed, tid);
CREATE TABLE IF NOT EXISTS operators (
    name TEXT PRIMARY KEY, salt BLOB NOT NULL, hash BLOB NOT NULL, created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    token TEXT PRIMARY KEY, operator TEXT NOT NULL, created REAL NOT NULL, expires REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS actions (
    id TEXT PRIMARY KEY, tid TEXT NOT NULL, cmd TEXT NOT NULL, args TEXT NOT NULL,
    operator TEXT NOT NULL, issued REAL NOT NULL, expires REAL NOT NULL,
    reply TEXT, reply_ts REAL, ok INTEGER, screenshot TEXT
);
CREATE INDEX IF NOT EXISTS actions_tid ON actions(tid, issued);
"""

SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def _hash_password(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=32, **SCRYPT)


class Store:
    def __init__(self, path: Path, keep_heartbeats: int = 120) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.keep_heartbeats = keep_heartbeats
        self.lock = threading.RLock()
        self.db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        with self.lock:
            self.db.close()

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    def query(self, sql: str, args: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self.lock:
            return list(self.db.execute(sql, args).fetchall())

    def one(self, sql: str, args: Sequence[Any] = ()) -> sqlite3.Row | None:
        with self.lock:
            row: sqlite3.Row | None = self.db.execute(sql, args).fetchone()
            return row

    # --- pruning -----------------------------------------------------------------------------

    def prune(self, tids: Iterable[str]) -> None:
        with self.tx() as c:
            for tid in tids:
                c.execute("DELETE FROM heartbeats WHERE tid=? AND seq <= (SELECT seq FROM "
                          "heartbeats WHERE tid=? ORDER BY seq DESC LIMIT 1 OFFSET ?)",
                          (tid, tid, self.keep_heartbeats))

    # --- operators ---------------------------------------------------------------------------

    def add_operator(self, name: str, password: str) -> None:
        if not name or len(password) < 8:
            raise ValueError("an operator needs a name and a password of at least 8 characters")
        salt = os.urandom(16)
        with self.tx() as c:
            c.execute("INSERT INTO operators(name, salt, hash, created) VALUES (?,?,?,?) "
                      "ON CONFLICT(name) DO UPDATE SET salt=excluded.salt, hash=excluded.hash",
                      (name, salt, _hash_password(password, salt), time.time()))

    def check_operator(self, name: str, password: str) -> bool:
        row = self.one("SELECT salt, hash FROM operators WHERE name=?", (name,))
        if row is None:
            _hash_password(password, b"0" * 16)  # same time whether the name exists or not
            return False
        return hmac.compare_digest(_hash_password(password, bytes(row["salt"])),
                                   bytes(row["hash"]))

    def new_session(self, operator: str, ttl: float = 8 * 3600) -> str:
        token = secrets.token_urlsafe(32)
        now = time.time()
        with self.tx() as c:
            c.execute("DELETE FROM sessions WHERE expires < ?", (now,))
            c.execute("INSERT INTO sessions(token, operator, created, expires) VALUES "
                      "(?,?,?,?)", (token, operator, now, now + ttl))
        return token

    def session_operator(self, token: str | None) -> str | None:
        if not token:
            return None
        row = self.one("SELECT operator FROM sessions WHERE token=? AND expires > ?",
                       (token, time.time()))
        return None if row is None else str(row["operator"])

    def end_session(self, token: str) -> None:
        with self.tx() as c:
            c.execute("DELETE FROM sessions WHERE token=?", (token,))

    # --- actions -----------------------------------------------------------------------------

    def add_action(self, body: dict[str, Any]) -> None:
        with self.tx() as c:
            c.execute("INSERT INTO actions(id, tid, cmd, args, operator, issued, expires) "
                      "VALUES (?,?,?,?,?,?,?)",
                      (body["id"], body["terminal"], body["cmd"],
                       json.dumps(body["args"], ensure_ascii=False), body["operator"],
                       body["issued"], body["expires"]))
