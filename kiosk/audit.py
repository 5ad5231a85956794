"""The tamper-evident audit log of staff and technician actions.

One JSON object per line, keys sorted, compact separators, UTF-8::

    {"action":"diag.reveal","actor":"technician","detail":{...},"hash":"<sha256 hex>",
     "prev":"<sha256 hex>","seq":12,"ts":"2026-11-28T23:40:01.123456+00:00"}

``prev`` is the SHA-256 of the previous line's bytes (without its newline); the first line
carries 64 zeros. ``hash`` is the SHA-256 of the line's own canonical JSON without ``hash``.
Changing a line breaks its own hash (or, if the hash was recomputed, the next line's
``prev``); inserting, reordering or deleting lines breaks the chain at that point.
:func:`check` reports the first bad record and why. Removing records from the END, or rewriting
the whole chain from some record on, cannot be seen from the chain alone; *anchors* catch it:

- every append writes the new head (seq and line hash) to ``audit.head`` beside the log (the
  local seal) and to the JSON log;
- the heartbeat sends the head to the host (:func:`anchor`), which keeps every anchor it
  received (``GET /v1/terminal/audit-anchors``): a record at an anchored seq must still have
  the anchored hash, and the log must reach the highest anchored seq.

``detail`` is masked like the logs (no full ID, card or phone numbers, no customer name); a
value under a key that names a secret (PIN, PIN block, password, key component, working key,
session token) is never written: it becomes ``"[withheld]"``.

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
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from devices.atomicfile import write_json_atomic
from kiosk.logs import mask_sensitive, mask_value
from kiosk.masking import mask_name

log = logging.getLogger(__name__)

GENESIS = "0" * 64
AUDIT_FILE = Path("audit") / "audit.jsonl"  # relative to the state directory
SEAL_SUFFIX = ".head"  # audit.jsonl -> audit.head: the local seal (last seq and hash)
WITHHELD = "[withheld]"

#: Detail keys whose values are secrets: never written, whatever the caller passes.
_SECRET_KEY = re.compile(
    r"(^|_)(pin|pins|pin_block|password|passwd|passcode|secret|token|session_token|"
    r"component|components|tmk|pik|mak|key_value|clear_key|plain_key)($|_)", re.IGNORECASE)
#: Detail keys that hold a person's name: masked like a name on a shared screen.
_NAME_KEY = re.compile(r"(^|_)name$", re.IGNORECASE)
#: Detail keys that hold key check values: hex, never secret, written whole so that the
#: custodians can compare them with their sheets (a KCV like 93D9347131008122 would otherwise
#: read as a card number to the masker).
_KCV_KEY = re.compile(r"(^|_)kcvs?$", re.IGNORECASE)
_KCV = re.compile(r"[0-9A-Fa-f]{4,32}")


def _is_kcv(value: Any) -> bool:
    values = value if isinstance(value, (list, tuple)) else [value]
    return bool(values) and all(isinstance(v, str) and _KCV.fullmatch(v) for v in values)


@dataclass(frozen=True)
class Anchor:
    """The head of the chain at some moment: the last record's ``seq`` and line hash."""

    seq: int
    hash: str

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "hash": self.hash}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Anchor:
        return cls(int(data["seq"]), str(data["hash"]))


class Problem(StrEnum):
    """Why a record counts as broken (the first broken one is reported)."""

    UNREADABLE = "unreadable"  # not a JSON object (garbage, or cut in the middle)
    CHANGED = "changed"  # its own hash does not match its content
    CHAIN = "chain_broken"  # prev is not the previous line's hash: removed/inserted/reordered
    SEQUENCE = "sequence"  # seq is not its position
    REFORMATTED = "reformatted"  # same content, other bytes (the hash covers the bytes)
    TRUNCATED = "truncated"  # an anchor names a record that is no longer there
    REWRITTEN = "rewritten"  # an anchored record has another hash: the chain was rebuilt


@dataclass(frozen=True)
class ChainCheck:
    """What :func:`check` found. ``first_bad`` is the 1-based seq (= line) of the first
    broken record, ``None`` when intact; ``records`` the number of intact records before it."""

    ok: bool
    records: int
    first_bad: int | None = None
    problem: Problem | None = None
    head: Anchor | None = None
    anchors_checked: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "records": self.records, "first_bad": self.first_bad,
                "problem": None if self.problem is None else self.problem.value,
                "head": None if self.head is None else self.head.to_json(),
                "anchors_checked": self.anchors_checked}


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


def safe_detail(detail: dict[str, Any] | None) -> dict[str, Any]:
    """``detail`` as it may be written: secrets withheld, names masked, numbers masked."""

    def clean(value: Any, depth: int = 0) -> Any:
        if isinstance(value, dict) and depth < 6:
            out: dict[str, Any] = {}
            for key, item in value.items():
                name = str(key)
                if _SECRET_KEY.search(name) or isinstance(item, (bytes, bytearray)):
                    out[name] = WITHHELD
                elif _NAME_KEY.search(name) and isinstance(item, str):
                    out[name] = mask_name(item)
                elif _KCV_KEY.search(name) and _is_kcv(item):
                    out[name] = list(item) if isinstance(item, (list, tuple)) else item
                else:
                    out[name] = clean(item, depth + 1)
            return out
        if isinstance(value, (list, tuple)) and depth < 6:
            return [clean(v, depth + 1) for v in value]
        return mask_value(value, depth)

    return dict(clean(dict(detail or {})))


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

    @property
    def seal_path(self) -> Path:
        """``audit.head`` beside ``audit.jsonl``: the head as of the last append."""
        return seal_path(self.path)

    def anchor(self) -> Anchor | None:
        """The current head, for the heartbeat (``None``: nothing audited yet)."""
        return anchor(self.path)

    def check(self, anchors: Iterable[Anchor] = ()) -> ChainCheck:
        """See :func:`check` (the local seal is always one of the anchors)."""
        return check(self.path, anchors)

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
                    "detail": safe_detail(detail),
                    "prev": prev,
                }
                record = json.loads(_canonical(record))  # plain JSON types from here on
                record["hash"] = _hash(_canonical(record))
                line = _canonical(record)
                os.write(fd, line + b"\n")
                os.fsync(fd)
                line_hash = _hash(line)
                _write_seal(self.seal_path, Anchor(seq, line_hash))
            finally:
                os.close(fd)  # closing drops the flock
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


def seal_path(path: Path) -> Path:
    path = Path(path)
    return path.with_name(path.stem + SEAL_SUFFIX)


def _write_seal(path: Path, head_anchor: Anchor) -> None:
    write_json_atomic(path, head_anchor.to_json(), ensure_ascii=True)


def read_seal(path: Path) -> Anchor | None:
    """The local seal of the log at ``path`` (``None`` when absent or unreadable: a missing
    seal is reported by the chain or by the host's anchors, not here)."""
    try:
        return Anchor.from_json(json.loads(seal_path(path).read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _record_problem(line: bytes, number: int, prev: str) -> Problem | None:
    try:
        record = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        return Problem.UNREADABLE
    if not isinstance(record, dict):
        return Problem.UNREADABLE
    own = dict(record)
    if own.pop("hash", None) != _hash(_canonical(own)):
        return Problem.CHANGED
    if record.get("prev") != prev:
        return Problem.CHAIN
    if record.get("seq") != number:
        return Problem.SEQUENCE
    if line != _canonical(record):
        return Problem.REFORMATTED
    return None


def _walk(path: Path) -> tuple[list[str], ChainCheck | None]:
    """The line hashes of the intact records, and the failed check at the first broken one
    (``None`` when the whole chain holds)."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        data = b""
    if data and not data.endswith(b"\n"):
        data += b"\n"  # a missing final newline alone is not tampering; the content is checked
    prev = GENESIS
    hashes: list[str] = []
    for number, line in enumerate(data.split(b"\n")[:-1] if data else [], start=1):
        problem = _record_problem(line, number, prev)
        if problem is not None:
            last = Anchor(number - 1, hashes[-1]) if hashes else None
            return hashes, ChainCheck(False, number - 1, number, problem, last)
        prev = _hash(line)
        hashes.append(prev)
    return hashes, None


def check(path: Path, anchors: Iterable[Anchor] = ()) -> ChainCheck:
    """Check the hash chain of the log at ``path``, then every anchor (the local seal and
    ``anchors``, e.g. those the host received with the heartbeats).

    A missing or empty file with no anchor is intact. The first broken record is reported
    with its seq (= line number) and :class:`Problem`; for an anchor beyond the end of the
    log, the first missing seq (``TRUNCATED``); for an anchored record whose hash differs,
    that record (``REWRITTEN``).
    """
    hashes, broken = _walk(path)
    if broken is not None:
        return broken
    head_anchor = Anchor(len(hashes), hashes[-1]) if hashes else None
    wanted = [a for a in (read_seal(path), *anchors) if a is not None]
    for a in sorted(wanted, key=lambda a: a.seq):
        if a.seq > len(hashes):
            return ChainCheck(False, len(hashes), len(hashes) + 1, Problem.TRUNCATED,
                              head_anchor, len(wanted))
        if a.seq >= 1 and hashes[a.seq - 1] != a.hash:
            return ChainCheck(False, a.seq - 1, a.seq, Problem.REWRITTEN, head_anchor,
                              len(wanted))
    return ChainCheck(True, len(hashes), head=head_anchor, anchors_checked=len(wanted))


def verify(path: Path) -> tuple[bool, int | None]:
    """The chain alone, without anchors: ``(True, None)`` when intact (a missing or empty
    file is intact), else ``(False, n)`` with ``n`` the 1-based number of the first bad
    line. :func:`check` also sees a truncated or rebuilt log."""
    _, broken = _walk(path)
    return (True, None) if broken is None else (False, broken.first_bad)


def anchor(path: Path) -> Anchor | None:
    """The head of the log at ``path`` as an :class:`Anchor` (what the heartbeat sends)."""
    found = head(path)
    return None if found is None else Anchor(*found)


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
