"""``kiosk service may-stop|first-start|status`` as the package's maintainer scripts run it:
a real journal file (offline_queue) and the running kiosk's state file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from kiosk.audit import audit_log
from kiosk.watchdog import STATE_FILE, write_json_atomic
from offline_queue.journal import Journal, TxState

TERMINAL = "ZN610425001"


def service(state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "KIOSK_STATE_DIR"}
    return subprocess.run([sys.executable, "-m", "kiosk", "service", *args, "--state-dir",
                           str(state)], capture_output=True, text=True, timeout=60, env=env)


def test_may_stop_refuses_while_money_is_unresolved(tmp_path: Path) -> None:
    state = tmp_path / "state"
    assert service(state, "may-stop").returncode == 0  # no journal at all
    j = Journal.open(state, TERMINAL)
    row = j.prepare("drawdown", "C0001", Decimal("1000.00"), "d" * 64)
    res = service(state, "may-stop", "--json")
    assert res.returncode == 1
    out = json.loads(res.stdout)
    assert out["may_stop"] is False and "SVC-UNRESOLVED: 1 money transaction" in out["reasons"][0]
    assert row.key not in res.stderr  # only a prefix of the key is shown
    j.move(row.serial, TxState.SENT, sent=True)
    j.move(row.serial, TxState.UNKNOWN)
    assert service(state, "may-stop").returncode == 1
    j.move(row.serial, TxState.CONFIRMED, host_ref="H1")
    j.close()
    assert service(state, "may-stop").returncode == 0


def test_may_stop_refuses_during_a_journey_of_a_live_kiosk(tmp_path: Path) -> None:
    state = tmp_path / "state"
    write_json_atomic(state / STATE_FILE, {"pid": os.getpid(), "journey": True, "ready": True})
    res = service(state, "may-stop")
    assert res.returncode == 1 and "SVC-JOURNEY" in res.stderr
    write_json_atomic(state / STATE_FILE, {"pid": os.getpid(), "journey": False, "ready": True})
    assert service(state, "may-stop").returncode == 0
    dead = subprocess.Popen(["true"])
    dead.wait()
    write_json_atomic(state / STATE_FILE, {"pid": dead.pid, "journey": True, "ready": True})
    assert service(state, "may-stop").returncode == 0  # a stale file of a kiosk that is gone


def test_may_stop_refuses_when_the_journal_cannot_be_read(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    (state / Journal.FILE).write_bytes(b"not a database" * 100)
    res = service(state, "may-stop")
    assert res.returncode == 1 and "SVC-JOURNAL" in res.stderr


def test_first_start_after_an_upgrade_checks_audit_and_journal(tmp_path: Path) -> None:
    state = tmp_path / "state"
    assert service(state, "first-start").returncode == 0  # nothing pending
    Journal.open(state, TERMINAL).close()
    log = audit_log(state)
    log.append("technician", "diag.reveal", {"device": "idcard"})
    log.append("technician", "diag.reveal", {"device": "iccard"})
    (state / "upgrade-pending").write_text("0.1.0-1 -> 0.1.0-2\n")
    res = service(state, "first-start")
    assert res.returncode == 0 and "first-start check passed" in res.stdout
    assert not (state / "upgrade-pending").exists()
    assert (state / "last-good-version").read_text() == "0.1.0-1 -> 0.1.0-2\n"
    # a tampered audit log fails the check and keeps the marker
    path = log.path
    lines = path.read_text().splitlines()
    lines[0] = lines[0].replace("idcard", "pinpad")
    path.write_text("\n".join(lines) + "\n")
    (state / "upgrade-pending").write_text("0.1.0-2 -> 0.1.0-3\n")
    res = service(state, "first-start")
    assert res.returncode == 1 and "SVC-UPGRADE-CHECK" in res.stderr
    assert "hash chain" in res.stderr and (state / "upgrade-pending").exists()
    status = json.loads(service(state, "status").stdout)
    assert status["upgrade_pending"] is True and status["running"] is None


def test_the_technician_forces_the_stop(tmp_path: Path) -> None:
    state = tmp_path / "state"
    j = Journal.open(state, TERMINAL)
    j.prepare("repayment", "C0001", Decimal("250.00"), "e" * 64)
    j.close()
    res = service(state, "may-stop", "--maintainer")
    assert res.returncode == 1 and "ZHUNONG_KIOSK_FORCE=1 apt-get" in res.stderr
    env = {k: v for k, v in os.environ.items() if k != "KIOSK_STATE_DIR"}
    forced = subprocess.run([sys.executable, "-m", "kiosk", "service", "may-stop", "--state-dir",
                             str(state)], capture_output=True, text=True, timeout=60,
                            env={**env, "ZHUNONG_KIOSK_FORCE": "1"})
    assert forced.returncode == 0
    assert "SVC-UNRESOLVED" in forced.stderr and "technician's decision" in forced.stderr
