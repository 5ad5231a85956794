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


# --- check(): the chain, the seal and the host's anchors; kiosk audit verify ----------------

from kiosk.audit import WITHHELD, Anchor, Problem, check, read_seal  # noqa: E402


def _rewrite(audit: AuditLog, lines: list[str]) -> None:
    audit.path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def _lines(audit: AuditLog) -> list[str]:
    return audit.path.read_text(encoding="utf-8").splitlines()


def _rebuild_chain(records: list[dict]) -> list[str]:
    """What a careful forger does: recompute every hash and prev from the first record."""
    out, prev = [], GENESIS
    for n, record in enumerate(records, start=1):
        record = {k: v for k, v in record.items() if k != "hash"}
        record.update(seq=n, prev=prev)
        record["hash"] = hashlib.sha256(canonical(record).encode()).hexdigest()
        line = canonical(record)
        out.append(line)
        prev = hashlib.sha256(line.encode()).hexdigest()
    return out


def test_check_of_an_intact_log_reports_its_head_and_the_seal(tmp_path):
    audit = filled(tmp_path, 6)
    result = audit.check()
    assert result.ok and result.records == 6 and result.first_bad is None
    assert result.head == Anchor(*head(audit.path)) == read_seal(audit.path)
    assert result.anchors_checked == 1  # the local seal


def test_check_names_the_first_broken_record_and_why(tmp_path):
    audit = filled(tmp_path, 6)
    original = _lines(audit)
    edited = original[3].replace('"n":3', '"n":7')
    cases = {
        "edited": ([*original[:3], edited, *original[4:]], 4, Problem.CHANGED),
        "removed": ([*original[:2], *original[3:]], 3, Problem.CHAIN),
        "inserted": ([*original[:2], original[4], *original[2:]], 3, Problem.CHAIN),
        "cut mid-record": ([*original[:5], original[5][:40]], 6, Problem.UNREADABLE),
    }
    for name, (lines, bad, problem) in cases.items():
        _rewrite(audit, lines)
        result = check(audit.path)
        assert (result.ok, result.first_bad, result.problem) == (False, bad, problem), name
        assert result.records == bad - 1, name


def test_whole_records_cut_from_the_end_are_found_by_the_seal(tmp_path):
    audit = filled(tmp_path, 6)
    _rewrite(audit, _lines(audit)[:4])
    assert verify(audit.path) == (True, None)  # the chain alone cannot see it
    result = check(audit.path)
    assert (result.ok, result.first_bad, result.problem) == (False, 5, Problem.TRUNCATED)


def test_a_rebuilt_chain_with_a_forged_seal_is_found_by_the_hosts_anchors(tmp_path):
    audit = filled(tmp_path, 6)
    sent = audit.anchor()  # what the heartbeat sent the host at seq 6
    records = [json.loads(x) for x in _lines(audit)]
    records[2]["detail"]["n"] = 99  # rewrite record 3 and rebuild the chain after it
    forged = _rebuild_chain(records)
    _rewrite(audit, forged)
    audit.seal_path.write_text(json.dumps(
        {"seq": 6, "hash": hashlib.sha256(forged[-1].encode()).hexdigest()}))
    assert check(audit.path).ok  # locally consistent: chain and seal both forged
    result = check(audit.path, [sent])
    assert (result.ok, result.first_bad, result.problem) == (False, 6, Problem.REWRITTEN)
    # cut to 4 records with a matching forged seal: the host's anchor at 6 says truncated
    _rewrite(audit, forged[:4])
    audit.seal_path.write_text(json.dumps(
        {"seq": 4, "hash": hashlib.sha256(forged[3].encode()).hexdigest()}))
    result = check(audit.path, [sent])
    assert (result.first_bad, result.problem) == (5, Problem.TRUNCATED)


def test_secrets_are_withheld_and_names_masked(tmp_path):
    audit = AuditLog(tmp_path / "audit.jsonl")
    record = audit.append("staff:S1001", "authorization.granted", {
        "password": "246810", "pin_block": "0A1B2C3D4E5F6071", "component": "0123456789ABCDEF",
        "session_token": "deadbeefcafe", "nested": {"tmk": "00112233", "pin": "123456"},
        "raw": b"\x01\x02", "name": "张卫国", "kcv": "2284A82A", "pinpad": "online"})
    text = audit.path.read_text(encoding="utf-8")
    for secret in ("246810", "0A1B2C3D4E5F6071", "0123456789ABCDEF", "deadbeefcafe",
                   "00112233", "123456", "张卫国"):
        assert secret not in text, secret
    assert record.detail["password"] == WITHHELD and record.detail["nested"]["pin"] == WITHHELD
    assert record.detail["name"] == "张*国"
    assert record.detail["kcv"] == "2284A82A" and record.detail["pinpad"] == "online"


def _verify_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kiosk", "audit", "verify", *args],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)


def test_kiosk_audit_verify_on_intact_edited_removed_inserted_and_truncated_logs(tmp_path):
    audit = filled(tmp_path, 5)
    original = _lines(audit)
    ok = _verify_cli("--file", str(audit.path), "--json")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["records"] == 5
    text = _verify_cli("--file", str(audit.path))
    assert text.returncode == 0 and "intact: 5 records" in text.stdout
    cases = {
        "edited": ([*original[:1], original[1].replace('"n":1', '"n":8'), *original[2:]],
                   2, "changed"),
        "removed": ([*original[:3], original[4]], 4, "chain_broken"),
        "inserted": ([*original[:4], original[1], original[4]], 5, "chain_broken"),
        "truncated": (original[:3], 4, "truncated"),
    }
    for name, (lines, bad, problem) in cases.items():
        _rewrite(audit, lines)
        out = _verify_cli("--file", str(audit.path), "--json")
        assert out.returncode == 2, name
        got = json.loads(out.stdout)
        assert (got["ok"], got["first_bad"], got["problem"]) == (False, bad, problem), name
        human = _verify_cli("--file", str(audit.path))
        assert f"BROKEN at record {bad} ({problem})" in human.stdout, name


def test_kiosk_audit_verify_checks_anchors_from_a_file(tmp_path):
    audit = filled(tmp_path, 3)
    anchors = tmp_path / "anchors.json"
    anchors.write_text(json.dumps([{"seq": 2, "hash": "0" * 64}]))
    out = _verify_cli("--file", str(audit.path), "--anchors", str(anchors), "--json")
    assert out.returncode == 2 and json.loads(out.stdout)["problem"] == "rewritten"
    assert _verify_cli("--file", str(audit.path), "--anchors",
                       str(tmp_path / "missing.json")).returncode == 64


def test_key_check_values_are_written_whole_and_card_numbers_still_masked(
        tmp_path: Path) -> None:
    """A KCV is hex and never secret: 93D9347131008122 holds 13 digits in a row, which the
    masker would take for a card number; the custodians compare it with their sheets."""
    log = AuditLog(tmp_path / "audit.jsonl")
    log.append("technician:T3001", "pinpad.key_ceremony.loaded",
               {"kcv": "93D9347131008122", "kcvs": ["9347131008122A", "0F1E2D"],
                "working_kcv": "1234567890123",
                "card": "6217991000001234561", "kcv_note": "6217991000001234561",
                "kcv ": "6217991000001234561 and more"})
    detail = json.loads(log.path.read_text(encoding="utf-8").splitlines()[-1])["detail"]
    assert detail["kcv"] == "93D9347131008122"
    assert detail["kcvs"] == ["9347131008122A", "0F1E2D"]
    assert detail["working_kcv"] == "1234567890123"
    assert "6217991000001234561" not in json.dumps(detail)  # any other key: masked
