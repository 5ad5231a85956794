"""The host's state in SQLite (WAL), so that it survives restarts of the simulator.

Business objects (customers, credit lines, loans, repayments, terminals, staff sessions,
authorisations, applications, intentions, heartbeats) are JSON documents keyed by kind and
id; money requests are kept with their exact answer bytes for idempotent replay. One
connection, one lock: the simulator serialises its writes like a core system's posting queue.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs (
    kind TEXT NOT NULL, id TEXT NOT NULL, owner TEXT, doc TEXT NOT NULL,
    PRIMARY KEY (kind, id));
CREATE INDEX IF NOT EXISTS docs_by_owner ON docs (kind, owner);
CREATE TABLE IF NOT EXISTS transactions (
    key TEXT PRIMARY KEY, terminal_id TEXT NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL,
    body_sha256 TEXT NOT NULL, http_status INTEGER NOT NULL, response BLOB NOT NULL,
    created_at TEXT NOT NULL, acct_date TEXT NOT NULL);
"""


class Store:
    """Documents, key/value settings and the idempotency table in one SQLite file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        self.lock = threading.RLock()
        self._in_tx = False

    def close(self) -> None:
        with self.lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside commit together or not at all (nesting joins the outer one)."""
        with self.lock:
            if self._in_tx:
                yield
                return
            self._db.execute("BEGIN IMMEDIATE")
            self._in_tx = True
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            else:
                self._db.execute("COMMIT")
            finally:
                self._in_tx = False

    # -- key/value -----------------------------------------------------------------------------

    def get(self, key: str, default: str | None = None) -> str | None:
        with self.lock:
            row = self._db.execute("SELECT value FROM kv WHERE key=?", (key,)).fetchone()
        return default if row is None else str(row[0])

    def set(self, key: str, value: str) -> None:
        with self.lock:
            self._db.execute("INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)", (key, value))

    def next_seq(self, name: str) -> int:
        with self.transaction():
            n = int(self.get(f"seq.{name}", "0") or 0) + 1
            self.set(f"seq.{name}", str(n))
        return n

    # -- documents -----------------------------------------------------------------------------

    def put(self, kind: str, doc_id: str, doc: dict[str, Any],
            owner: str | None = None) -> None:
        data = json.dumps(doc, ensure_ascii=False, sort_keys=True)
        with self.lock:
            self._db.execute(
                "INSERT OR REPLACE INTO docs (kind, id, owner, doc) VALUES (?, ?, ?, ?)",
                (kind, doc_id, owner, data))

    def doc(self, kind: str, doc_id: str) -> dict[str, Any] | None:
        with self.lock:
            row = self._db.execute("SELECT doc FROM docs WHERE kind=? AND id=?",
                                   (kind, doc_id)).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def docs(self, kind: str, owner: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            if owner is None:
                rows = self._db.execute("SELECT doc FROM docs WHERE kind=? ORDER BY id",
                                        (kind,)).fetchall()
            else:
                rows = self._db.execute(
                    "SELECT doc FROM docs WHERE kind=? AND owner=? ORDER BY id",
                    (kind, owner)).fetchall()
        return [dict(json.loads(r[0])) for r in rows]

    def open_loans(self, owner: str) -> list[dict[str, Any]]:
        """Loan documents of ``owner`` not closed (filtered inside SQLite: closed loans pile up
        on a revolving line, and decoding them all on every drawdown made it quadratic)."""
        with self.lock:
            rows = self._db.execute(
                "SELECT doc FROM docs WHERE kind='loan' AND owner=? "
                "AND json_extract(doc, '$.closed_on') IS NULL ORDER BY id", (owner,)).fetchall()
        return [dict(json.loads(r[0])) for r in rows]

    def count(self, kind: str) -> int:
        with self.lock:
            row = self._db.execute("SELECT COUNT(*) FROM docs WHERE kind=?", (kind,)).fetchone()
        return int(row[0])

    # -- idempotency ---------------------------------------------------------------------------

    def transaction_record(self, key: str) -> dict[str, Any] | None:
        with self.lock:
            row = self._db.execute(
                "SELECT key, terminal_id, method, path, body_sha256, http_status, response, "
                "created_at, acct_date FROM transactions WHERE key=?", (key,)).fetchone()
        if row is None:
            return None
        names = ("key", "terminal_id", "method", "path", "body_sha256", "http_status",
                 "response", "created_at", "acct_date")
        return dict(zip(names, row, strict=True))

    def record_transaction(self, key: str, terminal_id: str, method: str, path: str,
                           body_sha256: str, http_status: int, response: bytes,
                           created_at: str, acct_date: str) -> None:
        with self.lock:
            self._db.execute(
                "INSERT INTO transactions (key, terminal_id, method, path, body_sha256, "
                "http_status, response, created_at, acct_date) VALUES (?,?,?,?,?,?,?,?,?)",
                (key, terminal_id, method, path, body_sha256, http_status, response,
                 created_at, acct_date))

    def transaction_records(self, paths: tuple[str, ...]) -> list[dict[str, Any]]:
        """Every recorded keyed request on ``paths``, in the order the host booked them."""
        marks = ",".join("?" * len(paths))
        with self.lock:
            rows = self._db.execute(
                "SELECT key, terminal_id, path, http_status, response, created_at, acct_date "
                f"FROM transactions WHERE path IN ({marks}) ORDER BY rowid", paths).fetchall()
        names = ("key", "terminal_id", "path", "http_status", "response", "created_at",
                 "acct_date")
        return [dict(zip(names, row, strict=True)) for row in rows]
