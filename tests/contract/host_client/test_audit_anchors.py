"""The audit log's head travels with the heartbeat; the host keeps every anchor and flags a
log that was cut or rewritten; ``kiosk audit verify --host`` checks the local log against
them (the real simulator over mutual TLS)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from kiosk.audit import AuditLog, Problem
from kiosk.host import HeartbeatInfo

REPO = Path(__file__).resolve().parents[3]


def _beat(terminal, audit: AuditLog) -> str | None:
    head = audit.anchor()
    info = HeartbeatInfo(audit_head=None if head is None else (head.seq, head.hash))
    return terminal.client.heartbeat(info).audit_anchor


def test_heartbeat_anchors_are_kept_and_a_rewrite_is_flagged(terminal, tmp_path):
    audit = AuditLog(tmp_path / "audit" / "audit.jsonl")
    for i in range(3):
        audit.append("staff:S1001", "staff.action", {"i": i})
    assert _beat(terminal, audit) == "recorded"
    audit.append("staff:S1001", "staff.sign_out", {"reason": "manual"})
    assert _beat(terminal, audit) == "recorded"
    anchors = terminal.client.audit_anchors().anchors
    assert [(a.seq, a.hash) for a in anchors][-2:] == [
        (3, hashlib.sha256(audit.path.read_bytes().splitlines()[2]).hexdigest()),
        (4, audit.anchor().hash)]
    # the same seq with another hash: the log was rewritten after the anchor was sent
    forged = terminal.client.heartbeat(HeartbeatInfo(audit_head=(4, "f" * 64)))
    assert forged.audit_anchor == "forked"
    cut = terminal.client.heartbeat(HeartbeatInfo(audit_head=(2, "e" * 64)))
    assert cut.audit_anchor == "regressed"
    assert terminal.client.heartbeat(HeartbeatInfo()).audit_anchor is None


def test_kiosk_audit_verify_host_finds_a_log_cut_below_the_hosts_anchor(tmp_path):
    from tests.contract.host_client.conftest import SimHost, Terminal

    (tmp_path / "host").mkdir()
    with SimHost(tmp_path / "host") as host:  # its own host: no other test's anchors
        t = Terminal(host)
        try:
            t.sign_in()
            audit = AuditLog(tmp_path / "state" / "audit" / "audit.jsonl")
            for i in range(5):
                audit.append("technician:T3001", "diag.selftest", {"i": i})
            assert _beat(t, audit) == "recorded"
        finally:
            t.close()
        settings = host.settings()
        env = {**os.environ, "KIOSK_STATE_DIR": str(tmp_path / "state"),
               "KIOSK_HOST__URL": settings.url, "KIOSK_HOST__CA_FILE": str(settings.ca_file),
               "KIOSK_HOST__CERT_FILE": str(settings.cert_file),
               "KIOSK_HOST__KEY_FILE": str(settings.key_file)}

        def verify() -> tuple[int, dict]:
            proc = subprocess.run([sys.executable, "-m", "kiosk", "audit", "verify", "--host",
                                   "--json"], cwd=REPO, env=env, capture_output=True,
                                  text=True, timeout=60)
            return proc.returncode, json.loads(proc.stdout or "{}")

        code, out = verify()
        assert code == 0 and out["ok"] and out["anchors_checked"] == 2, out
        # cut the log to 3 records and forge a matching seal: only the host can tell
        lines = audit.path.read_bytes().splitlines()
        audit.path.write_bytes(b"\n".join(lines[:3]) + b"\n")
        audit.seal_path.write_text(json.dumps(
            {"seq": 3, "hash": hashlib.sha256(lines[2]).hexdigest()}))
        code, out = verify()
        assert code == 2 and (out["first_bad"], out["problem"]) == (4, Problem.TRUNCATED.value)
