"""A small JSON-over-HTTP control server on loopback, shared by the simulators.

Each simulator registers routes (method, path pattern) -> handler(body, **params) returning
``(status, payload)``; payload ``bytes`` is sent as is (with ``content_type``), anything else
as JSON. Standard library only: a simulator starts in milliseconds and needs no ASGI stack.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

log = logging.getLogger(__name__)

Handler = Callable[..., tuple[int, Any]]


class ControlServer:
    """``add(method, "/receipts/{n}", fn)``; ``start()`` serves on a thread; ``url`` after."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler, str]] = []
        self._host = host
        self._port = port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def add(self, method: str, pattern: str, fn: Handler,
            content_type: str = "application/octet-stream") -> None:
        regex = "^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern) + "$"
        self._routes.append((method.upper(), re.compile(regex), fn, content_type))

    def route(self, method: str, pattern: str) -> Callable[[Handler], Handler]:
        def deco(fn: Handler) -> Handler:
            self.add(method, pattern, fn)
            return fn

        return deco

    @property
    def port(self) -> int:
        assert self._server is not None, "not started"
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self.port}"

    def start(self) -> None:
        routes = self._routes

        class _Req(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt: str, *args: Any) -> None:
                log.debug("control: " + fmt, *args)

            def _dispatch(self, method: str) -> None:
                path = self.path.split("?", 1)[0]
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                for m, rx, fn, ctype in routes:
                    match = rx.match(path)
                    if m != method or not match:
                        continue
                    try:
                        body = json.loads(raw) if raw else {}
                        status, payload = fn(body, **match.groupdict())
                    except (ValueError, KeyError, TypeError) as exc:
                        status, payload = 400, {"error": f"{type(exc).__name__}: {exc}"}
                    except Exception as exc:  # a simulator bug must not kill the server
                        log.exception("control handler failed")
                        status, payload = 500, {"error": f"{type(exc).__name__}: {exc}"}
                    self._send(status, payload, ctype)
                    return
                self._send(404, {"error": f"no route {method} {path}"}, "")

            def _send(self, status: int, payload: Any, ctype: str) -> None:
                if isinstance(payload, bytes):
                    data, ctype = payload, ctype or "application/octet-stream"
                elif isinstance(payload, str):
                    data, ctype = payload.encode("utf-8"), "text/plain; charset=utf-8"
                else:
                    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
                    ctype = "application/json; charset=utf-8"
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._dispatch("GET")

            def do_POST(self) -> None:
                self._dispatch("POST")

            def do_DELETE(self) -> None:
                self._dispatch("DELETE")

        self._server = ThreadingHTTPServer((self._host, self._port), _Req)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name="control-api", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
