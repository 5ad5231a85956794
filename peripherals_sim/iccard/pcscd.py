"""Running our own ``pcscd -f`` without systemd (pboc_ic_card.md §2.6, platform_setup.md §3).

pcscd is a machine-wide singleton (its socket ``/run/pcscd/pcscd.comm`` is fixed), so every
user of a pcscd we start holds an exclusive ``flock`` on :data:`LOCK_FILE` for as long as that
pcscd runs: two test runs, or a test run and ``kiosk-sim iccard --pcscd auto``, take turns
instead of killing each other's daemon. The daemon is started with ``PR_SET_PDEATHSIG`` so it
dies with its parent even when the parent is SIGKILLed: no stale daemon can be left behind,
and stale ``/run/pcscd`` files of a dead daemon are removed before a start.

Our pcscd reads a private reader.conf.d holding only the vpcd reader on the port we choose,
so the virtual reader appears as ``Virtual PCD 00 00`` (port) and ``Virtual PCD 00 01``
(port + 1).
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import IO

RUN_DIR = Path("/run/pcscd")
COMM = RUN_DIR / "pcscd.comm"
PID_FILE = RUN_DIR / "pcscd.pid"
LOCK_FILE = Path(os.environ.get("KIOSK_PCSCD_LOCK", "/tmp/zhunong-kiosk-pcscd.lock"))
VPCD_DRIVER = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"
DEFAULT_VPCD_PORT = 0x8C7B  # 35963
READER_NAME = "Virtual PCD"


class PcscdError(RuntimeError):
    """pcscd could not be started (not installed, lock not obtained, foreign daemon)."""


def running_pid() -> int | None:
    """The pid of the running pcscd per its pid file (NUL-terminated), or None."""
    try:
        raw = PID_FILE.read_bytes().replace(b"\0", b"").strip()
        pid = int(raw)
    except (OSError, ValueError):
        return None
    try:
        comm = Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return None
    return pid if comm == "pcscd" else None


def clear_stale() -> bool:
    """Remove ``pcscd.comm``/``pcscd.pid`` left by a dead daemon. True if something went."""
    if running_pid() is not None:
        return False
    removed = False
    for f in (COMM, PID_FILE):
        with contextlib.suppress(FileNotFoundError):
            f.unlink()
            removed = True
    return removed


class PcscdLock:
    """The exclusive right to start and own a pcscd (``flock``; released on close or death)."""

    def __init__(self, path: Path = LOCK_FILE) -> None:
        self.path = path
        self._fh: IO[str] | None = None

    def acquire(self, timeout: float = 600.0) -> None:
        fh = open(self.path, "a+")  # noqa: SIM115 - held open for the lock's life
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    fh.close()
                    raise PcscdError(
                        f"{self.path} is held by another pcscd user for {timeout:.0f}s"
                    ) from None
                time.sleep(0.2)
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()}\n")
        fh.flush()
        self._fh = fh

    def release(self) -> None:
        if self._fh is not None:
            fcntl.flock(self._fh, fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None

    def __enter__(self) -> PcscdLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _die_with_parent() -> None:  # runs in the child between fork and exec
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def write_reader_conf(directory: Path, port: int) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    conf = directory / "vpcd"
    conf.write_text(
        f'FRIENDLYNAME "{READER_NAME}"\n'
        f"DEVICENAME   /dev/null:0x{port:04X}\n"
        f"LIBPATH      {VPCD_DRIVER}\n"
        f"CHANNELID    0x{port:04X}\n"
    )
    return directory


class Pcscd:
    """One ``pcscd -f`` child on a private reader.conf.d. Use under a held :class:`PcscdLock`.

    Start it from a thread that lives as long as the daemon should (the main thread, in
    practice): Linux delivers PR_SET_PDEATHSIG when the *thread* that forked the child exits.
    """

    def __init__(self, work_dir: Path, port: int = DEFAULT_VPCD_PORT, debug: bool = False) -> None:
        self.work_dir = Path(work_dir)
        self.port = port
        self.debug = debug
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = self.work_dir / "pcscd.log"

    @property
    def pid(self) -> int | None:
        return None if self.proc is None else self.proc.pid

    def start(self, timeout: float = 10.0) -> None:
        exe = shutil.which("pcscd") or "/usr/sbin/pcscd"
        if not Path(exe).exists():
            raise PcscdError("pcscd is not installed (apt-get install pcscd vsmartcard-vpcd)")
        foreign = running_pid()
        if foreign is not None:
            raise PcscdError(f"a pcscd (pid {foreign}) not started by us is running")
        clear_stale()
        conf = write_reader_conf(self.work_dir / "reader.conf.d", self.port)
        args = [exe, "-f", "-d" if self.debug else "-i", "-c", str(conf)]
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child
        try:
            self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        finally:
            log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise PcscdError(f"pcscd exited {self.proc.returncode}: {self._tail()}")
            if COMM.exists() and b"daemon ready" in self.log_path.read_bytes():
                return
            time.sleep(0.02)
        self.stop()
        raise PcscdError(f"pcscd not ready in {timeout}s: {self._tail()}")

    def _tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-400:]
        except OSError:
            return ""

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM by pid (pcscd removes its files), SIGKILL after ``timeout``."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout)
        self.proc = None
        clear_stale()

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None
