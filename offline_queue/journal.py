"""The transaction journal: one row per money (or contract) transaction, written before a byte
goes to the host and moved only forward (ARCHITECTURE.md §6).

States::

    PREPARED --(committed before the send)--> SENT --> CONFIRMED | DECLINED | UNKNOWN
    PREPARED --> DECLINED            (never sent: recovery after a crash before the send)
    UNKNOWN  --> CONFIRMED | DECLINED (the status query by key answered)

``CONFIRMED`` and ``DECLINED`` are final. A row never goes back; an attempt to move it back
raises :class:`StateError`. Every change is also appended to ``tx_event`` with its time.

The idempotency key is derived, never random: ``<terminal id>-<epoch>-<serial:07d>``, where the
epoch (``YYMMDDhhmmssffffff``: the journal file's creation time) is fixed when the file is
created, so a technician's new journal can never reuse a key the host already holds.

No clear personal data goes in: ``customer_ref`` is a host id, ``account_masked`` a masked
card number, ``detail`` holds host ids and masked values. :func:`check_no_personal_data` refuses
anything that looks like a full card, ID or phone number.

Thread-safe (one lock around the connection); several processes may share the file (SQLite
locking, ``busy_timeout``), e.g. the app and ``kiosk journal recover``.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

from offline_queue import db as dbmod
from offline_queue.db import (
    JournalDiskFull,
    JournalError,
    JournalReadOnly,
    classify,
    now_text,
)


class TxState(StrEnum):
    """A journal row's state."""

    PREPARED = "PREPARED"
    SENT = "SENT"
    UNKNOWN = "UNKNOWN"
    CONFIRMED = "CONFIRMED"
    DECLINED = "DECLINED"

    @property
    def final(self) -> bool:
        return self in (TxState.CONFIRMED, TxState.DECLINED)


FINAL = frozenset({TxState.CONFIRMED, TxState.DECLINED})
UNRESOLVED = frozenset({TxState.PREPARED, TxState.SENT, TxState.UNKNOWN})

#: Which state may follow which (forward only). UNKNOWN -> UNKNOWN records a resend or a
#: status query that did not settle it.
TRANSITIONS: Mapping[TxState, frozenset[TxState]] = {
    TxState.PREPARED: frozenset({TxState.SENT, TxState.DECLINED}),
    TxState.SENT: frozenset({TxState.CONFIRMED, TxState.DECLINED, TxState.UNKNOWN}),
    TxState.UNKNOWN: frozenset({TxState.UNKNOWN, TxState.CONFIRMED, TxState.DECLINED}),
    TxState.CONFIRMED: frozenset(),
    TxState.DECLINED: frozenset(),
}


class TxKind(StrEnum):
    """What a row is. Drawdown and repayment move money; signing and account change are
    contracts journaled the same way."""

    DRAWDOWN = "drawdown"
    REPAYMENT = "repayment"
    SIGNING = "signing"
    ACCOUNT_CHANGE = "account_change"


class StateError(ValueError):
    """A state change that would move a row backwards or off its chart."""


# Reasons a row ended DECLINED without the host having declined it.
REASON_NOT_SENT = "not_sent"          # crashed after PREPARED, before the send
REASON_NOT_APPLIED = "not_applied"    # host has no record and the request cannot be in flight


_PERSONAL = re.compile(r"\d{11,}|\d{17}[\dXx]")


def check_no_personal_data(value: Any, where: str) -> None:
    """Refuse a value that holds what looks like a full card, ID or mobile number (eleven or
    more digits in a row): the journal keeps masked values and host ids only."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    if _PERSONAL.search(text.replace("-", "")) and not _looks_like_host_id(text):
        raise ValueError(f"{where}: looks like clear personal data; mask it first")


def _looks_like_host_id(text: str) -> bool:
    # Host serials and contract numbers are letters + date + counter (JJ202510100001,
    # HT20251010..., R20260301000001): digits after a letter prefix are not personal data.
    stripped = re.sub(r"\b[A-Z]{1,4}\d{6,}\b", "", text)
    stripped = re.sub(r"\d{4}-\d{2}-\d{2}", "", stripped)
    return not _PERSONAL.search(stripped.replace("-", ""))


@dataclass(frozen=True)
class TxEvent:
    """One state change of a row."""

    seq: int
    state: TxState
    at: str
    note: str


@dataclass(frozen=True)
class TxRow:
    """A journal row as the service, the command line and the staff view see it."""

    serial: int
    key: str
    kind: str
    customer_ref: str
    account_masked: str | None
    amount: Decimal | None
    request_digest: str
    state: TxState
    created: str
    updated: str
    host_ref: str | None
    business_date: str | None
    acct_date: str | None
    receipt_printed: bool
    staff_id: str | None
    detail: Mapping[str, Any]
    reason: str | None
    attempts: int
    last_sent_ts: float | None
    receipt_required: bool
    events: tuple[TxEvent, ...] = field(default=())

    @property
    def final(self) -> bool:
        return self.state in FINAL

    @property
    def reprint_due(self) -> bool:
        """Final (or still unknown: the slip says 处理中), a receipt owed and not printed."""
        return self.receipt_required and not self.receipt_printed and self.state in (
            TxState.CONFIRMED, TxState.DECLINED, TxState.UNKNOWN)

    def to_json(self, with_events: bool = False) -> dict[str, Any]:
        """The row as ``kiosk journal ... --json`` prints it (INTERFACES.md §1)."""
        out: dict[str, Any] = {
            "serial": self.serial, "key": self.key, "kind": self.kind,
            "state": self.state.value,
            "amount": None if self.amount is None else f"{self.amount:.2f}",
            "created": self.created, "updated": self.updated, "host_ref": self.host_ref,
            "receipt_printed": self.receipt_printed, "receipt_required": self.receipt_required,
            "reason": self.reason, "attempts": self.attempts,
            "customer_ref": self.customer_ref, "account_masked": self.account_masked,
            "business_date": self.business_date, "acct_date": self.acct_date,
            "staff_id": self.staff_id, "request_digest": self.request_digest,
            "detail": dict(self.detail)}
        if with_events:
            out["events"] = [{"seq": e.seq, "state": e.state.value, "at": e.at,
                              "note": e.note} for e in self.events]
        return out


_COLUMNS = ("serial, key, kind, customer_ref, account_masked, amount, request_digest, state, "
            "created, updated, host_ref, business_date, acct_date, receipt_printed, staff_id, "
            "detail, reason, attempts, last_sent_ts, receipt_required")


def _row(r: tuple[Any, ...], events: tuple[TxEvent, ...] = ()) -> TxRow:
    return TxRow(
        serial=int(r[0]), key=str(r[1]), kind=str(r[2]), customer_ref=str(r[3]),
        account_masked=r[4], amount=None if r[5] is None else Decimal(r[5]),
        request_digest=str(r[6]), state=TxState(r[7]), created=str(r[8]), updated=str(r[9]),
        host_ref=r[10], business_date=r[11], acct_date=r[12], receipt_printed=bool(r[13]),
        staff_id=r[14], detail=json.loads(r[15] or "{}"), reason=r[16], attempts=int(r[17]),
        last_sent_ts=r[18], receipt_required=bool(r[19]), events=events)


class Journal:
    """The journal file (``state_dir/journal.db``). Open with :meth:`open`.

    ``clock`` gives wall-clock seconds (``time.time``) for ``last_sent_ts``, which decides when
    a request can no longer be in flight; tests pass a fake one.
    """

    FILE = "journal.db"

    def __init__(self, opened: dbmod.OpenedDb, path: Path, terminal_id: str,
                 clock: Callable[[], float] = time.time,
                 min_free_bytes: int = 1 << 20) -> None:
        self.path = path
        self.terminal_id = terminal_id
        self.epoch = opened.epoch
        self.created = opened.created
        self.clock = clock
        self.min_free_bytes = min_free_bytes
        self.synchronous = str(opened.synchronous).upper()
        self._conn = opened.conn
        self.lock = threading.RLock()

    @classmethod
    def open(cls, state_dir: Path, terminal_id: str, *, create: bool = True,
             synchronous: str = "FULL", clock: Callable[[], float] = time.time,
             min_free_bytes: int = 1 << 20, check: bool = True) -> Journal:
        """Open ``state_dir/journal.db`` (created only when it never existed). Raises a
        :class:`~offline_queue.db.JournalError` subclass: corrupt (kept aside), missing,
        read-only, disk full, too new."""
        path = Path(state_dir) / cls.FILE
        opened = dbmod.open_db(path, create=create, synchronous=synchronous, check=check)
        return cls(opened, path, terminal_id, clock, min_free_bytes)

    def close(self) -> None:
        with self.lock:
            self._conn.close()

    @property
    def connection(self) -> sqlite3.Connection:
        """The shared connection (the outbox lives in the same file); hold :attr:`lock`."""
        return self._conn

    # --- writing ---------------------------------------------------------------------------

    @contextmanager
    def write(self, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE ... COMMIT, fsynced on COMMIT). Disk full and
        read-only become :class:`JournalDiskFull` / :class:`JournalReadOnly`.

        ``durable=False`` commits without the fsync (``synchronous=NORMAL`` for this one
        commit): only for writes whose loss is harmless, e.g. the outbox's "delivered" mark (a
        lost mark means one replay, which the host answers from its key). WAL keeps the order,
        so the next durable commit makes it durable too."""
        with self.lock:
            relaxed = not durable and self.synchronous == "FULL"
            if relaxed:
                self._conn.execute("PRAGMA synchronous=NORMAL")
            try:
                with self._write() as conn:
                    yield conn
            finally:
                if relaxed:
                    self._conn.execute("PRAGMA synchronous=FULL")

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self.lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise classify(exc, self.path) from None
            try:
                yield self._conn
            except sqlite3.Error as exc:
                self._rollback()
                raise classify(exc, self.path) from None
            except BaseException:
                self._rollback()
                raise
            try:
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise classify(exc, self.path) from None

    def _rollback(self) -> None:
        with suppress(sqlite3.Error):
            self._conn.execute("ROLLBACK")

    def check_writable(self) -> None:
        """Raise :class:`JournalReadOnly` or :class:`JournalDiskFull` when a new row could not
        be written (checked before a money journey starts and before PREPARED)."""
        directory = self.path.parent
        if not dbmod.writable(directory) or not dbmod.writable(self.path):
            raise JournalReadOnly(f"{directory} is not writable")
        try:
            free = dbmod.free_bytes(directory)
        except OSError as exc:
            raise classify(exc, directory) from None
        if free < self.min_free_bytes:
            raise JournalDiskFull(f"{free} bytes free in {directory}, "
                                  f"{self.min_free_bytes} needed")

    def key_for(self, serial: int) -> str:
        """The idempotency key of ``serial``: terminal id + journal epoch + serial."""
        return f"{self.terminal_id}-{self.epoch}-{serial:07d}"

    def prepare(self, kind: str, customer_ref: str, amount: Decimal | str | None,
                request_digest: str, *, account_masked: str | None = None,
                staff_id: str | None = None, detail: Mapping[str, Any] | None = None,
                receipt_required: bool = True) -> TxRow:
        """Commit a new PREPARED row (fsynced) and return it with its serial and key. Nothing
        may be sent for it before this returns."""
        for name, value in (("customer_ref", customer_ref), ("account_masked", account_masked),
                            ("detail", detail or {})):
            if value is not None:
                check_no_personal_data(value, name)
        amount_text = None if amount is None else f"{Decimal(str(amount)):.2f}"
        self.check_writable()
        stamp = now_text()
        with self.write() as c:
            serial = int(c.execute("SELECT COALESCE(MAX(serial), 0) + 1 FROM tx").fetchone()[0])
            c.execute(
                "INSERT INTO tx (serial, key, kind, customer_ref, account_masked, amount, "
                "request_digest, state, created, updated, staff_id, detail, "
                "receipt_required) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (serial, self.key_for(serial), str(kind), customer_ref, account_masked,
                 amount_text, request_digest, TxState.PREPARED.value, stamp, stamp, staff_id,
                 json.dumps(dict(detail or {}), ensure_ascii=False), int(receipt_required)))
            c.execute("INSERT INTO tx_event (serial, seq, state, at, note) VALUES (?,1,?,?,?)",
                      (serial, TxState.PREPARED.value, stamp, ""))
        row = self.get(serial)
        assert row is not None
        return row

    def move(self, serial: int, state: TxState, *, note: str = "",
             host_ref: str | None = None, business_date: str | None = None,
             acct_date: str | None = None, reason: str | None = None,
             detail: Mapping[str, Any] | None = None, sent: bool = False) -> TxRow:
        """Move row ``serial`` to ``state`` (forward only) and record the change. ``sent``
        counts one more send and stamps its time (the row goes to SENT before each send, or
        stays UNKNOWN for a resend with the same key)."""
        if detail:
            check_no_personal_data(detail, "detail")
        stamp = now_text()
        allowed = [old.value for old, nexts in TRANSITIONS.items() if state in nexts]
        sets = ["state=?", "updated=?"]
        args: list[Any] = [state.value, stamp]
        if detail:
            sets.append("detail=json_patch(detail, ?)")
            args.append(json.dumps(dict(detail), ensure_ascii=False))
        for column, value in (("host_ref", host_ref), ("business_date", business_date),
                              ("acct_date", acct_date), ("reason", reason)):
            if value is not None:
                sets.append(f"{column}=?")
                args.append(value)
        if state is TxState.CONFIRMED and reason is None:
            sets.append("reason=NULL")  # an UNKNOWN's cause is history (in tx_event)
        if sent:
            sets += ["attempts=attempts+1", "last_sent_ts=?"]
            args.append(self.clock())
        # One UPDATE that only matches an allowed predecessor state and returns the row,
        # one INSERT of the event: the least a state change can cost (bench_journal.py).
        with self.write() as c:
            r = c.execute(
                f"UPDATE tx SET {', '.join(sets)} WHERE serial=? AND state IN "
                f"({','.join('?' * len(allowed))}) RETURNING {_COLUMNS}",
                (*args, serial, *allowed)).fetchone()
            if r is None:
                old = c.execute("SELECT state FROM tx WHERE serial=?", (serial,)).fetchone()
                if old is None:
                    raise KeyError(serial)
                raise StateError(f"row {serial}: {old[0]} -> {state} is not allowed")
            c.execute("INSERT INTO tx_event (serial, seq, state, at, note) VALUES (?, "
                      "(SELECT COALESCE(MAX(seq), 0) + 1 FROM tx_event WHERE serial=?), ?,?,?)",
                      (serial, serial, state.value, stamp, note))
        return _row(r)

    def mark_receipt_printed(self, serial: int) -> TxRow:
        """The receipt (or the 处理中 slip) of ``serial`` came out of the printer."""
        stamp = now_text()
        with self.write() as c:
            c.execute("UPDATE tx SET receipt_printed=1, updated=? WHERE serial=?",
                      (stamp, serial))
            seq = int(c.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM tx_event WHERE serial=?",
                                (serial,)).fetchone()[0])
            state = c.execute("SELECT state FROM tx WHERE serial=?", (serial,)).fetchone()[0]
            c.execute("INSERT INTO tx_event (serial, seq, state, at, note) VALUES (?,?,?,?,?)",
                      (serial, seq, state, stamp, "receipt printed"))
        row = self.get(serial)
        assert row is not None
        return row

    # --- reading ---------------------------------------------------------------------------

    def get(self, serial_or_key: int | str, with_events: bool = False) -> TxRow | None:
        """A row by serial (int or digits) or by idempotency key."""
        with self.lock:
            if isinstance(serial_or_key, int) or str(serial_or_key).isdigit():
                r = self._conn.execute(f"SELECT {_COLUMNS} FROM tx WHERE serial=?",
                                       (int(serial_or_key),)).fetchone()
            else:
                r = self._conn.execute(f"SELECT {_COLUMNS} FROM tx WHERE key=?",
                                       (serial_or_key,)).fetchone()
            if r is None:
                return None
            events: tuple[TxEvent, ...] = ()
            if with_events:
                events = tuple(
                    TxEvent(int(e[0]), TxState(e[1]), str(e[2]), str(e[3]))
                    for e in self._conn.execute(
                        "SELECT seq, state, at, note FROM tx_event WHERE serial=? ORDER BY seq",
                        (int(r[0]),)))
        return _row(r, events)

    def _select(self, where: str, args: tuple[Any, ...] = ()) -> list[TxRow]:
        with self.lock:
            cur = self._conn.execute(f"SELECT {_COLUMNS} FROM tx WHERE {where} ORDER BY serial",
                                     args)
            return [_row(r) for r in cur.fetchall()]

    def rows(self, state: TxState | str | None = None, since_serial: int = 0) -> list[TxRow]:
        """Every row (or those in ``state``), oldest first."""
        if state is None:
            return self._select("serial>?", (since_serial,))
        return self._select("state=? AND serial>?", (TxState(state).value, since_serial))

    def unresolved(self) -> list[TxRow]:
        """PREPARED, SENT and UNKNOWN rows, oldest first."""
        return self._select("state IN ('PREPARED','SENT','UNKNOWN')")

    def unresolved_count(self) -> int:
        with self.lock:
            return int(self._conn.execute(
                "SELECT COUNT(*) FROM tx WHERE state IN ('PREPARED','SENT','UNKNOWN')"
            ).fetchone()[0])

    def reprint_due(self) -> list[TxRow]:
        """Rows whose receipt or slip was owed and never printed (for the staff view)."""
        return self._select("receipt_required=1 AND receipt_printed=0 "
                            "AND state IN ('CONFIRMED','DECLINED','UNKNOWN')")

    def counts(self) -> dict[str, int]:
        """Rows per state."""
        with self.lock:
            return {str(s): int(n) for s, n in self._conn.execute(
                "SELECT state, COUNT(*) FROM tx GROUP BY state")}


__all__ = [
    "FINAL",
    "REASON_NOT_APPLIED",
    "REASON_NOT_SENT",
    "TRANSITIONS",
    "UNRESOLVED",
    "Journal",
    "JournalError",
    "StateError",
    "TxEvent",
    "TxKind",
    "TxRow",
    "TxState",
]
