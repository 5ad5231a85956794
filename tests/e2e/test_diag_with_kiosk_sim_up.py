"""`kiosk diag` out of the box against `kiosk-sim up`: with the built-in demo configuration
(sim = true) the technician's commands find the running simulators and the bank host's
certificates through the line `kiosk-sim up` publishes; README's diagnostics block runs as
written."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kiosk.simcontrol.idcard import HttpIdCardControl
from peripherals_sim.launcher import stop_detached

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@pytest.fixture()
def env(tmp_path: Path) -> dict[str, str]:
    """No configuration file (the built-in demo one, sim = true), a private state dir and a
    private publish dir (XDG_RUNTIME_DIR), the venv's commands first on PATH."""
    xdg = tmp_path / "xdg"
    xdg.mkdir()
    out = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    out.update(XDG_RUNTIME_DIR=str(xdg), KIOSK_STATE_DIR=str(tmp_path / "kiosk-state"),
               PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    out.pop("DISPLAY", None)
    return out


def diag(env: dict[str, str], *args: str) -> tuple[int, dict[str, Any], str]:
    proc = subprocess.run([sys.executable, "-m", "kiosk", "diag", *args, "--json"], env=env,
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    out = proc.stdout.strip()
    return proc.returncode, json.loads(out.splitlines()[-1]) if out else {}, proc.stdout


def test_diag_finds_the_published_simulators_and_says_so_when_none_runs(env, tmp_path):
    up = subprocess.run([sys.executable, "-m", "peripherals_sim", "up", "--detach", "--publish",
                         "--only", "host,printer,idcard,pinpad", "--state-dir",
                         str(tmp_path / "sims")], env=env, cwd=REPO, capture_output=True,
                        text=True, timeout=120)
    assert up.returncode == 0, up.stderr
    line = json.loads(up.stdout)
    published = Path(env["XDG_RUNTIME_DIR"]) / "zhunong-kiosk-sim" / f"up-{line['pid']}.json"
    try:
        assert json.loads(published.read_text()) == line
        rc, obj, _ = diag(env, "host", "ping")
        assert rc == 0 and obj["reachable"] is True and obj["url"] == line["sims"]["host"]["url"]
        rc, obj, _ = diag(env, "printer", "status")
        assert rc == 0 and obj["device"] == "online"
        control = HttpIdCardControl(line["sims"]["idcard"]["control"])
        control.insert("zhang_weiguo")
        rc, obj, raw = diag(env, "idcard", "read")
        assert rc == 0
        # masked: name, ID number, address and the birth date (1968-03-15)
        assert obj["birth_date"] == "****-**-**" and obj["id_number"] == "610425********301X"
        assert "1968" not in raw and "张卫国" not in raw
        rc, obj, _ = diag(env, "iccard", "read")  # started without the iccard simulator
        assert rc == 2 and obj["error"] == "noSimulator" and "iccard" in obj["detail"]
    finally:
        stop_detached(line["pid"])
    assert not published.exists()  # removed by `kiosk-sim up` as it ended
    rc, obj, _ = diag(env, "host", "ping")
    assert rc == 2 and obj["error"] == "noSimulator" and "kiosk-sim up" in obj["detail"]
    rc, obj, _ = diag(env, "pinpad", "status")
    assert rc == 2 and obj["error"] == "noSimulator"


def readme_diag_block() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- diag-examples -->\s*```bash\n(.*?)```", text, re.S)
    assert match, "README.md lost its diagnostics block"
    return match.group(1)


@pytest.mark.slow
@pytest.mark.pcsc
def test_readme_diag_examples_work_as_written(env, tmp_path):
    """Every line of README's diagnostics block, in order, in bash with `set -e`: all the
    simulators (the bank card one on the machine's pcscd), the host, voice into a file."""
    block = readme_diag_block()
    assert "kiosk-sim up --detach > sims.json" in block and "kiosk diag host ping" in block
    script = "set -euo pipefail\ntrap 'kill \"$(jq .pid sims.json)\" 2>/dev/null || true' EXIT\n"
    proc = subprocess.run(["bash", "-c", script + block], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert (tmp_path / "prompt.wav").stat().st_size > 10_000
    assert "1968" not in proc.stdout
