"""One kiosk per machine: an flock'd lock file in the state directory (no Qt, no sockets).

The kernel drops the lock when the process dies, however it dies, so a crash never leaves a
stale lock behind (unlike a pid file). The file holds the owner's pid for diagnostics.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType


class SingleInstance:
    """``SingleInstance("kiosk", state_dir).acquire()`` is True for the first process only."""

    def __init__(self, name: str, state_dir: Path) -> None:
        self.path = Path(state_dir) / f"{name}.lock"
        self._fd: int | None = None

    def acquire(self) -> bool:
        """Take the lock without waiting; False when another process (or object) holds it.
        OSError when the lock file cannot be created (read-only disk, no inodes left); a full
        disk that only refuses the pid inside it still gives the lock."""
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        try:  # the pid is for diagnostics only: a full disk must not lose the lock
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
        except OSError:
            pass
        self._fd = fd
        return True

    def release(self) -> None:
        """Give the lock up (also done by the kernel when the process ends)."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def owner_pid(self) -> int | None:
        """The pid written by the holder (None when unknown)."""
        try:
            text = self.path.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            return None
        return int(text) if text.isdigit() else None

    def __enter__(self) -> SingleInstance:
        if not self.acquire():
            raise RuntimeError(f"{self.path} is held by pid {self.owner_pid()}")
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()
