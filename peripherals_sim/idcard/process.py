"""Start ``kiosk-sim idcard`` as a child process and read its ready line (tests, benchmarks)."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from typing import Any


class SimProcess:
    """``with SimProcess("--pty", "--pace") as sim: sim.url, sim.control``."""

    def __init__(self, *args: str, startup_timeout: float = 20.0) -> None:
        self.args = list(args) or ["--listen", "tcp://127.0.0.1:0"]
        self.startup_timeout = startup_timeout
        self.proc: subprocess.Popen[bytes] | None = None
        self.ready: dict[str, Any] = {}
        self._stderr: Any = None

    @property
    def url(self) -> str:
        return str(self.ready["url"])

    @property
    def control(self) -> str:
        return str(self.ready["control"])

    def start(self) -> SimProcess:
        cmd = [sys.executable, "-m", "peripherals_sim", "idcard", *self.args]
        # stderr to a file: a pipe nobody reads could fill up and stall the simulator.
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed in stop())
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self._stderr)
        assert self.proc.stdout is not None
        deadline = time.monotonic() + self.startup_timeout
        line = b""
        fd = self.proc.stdout.fileno()
        while not line.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                self._stderr.seek(0)
                err = self._stderr.read().decode(errors="replace")
                self.stop()
                raise RuntimeError(f"idcard simulator did not start: {err}")
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                chunk = os.read(fd, 4096)
                if not chunk:
                    continue
                line += chunk
        self.ready = json.loads(line.decode())
        return self

    def stop(self) -> int | None:
        proc, self.proc = self.proc, None
        if proc is None:
            return None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        if proc.stdout is not None:
            proc.stdout.close()
        self._stderr.close()
        return proc.returncode

    def __enter__(self) -> SimProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
