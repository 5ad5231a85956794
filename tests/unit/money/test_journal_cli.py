"""``kiosk journal list|show|export`` on a journal file (run as the console script would)."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal

from offline_queue.journal import Journal, TxState
from offline_queue.outbox import Outbox

FIELDS = {"serial", "key", "kind", "state", "amount", "created", "updated", "host_ref",
          "receipt_printed"}


def kiosk(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kiosk", "journal", *args],
                          capture_output=True, text=True, timeout=60)


def _journal(tmp_path):
    j = Journal.open(tmp_path, "ZN610425001")
    a = j.prepare("drawdown", "C0001", Decimal("3000"), "a" * 64,
                  account_masked="621799*********4561")
    j.move(a.serial, TxState.SENT, sent=True)
    j.move(a.serial, TxState.CONFIRMED, host_ref="2026031600000001",
           detail={"loan_id": "JJ202603160001"})
    j.mark_receipt_printed(a.serial)
    b = j.prepare("repayment", "C0001", Decimal("250.5"), "b" * 64)
    j.move(b.serial, TxState.SENT, sent=True)
    j.move(b.serial, TxState.UNKNOWN, reason="HOST-TIMEOUT")
    Outbox(j).enqueue("intention", {"phone": "13709101234", "amount": "20000.00"})
    j.close()
    return a, b


def test_list_json_rows_carry_the_interface_fields(tmp_path):
    _a, b = _journal(tmp_path)
    out = kiosk("list", "--json", "--state-dir", str(tmp_path))
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert [r["serial"] for r in rows] == [1, 2] and set(rows[0]) >= FIELDS
    assert rows[0]["amount"] == "3000.00" and rows[1]["amount"] == "250.50"
    assert rows[0]["state"] == "CONFIRMED" and rows[0]["receipt_printed"] is True
    assert rows[0]["host_ref"] == "2026031600000001" and rows[1]["state"] == "UNKNOWN"
    only = json.loads(kiosk("list", "--json", "--state", "unknown", "--state-dir",
                            str(tmp_path)).stdout)
    assert [r["key"] for r in only] == [b.key]


def test_list_text_tells_staff_what_is_open(tmp_path):
    _journal(tmp_path)
    out = kiosk("list", "--state-dir", str(tmp_path))
    assert out.returncode == 0
    assert "3,000.00" in out.stdout and "HOST-TIMEOUT" in out.stdout
    assert "unresolved 1 (2)" in out.stdout and "receipts to reprint 1 (2)" in out.stdout
    assert "outbox 1 pending" in out.stdout


def test_show_by_serial_and_by_key(tmp_path):
    a, _ = _journal(tmp_path)
    by_serial = json.loads(kiosk("show", "1", "--json", "--state-dir", str(tmp_path)).stdout)
    by_key = json.loads(kiosk("show", a.key, "--json", "--state-dir", str(tmp_path)).stdout)
    assert by_serial == by_key
    assert [e["state"] for e in by_key["events"]] == ["PREPARED", "SENT", "CONFIRMED",
                                                       "CONFIRMED"]
    text = kiosk("show", "1", "--state-dir", str(tmp_path)).stdout
    assert "JJ202603160001" in text and "receipt printed" in text
    missing = kiosk("show", "99", "--json", "--state-dir", str(tmp_path))
    assert missing.returncode == 2 and json.loads(missing.stdout)["error"]


def test_export_is_masked_and_complete(tmp_path):
    _journal(tmp_path)
    target = tmp_path / "export.json"
    out = kiosk("export", str(target), "--state-dir", str(tmp_path))
    assert out.returncode == 0, out.stderr
    text = target.read_text(encoding="utf-8")
    data = json.loads(text)
    assert len(data["rows"]) == 2 and len(data["outbox"]) == 1
    assert data["rows"][0]["events"] and data["counts"] == {"CONFIRMED": 1, "UNKNOWN": 1}
    assert "13709101234" not in text and "6217991000001234561" not in text


def test_errors_and_usage(tmp_path):
    assert kiosk("list", "--state-dir", str(tmp_path)).stdout.startswith("no journal")
    _journal(tmp_path)
    (tmp_path / "journal.db").write_bytes(b"not a database at all" * 100)
    bad = kiosk("list", "--json", "--state-dir", str(tmp_path))
    assert bad.returncode == 2 and json.loads(bad.stdout)["error"] == "JOURNAL-CORRUPT"
    assert kiosk("frobnicate").returncode == 64
    assert kiosk("list", "--state", "NOPE").returncode == 64


def test_retire_sets_a_damaged_journal_aside_and_starts_a_new_one(tmp_path):
    a, _ = _journal(tmp_path)
    healthy = kiosk("retire", "--confirm", "--json", "--state-dir", str(tmp_path))
    assert healthy.returncode == 2 and json.loads(healthy.stdout)["error"] == "JOURNAL-HEALTHY"
    assert kiosk("retire", "--state-dir", str(tmp_path)).returncode == 64  # --confirm needed
    damaged = (tmp_path / "journal.db").read_bytes()[:100] + b"\xff" * 4000
    (tmp_path / "journal.db").write_bytes(damaged)
    out = kiosk("retire", "--confirm", "--json", "--state-dir", str(tmp_path))
    assert out.returncode == 0, out.stdout + out.stderr
    obj = json.loads(out.stdout)
    assert obj["reason"] == "JOURNAL-CORRUPT" and obj["new_epoch"] not in a.key
    from pathlib import Path

    kept = Path(obj["retired"])
    assert (kept / "journal.db").read_bytes() == damaged and (kept / "journal.epoch").exists()
    rows = json.loads(kiosk("list", "--json", "--state-dir", str(tmp_path)).stdout)
    assert rows == []
    audit = (tmp_path / "audit" / "audit.jsonl").read_text(encoding="utf-8")
    assert "journal.retire" in audit
