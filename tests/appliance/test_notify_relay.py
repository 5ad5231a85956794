"""The service's main process (kiosk/notify_relay.py) between systemd and cage + kiosk:
forwards READY/STATUS/WATCHDOG (never MAINPID), passes SIGTERM on, exits with the kiosk's
own exit status (cage hides it), and backs off after quick failures."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

from kiosk.notify_relay import BASE_DELAY, MAX_DELAY, backoff_delay
from tests.appliance.harness import REPO, NotifyHarness, write_config


def relay_cmd(backoff: Path, *command: str) -> list[str]:
    return [sys.executable, "-m", "kiosk.notify_relay", "--backoff-file", str(backoff), "--",
            *command]


def test_backoff_doubles_up_to_a_ceiling() -> None:
    assert backoff_delay(0) == 0
    assert backoff_delay(1) == BASE_DELAY
    assert backoff_delay(2) == 2 * BASE_DELAY
    assert backoff_delay(30) == MAX_DELAY


def test_relay_forwards_ready_and_pings_and_stops_the_kiosk(tmp_path: Path) -> None:
    h = NotifyHarness(tmp_path, watchdog_usec=2_000_000)
    config = write_config(tmp_path / "kiosk.toml", tmp_path / "state")
    backoff = tmp_path / "backoff.json"
    env = h.env({"RUNTIME_DIRECTORY": str(tmp_path / "run"), "WATCHDOG_PID": "1",
                 "JOURNAL_STREAM": "8:12345"})  # as systemd sets it: logs go to the journal
    proc = subprocess.Popen(relay_cmd(backoff, sys.executable, "-m", "kiosk", "run",
                                      "--config", str(config)),
                            cwd=REPO, env=env, stderr=subprocess.PIPE)
    try:
        h.wait_for("READY", 60, proc)
        h.wait_for("WATCHDOG", 10, proc)  # WATCHDOG_PID=1 was not passed on to the kiosk
        assert not any("MAINPID" in m.fields for m in h.messages)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 0
        logged = [json.loads(line) for line in err.decode().splitlines()
                  if line.startswith("{")]
        assert any(r["msg"].startswith("service ready") for r in logged)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        h.close()
    assert json.loads(backoff.read_text())["quick_failures"] == 0


def test_relay_exits_with_the_kiosks_status_and_counts_quick_failures(tmp_path: Path) -> None:
    h = NotifyHarness(tmp_path)
    bad = tmp_path / "bad.toml"
    bad.write_text('language = "xx"\n', encoding="utf-8")
    backoff = tmp_path / "backoff.json"
    # `sh -c 'kiosk run ...; exit 0'` stands where cage stands: it always exits 0
    inner = f"{sys.executable} -m kiosk run --config {bad}; exit 0"
    proc = subprocess.run(relay_cmd(backoff, "sh", "-c", inner), cwd=REPO,
                          env=h.env({"RUNTIME_DIRECTORY": str(tmp_path / "run")}),
                          capture_output=True, text=True, timeout=60)
    try:
        assert proc.returncode == 64, proc.stderr
        assert "language" in proc.stderr
        assert any(m.fields.get("STATUS") == "configuration invalid (kiosk.toml)"
                   for m in h.drain())
        assert json.loads(backoff.read_text())["quick_failures"] == 1
    finally:
        h.close()
