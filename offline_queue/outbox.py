"""The durable outbox for what is not money: intention registrations, applications, audit
uploads. Same SQLite file as the journal (one fsync domain).

- :meth:`Outbox.enqueue` commits the message with its idempotency key
  (``<terminal>-<epoch>-O<id:07d>``, derived, never random) and returns at once: the farmer's
  intention is recorded even when the host is offline.
- :class:`Forwarder` sends the pending messages oldest first, **in order per kind**: a message
  that cannot be delivered now holds back the later ones of its kind (not the other kinds),
  and is retried with back-off. The host is idempotent on the key, so a message sent twice
  (crash after the send, before the mark) is recorded once.
- A message the host refuses for good (4xx, e.g. ``HOST-CONSENT-REQUIRED``) is set aside as
  ``REJECTED`` for the staff, and the kind moves on.
- :meth:`Outbox.stats` gives depth and age for the heartbeat.

A delivered message keeps its key, kind, times and the host's answer; its body (which may
hold a phone number) is wiped on delivery.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from offline_queue.db import now_text
from offline_queue.journal import Journal

log = logging.getLogger(__name__)


class OutboxState(StrEnum):
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    REJECTED = "REJECTED"


@dataclass(frozen=True)
class OutboxItem:
    id: int
    kind: str
    key: str
    body: Mapping[str, Any] | None
    created: str
    created_ts: float
    state: OutboxState
    attempts: int
    next_try: float
    last_error: str | None
    delivered: str | None
    answer: Mapping[str, Any] | None

    def to_json(self) -> dict[str, Any]:
        """Without the body (it may hold personal data)."""
        return {"id": self.id, "kind": self.kind, "key": self.key, "state": self.state.value,
                "created": self.created, "attempts": self.attempts,
                "last_error": self.last_error, "delivered": self.delivered,
                "answer": None if self.answer is None else dict(self.answer)}


@dataclass(frozen=True)
class OutboxStats:
    """What the heartbeat reports: pending messages, the oldest one's age, per kind."""

    depth: int
    age_seconds: float | None
    by_kind: Mapping[str, int]
    rejected: int


_COLS = ("id, kind, key, body, created, created_ts, state, attempts, next_try, last_error, "
         "delivered, answer")


def _item(r: Sequence[Any]) -> OutboxItem:
    return OutboxItem(int(r[0]), str(r[1]), str(r[2]), None if r[3] is None else json.loads(r[3]),
                      str(r[4]), float(r[5]), OutboxState(r[6]), int(r[7]), float(r[8]), r[9],
                      r[10], None if r[11] is None else json.loads(r[11]))


class Outbox:
    """The outbox table of a :class:`~offline_queue.journal.Journal` file."""

    def __init__(self, journal: Journal, clock: Callable[[], float] = time.time) -> None:
        self.journal = journal
        self.clock = clock

    def enqueue(self, kind: str, body: Mapping[str, Any]) -> OutboxItem:
        """Commit ``body`` for sending to the host as ``kind`` (fsynced); returns the item
        with its key. Raises ``JournalDiskFull`` / ``JournalReadOnly`` when it cannot."""
        self.journal.check_writable()
        text = json.dumps(dict(body), ensure_ascii=False, separators=(",", ":"))
        with self.journal.write() as c:
            n = int(c.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM outbox").fetchone()[0])
            key = f"{self.journal.terminal_id}-{self.journal.epoch}-O{n:07d}"
            c.execute("INSERT INTO outbox (id, kind, key, body, created, created_ts) "
                      "VALUES (?,?,?,?,?,?)", (n, kind, key, text, now_text(), self.clock()))
        item = self.get(n)
        assert item is not None
        return item

    def get(self, item_id: int) -> OutboxItem | None:
        with self.journal.lock:
            r = self.journal.connection.execute(f"SELECT {_COLS} FROM outbox WHERE id=?",
                                                (item_id,)).fetchone()
        return None if r is None else _item(r)

    def items(self, state: OutboxState | str | None = None) -> list[OutboxItem]:
        with self.journal.lock:
            if state is None:
                cur = self.journal.connection.execute(f"SELECT {_COLS} FROM outbox ORDER BY id")
            else:
                cur = self.journal.connection.execute(
                    f"SELECT {_COLS} FROM outbox WHERE state=? ORDER BY id",
                    (OutboxState(state).value,))
            return [_item(r) for r in cur.fetchall()]

    def heads(self) -> list[OutboxItem]:
        """The oldest pending message of each kind (the only one of its kind that may go)."""
        with self.journal.lock:
            cur = self.journal.connection.execute(
                f"SELECT {_COLS} FROM outbox WHERE id IN (SELECT MIN(id) FROM outbox "
                "WHERE state='PENDING' GROUP BY kind) ORDER BY id")
            return [_item(r) for r in cur.fetchall()]

    def delivered(self, item_id: int, answer: Mapping[str, Any]) -> None:
        # Not fsynced on its own: a mark lost to a power cut means one replay with the same
        # key, which the host answers with its first answer (bench/bench_journal.py).
        with self.journal.write(durable=False) as c:
            c.execute("UPDATE outbox SET state='DELIVERED', delivered=?, answer=?, body=NULL, "
                      "attempts=attempts+1, last_error=NULL WHERE id=?",
                      (now_text(), json.dumps(dict(answer), ensure_ascii=False), item_id))

    def retry_later(self, item_id: int, error: str, next_try: float) -> None:
        with self.journal.write() as c:
            c.execute("UPDATE outbox SET attempts=attempts+1, last_error=?, next_try=? "
                      "WHERE id=?", (error, next_try, item_id))

    def rejected(self, item_id: int, error: str) -> None:
        with self.journal.write() as c:
            c.execute("UPDATE outbox SET state='REJECTED', attempts=attempts+1, last_error=? "
                      "WHERE id=?", (error, item_id))

    def stats(self) -> OutboxStats:
        """Depth, age of the oldest pending message (seconds), pending per kind, rejected."""
        with self.journal.lock:
            c = self.journal.connection
            by_kind = {str(k): int(n) for k, n in c.execute(
                "SELECT kind, COUNT(*) FROM outbox WHERE state='PENDING' GROUP BY kind")}
            oldest = c.execute(
                "SELECT MIN(created_ts) FROM outbox WHERE state='PENDING'").fetchone()[0]
            rejected = int(c.execute(
                "SELECT COUNT(*) FROM outbox WHERE state='REJECTED'").fetchone()[0])
        age = None if oldest is None else max(0.0, self.clock() - float(oldest))
        return OutboxStats(sum(by_kind.values()), age, by_kind, rejected)


class SendOutcome(StrEnum):
    """What a sender says about one attempt."""

    DELIVERED = "delivered"   # the host recorded it (or had already: same key)
    RETRY = "retry"           # no answer / host unavailable: try again later, keep the order
    REJECTED = "rejected"     # the host refused it for good: set aside, move on


@dataclass(frozen=True)
class SendResult:
    outcome: SendOutcome
    answer: Mapping[str, Any] | None = None
    error: str | None = None


Sender = Callable[[OutboxItem], SendResult]


class Forwarder:
    """Sends the outbox to the host: ``drain()`` once, or ``start()`` a thread that drains
    whenever something is due (``wake()`` after an enqueue or when the host comes back).

    ``sender`` does one attempt (the kiosk maps kinds to host calls with the item's key);
    ``backoff`` are the waits after 1, 2, ... failed attempts of a head message.
    """

    def __init__(self, outbox: Outbox, sender: Sender,
                 backoff: Sequence[float] = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0),
                 clock: Callable[[], float] = time.time, idle_wait: float = 30.0) -> None:
        self.outbox = outbox
        self.sender = sender
        self.backoff = tuple(backoff)
        self.clock = clock
        self.idle_wait = idle_wait
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.sent = 0

    def _delay(self, attempts: int) -> float:
        return self.backoff[min(attempts, len(self.backoff) - 1)] if self.backoff else 0.0

    def drain(self, force: bool = False) -> int:
        """Send every due message, per kind in order, until each kind is empty or its head
        must wait. ``force`` ignores the back-off times. Returns how many were delivered."""
        delivered = 0
        blocked: set[str] = set()
        while True:
            now = self.clock()
            heads = [h for h in self.outbox.heads()
                     if h.kind not in blocked and (force or h.next_try <= now)]
            if not heads:
                return delivered
            for item in heads:
                result = self.sender(item)
                if result.outcome is SendOutcome.DELIVERED:
                    self.outbox.delivered(item.id, result.answer or {})
                    delivered += 1
                    self.sent += 1
                elif result.outcome is SendOutcome.REJECTED:
                    self.outbox.rejected(item.id, result.error or "rejected")
                else:
                    self.outbox.retry_later(item.id, result.error or "retry",
                                            self.clock() + self._delay(item.attempts))
                    blocked.add(item.kind)

    def next_due(self) -> float | None:
        """Seconds until the earliest head may be tried (0: now; None: nothing pending)."""
        heads = self.outbox.heads()
        if not heads:
            return None
        return max(0.0, min(h.next_try for h in heads) - self.clock())

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="outbox-forwarder", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.drain()
                due = self.next_due()
            except Exception:  # a broken file must not kill the thread silently
                log.exception("outbox forwarder")
                due = self.idle_wait
            wait = self.idle_wait if due is None else min(due, self.idle_wait)
            self._wake.wait(wait)
            self._wake.clear()
