"""Bounded reads from a pyserial port, shared by the drivers that read a byte stream.

Whatever a broken or hostile peer sends (a noise flood, one byte at a time, a frame that never
ends), a driver's read loop must end at its deadline and see a cancel within one read slice.
The pieces here keep every single step bounded:

- :data:`READ_SLICE`: the port timeout of every read, so a loop turn lasts at most this long
  and the loop checks its deadline and its cancel token on every turn;
- :func:`read_chunk`: one read of what has arrived (at least one byte, at most
  :data:`MAX_CHUNK`), never waiting longer than the port's timeout;
- :func:`discard_input`: drop stale input before a command, at most ``limit`` bytes. pyserial's
  own ``reset_input_buffer`` on a ``socket://`` port loops as long as data keeps arriving, so a
  peer that floods the socket would hold the driver there for ever;
- :data:`PORT_ERRORS`: what a vanished port raises (pyserial's errors, OS errors and, on POSIX,
  ``termios.error`` from a pty whose other side closed, which is not an ``OSError``).
"""

from __future__ import annotations

import errno
import select
from typing import Any

import serial

READ_SLICE = 0.05  # seconds: the longest single read, hence the cancel latency
MAX_CHUNK = 4096  # bytes taken from the port in one read

PORT_ERRORS: tuple[type[BaseException], ...] = (serial.SerialException, OSError)
try:
    import termios

    PORT_ERRORS += (termios.error,)
except ImportError:  # pragma: no cover - not POSIX
    pass

_RETRY_ERRNOS = (errno.EAGAIN, errno.EWOULDBLOCK, errno.EINTR)


def read_chunk(port: Any, want: int = 1) -> bytes:
    """One read: what is waiting (``want`` at least when the port tells no count), at most
    :data:`MAX_CHUNK` bytes; waits at most the port's timeout for the first byte."""
    try:
        waiting = int(port.in_waiting)
    except (AttributeError, TypeError, ValueError):
        waiting = 0
    data = bytes(port.read(max(1, min(MAX_CHUNK, max(waiting, want)))))
    sock = getattr(port, "_socket", None)
    if sock is not None and data and len(data) < MAX_CHUNK:
        # pyserial's socket:// tells only 0 or 1 for in_waiting: take what else has arrived
        # in the same turn instead of one byte per loop turn (a flood costs far less CPU).
        ready, _, _ = select.select([sock], [], [], 0)
        if ready:
            try:
                more = sock.recv(MAX_CHUNK - len(data))
            except (BlockingIOError, InterruptedError):
                more = b""
            except OSError as exc:
                raise serial.SerialException(f"read failed: {exc}") from exc
            if not more:
                raise serial.SerialException("the peer closed the connection")
            data += more
    return data


def discard_input(port: Any, limit: int = 65536) -> int:
    """Drop input already received (a late reply, line noise); return how many bytes went.

    Bounded: at most ``limit`` bytes are read; the rest of a flood stays for the command's own
    read loop, which has a deadline.
    """
    sock = getattr(port, "_socket", None)  # pyserial's socket:// and rfc2217 handlers
    if sock is None:
        try:
            count = int(port.in_waiting)
        except (AttributeError, TypeError, ValueError):
            count = 0
        port.reset_input_buffer()  # tcflush on a tty, a buffer clear elsewhere: bounded
        return count
    dropped = 0
    while dropped < limit:
        ready, _, _ = select.select([sock], [], [], 0)
        if not ready:
            break
        try:
            data = sock.recv(min(MAX_CHUNK, limit - dropped))
        except OSError as exc:
            if exc.errno in _RETRY_ERRNOS:
                break
            raise serial.SerialException(f"read failed: {exc}") from exc
        if not data:
            raise serial.SerialException("the peer closed the connection")
        dropped += len(data)
    return dropped
