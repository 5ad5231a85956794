"""Where the simulated reader's bytes go: a TCP socket (``socket://`` for pyserial) or a pty.

With ``pace`` the reader's replies leave at the line rate (10 bits per byte at ``baud``), and a
reply starts no earlier than the request could have arrived on the line, so timing matches a
real 8N1 serial link.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import socket
import threading
import time
import tty
from collections.abc import Callable

from peripherals_sim.idcard.reader import RequestParser, SimReader

log = logging.getLogger(__name__)

Write = Callable[[bytes], None]


class Pacer:
    """Writes bytes no faster than ``baud`` allows (or at once when ``baud`` is None)."""

    def __init__(self, write: Write, baud: int | None) -> None:
        self._write = write
        self._baud = baud

    def byte_time(self, n: int) -> float:
        return 0.0 if not self._baud else n * 10 / self._baud

    def send(self, data: bytes, not_before: float = 0.0) -> None:
        if not data:
            return
        if not self._baud:
            self._write(data)
            return
        start = max(time.monotonic(), not_before)
        # ~2 ms worth of bytes per write: smooth enough for any reader, cheap on the CPU.
        chunk = max(1, self._baud // 10 // 500)
        for i in range(0, len(data), chunk):
            # A byte is there for the reader once its stop bit has crossed the line.
            due = start + self.byte_time(min(i + chunk, len(data)))
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            self._write(data[i : i + chunk])
        tail = start + self.byte_time(len(data)) - time.monotonic()
        if tail > 0:
            time.sleep(tail)


def serve_stream(
    reader: SimReader, recv: Callable[[], bytes], pacer: Pacer, stop: threading.Event
) -> None:
    """Read requests with ``recv`` (b"" on timeout, EOFError at the end) and answer them."""
    parser = RequestParser()
    while not stop.is_set():
        try:
            chunk = recv()
        except EOFError:
            return
        if not chunk:
            continue
        arrived = time.monotonic()
        for request in parser.feed(chunk):
            answer = reader.handle(request)
            # The request's own bytes took this long on a real line.
            pacer.send(answer, not_before=arrived + pacer.byte_time(len(chunk)))


class TcpTransport:
    """Accepts connections on ``host:port``; each one is served on its own thread."""

    def __init__(self, reader: SimReader, host: str, port: int, baud: int | None) -> None:
        self.reader = reader
        self.baud = baud
        self._sock = socket.create_server((host, port))
        self._sock.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="idcard-tcp", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._sock.getsockname()[:2]
        return f"socket://{host}:{port}"

    def start(self) -> None:
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(
                target=self._serve, args=(conn,), daemon=True, name="idcard-conn"
            ).start()

    def _serve(self, conn: socket.socket) -> None:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn.settimeout(0.2)

        def recv() -> bytes:
            try:
                data = conn.recv(4096)
            except TimeoutError:
                return b""
            except OSError as exc:
                raise EOFError from exc
            if not data:
                raise EOFError
            return data

        def write(data: bytes) -> None:
            conn.sendall(data)

        try:
            serve_stream(self.reader, recv, Pacer(write, self.baud), self._stop)
        except OSError:
            log.info("client went away")
        finally:
            conn.close()

    def stop(self) -> None:
        self._stop.set()
        self._sock.close()


class PtyTransport:
    """A pseudo-terminal: the kiosk opens the slave path; the simulator owns the master.

    The simulator keeps its own slave descriptor open (in raw mode), so the master never sees
    EIO between two openings of the port by the kiosk.
    """

    def __init__(self, reader: SimReader, baud: int | None) -> None:
        self.reader = reader
        self.baud = baud
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        self.path = os.ttyname(self._slave)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="idcard-pty", daemon=True)

    @property
    def url(self) -> str:
        return self.path

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        master = self._master

        def recv() -> bytes:
            ready, _, _ = select.select([master], [], [], 0.2)
            if not ready:
                return b""
            try:
                return os.read(master, 4096)
            except OSError as exc:
                raise EOFError from exc

        def write(data: bytes) -> None:
            view = memoryview(data)
            while view:
                n = os.write(master, view)
                view = view[n:]

        serve_stream(self.reader, recv, Pacer(write, self.baud), self._stop)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(1.0)
        for fd in (self._master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)
