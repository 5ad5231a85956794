"""The tamper-evident audit log of staff and technician actions.

One JSON object per line, keys sorted, compact separators, UTF-8::

    {"action":"diag.reveal","actor":"technician","detail":{...},"hash":"<sha256 hex>",
     "prev":"<sha256 hex>","seq":12,"ts":"2026-11-28T23:40:01.123456+00:00"}

``prev`` is the SHA-256 of the previous line's bytes (without its newline); the first line
carries 64 zeros. ``hash`` is the SHA-256 of the line's own canonical JSON without ``hash``.
Changing a line breaks its own hash (or, if the hash was recomputed, the next line's
``prev``); inserting, reordering or deleting lines breaks the chain at that point.
:func:`verify` reports the first bad line. Removing lines from the END cannot be seen from the file
alone: every append also logs the new head (seq and hash) to the JSON log, so the head can be
compared with the last logged one. ``detail`` is masked like the logs (no full ID, card or
phone numbers, no customer name).

Appends take an flock on the file, so the kiosk and ``kiosk diag --reveal`` (another process)
can write the same log safely; each append is fsync'd.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.logs import mask_sensitive, mask_value

log = logging.getLogger(__name__)

GENESIS = "0" * 64
AUDIT_FILE = Path("audit") / "audit.jsonl"  # relative to the state directory


@dataclass(frozen=True)
class AuditRecord:
    """One appended line, as written."""

    seq: int
    ts: str
    actor: str
    action: str
    detail: dict[str, Any]
    prev: str
    line_hash: str


def _hash(line: bytes) -> str:
    return hashlib.sha256(line).hexdigest()


def _canonical(record: dict[str, Any]) -> bytes:
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      default=str).encode("utf-8")


def _last_line(fd: int) -> bytes | None:
    size = os.fstat(fd).st_size
    if size == 0:
        return None
    chunk = 4096
    pos = size
    data = b""
    while pos > 0:
        step = min(chunk, pos)
        pos -= step
        data = os.pread(fd, step, pos) + data
        stripped = data.rstrip(b"\n")
        if b"\n" in stripped:
            return stripped.rsplit(b"\n", 1)[1]
    return data.rstrip(b"\n") or None


class AuditLog:
    """Appends hash-chained records to ``path`` (created with its directory when needed)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def append(self, actor: str, action: str, detail: dict[str, Any] | None = None
               ) -> AuditRecord:
        """Write one record: who (``actor``, e.g. ``staff:S0012`` or ``technician``), what
        (``action``, e.g. ``diag.reveal``) and the ``detail`` (masked before writing)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o640)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                last = _last_line(fd)
                if last is None:
                    prev, seq = GENESIS, 1
                else:
                    prev = _hash(last)
                    try:
                        seq = int(json.loads(last)["seq"]) + 1
                    except (ValueError, KeyError, TypeError):
                        seq = 0  # the tail is damaged; verify() will show where
                record = {
                    "seq": seq,
                    "ts": dt.datetime.now(dt.UTC).isoformat(),
                    "actor": mask_sensitive(actor),
                    "action": mask_sensitive(action),
                    "detail": mask_value(dict(detail or {})),
                    "prev": prev,
                }
                record = json.loads(_canonical(record))  # plain JSON types from here on
                record["hash"] = _hash(_canonical(record))
                line = _canonical(record)
                os.write(fd, line + b"\n")
                os.fsync(fd)
            finally:
                os.close(fd)  # closing drops the flock
        line_hash = _hash(line)
        log.info("audit %s by %s (seq %d, head %s)", record["action"], record["actor"], seq,
                 line_hash[:16])
        return AuditRecord(seq, record["ts"], record["actor"], record["action"],
                           record["detail"], prev, line_hash)

    def verify(self) -> tuple[bool, int | None]:
        """See :func:`verify`."""
        return verify(self.path)


def audit_log(state_dir: Path) -> AuditLog:
    """The kiosk's audit log: ``state_dir/audit/audit.jsonl`` (app and diag share it)."""
    return AuditLog(Path(state_dir) / AUDIT_FILE)


def verify(path: Path) -> tuple[bool, int | None]:
    """Check the hash chain: ``(True, None)`` when intact (a missing or empty file is
    intact), else ``(False, n)`` with ``n`` the 1-based number of the first bad line."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return True, None
    if not data:
        return True, None
    if not data.endswith(b"\n"):
        data += b"\n"  # a missing final newline alone is not tampering; the content is checked
    prev = GENESIS
    for number, line in enumerate(data.split(b"\n")[:-1], start=1):
        try:
            record = json.loads(line)
            ok = (isinstance(record, dict) and record.get("prev") == prev
                  and record.get("seq") == number and line == _canonical(record))
            if ok:
                own = dict(record)
                ok = own.pop("hash", None) == _hash(_canonical(own))
        except (ValueError, UnicodeDecodeError):
            ok = False
        if not ok:
            return False, number
        prev = _hash(line)
    return True, None


def head(path: Path) -> tuple[int, str] | None:
    """(seq, hash) of the last line: compare with the last head in the logs to see a
    truncated tail."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        last = _last_line(fd)
    finally:
        os.close(fd)
    if last is None:
        return None
    return int(json.loads(last)["seq"]), _hash(last)
