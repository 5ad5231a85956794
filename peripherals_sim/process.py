"""Run one simulator (``kiosk-sim <kind>``) as a child process and read its ready line.

The one piece that tests, benchmarks, ``kiosk-sim up`` and the app's ``--sim`` use to start a
simulator: ``python -m peripherals_sim <kind> ARGS``, read its ONE JSON ready line from stdout
within a deadline (see :mod:`peripherals_sim.cli`), keep it running, stop it with SIGTERM
(SIGKILL after a grace period). What the child writes on stderr is collected in a file, so a
pipe nobody reads never stalls it, and a child that dies before its ready line raises
:class:`SimulatorStartError` with the tail of that stderr::

    with SimulatorProcess("idcard", ["--pty"]) as sim:
        sim.url, sim.control, sim.ready

Standard library only: imports nothing from ``devices``, ``kiosk`` or ``screens``.
"""

from __future__ import annotations

import ctypes
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Literal, Self

READY_TIMEOUT = 60.0  # seconds a child has to print its ready line (the machine is loaded)
STOP_TIMEOUT = 10.0  # seconds between SIGTERM and SIGKILL


class SimulatorStartError(RuntimeError):
    """A simulator died, or stayed silent, before its ready line; ``reason`` says which."""

    def __init__(self, kind: str, reason: str, stderr: str = "") -> None:
        self.kind = kind
        self.reason = reason
        self.stderr = stderr
        text = f"kiosk-sim {kind} did not start: {reason}"
        super().__init__(f"{text}\n{stderr[-2000:]}" if stderr.strip() else text)


def simulator_command(kind: str, args: Sequence[str] = ()) -> list[str]:
    """The command line of ``kiosk-sim <kind> ARGS`` with this interpreter."""
    return [sys.executable, "-m", "peripherals_sim", kind, *args]


def die_with_parent() -> None:
    """``preexec_fn``: the child gets SIGTERM when its parent dies (Linux; ignored elsewhere)."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def read_ready_line(proc: subprocess.Popen[bytes], timeout: float) -> dict[str, Any]:
    """The child's first stdout line as a JSON object.

    RuntimeError when the child exits or stays silent for ``timeout`` seconds, ValueError when
    the line is not JSON. Bytes after the line (rare) are passed on to our stderr.
    """
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    buf = b""
    deadline = time.monotonic() + timeout
    while b"\n" not in buf:
        left = deadline - time.monotonic()
        if left <= 0:
            raise RuntimeError(f"no ready line within {timeout:g}s")
        ready, _, _ = select.select([fd], [], [], min(left, 0.2))
        if not ready:
            if proc.poll() is not None:
                raise RuntimeError(f"exited with status {proc.returncode} before its ready line")
            continue
        chunk = os.read(fd, 4096)
        if not chunk:
            proc.wait(1.0)
            raise RuntimeError(f"exited with status {proc.returncode} before its ready line")
        buf += chunk
    line, _, rest = buf.partition(b"\n")
    if rest:
        sys.stderr.write(rest.decode("utf-8", "replace"))
    obj = json.loads(line.decode("utf-8"))
    if not isinstance(obj, dict):
        raise RuntimeError(f"ready line is not a JSON object: {line[:200]!r}")
    return obj


class SimulatorProcess:
    """One ``kiosk-sim <kind>`` child: ``start()`` (or ``with``), ``ready``, ``stop()``.

    ``args`` are the simulator's options; ``state_dir`` adds ``--state-dir``; ``env`` is added
    to this process's environment (plus ``PYTHONUNBUFFERED=1``). ``stderr`` is ``"capture"``
    (a temporary file, read by :meth:`stderr_text` and put into start errors), a ``Path`` to
    write it to, or ``"inherit"`` (ours). ``die_with_parent`` sets PR_SET_PDEATHSIG so the
    child ends even when this process is killed outright (``kiosk-sim up``, the app).
    ``start()`` is ``spawn()`` then ``wait_ready()``; the two halves let a launcher start
    several children before waiting for any.
    """

    def __init__(self, kind: str, args: Iterable[str] = (), *,
                 state_dir: str | Path | None = None, env: Mapping[str, str] | None = None,
                 cwd: str | Path | None = None, ready_timeout: float = READY_TIMEOUT,
                 stop_timeout: float = STOP_TIMEOUT,
                 stderr: Path | Literal["capture", "inherit"] = "capture",
                 die_with_parent: bool = False) -> None:
        self.kind = kind
        self.args = list(args)
        if state_dir is not None:
            self.args += ["--state-dir", str(state_dir)]
        self.env = dict(env or {})
        self.cwd = cwd
        self.ready_timeout = ready_timeout
        self.stop_timeout = stop_timeout
        self.stderr = stderr
        self.die_with_parent = die_with_parent
        self.proc: subprocess.Popen[bytes] | None = None
        self.ready: dict[str, Any] = {}
        self._err: IO[bytes] | None = None
        self._stderr_kept = ""

    @property
    def command(self) -> list[str]:
        """The child's command line."""
        return simulator_command(self.kind, self.args)

    @property
    def url(self) -> str:
        """``url`` of the ready line: what the kiosk's driver opens."""
        return str(self.ready["url"])

    @property
    def control(self) -> str:
        """``control`` of the ready line: the simulator's control API."""
        return str(self.ready["control"])

    def spawn(self) -> Self:
        """Start the child without waiting for its ready line."""
        if self.stderr == "capture":
            self._err = tempfile.TemporaryFile()  # noqa: SIM115 (closed in stop())
        elif self.stderr != "inherit":
            self._err = self.stderr.open("wb")
        try:
            self.proc = subprocess.Popen(
                self.command, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
                stderr=self._err, cwd=self.cwd,
                env={**os.environ, "PYTHONUNBUFFERED": "1", **self.env},
                preexec_fn=die_with_parent if self.die_with_parent else None,
            )
        except OSError:
            if self._err is not None:
                self._err.close()
                self._err = None
            raise
        return self

    def wait_ready(self) -> dict[str, Any]:
        """Read the ready line; on failure stop the child (``stop_timeout``) and raise
        SimulatorStartError."""
        assert self.proc is not None, "spawn() first"
        try:
            self.ready = read_ready_line(self.proc, self.ready_timeout)
        except (RuntimeError, ValueError) as exc:
            self.stop()
            raise SimulatorStartError(self.kind, str(exc), self.stderr_text()) from None
        return self.ready

    def start(self) -> Self:
        """Spawn and wait for the ready line."""
        self.spawn()
        self.wait_ready()
        return self

    def stderr_text(self) -> str:
        """What the child wrote on stderr so far (empty when it is inherited)."""
        if isinstance(self.stderr, Path):
            return self.stderr.read_text("utf-8", "replace") if self.stderr.exists() else ""
        if self._err is None:
            return self._stderr_kept
        self._err.seek(0)
        return self._err.read().decode("utf-8", "replace")

    def terminate(self) -> None:
        """Send SIGTERM if the child still runs (without waiting)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)

    def stop(self, timeout: float | None = None) -> int | None:
        """SIGTERM, wait up to ``timeout`` (default ``stop_timeout``) seconds, then SIGKILL;
        the exit status (0 on a clean stop), None if it was never started."""
        self.terminate()
        proc, self.proc = self.proc, None
        if proc is None:
            return None
        try:
            proc.wait(self.stop_timeout if timeout is None else timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        if proc.stdout is not None:
            proc.stdout.close()
        if self._err is not None:
            if self.stderr == "capture":
                self._stderr_kept = self.stderr_text()
            self._err.close()
            self._err = None
        return proc.returncode

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def stop_all(sims: Iterable[SimulatorProcess], grace: float = STOP_TIMEOUT) -> None:
    """SIGTERM every simulator at once, then stop each within one shared ``grace`` period."""
    sims = list(sims)
    for sim in sims:
        sim.terminate()
    deadline = time.monotonic() + grace
    for sim in sims:
        sim.stop(timeout=max(0.0, deadline - time.monotonic()))
