"""Log and journal export (masked, complete, verifiable) and the configuration view (secrets
hidden), through the real files of a state directory and the real journal."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tarfile
from pathlib import Path

from kiosk.audit import AuditLog, check
from kiosk.technician.config_view import HIDDEN, config_view, hide_secrets, versions
from kiosk.technician.export import export_bundle
from offline_queue.journal import Journal

REPO = Path(__file__).resolve().parents[3]
ID = "61042519680315301X"
PAN = "6217991000001234561"
PHONE = "13812345678"


def _state(tmp_path: Path) -> Path:
    state = tmp_path / "state"
    (state / "logs").mkdir(parents=True)
    # a line as if the logging filter had failed: the export must mask it anyway
    (state / "logs" / "kiosk.jsonl").write_text(
        json.dumps({"msg": f"card {PAN} of {ID}, phone {PHONE}"}) + "\n", encoding="utf-8")
    (state / "crash").mkdir()
    (state / "crash" / "crash-1.log").write_text(f"Traceback ... {ID}\n", encoding="utf-8")
    audit = AuditLog(state / "audit" / "audit.jsonl")
    for i in range(3):
        audit.append("technician:T3001", "diag.selftest", {"i": i})
    journal = Journal.open(state, "ZN610425001")
    try:
        row = journal.prepare("drawdown", "C0001", "60000.00", "ab" * 32,
                              account_masked="621799*********4561", staff_id="S1001")
        assert row.serial == 1
    finally:
        journal.close()
    return state


def _members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path) as tar:
        return {m.name.split("/", 1)[1]: tar.extractfile(m).read()  # type: ignore[union-attr]
                for m in tar.getmembers()}


def test_the_export_holds_everything_masked_and_the_audit_log_stays_verifiable(tmp_path):
    state = _state(tmp_path)
    usb = tmp_path / "usb"
    result = export_bundle(state, usb, "ZN610425001")
    assert result.path.parent == usb and result.path.name.endswith(".tar.gz")
    assert not list(usb.glob("*.part"))
    assert hashlib.sha256(result.path.read_bytes()).hexdigest() == result.sha256
    members = _members(result.path)
    assert set(members) == {"logs/kiosk.jsonl", "crash/crash-1.log", "audit/audit.jsonl",
                            "audit/audit.head", "journal.json", "manifest.json"}
    everything = b"".join(members.values()).decode("utf-8")
    for secret in (ID, PAN, PHONE):
        assert secret not in everything
    assert "621799*********4561" in members["logs/kiosk.jsonl"].decode()
    manifest = json.loads(members["manifest.json"])
    for name, digest in manifest["files"].items():
        assert hashlib.sha256(members[name]).hexdigest() == digest, name
    journal = json.loads(members["journal.json"])
    assert result.journal_rows == 1 and journal[0]["kind"] == "drawdown"
    assert journal[0]["state"] == "PREPARED"
    copy = tmp_path / "copy" / "audit.jsonl"
    copy.parent.mkdir()
    copy.write_bytes(members["audit/audit.jsonl"])
    (copy.parent / "audit.head").write_bytes(members["audit/audit.head"])
    assert check(copy).ok and check(copy).records == 3


def test_kiosk_diag_logs_export_writes_the_file_and_an_audit_record(tmp_path):
    state = _state(tmp_path)
    out = tmp_path / "export.tar.gz"
    env = {"KIOSK_STATE_DIR": str(state), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([sys.executable, "-m", "kiosk", "diag", "logs", "export", "--to",
                           str(out), "--json"], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["path"] == str(out) and out.is_file()
    last = json.loads((state / "audit" / "audit.jsonl").read_text().splitlines()[-1])
    assert last["action"] == "diag.export" and last["detail"]["file"] == "export.tar.gz"


def test_the_config_view_hides_secrets_and_shows_the_rest():
    from kiosk.config import load_config

    shown = config_view(load_config(None, overrides={"host.url": "https://bank:8443"}))
    assert shown["host"]["url"] == "https://bank:8443"
    assert shown["staff"]["max_failures"] == 5
    hidden = hide_secrets({"devices": {"pinpad": {"tmk_component": "0123", "url": "x"}},
                           "db": "postgres://kiosk:s3cret@db:5432/k", "password": "p",
                           "session_token": "t", "pin_timeout": 30, "pin_block": "AB"})
    assert hidden["devices"]["pinpad"] == {"tmk_component": HIDDEN, "url": "x"}
    assert hidden["db"] == f"postgres://kiosk:{HIDDEN}@db:5432/k"
    assert hidden["password"] == HIDDEN and hidden["session_token"] == HIDDEN
    assert hidden["pin_timeout"] == 30 and hidden["pin_block"] == HIDDEN
    assert versions()["python"] == sys.version.split()[0]
    assert versions()["PySide6"].startswith("6.")
