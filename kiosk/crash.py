"""Crash handling: faulthandler for fatal signals, a crash log for uncaught exceptions.

``install_crash_handler(state_dir)``:

- enables :mod:`faulthandler` into ``state_dir/crash/fatal.log`` (segfaults, aborts, and
  ``kill -USR1 <pid>`` dumps every thread's stack there without stopping the kiosk). A fatal
  log left by the previous run is renamed ``fatal-<time>.log`` and reported at start-up;
- replaces ``sys.excepthook`` and ``threading.excepthook``: an uncaught exception (also one
  raised in a Qt slot, which PySide6 hands to ``sys.excepthook``) is written to
  ``state_dir/crash/crash-<time>-<pid>.log`` with versions and the thread name, masked like the
  logs, and logged at CRITICAL. ``on_crash(path, exc)`` then lets the app decide (show the
  out-of-service screen, quit for systemd to restart it). Only the newest ``keep`` crash logs
  are kept.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import faulthandler
import logging
import os
import platform
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from devices.atomicfile import write_atomic
from kiosk.logs import mask_sensitive

log = logging.getLogger(__name__)

CrashCallback = Callable[[Path, BaseException], None]


def _stamp() -> str:
    # "_" between seconds and microseconds: "140229.077921" would read as a grouped number
    # (a mobile number inside) to the masker, which masks the file name in the log line.
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S_%fZ")


def _versions() -> str:
    try:
        from importlib.metadata import version

        kiosk_version = version("zhunong-kiosk")
    except Exception:
        kiosk_version = "unknown"
    return (f"zhunong-kiosk {kiosk_version}; Python {platform.python_version()}; "
            f"{platform.platform()}")


class CrashHandler:
    """What :func:`install_crash_handler` installed; ``uninstall()`` restores the hooks."""

    def __init__(self, state_dir: Path, *, on_crash: CrashCallback | None = None,
                 keep: int = 20) -> None:
        self.crash_dir = Path(state_dir) / "crash"
        try:
            self.crash_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # a full or read-only disk: crash logs go to stderr
            print(f"kiosk: no crash folder {self.crash_dir}: {exc}", file=sys.stderr)
        self.fatal_log = self.crash_dir / "fatal.log"
        self.on_crash = on_crash
        self.keep = keep
        self.last_crash_file: Path | None = None
        self.previous_fatal: Path | None = None
        self._fatal_file: IO[str] | None = None
        self._old_excepthook: Any = None
        self._old_thread_hook: Any = None
        self._lock = threading.Lock()

    # --- install / uninstall ----------------------------------------------------------------

    def install(self) -> CrashHandler:
        try:
            if self.fatal_log.exists() and self.fatal_log.stat().st_size > 0:
                self.previous_fatal = self.crash_dir / f"fatal-{_stamp()}.log"
                self.fatal_log.rename(self.previous_fatal)
                log.critical("the previous run died of a fatal error; see %s",
                             self.previous_fatal)
            self._fatal_file = open(self.fatal_log, "w", encoding="utf-8")  # noqa: SIM115
        except OSError as exc:  # full or read-only disk: fatal errors go to stderr
            log.error("no fatal log in %s (%s): faulthandler writes to stderr",
                      self.crash_dir, exc)
            self._fatal_file = None
        target: Any = self._fatal_file if self._fatal_file is not None else sys.stderr
        faulthandler.enable(file=target, all_threads=True)
        if hasattr(signal, "SIGUSR1") and threading.current_thread() is threading.main_thread():
            faulthandler.register(signal.SIGUSR1, file=target, all_threads=True, chain=False)
        self._old_excepthook = sys.excepthook
        self._old_thread_hook = threading.excepthook
        sys.excepthook = self._excepthook
        threading.excepthook = self._thread_excepthook
        self._prune()
        return self

    def uninstall(self) -> None:
        if self._old_excepthook is not None:
            sys.excepthook = self._old_excepthook
            threading.excepthook = self._old_thread_hook
            self._old_excepthook = None
        if hasattr(signal, "SIGUSR1"):
            with contextlib.suppress(RuntimeError, ValueError):
                faulthandler.unregister(signal.SIGUSR1)
        faulthandler.disable()
        if self._fatal_file is not None:
            with contextlib.suppress(OSError):
                empty = self._fatal_file.tell() == 0
                self._fatal_file.close()
                if empty:
                    self.fatal_log.unlink(missing_ok=True)  # a clean exit leaves no fatal log
            self._fatal_file = None

    # --- hooks ------------------------------------------------------------------------------

    def _excepthook(self, exc_type: type[BaseException], exc: BaseException,
                    tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            self._old_excepthook(exc_type, exc, tb)
            return
        self.record(exc, tb, threading.current_thread().name)

    def _thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or issubclass(args.exc_type, SystemExit):
            return
        name = args.thread.name if args.thread is not None else "unknown thread"
        self.record(args.exc_value, args.exc_traceback, name)

    def record(self, exc: BaseException, tb: TracebackType | None = None,
               thread_name: str | None = None) -> Path:
        """Write a crash log for ``exc`` (also usable for caught exceptions); returns its path."""
        thread_name = thread_name or threading.current_thread().name
        text = "".join(traceback.format_exception(type(exc), exc, tb or exc.__traceback__))
        header = (f"time: {dt.datetime.now(dt.UTC).isoformat()}\npid: {os.getpid()}\n"
                  f"thread: {thread_name}\n"
                  f"versions: {_versions()}\nargv: {' '.join(sys.argv)}\n\n")
        masked = mask_sensitive(header + text)
        with self._lock:
            path = self.crash_dir / f"crash-{_stamp()}-{os.getpid()}.log"
            try:
                write_atomic(path, masked)  # never a half file: a temp file, then rename
                self.last_crash_file = path
            except OSError as err:  # ENOSPC, read-only: the report goes to stderr instead
                with contextlib.suppress(Exception):
                    sys.stderr.write(f"kiosk: cannot write the crash log {path} ({err}); "
                                     f"here it is:\n{masked}\n")
        log.critical("crash: %s in thread %s; crash log %s", type(exc).__name__,
                     thread_name, path, exc_info=(type(exc), exc, tb or exc.__traceback__))
        self._prune()
        if self.on_crash is not None:
            try:
                self.on_crash(path, exc)
            except Exception:
                log.exception("on_crash callback failed")
        return path

    def _prune(self) -> None:
        with contextlib.suppress(OSError):
            self._prune_old()

    def _prune_old(self) -> None:
        logs = sorted(self.crash_dir.glob("crash-*.log"))
        for old in logs[: max(0, len(logs) - self.keep)]:
            old.unlink(missing_ok=True)
        fatals = sorted(self.crash_dir.glob("fatal-*.log"))
        for old in fatals[: max(0, len(fatals) - self.keep)]:
            old.unlink(missing_ok=True)


def install_crash_handler(state_dir: Path, *, on_crash: CrashCallback | None = None,
                          keep: int = 20) -> CrashHandler:
    """Install faulthandler and the exception hooks (see the module docstring)."""
    return CrashHandler(state_dir, on_crash=on_crash, keep=keep).install()
