"""The audit log: hash chain, tamper detection, masking, appends from two processes."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

from kiosk.audit import GENESIS, AuditLog, audit_log, head, verify

REPO_ROOT = Path(__file__).resolve().parents[3]


def canonical(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def filled(tmp_path, n=5) -> AuditLog:
    audit = AuditLog(tmp_path / "audit" / "audit.jsonl")
    for i in range(n):
        audit.append("technician", "diag.reveal", {"device": "idcard", "n": i})
    return audit


def test_records_chain_each_line_to_the_previous_one(tmp_path):
    audit = filled(tmp_path, 3)
    lines = audit.path.read_bytes().splitlines()
    records = [json.loads(x) for x in lines]
    assert [r["seq"] for r in records] == [1, 2, 3]
    assert records[0]["prev"] == GENESIS
    assert records[1]["prev"] == hashlib.sha256(lines[0]).hexdigest()
    assert records[2]["prev"] == hashlib.sha256(lines[1]).hexdigest()
    assert verify(audit.path) == (True, None) and audit.verify() == (True, None)
    assert head(audit.path) == (3, hashlib.sha256(lines[2]).hexdigest())


def test_a_changed_field_is_found_at_its_line(tmp_path):
    audit = filled(tmp_path)
    lines = audit.path.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace('"n":2', '"n":9')
    audit.path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert verify(audit.path) == (False, 3)


def test_a_recomputed_line_breaks_the_next_link(tmp_path):
    audit = filled(tmp_path)
    lines = audit.path.read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[1])
    record["actor"] = "nobody"
    del record["hash"]
    record["hash"] = hashlib.sha256(canonical(record).encode()).hexdigest()
    lines[1] = canonical(record)
    audit.path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert verify(audit.path) == (False, 3)


def test_deleted_inserted_and_reordered_lines_are_found(tmp_path):
    audit = filled(tmp_path)
    original = audit.path.read_text(encoding="utf-8").splitlines()
    cases = {
        "deleted": (original[:1] + original[2:], 2),
        "first deleted": (original[1:], 1),
        "duplicated": (original[:3] + original[2:], 4),
        "swapped": ([*original[:1], original[2], original[1], *original[3:]], 2),
        "garbage": ([*original[:4], "not json", *original[4:]], 5),
    }
    for name, (lines, bad) in cases.items():
        audit.path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        assert verify(audit.path) == (False, bad), name


def test_reformatted_json_with_the_same_content_counts_as_tampering(tmp_path):
    audit = filled(tmp_path, 2)
    lines = audit.path.read_text(encoding="utf-8").splitlines()
    lines[0] = json.dumps(json.loads(lines[0]), sort_keys=True)  # spaces added
    audit.path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert verify(audit.path) == (False, 1)


def test_the_kiosk_audit_log_lives_in_the_state_directory(state_dir):
    audit = audit_log(state_dir)
    audit.append("technician", "diag.reveal", {"device": "idcard"})
    assert audit.path == state_dir / "audit" / "audit.jsonl"
    assert verify(audit.path) == (True, None)


def test_missing_and_empty_logs_are_intact(tmp_path):
    assert verify(tmp_path / "none.jsonl") == (True, None)
    (tmp_path / "empty.jsonl").write_text("")
    assert verify(tmp_path / "empty.jsonl") == (True, None)
    assert head(tmp_path / "none.jsonl") is None


def test_detail_is_masked(tmp_path):
    audit = AuditLog(tmp_path / "audit.jsonl")
    record = audit.append("staff:S0012", "diag.reveal",
                          {"id_number": "61042519680315301X", "pan": "6217991000001234561",
                           "phone": "13812345678"})
    text = audit.path.read_text(encoding="utf-8")
    for secret in ("61042519680315301X", "6217991000001234561", "13812345678"):
        assert secret not in text
    assert record.detail == {"id_number": "610425********301X", "pan": "621799*********4561",
                             "phone": "138****5678"}


def test_two_processes_appending_keep_one_chain(tmp_path):
    path = tmp_path / "audit.jsonl"
    script = (
        "import sys\nfrom kiosk.audit import AuditLog\n"
        "a = AuditLog(sys.argv[1])\n"
        "for i in range(40): a.append(sys.argv[2], 'x', {'i': i})\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", script, str(path), who], cwd=REPO_ROOT)
             for who in ("one", "two")]
    for proc in procs:
        assert proc.wait(60) == 0
    assert verify(path) == (True, None)
    assert len(path.read_text(encoding="utf-8").splitlines()) == 80
