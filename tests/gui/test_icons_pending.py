"""The icon set loads once, after the first screens are built: buttons waiting for their icon
may have been deleted meanwhile (a screen closed), and the load gives the others theirs. Run in
a fresh interpreter: the icon set is loaded once per process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import os
os.environ["QT_QPA_PLATFORM"] = "offscreen"
import shiboken6
from PySide6.QtWidgets import QApplication, QPushButton
from kiosk.shell import icons

app = QApplication([])
gone, kept = QPushButton("求助"), QPushButton("重听")
icons.set_icon(gone, "help")
icons.set_icon(kept, "repeat")
assert not icons.loaded() and kept.icon().isNull()
shiboken6.delete(gone)  # its screen was closed; the Python wrapper is still referenced
assert icons.load() and icons.loaded()
assert not kept.icon().isNull()
print("ok")
"""


def test_the_icon_set_loads_past_a_deleted_waiting_button() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=REPO, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
