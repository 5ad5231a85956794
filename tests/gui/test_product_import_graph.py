"""Development tools stay out of the product (ARCHITECTURE §2): a kiosk started with
``sim = false`` (its real drivers built from configuration, the runner, the home screen and every
journey's screens) imports nothing of the autopilot, the simulator panel and launcher, the
simulator control clients or the simulators. Checked in a fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEV_TOOLS = ("kiosk.autopilot", "kiosk.sim_panel", "kiosk.simcontrol", "peripherals_sim")

PROGRAM = r"""
import json, sys, time
from kiosk.app import Kiosk, make_qt_app, setup_qt_environment
from kiosk.config import load_config

# the demo file's real drivers, as on a terminal (nothing listens there: the devices report
# noDevice, which is what a terminal with unplugged devices does)
config = load_config(None, env={}, overrides={
    "sim": False, "state_dir": sys.argv[1], "voice.backend": "fake", "ui.fullscreen": False})
setup_qt_environment()
app = make_qt_app(config.language)
kiosk = Kiosk(config)
kiosk.start(show=True)
deadline = time.monotonic() + 60
while not kiosk.ready and time.monotonic() < deadline:
    app.processEvents()
    time.sleep(0.01)
for name in kiosk.runner.journeys():           # every journey's screens, as a farmer would
    kiosk.runner.views_of(name)
kiosk.home.refresh()
kiosk.shutdown()
print(json.dumps({"ready": kiosk.ready, "modules": sorted(sys.modules)}))
"""


def test_a_kiosk_without_simulation_imports_no_development_tool(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", PROGRAM, str(tmp_path / "state")], cwd=REPO,
                         env=env, capture_output=True, text=True, timeout=120, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["ready"]
    assert "screens.runner" in result["modules"]  # the check ran on a real start
    leaked = [m for m in result["modules"] if m.startswith(DEV_TOOLS)]
    assert leaked == []
