"""Atomic, private file writes for the simulators (their keys, certificates and state).

The simulators are an independent implementation and import nothing of the kiosk's but
``devices.crypto``, so this is their own small copy of ``devices/atomicfile.py``: a temporary
file in the same directory created with its final mode through ``os.open`` (0600 by default:
a key is never readable by others, not even for a moment before a ``chmod``), fsync, rename,
fsync of the directory.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def write_atomic(path: str | Path, data: bytes | str, mode: int = 0o600) -> None:
    """Replace ``path`` with ``data`` (UTF-8 when text), created with ``mode``."""
    path = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, mode)
    try:
        try:
            view = memoryview(raw)
            while view:
                view = view[os.write(fd, view):]
            os.fchmod(fd, mode)  # O_TRUNC on a stale temp file kept its old mode
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
