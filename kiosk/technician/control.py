"""The running app's local control socket, so that ``kiosk diag`` never fights the app over a
port: when the app runs, the command line asks it (the app's workers own the ports); when it
does not, the command line opens the devices itself.

A UNIX stream socket at ``state_dir/run/kiosk-control.sock``: the directory is 0700 and the
socket 0600, and every connection's peer must be this user or root (``SO_PEERCRED``). One JSON
object per line each way: ``{"cmd": "selftest"}`` -> ``{"ok": true, "result": {...}}`` or
``{"ok": false, "error": "..."}``. Each connection is served on its own short-lived thread;
a handler may block (a self-test waits for the workers), never the GUI thread.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import struct
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

SOCKET_FILE = Path("run") / "kiosk-control.sock"  # relative to the state directory
MAX_REQUEST = 64 * 1024

Handler = Callable[[Mapping[str, Any]], Any]


def socket_path(state_dir: Path) -> Path:
    return Path(state_dir).expanduser() / SOCKET_FILE


class AppNotRunning(Exception):
    """No app answers on the control socket (no socket file, or nobody listening)."""


class ControlServer:
    """Serves ``handlers`` (command name -> ``fn(request) -> JSON-able result``)."""

    def __init__(self, path: Path, handlers: Mapping[str, Handler]) -> None:
        self.path = Path(path)
        self.handlers = dict(handlers)
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(self.path.parent, 0o700)
        # a stale socket of a previous run (the single-instance lock: no other app uses it)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)
        try:
            sock.bind(str(self.path))
        finally:
            os.umask(old)
        os.chmod(self.path, 0o600)
        sock.listen(4)
        sock.settimeout(0.5)
        self._sock = sock
        self._thread = threading.Thread(target=self._serve, name="control-socket", daemon=True)
        self._thread.start()
        log.info("control socket at %s", self.path)

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(2.0)
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def _serve(self) -> None:
        assert self._sock is not None
        while not self._stopping.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), name="control-request",
                             daemon=True).start()

    @staticmethod
    def _peer_allowed(conn: socket.socket) -> bool:
        creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        _pid, uid, _gid = struct.unpack("3i", creds)
        return uid in (os.getuid(), 0)

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5.0)
            try:
                if not self._peer_allowed(conn):
                    log.warning("control socket: a connection from another user refused")
                    return
                request = json.loads(_read_line(conn))
                if not isinstance(request, dict):
                    raise ValueError("not a JSON object")
                handler = self.handlers.get(str(request.get("cmd")))
                if handler is None:
                    answer: dict[str, Any] = {"ok": False,
                                              "error": f"unknown command {request.get('cmd')!r}"}
                else:
                    conn.settimeout(None)  # a self-test may take a while
                    answer = {"ok": True, "result": handler(request)}
            except Exception as exc:
                log.exception("control socket request failed")
                answer = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
            with contextlib.suppress(OSError):
                conn.sendall(json.dumps(answer, ensure_ascii=False, default=str).encode()
                             + b"\n")


def _read_line(conn: socket.socket) -> bytes:
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
        if len(data) > MAX_REQUEST:
            raise ValueError("request too long")
    return data


def ask_app(state_dir: Path, cmd: str, timeout: float = 60.0, **fields: Any) -> Any:
    """Send ``cmd`` to the running app; its handler's result. Raises :class:`AppNotRunning`
    when no app listens, ``RuntimeError`` with the app's error when the command failed."""
    path = socket_path(state_dir)
    if not path.exists():
        raise AppNotRunning(str(path))
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        try:
            sock.connect(str(path))
        except (ConnectionRefusedError, FileNotFoundError) as exc:
            raise AppNotRunning(str(path)) from exc
        sock.sendall(json.dumps({"cmd": cmd, **fields}).encode() + b"\n")
        answer = json.loads(_read_line(sock) or b"{}")
    finally:
        sock.close()
    if not answer.get("ok"):
        raise RuntimeError(answer.get("error") or "no answer")
    return answer.get("result")
