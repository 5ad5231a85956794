"""Run ``kiosk-sim pinpad`` as a child process (tests, benchmarks, tools)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


class SimProcess:
    """``SimProcess(["--pty"], state_dir)``: started at once; ``ready`` is its ready line."""

    def __init__(self, args: list[str], state_dir: Path) -> None:
        cmd = [sys.executable, "-m", "peripherals_sim", "pinpad", *args,
               "--state-dir", str(state_dir)]
        self.proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            self.proc.kill()
            self.proc.wait(5)
            raise RuntimeError("pinpad simulator did not start")
        self.ready: dict[str, Any] = json.loads(line)

    def stop(self) -> int:
        """SIGTERM, then wait; the exit status (0 on a clean stop)."""
        self.proc.terminate()
        try:
            rc = self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait(5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        return rc
