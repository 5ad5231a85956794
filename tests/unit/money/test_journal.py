"""The journal file: forward-only states, derived keys, no clear personal data, migrations
from every earlier schema version, damaged files detected and kept aside (never recreated)."""

from __future__ import annotations

import shutil
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from offline_queue import db as dbmod
from offline_queue.db import JournalCorrupt, JournalMissing, JournalTooNew
from offline_queue.journal import Journal, StateError, TxState
from offline_queue.outbox import Outbox

TERMINAL = "ZN610425001"


def new_row(journal: Journal, amount: str = "100.00"):
    return journal.prepare("drawdown", "C0001", Decimal(amount), "d" * 64,
                           account_masked="621799*********4561")


def test_states_move_only_forward(tmp_path):
    j = Journal.open(tmp_path, TERMINAL)
    row = new_row(j)
    assert row.state is TxState.PREPARED and row.key == f"{TERMINAL}-{j.epoch}-0000001"
    with pytest.raises(StateError):
        j.move(row.serial, TxState.CONFIRMED)  # PREPARED cannot skip SENT
    j.move(row.serial, TxState.SENT, sent=True)
    j.move(row.serial, TxState.UNKNOWN)
    done = j.move(row.serial, TxState.CONFIRMED, host_ref="T1")
    for back in (TxState.SENT, TxState.UNKNOWN, TxState.DECLINED, TxState.PREPARED):
        with pytest.raises(StateError):
            j.move(row.serial, back)
    events = j.get(row.serial, with_events=True).events
    assert [e.state for e in events] == [TxState.PREPARED, TxState.SENT, TxState.UNKNOWN,
                                         TxState.CONFIRMED]
    assert done.attempts == 1 and done.last_sent_ts is not None
    assert j.get(done.key).serial == row.serial


def test_serials_and_keys_are_sequential_and_derived(tmp_path):
    j = Journal.open(tmp_path, TERMINAL)
    keys = [new_row(j).key for _ in range(3)]
    assert keys == [f"{TERMINAL}-{j.epoch}-{n:07d}" for n in (1, 2, 3)]
    j.close()
    again = Journal.open(tmp_path, TERMINAL)
    assert again.epoch == j.epoch and new_row(again).key.endswith("-0000004")


@pytest.mark.parametrize("value", ["6217991000001234561", "61042519680315301X", "13709101234"])
def test_clear_personal_data_is_refused(tmp_path, value):
    j = Journal.open(tmp_path, TERMINAL)
    with pytest.raises(ValueError, match="personal"):
        j.prepare("drawdown", value, Decimal("1"), "d" * 64)
    with pytest.raises(ValueError, match="personal"):
        j.prepare("drawdown", "C0001", Decimal("1"), "d" * 64, detail={"note": f"card {value}"})
    assert j.rows() == []


def test_host_ids_and_dates_are_not_mistaken_for_personal_data(tmp_path):
    j = Journal.open(tmp_path, TERMINAL)
    row = new_row(j)
    j.move(row.serial, TxState.SENT, sent=True)
    j.move(row.serial, TxState.CONFIRMED, host_ref="20260316000123",
           detail={"loan_id": "JJ202603160001", "contract_no": "HT202603160001",
                   "first_due_date": "2026-04-21"})


def _build(path: Path, version: int) -> sqlite3.Connection:
    """A file at schema ``version`` with a row written as that version's code wrote it."""
    conn = sqlite3.connect(str(path / "journal.db"), isolation_level=None)
    dbmod.configure(conn)
    dbmod.migrate(conn, version)
    conn.execute("INSERT INTO meta (name, value) VALUES ('epoch', '260101000000000000')")
    conn.execute(
        "INSERT INTO tx (serial, key, kind, customer_ref, account_masked, amount, "
        "request_digest, state, created, updated, host_ref) VALUES (1, 'ZN610425001-2601010"
        "00000000000-0000001', 'repayment', 'C0001', '621799*********4561', '250.00', 'ab', "
        "'SENT', '2026-01-01T08:00:00.000+08:00', '2026-01-01T08:00:01.000+08:00', NULL)")
    conn.execute("INSERT INTO tx_event (serial, seq, state, at) VALUES "
                 "(1, 1, 'PREPARED', '2026-01-01T08:00:00.000+08:00')")
    if version >= 3:  # that version's code counted the send and stamped it
        conn.execute("UPDATE tx SET attempts=1, last_sent_ts=1767225600.0 WHERE serial=1")
    if version >= 2:
        conn.execute("INSERT INTO outbox (id, kind, key, body, created, created_ts) VALUES "
                     "(1, 'intention', 'ZN610425001-260101000000000000-O0000001', '{}', "
                     "'2026-01-01', 0)")
    conn.close()
    return conn


@pytest.mark.parametrize("version", range(1, dbmod.SCHEMA_VERSION))
def test_migration_from_every_earlier_version_keeps_the_rows(tmp_path, version):
    _build(tmp_path, version)
    j = Journal.open(tmp_path, TERMINAL)
    conn = j.connection
    assert conn.execute("PRAGMA user_version").fetchone()[0] == dbmod.SCHEMA_VERSION
    row = j.get(1, with_events=True)
    assert row.state is TxState.SENT and row.amount == Decimal("250.00")
    assert row.attempts == 1 and row.receipt_required and row.reason is None
    assert j.epoch == "260101000000000000"
    assert len(row.events) == 1
    # the migrated file works like a new one
    j.move(1, TxState.UNKNOWN)
    assert j.move(1, TxState.CONFIRMED).state is TxState.CONFIRMED
    assert new_row(j).serial == 2
    outbox = Outbox(j)
    assert [i.kind for i in outbox.items()] == (["intention"] if version >= 2 else [])
    outbox.enqueue("intention", {"phone": "x"})


def test_a_newer_schema_is_refused(tmp_path):
    Journal.open(tmp_path, TERMINAL).close()
    conn = sqlite3.connect(str(tmp_path / "journal.db"), isolation_level=None)
    conn.execute(f"PRAGMA user_version={dbmod.SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(JournalTooNew):
        Journal.open(tmp_path, TERMINAL)


def _with_rows(tmp_path: Path, n: int = 20) -> Journal:
    j = Journal.open(tmp_path, TERMINAL)
    for _ in range(n):
        new_row(j)
    return j


def test_bad_header_is_detected_kept_aside_and_not_recreated(tmp_path):
    _with_rows(tmp_path).close()
    db = tmp_path / "journal.db"
    data = bytearray(db.read_bytes())
    data[0:16] = b"garbage garbage!"
    db.write_bytes(bytes(data))
    for _ in range(2):  # every start-up refuses it again
        with pytest.raises(JournalCorrupt) as err:
            Journal.open(tmp_path, TERMINAL)
        assert err.value.code == "JOURNAL-CORRUPT"
        kept = err.value.kept
        assert kept is not None and (kept / "journal.db").read_bytes() == bytes(data)
    assert db.read_bytes() == bytes(data)  # the original stays where it was


def test_truncated_wal_is_detected(tmp_path):
    j = _with_rows(tmp_path)
    # The writer is still open: the WAL holds the commits (no checkpoint yet). Copy the
    # files as a crash would leave them, with the WAL cut short.
    crash = tmp_path / "crash"
    crash.mkdir()
    for name in ("journal.db", "journal.db-wal", "journal.db-shm", "journal.epoch"):
        shutil.copy2(tmp_path / name, crash / name)
    j.close()
    wal = crash / "journal.db-wal"
    wal.write_bytes(wal.read_bytes()[: 32 + 2 * (24 + 4096)])
    with pytest.raises(JournalCorrupt, match="WAL truncated"):
        Journal.open(crash, TERMINAL)


def test_wal_cut_inside_its_header_is_detected(tmp_path):
    j = _with_rows(tmp_path, 2)
    crash = tmp_path / "crash"
    crash.mkdir()
    for name in ("journal.db", "journal.db-wal", "journal.epoch"):
        shutil.copy2(tmp_path / name, crash / name)
    j.close()
    (crash / "journal.db-wal").write_bytes((crash / "journal.db-wal").read_bytes()[:20])
    with pytest.raises(JournalCorrupt, match="header"):
        Journal.open(crash, TERMINAL)


def test_damaged_pages_fail_the_integrity_check(tmp_path):
    j = _with_rows(tmp_path, 400)
    j.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    j.close()
    db = tmp_path / "journal.db"
    data = bytearray(db.read_bytes())
    for offset in range(4096 * 2 + 100, len(data) - 4096, 4096):  # scribble on b-tree pages
        data[offset:offset + 64] = b"\xff" * 64
    db.write_bytes(bytes(data))
    with pytest.raises(JournalCorrupt):
        Journal.open(tmp_path, TERMINAL)


def test_missing_journal_with_its_marker_is_not_recreated(tmp_path):
    _with_rows(tmp_path, 1).close()
    for name in ("journal.db", "journal.db-wal", "journal.db-shm"):
        (tmp_path / name).unlink(missing_ok=True)
    with pytest.raises(JournalMissing):
        Journal.open(tmp_path, TERMINAL)
    assert not (tmp_path / "journal.db").exists()
