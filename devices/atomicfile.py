"""Files the kiosk writes and reads back later: written atomically, checked when read.

:func:`write_atomic` writes a temporary file in the target's own directory (created with its
final mode through ``os.open``, 0600 by default, never chmod'ed afterwards), fsyncs it,
renames it over the target and fsyncs the directory. A crash or a full disk leaves either the
old file or the new one, never half of one; the temporary file is removed on any failure.

:func:`read_json` reads such a file back and says clearly when it is not what was written
(:class:`CorruptFile`: empty, truncated, not JSON, not the expected shape), so a damaged file is
reported and never trusted.

Lives in ``devices`` (the bottom layer) so that ``devices``, ``offline_queue`` and ``kiosk`` can
all use it without breaking the dependency rule. ``peripherals_sim`` has its own small copy
(``peripherals_sim/atomicfile.py``): the simulators import nothing of the kiosk's.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

FILE_MODE = 0o600


class CorruptFile(ValueError):
    """A file that exists but is not what the kiosk wrote (truncated, garbage, wrong shape)."""

    def __init__(self, path: str | Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = Path(path)
        self.reason = reason


def fsync_dir(directory: str | Path) -> None:
    """Make a rename in ``directory`` durable (best effort where directories cannot be
    opened, e.g. some network file systems)."""
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomic(path: str | Path, data: bytes | str, *, mode: int = FILE_MODE,
                 encoding: str = "utf-8") -> None:
    """Replace ``path`` with ``data`` atomically (temp file in the same directory, fsync,
    rename, fsync of the directory). The file is created with ``mode``.

    Raises ``OSError`` (ENOSPC, EROFS, EACCES …) with the old file left as it was.
    """
    path = Path(path)
    raw = data.encode(encoding) if isinstance(data, str) else bytes(data)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{id(raw):x}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0),
                 mode)
    try:
        try:
            view = memoryview(raw)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def write_json_atomic(path: str | Path, obj: Any, *, mode: int = FILE_MODE,
                      **dumps: Any) -> None:
    """:func:`write_atomic` of ``obj`` as JSON (UTF-8, ``ensure_ascii=False`` unless given)."""
    dumps.setdefault("ensure_ascii", False)
    write_atomic(path, json.dumps(obj, **dumps) + "\n", mode=mode)


def read_json(path: str | Path, expect: type | tuple[type, ...] = dict) -> Any:
    """The JSON value in ``path``, checked to be an ``expect``.

    ``FileNotFoundError`` when there is no file; :class:`CorruptFile` when it is empty,
    truncated, not UTF-8 JSON or not of the expected type.
    """
    path = Path(path)
    raw = path.read_bytes()
    if not raw.strip():
        raise CorruptFile(path, "empty file (a write that never finished?)")
    try:
        value = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise CorruptFile(path, "not UTF-8 text") from None
    except ValueError as exc:
        raise CorruptFile(path, f"not valid JSON, truncated or damaged ({exc})") from None
    if not isinstance(value, expect):
        raise CorruptFile(path, f"holds a {type(value).__name__}, not the expected data")
    return value
