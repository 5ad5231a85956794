"""The terminal's local telemetry buffer: everything to publish waits here (SQLite on disk)
until the broker has acknowledged it, so nothing is lost while the broker is unreachable or
the kiosk restarts.

- Rows are sent oldest first (``id`` order) and deleted on PUBACK.
- Bounded: at most ``max_heartbeats`` heartbeats are kept; a new one beyond that drops the
  OLDEST heartbeat. Events and command replies are never dropped.
- Also keeps the heartbeat sequence number and the ids of commands already carried out
  (replay protection across restarts) until they expire.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

HEARTBEAT = "hb"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outq (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    topic TEXT NOT NULL,
    payload BLOB NOT NULL,
    retain INTEGER NOT NULL,
    created REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS outq_kind ON outq(kind, id);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS seen_commands (id TEXT PRIMARY KEY, expires REAL NOT NULL);
"""


@dataclass(frozen=True)
class Row:
    id: int
    kind: str
    topic: str
    payload: bytes
    retain: bool


class TelemetryBuffer:
    """Thread-safe (one connection, one lock)."""

    def __init__(self, path: Path, max_heartbeats: int = 1000) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.max_heartbeats = max(1, int(max_heartbeats))
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # an event survives a power cut
        self._db.executescript(_SCHEMA)
        self.dropped_heartbeats = 0

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def put(self, kind: str, topic: str, payload: bytes, retain: bool = False) -> int:
        """Append; for heartbeats, drop the oldest beyond the bound. Returns the row id."""
        with self._lock:
            cur = self._db.execute("BEGIN IMMEDIATE")
            try:
                cur = self._db.execute(
                    "INSERT INTO outq(kind, topic, payload, retain, created) VALUES (?,?,?,?,?)",
                    (kind, topic, payload, int(retain), time.time()))
                rowid = int(cur.lastrowid or 0)
                if kind == HEARTBEAT:
                    (n,) = self._db.execute("SELECT COUNT(*) FROM outq WHERE kind=?",
                                            (HEARTBEAT,)).fetchone()
                    excess = n - self.max_heartbeats
                    if excess > 0:
                        self._db.execute(
                            "DELETE FROM outq WHERE id IN (SELECT id FROM outq WHERE kind=? "
                            "ORDER BY id LIMIT ?)", (HEARTBEAT, excess))
                        self.dropped_heartbeats += excess
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return rowid

    def after(self, last_id: int, limit: int) -> list[Row]:
        """Up to ``limit`` rows with id > ``last_id``, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, kind, topic, payload, retain FROM outq WHERE id > ? ORDER BY id "
                "LIMIT ?", (last_id, limit)).fetchall()
        return [Row(r[0], r[1], r[2], bytes(r[3]), bool(r[4])) for r in rows]

    def delete(self, row_id: int) -> None:
        with self._lock:
            self._db.execute("DELETE FROM outq WHERE id=?", (row_id,))

    def counts(self) -> dict[str, int]:
        with self._lock:
            rows = self._db.execute("SELECT kind, COUNT(*) FROM outq GROUP BY kind").fetchall()
        return {k: int(n) for k, n in rows}

    def next_seq(self) -> int:
        """The next heartbeat sequence number (kept across restarts)."""
        with self._lock:
            self._db.execute("INSERT INTO meta(key, value) VALUES ('hb_seq', 1) "
                             "ON CONFLICT(key) DO UPDATE SET value = value + 1")
            (v,) = self._db.execute("SELECT value FROM meta WHERE key='hb_seq'").fetchone()
        return int(v)

    def remember_command(self, command_id: str, expires: float) -> bool:
        """True the first time ``command_id`` is seen; False for a replay."""
        now = time.time()
        with self._lock:
            self._db.execute("DELETE FROM seen_commands WHERE expires < ?", (now - 3600,))
            try:
                self._db.execute("INSERT INTO seen_commands(id, expires) VALUES (?,?)",
                                 (command_id, expires))
            except sqlite3.IntegrityError:
                return False
        return True
