"""`kiosk diag idcard` as a technician runs it: a subprocess against the simulator process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from devices.idcard.contract import Identity
from kiosk.simcontrol.idcard import HttpIdCardControl
from peripherals_sim.process import SimulatorProcess


@pytest.fixture(autouse=True)
def private_state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """--reveal writes the audit log under the configured state_dir: keep it in tmp_path."""
    monkeypatch.setenv("KIOSK_STATE_DIR", str(tmp_path))
    return tmp_path


def diag(*args: str) -> tuple[int, dict[str, Any]]:
    proc = subprocess.run(
        [sys.executable, "-m", "kiosk", "diag", "idcard", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=os.environ.copy(),
    )
    return proc.returncode, json.loads(proc.stdout) if proc.stdout.strip() else {}


def test_every_scenario_person_reads_through_the_diag_cli(
    idcard_sim_tcp: SimulatorProcess, demo_scenario: dict, private_state_dir: Path
) -> None:
    control = HttpIdCardControl(idcard_sim_tcp.control)
    for person in demo_scenario["people"]:
        control.remove()
        control.insert(person["id"])
        rc, got = diag("read", "--url", idcard_sim_tcp.url, "--json", "--reveal", "--timeout", "10")
        assert rc == 0, got
        want = Identity.from_json(person).to_json(reveal=True)
        want["photo_length"] = 1024
        assert got == want, person["id"]
    control.remove()
    audit = (private_state_dir / "audit" / "audit.jsonl").read_text(encoding="utf-8")
    lines = [json.loads(line) for line in audit.splitlines()]
    assert len(lines) == len(demo_scenario["people"])
    assert {line["action"] for line in lines} == {"diag.reveal"}
    assert "张卫国" not in audit


def test_diag_read_masks_without_reveal(idcard_sim_pty: SimulatorProcess) -> None:
    control = HttpIdCardControl(idcard_sim_pty.control)
    control.remove()
    control.insert("zhang_weiguo")
    rc, got = diag("read", "--url", idcard_sim_pty.url, "--json")
    control.remove()
    assert rc == 0
    assert got["name"] == "张*国" and got["id_number"] == "610425********301X"
    assert got["birth_date"] == "****-**-**"  # 1968-03-15: what the masked number hides


def test_diag_status_samid_and_a_device_error(idcard_sim_tcp: SimulatorProcess) -> None:
    control = HttpIdCardControl(idcard_sim_tcp.control)
    control.remove()
    rc, status = diag("status", "--url", idcard_sim_tcp.url, "--json")
    assert rc == 0 and status["device"] == "online" and status["sam"] == "ok"
    rc, sam = diag("samid", "--url", idcard_sim_tcp.url, "--json")
    assert rc == 0 and sam["sam_id"] == "05.01-20120829-0046218765-1001063658"
    control.set_fault("sam_fail")
    try:
        rc, failed = diag("read", "--url", idcard_sim_tcp.url, "--json", "--timeout", "5")
    finally:
        control.clear_fault()
    assert rc == 2
    assert (failed["completion"], failed["error"]) == ("hardwareError", "sam_self_test_failed")


def test_diag_on_a_missing_port_and_bad_usage() -> None:
    rc, failed = diag("status", "--url", "/dev/does-not-exist-idcard", "--json")
    assert rc == 2 and failed["completion"] == "deviceNotReady"
    rc, _ = diag("eject", "--url", "/dev/does-not-exist-idcard")
    assert rc == 64
