"""The SQLite file behind the journal and the outbox: pragmas, versioned migrations, and the
start-up checks that refuse a damaged file instead of silently starting an empty one.

Durability: ``journal_mode=WAL`` + ``synchronous=FULL``: every COMMIT fsyncs the WAL before it
returns, so a row the caller saw committed survives a power cut (``NORMAL`` would only fsync at
checkpoints and can lose the last commits; ``bench/bench_journal.py`` measures both).

Schema versions live in ``PRAGMA user_version``; :data:`MIGRATIONS` lists the steps from each
version to the next, applied in one transaction each. A file with a version newer than this code
knows is refused (:class:`JournalTooNew`), never "repaired".

Nothing here imports Qt, ``kiosk`` or ``screens`` (ARCHITECTURE.md §2).
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import shutil
import sqlite3
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from devices.atomicfile import write_atomic

SQLITE_MAGIC = b"SQLite format 3\x00"
WAL_MAGICS = (0x377F0682, 0x377F0683)
WAL_HEADER = 32
WAL_FRAME_HEADER = 24

#: Marker written next to a new journal: its epoch (part of every key). A journal file that is
#: missing while its marker exists is reported, never recreated empty.
EPOCH_MARKER = "journal.epoch"


class JournalError(Exception):
    """The journal cannot be used; ``code`` is the unified error code (``JOURNAL-...``)."""

    code = "JOURNAL-UNAVAILABLE"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class JournalCorrupt(JournalError):
    """Bad header, truncated WAL, failed integrity check: the file was kept aside."""

    code = "JOURNAL-CORRUPT"

    def __init__(self, detail: str, kept: Path | None = None) -> None:
        super().__init__(detail)
        self.kept = kept


class JournalMissing(JournalError):
    """The journal file vanished while its epoch marker says one existed."""

    code = "JOURNAL-MISSING"


class JournalReadOnly(JournalError):
    """The state directory or the file cannot be written."""

    code = "JOURNAL-READ-ONLY"


class JournalDiskFull(JournalError):
    """No room left for another row (free space below the margin, or SQLITE_FULL)."""

    code = "JOURNAL-DISK-FULL"


class JournalTooNew(JournalError):
    """The file's schema version is newer than this program knows."""

    code = "JOURNAL-TOO-NEW"


def _script(db: sqlite3.Connection, sql: str) -> None:
    """Run ``;``-separated statements inside the caller's transaction (``executescript``
    would commit it first)."""
    for statement in sql.split(";"):
        if statement.strip():
            db.execute(statement)


def _v1(db: sqlite3.Connection) -> None:
    _script(db, """
        CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE tx (
            serial INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            customer_ref TEXT NOT NULL,
            account_masked TEXT,
            amount TEXT,
            request_digest TEXT NOT NULL,
            state TEXT NOT NULL,
            created TEXT NOT NULL,
            updated TEXT NOT NULL,
            host_ref TEXT,
            business_date TEXT,
            acct_date TEXT,
            receipt_printed INTEGER NOT NULL DEFAULT 0,
            staff_id TEXT,
            detail TEXT NOT NULL DEFAULT '{}');
        CREATE INDEX tx_by_state ON tx (state);
        CREATE TABLE tx_event (
            serial INTEGER NOT NULL REFERENCES tx (serial),
            seq INTEGER NOT NULL,
            state TEXT NOT NULL,
            at TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (serial, seq));
    """)


def _v2(db: sqlite3.Connection) -> None:
    _script(db, """
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            key TEXT NOT NULL UNIQUE,
            body TEXT,
            created TEXT NOT NULL,
            created_ts REAL NOT NULL,
            state TEXT NOT NULL DEFAULT 'PENDING',
            attempts INTEGER NOT NULL DEFAULT 0,
            next_try REAL NOT NULL DEFAULT 0,
            last_error TEXT,
            delivered TEXT,
            answer TEXT);
        CREATE INDEX outbox_pending ON outbox (state, kind, id);
    """)


def _v3(db: sqlite3.Connection) -> None:
    # Why a row ended (host code, not_sent, not_applied), how often it was sent and when last,
    # whether a receipt is owed at all (a signing has none), the accounting date in the index.
    _script(db, """
        ALTER TABLE tx ADD COLUMN reason TEXT;
        ALTER TABLE tx ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE tx ADD COLUMN last_sent_ts REAL;
        ALTER TABLE tx ADD COLUMN receipt_required INTEGER NOT NULL DEFAULT 1;
        UPDATE tx SET attempts = 1 WHERE state <> 'PREPARED';
    """)


def _v4(db: sqlite3.Connection) -> None:
    # State changes as a clustered (WITHOUT ROWID) table: one b-tree page per event instead of
    # a table page plus its primary-key index page, so each fsynced commit writes less.
    _script(db, """
        CREATE TABLE tx_event_v4 (
            serial INTEGER NOT NULL REFERENCES tx (serial),
            seq INTEGER NOT NULL,
            state TEXT NOT NULL,
            at TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (serial, seq)) WITHOUT ROWID;
        INSERT INTO tx_event_v4 SELECT serial, seq, state, at, note FROM tx_event;
        DROP TABLE tx_event;
        ALTER TABLE tx_event_v4 RENAME TO tx_event
    """)


#: ``MIGRATIONS[n]`` takes a file from version ``n`` to ``n + 1``.
MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (_v1, _v2, _v3, _v4)
SCHEMA_VERSION = len(MIGRATIONS)


def now_text() -> str:
    """Local time with offset and milliseconds (what a row's times look like)."""
    return dt.datetime.now().astimezone().isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class OpenedDb:
    conn: sqlite3.Connection
    epoch: str
    created: bool
    synchronous: str = "FULL"


def configure(conn: sqlite3.Connection, synchronous: str = "FULL") -> None:
    """The journal's pragmas (benchmarks apply the same ones to raw SQLite)."""
    conn.execute("PRAGMA busy_timeout=5000")
    mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise JournalReadOnly(f"cannot switch the journal to WAL (mode {mode})")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute("PRAGMA foreign_keys=ON")


def migrate(conn: sqlite3.Connection, target: int = SCHEMA_VERSION) -> int:
    """Bring the file to ``target``; returns the version it had."""
    start = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if start > SCHEMA_VERSION:
        raise JournalTooNew(f"journal schema version {start}, this program knows up to "
                            f"{SCHEMA_VERSION}")
    for version in range(start, target):
        conn.execute("BEGIN IMMEDIATE")
        try:
            MIGRATIONS[version](conn)
            conn.execute(f"PRAGMA user_version={version + 1}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    return start


def _wal_problem(path: Path) -> str | None:
    """What is wrong with ``path``'s WAL, or None. A torn last frame (a write cut by a crash)
    is normal: SQLite ignores frames after the last commit whose checksum holds. Damage is a
    WAL with a broken header, or one holding fewer frames than the WAL index (``-shm``, written
    only after the WAL was synced) already counted as committed: frames were lost."""
    wal = path.with_name(path.name + "-wal")
    try:
        size = wal.stat().st_size
    except FileNotFoundError:
        return None
    if size == 0:
        return None
    with wal.open("rb") as f:
        header = f.read(WAL_HEADER)
    if len(header) < WAL_HEADER:
        return f"WAL truncated inside its header ({size} bytes)"
    magic, _version, page_size = struct.unpack(">III", header[:12])
    if magic not in WAL_MAGICS or page_size < 512 or page_size & (page_size - 1):
        return "WAL header damaged"
    frames = (size - WAL_HEADER) // (WAL_FRAME_HEADER + page_size)
    shm = path.with_name(path.name + "-shm")
    try:
        with shm.open("rb") as f:
            index = f.read(48)
    except FileNotFoundError:
        return None
    if len(index) < 48:
        return None
    mx_frame = struct.unpack("=I", index[16:20])[0]
    # The index keeps the WAL header's salt bytes as they are (memcpy in wal.c).
    if index[32:40] == header[16:24] and mx_frame > frames:
        return (f"WAL truncated: the index counts {mx_frame} committed frames, "
                f"the log holds {frames}")
    return None


def _new_dir(path: Path, label: str) -> Path:
    """A new directory ``<name>.<label>-<time>[-n]`` beside ``path``."""
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.name}.{label}-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.{label}-{stamp}-{n}")
    target.mkdir()
    return target


def keep_aside(path: Path, why: str) -> Path:
    """Copy the database, its WAL and index into ``<name>.corrupt-<time>/`` for the
    technician (copies: the originals stay, so nothing starts afresh behind anyone's back)."""
    target = _new_dir(path, "corrupt")
    for suffix in ("", "-wal", "-shm"):
        src = path.with_name(path.name + suffix)
        if src.exists():
            shutil.copy2(src, target / src.name)
    (target / "REASON.txt").write_text(why + "\n", encoding="utf-8")
    return target


def _classify_os_error(exc: OSError | sqlite3.Error, where: Path) -> JournalError:
    text = str(exc).lower()
    err = getattr(exc, "errno", None)
    if err == errno.ENOSPC or "full" in text:
        return JournalDiskFull(f"{where}: {exc}")
    if err in (errno.EROFS, errno.EACCES, errno.EPERM) or "readonly" in text.replace(
            "-", "").replace(" ", "") or "read-only" in text or "unable to open" in text:
        return JournalReadOnly(f"{where}: {exc}")
    return JournalError(f"{where}: {exc}")


def classify(exc: OSError | sqlite3.Error, where: Path) -> JournalError:
    """A write failure as a journal error (disk full, read-only, other)."""
    return _classify_os_error(exc, where)


def open_db(path: Path, *, create: bool = True, synchronous: str = "FULL",
            check: bool = True) -> OpenedDb:
    """Open (or, only when neither file nor marker exists, create) the journal database.

    Raises :class:`JournalCorrupt` (the damaged files copied aside first),
    :class:`JournalMissing`, :class:`JournalReadOnly`, :class:`JournalDiskFull`,
    :class:`JournalTooNew`.
    """
    marker = path.with_name(EPOCH_MARKER)
    exists = path.exists() and path.stat().st_size > 0
    if not exists and marker.exists():
        raise JournalMissing(f"{path} is missing but {marker.name} says a journal existed "
                             f"(epoch {marker.read_text().strip()})")
    if not exists and not create:
        raise JournalMissing(f"no journal at {path}")
    if exists:
        with path.open("rb") as f:
            if f.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
                raise JournalCorrupt("bad database header",
                                     keep_aside(path, "bad database header"))
        problem = _wal_problem(path)
        if problem is not None:
            raise JournalCorrupt(problem, keep_aside(path, problem))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    except (OSError, sqlite3.Error) as exc:
        raise _classify_os_error(exc, path) from None
    try:
        configure(conn, synchronous)
        if check:
            verdict = conn.execute("PRAGMA quick_check").fetchone()[0]
            if verdict != "ok":
                conn.close()
                raise JournalCorrupt(f"integrity check: {verdict}",
                                     keep_aside(path, f"quick_check: {verdict}"))
        migrate(conn)
        epoch, created = _epoch(conn, marker)
    except sqlite3.DatabaseError as exc:
        conn.close()
        text = str(exc).lower()
        if "malformed" in text or "not a database" in text or "corrupt" in text:
            raise JournalCorrupt(str(exc), keep_aside(path, str(exc))) from None
        raise _classify_os_error(exc, path) from None
    except OSError as exc:
        conn.close()
        raise _classify_os_error(exc, path) from None
    except JournalError:
        conn.close()
        raise
    return OpenedDb(conn, epoch, created, synchronous)


def _epoch(conn: sqlite3.Connection, marker: Path) -> tuple[str, bool]:
    row = conn.execute("SELECT value FROM meta WHERE name='epoch'").fetchone()
    if row is not None:
        epoch = str(row[0])
        if not marker.exists():
            _write_marker(marker, epoch)
        return epoch, False
    epoch = dt.datetime.now().strftime("%y%m%d%H%M%S%f")
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO meta (name, value) VALUES ('epoch', ?)", (epoch,))
    conn.execute("INSERT INTO meta (name, value) VALUES ('schema_created', ?)",
                 (str(SCHEMA_VERSION),))
    conn.execute("COMMIT")
    _write_marker(marker, epoch)
    return epoch, True


def _write_marker(marker: Path, epoch: str) -> None:
    write_atomic(marker, epoch + "\n")


def free_bytes(directory: Path) -> int:
    """Bytes available to this user in ``directory``'s file system."""
    st = os.statvfs(directory)
    return st.f_bavail * st.f_frsize


def writable(directory: Path) -> bool:
    """Whether this process may create files in ``directory`` (a read-only mount or mode)."""
    return os.access(directory, os.W_OK)


def retire(path: Path, why: str) -> Path:
    """Move a damaged or missing journal (its files and epoch marker) into
    ``<name>.retired-<time>/`` so that a new journal, with a new epoch and so new keys, can be
    created. Only ever called on a technician's explicit command."""
    target = _new_dir(path, "retired")
    for src in (path.with_name(path.name + s) for s in ("", "-wal", "-shm")):
        if src.exists():
            os.replace(src, target / src.name)
    marker = path.with_name(EPOCH_MARKER)
    if marker.exists():
        os.replace(marker, target / marker.name)
    (target / "REASON.txt").write_text(why + "\n", encoding="utf-8")
    return target
