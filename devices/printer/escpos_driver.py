"""ESC/POS receipt printers through python-escpos: network, serial (any pyserial URL), USB,
and a write-only file/device path.

The driver composes a python-escpos printer object for the transport and uses it to send
the bytes built by :class:`devices.printer.encoder.ReceiptEncoder`. It adds what the library
lacks (escpos_printing.md §6, library_pitfalls.md §2): an explicit ``open()`` with a health
check instead of the lazy ``device`` property, bounded timeouts everywhere (the library's
network default is 60 s, its USB default is none), status read with ``DLE EOT 1..4`` (or
``GS r``) where no reply means *unknown*, and a receipt sent in segments with the paper
status read in between, so paper running out mid-job is reported with what was printed.
"""

from __future__ import annotations

import logging
import socket
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import serial
from escpos.exceptions import DeviceNotFoundError
from escpos.printer import File, Network, Serial, Usb

from devices.base import (
    CancelToken,
    CompletionCode,
    DeviceInitError,
    DeviceOperationError,
    DeviceState,
    EventSink,
    PrintProgress,
    discard_events,
)
from devices.printer.contract import (
    PaperState,
    PrintedPart,
    PrinterError,
    PrinterProfile,
    PrinterStatus,
    PrintInterrupted,
    PrintResult,
    ReceiptDoc,
    profile_named,
)
from devices.printer.encoder import Chunk, EncodedReceipt, ReceiptEncoder
from devices.printer.status import (
    QUERY_DLE_EOT,
    QUERY_GS_R,
    QUERY_PAPER,
    STATUS_REPLY_LEN,
    parse_paper,
    parse_status,
)
from devices.serial_io import PORT_ERRORS, READ_SLICE

log = logging.getLogger(__name__)

#: Bytes written at once; a bigger receipt (raster images) is sent in pieces of about this.
WRITE_CHUNK = 16384

#: Completion codes of a refused print, by the reason found before printing.
NOT_READY_CODES: dict[PrinterError, CompletionCode] = {
    PrinterError.NO_ANSWER: CompletionCode.TIMEOUT,
    PrinterError.HARDWARE_ERROR: CompletionCode.HARDWARE_ERROR,
    PrinterError.CUTTER_ERROR: CompletionCode.HARDWARE_ERROR,
}


class _UrlSerial(Serial):  # type: ignore[misc]
    """python-escpos Serial opened with ``serial.serial_for_url`` and a write timeout.

    ``serial_for_url`` makes ``socket://``, ``rfc2217://``, ``loop://`` and ``spy://`` work
    with no code change; ``write_timeout`` stops a printer that dropped DSR (paper out) from
    blocking a write for ever (pyserial#163).
    """

    def __init__(self, url: str, write_timeout: float, **kwargs: Any) -> None:
        super().__init__(devfile=url, **kwargs)
        self.write_timeout = write_timeout

    def open(self, raise_not_found: bool = True) -> None:
        try:
            self.device = serial.serial_for_url(
                self.devfile, baudrate=self.baudrate, bytesize=self.bytesize,
                parity=self.parity, stopbits=self.stopbits, timeout=self.timeout,
                write_timeout=self.write_timeout, xonxoff=self.xonxoff, dsrdtr=self.dsrdtr,
            )
        except (ValueError, serial.SerialException) as exc:
            self.device = None
            raise DeviceNotFoundError(f"Unable to open serial printer on {self.devfile}: {exc}"
                                      ) from exc

    def close(self) -> None:
        """Close; a port that is gone (pty closed, USB serial unplugged) cannot be flushed."""
        device = self._device
        if not device:
            return
        try:
            if device.is_open:
                device.flush()
        except PORT_ERRORS as exc:
            log.debug("flush of %s on close failed: %s", self.devfile, exc)
        try:
            device.close()
        finally:
            self._device = False


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))


#: Stale bytes dropped before a status query at most (a flood beyond it is left to the read,
#: which has a deadline, and makes the reply the wrong length: status unknown).
DRAIN_LIMIT = 4096


@dataclass(frozen=True)
class PrinterAddress:
    """Where an ESC/POS printer is: ``tcp`` (host, port), ``usb`` (vid, pid) or ``serial``
    (a pyserial URL or device path in ``path``)."""

    scheme: str
    host: str = ""
    port: int = 0
    vid: int = 0
    pid: int = 0
    path: str = ""

    def __str__(self) -> str:
        if self.scheme == "tcp":
            return f"tcp://{self.host}:{self.port}"
        if self.scheme == "usb":
            return f"usb://{self.vid:04x}:{self.pid:04x}"
        return self.path


def parse_printer_url(url: str) -> PrinterAddress:
    """The printer address of ``url``; ``ValueError`` naming the problem when it is not one.

    ``tcp://HOST[:PORT]`` (9100 by default), ``usb://VVVV:PPPP`` (hexadecimal vendor and
    product ids) or a pyserial URL / device path.
    """
    if not isinstance(url, str) or not url.strip():
        raise ValueError("no printer url (tcp://HOST:PORT, usb://VVVV:PPPP or a serial port)")
    parts = urlsplit(url)
    if parts.scheme == "tcp":
        try:
            port = parts.port
        except ValueError:
            raise ValueError(f"bad printer url {url!r}: the port must be a number 1-65535"
                             ) from None
        if not parts.hostname:
            raise ValueError(f"bad printer url {url!r}: no host (tcp://HOST:PORT)")
        if port == 0:
            raise ValueError(f"bad printer url {url!r}: the port must be a number 1-65535")
        return PrinterAddress("tcp", host=parts.hostname, port=port or 9100)
    if parts.scheme == "usb":
        vid, sep, pid = (parts.netloc or parts.path.lstrip("/")).partition(":")
        try:
            ids = int(vid, 16), int(pid, 16)
        except ValueError:
            ids = (-1, -1)
        if not sep or not all(0 < i <= 0xFFFF for i in ids):
            raise ValueError(f"bad usb printer url {url!r} (usb://VVVV:PPPP, hexadecimal "
                             "vendor and product ids, e.g. usb://0416:5011)")
        return PrinterAddress("usb", vid=ids[0], pid=ids[1])
    return PrinterAddress("serial", path=url)


def _usb_errors() -> tuple[type[BaseException], ...]:
    """pyusb's error types (none when pyusb is missing)."""
    try:
        import usb.core
    except ImportError:
        return ()
    return (usb.core.USBError, usb.core.NoBackendError)


class EscposReceiptPrinter:
    """Registry backend ``escpos``: a real ESC/POS printer.

    ``url``: ``tcp://HOST:PORT`` (port 9100 by default), ``usb://VVVV:PPPP`` (hex ids), or
    any pyserial URL (``/dev/ttyS0``, ``socket://…``, ``rfc2217://…``). ``profile``: a
    profile name, a mapping, or a :class:`PrinterProfile`. ``baudrate``/``dsrdtr`` for serial.
    """

    kind = "printer"
    status_type = PrinterStatus

    def __init__(self, url: str, profile: str | PrinterProfile | dict[str, Any] | None = None,
                 baudrate: int = 9600, dsrdtr: bool = False, baud: int | None = None) -> None:
        try:
            self.address = parse_printer_url(url)
        except ValueError as exc:
            raise DeviceInitError(str(exc), PrinterError.NOT_CONNECTED) from None
        self.url = url
        self.profile = profile_named(profile)
        self.baudrate = baud or baudrate
        self.dsrdtr = dsrdtr
        self.encoder = ReceiptEncoder(self.profile)
        self._printer: Any = None
        self._broken = False
        self._last_status: tuple[float, PrinterStatus] | None = None
        #: Bytes the printer sent that were not the reply asked for (stale or line noise).
        self.noise_bytes = 0

    # --- life cycle ---------------------------------------------------------------------------

    def _build(self) -> Any:
        prof = self.profile
        address = self.address
        if address.scheme == "tcp":
            return Network(address.host, address.port, timeout=prof.connect_timeout,
                           profile=prof.escpos_profile)
        if address.scheme == "usb":
            return Usb(address.vid, address.pid, timeout=_ms(prof.io_timeout),
                       profile=prof.escpos_profile)
        return _UrlSerial(self.url, write_timeout=prof.io_timeout, baudrate=self.baudrate,
                          timeout=prof.status_timeout, dsrdtr=self.dsrdtr,
                          profile=prof.escpos_profile)

    def open(self) -> None:
        """Connect and check health; DeviceInitError when the printer cannot be reached."""
        self.close()
        printer = self._build()
        try:
            printer.open()
        except DeviceNotFoundError as exc:
            if self.address.scheme == "usb":
                log.info("usb printer %s: %s", self.address, exc)
                raise DeviceInitError(
                    f"no USB printer {self.address} found: is it plugged in and switched on? "
                    "(lsusb lists what is attached)", PrinterError.NOT_CONNECTED) from exc
            raise DeviceInitError(f"cannot open printer {self.url}: {exc}",
                                  PrinterError.NOT_CONNECTED) from exc
        except (OSError, serial.SerialException) as exc:
            raise DeviceInitError(f"cannot open printer {self.url}: {exc}",
                                  PrinterError.NOT_CONNECTED) from exc
        except RuntimeError as exc:  # python-escpos: "requires a usb library" (no pyusb)
            raise DeviceInitError(f"cannot open USB printer {self.address}: pyusb is not "
                                  f"installed ({exc})", PrinterError.NOT_CONNECTED) from exc
        except _usb_errors() as exc:  # NoBackendError: libusb-1.0 missing
            raise DeviceInitError(f"cannot open USB printer {self.address}: "
                                  f"{type(exc).__name__}: {exc} (is libusb-1.0 installed?)",
                                  PrinterError.NOT_CONNECTED) from exc
        if isinstance(printer, Network):
            printer.device.settimeout(self.profile.io_timeout)
            printer.device.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._printer = printer
        self._broken = False
        status = self.probe()
        log.info("printer %s opened: %s", self.url, status.to_json())

    def close(self) -> None:
        """Close the connection (safe to call twice)."""
        printer, self._printer = self._printer, None
        if printer is not None:
            try:
                printer.close()
            except Exception as exc:  # closing a dead connection must not fail
                log.debug("close of printer failed: %s", exc)

    # --- transport helpers --------------------------------------------------------------------

    def _require(self) -> Any:
        if self._printer is None or self._broken:
            raise DeviceInitError("printer connection lost" if self._broken else "not open")
        return self._printer

    def _write(self, data: bytes) -> None:
        printer = self._require()
        try:
            printer._raw(data)
        except (OSError, serial.SerialException) as exc:
            self._broken = True
            raise DeviceInitError(f"write to printer failed: {exc}",
                                  PrinterError.WRITE_FAILED) from exc
        except Exception as exc:  # pyusb's USBError and friends
            self._broken = True
            raise DeviceInitError(f"write to printer failed: {type(exc).__name__}: {exc}",
                                  PrinterError.WRITE_FAILED) from exc

    def _drain(self) -> None:
        """Drop stale bytes (a late reply to an earlier query) before asking again."""
        printer = self._require()
        dev = printer.device
        if isinstance(printer, Network):
            dev.setblocking(False)
            try:
                dropped = 0
                while dropped < DRAIN_LIMIT:  # bounded: a flood is not drained for ever
                    chunk = dev.recv(DRAIN_LIMIT - dropped)
                    if not chunk:
                        self._broken = True
                        raise DeviceInitError("printer closed the connection")
                    dropped += len(chunk)
                    self.noise_bytes += len(chunk)
            except (BlockingIOError, InterruptedError):
                pass
            except OSError as exc:
                self._broken = True
                raise DeviceInitError(f"printer connection lost: {exc}") from exc
            finally:
                if not self._broken:
                    dev.settimeout(self.profile.io_timeout)
        elif isinstance(printer, Serial):
            dev.reset_input_buffer()

    def _read(self, count: int, timeout: float, cancel: CancelToken | None = None) -> bytes:
        """Up to ``count`` bytes within ``timeout`` seconds (fewer when the printer is silent).

        Reads in slices of at most :data:`READ_SLICE`, checking ``cancel`` before each.
        """
        printer = self._require()
        dev = printer.device
        deadline = time.monotonic() + timeout
        got = b""
        while len(got) < count:
            if cancel is not None:
                cancel.raise_if_cancelled()
            left = min(deadline - time.monotonic(), READ_SLICE)
            if left <= 0:
                break
            try:
                if isinstance(printer, Network):
                    dev.settimeout(left)
                    try:
                        chunk = dev.recv(count - len(got))
                    except TimeoutError:
                        continue  # one slice without a byte: check cancel and the deadline
                    if not chunk:
                        self._broken = True
                        raise DeviceInitError("printer closed the connection")
                elif isinstance(printer, Serial):
                    dev.timeout = left
                    chunk = dev.read(count - len(got))
                elif isinstance(printer, Usb):
                    chunk = bytes(dev.read(printer.in_ep, 16, _ms(left)))
                else:
                    break
            except (OSError, serial.SerialException) as exc:
                self._broken = True
                raise DeviceInitError(f"read from printer failed: {exc}") from exc
            except Exception as exc:  # pyusb timeout is a USBTimeoutError
                if "timeout" in type(exc).__name__.lower() or "timed out" in str(exc):
                    continue
                self._broken = True
                raise DeviceInitError(f"read from printer failed: {exc}") from exc
            got += chunk
        if isinstance(printer, Network) and not self._broken:
            dev.settimeout(self.profile.io_timeout)
        return got

    # --- commands -----------------------------------------------------------------------------

    def probe(self, cancel: CancelToken | None = None) -> PrinterStatus:
        """Read the printer's status; a printer that does not answer is ``unknown``."""
        self._require()
        mode = self.profile.status_mode
        if mode == "none":
            return PrinterStatus(device=DeviceState.ONLINE, status_supported=False)
        self._drain()
        self._write(QUERY_GS_R if mode == "gs_r" else QUERY_DLE_EOT)
        reply = self._read(STATUS_REPLY_LEN, self.profile.status_timeout, cancel)
        if len(reply) == STATUS_REPLY_LEN:
            # More bytes right behind the reply: it was not (only) the reply to this query.
            extra = self._read_available(64)
            if extra:
                self.noise_bytes += len(extra)
                log.warning("printer: %d bytes more than a status reply; status unknown",
                            len(extra))
                reply += extra
        status = parse_status(reply, mode)
        if status.device is DeviceState.UNKNOWN and reply:
            log.warning("printer: status reply of %d bytes is not a status (%s)",
                        len(reply), reply[:8].hex(" "))
        return self._remember(status)

    def _remember(self, status: PrinterStatus) -> PrinterStatus:
        self._last_status = (time.monotonic(), status)
        return status

    def _status_before_print(self, cancel: CancelToken | None) -> PrinterStatus:
        """A fresh status, or the last one when it is recent enough (``status_reuse``)."""
        if self._last_status is not None and self.profile.status_reuse > 0:
            at, status = self._last_status
            if status.ready and time.monotonic() - at < self.profile.status_reuse:
                return status
        return self.probe(cancel)

    status = probe

    def _read_available(self, count: int) -> bytes:
        """Whatever reply bytes have arrived, without waiting (at most ``count``)."""
        printer = self._require()
        dev = printer.device
        if isinstance(printer, Network):
            dev.setblocking(False)
            try:
                data: bytes = dev.recv(count)
            except (BlockingIOError, InterruptedError):
                return b""
            except OSError as exc:
                self._broken = True
                raise DeviceInitError(f"printer connection lost: {exc}") from exc
            finally:
                if not self._broken:
                    dev.settimeout(self.profile.io_timeout)
            if not data:
                self._broken = True
                raise DeviceInitError("printer closed the connection")
            return data
        if isinstance(printer, Serial):
            waiting = min(count, dev.in_waiting)
            return bytes(dev.read(waiting)) if waiting else b""
        return self._read(count, 0.001)

    def print_receipt(self, doc: ReceiptDoc, events: EventSink = discard_events,
                      cancel: CancelToken | None = None) -> PrintResult:
        """Print ``doc``: check status, send in segments watching the paper, check again.

        Raises ``DeviceOperationError`` (nothing printed) when the printer is not ready,
        :class:`PrintInterrupted` when paper ran out or the cover opened part-way.
        """
        encoded = self.encoder.encode(doc)
        before = self._status_before_print(cancel)
        problem = before.problem
        if problem is not None:
            raise DeviceOperationError(problem, f"printer not ready: {problem.value}",
                                       NOT_READY_CODES.get(problem,
                                                           CompletionCode.DEVICE_NOT_READY))
        if cancel is not None:
            cancel.raise_if_cancelled()  # after this point a started receipt is finished
        return self._send(encoded, events, watch=before.status_supported)

    def _segments(self, encoded: EncodedReceipt) -> list[list[Chunk]]:
        every = self.profile.status_check_lines
        segments: list[list[Chunk]] = [[]]
        lines = 0
        for chunk in encoded.chunks:
            segments[-1].append(chunk)
            lines += chunk.lines
            if every and lines >= every:
                segments.append([])
                lines = 0
        return [s for s in segments if s]

    def _send(self, encoded: EncodedReceipt, events: EventSink, watch: bool) -> PrintResult:
        """Send the segments, each but the last followed by a paper query (DLE EOT 2, 4).

        The queries are pipelined: the receipt goes out in one write (or in ``WRITE_CHUNK``
        pieces) with the queries between its segments, and the printer answers each in stream
        order as it takes the bytes, so watching the paper costs no round trip per segment.
        A reply showing paper out or the cover open stops the job: the lines before that
        segment are known printed.
        """
        total = encoded.lines
        segments = self._segments(encoded)
        # per query in flight: (lines known printed if it is fine, lines up to its segment)
        pending: list[tuple[int, int, str]] = []
        replies = b""
        sent_lines = 0
        sent_bytes = 0
        confirmed = 0
        last_text = ""

        def settle(block: bool) -> None:
            nonlocal replies, confirmed, last_text
            deadline = time.monotonic() + self.profile.status_timeout
            while pending:
                need = 2 * len(pending) - len(replies)
                if need > 0:
                    more = (self._read(need, max(0.0, deadline - time.monotonic())) if block
                            else self._read_available(need))
                    replies += more
                if len(replies) < 2:
                    return  # nothing (more) yet; or a silent printer: the end status decides
                reply, replies = replies[:2], replies[2:]
                before, upto, text = pending.pop(0)
                paper, cover = parse_paper(reply)
                if paper is PaperState.OUT or cover.value == "open":
                    error = (PrinterError.COVER_OPEN if cover.value == "open"
                             else PrinterError.PAPER_OUT_DURING_PRINT)
                    self._last_status = None
                    raise PrintInterrupted(error, PrintedPart(before, total, last_text,
                                                              sent_lines))
                confirmed, last_text = upto, text or last_text
                events(PrintProgress(done=confirmed, total=total))

        if watch:
            self._drain()
        stream: list[bytes] = []
        for index, segment in enumerate(segments):
            data = b"".join(c.data for c in segment)
            seg_lines = sum(c.lines for c in segment)
            seg_text = next((c.text for c in reversed(segment) if c.lines and c.text), "")
            stream.append(data)
            if watch and index < len(segments) - 1:
                pending.append((sent_lines, sent_lines + seg_lines, seg_text))
                stream.append(QUERY_PAPER)
            elif watch:  # the status after the cut rides with the last segment
                stream.append(QUERY_GS_R if self.profile.status_mode == "gs_r"
                              else QUERY_DLE_EOT)
            sent_bytes += len(data)
            sent_lines += seg_lines
            if len(stream) > 1 and sum(map(len, stream)) >= WRITE_CHUNK:
                self._write(b"".join(stream))  # big receipts (images): keep reading replies
                stream.clear()
                if watch:
                    settle(block=False)
        if stream:
            # One write for the whole receipt: the queries between segments are answered in
            # stream order as the printer takes the bytes, without a wait per segment.
            self._write(b"".join(stream))
        if watch:
            settle(block=True)
            final = self._read(4, self.profile.status_timeout) if not pending else b""
            after = self._remember(parse_status(final, self.profile.status_mode))
        else:
            after = PrinterStatus(device=DeviceState.ONLINE, status_supported=False)
        if after.paper is PaperState.OUT or after.cover.value == "open":
            error = (PrinterError.COVER_OPEN if after.cover.value == "open"
                     else PrinterError.PAPER_OUT_DURING_PRINT)
            raise PrintInterrupted(error, PrintedPart(confirmed, total, last_text, sent_lines))
        events(PrintProgress(done=total, total=total))
        return PrintResult(lines=total, bytes_sent=sent_bytes, status_after=after)

    def send_raw(self, data: bytes) -> None:
        """Send bytes as they are (diagnostics)."""
        self._write(data)


class FileReceiptPrinter:
    """Registry backend ``file``: ESC/POS bytes written to a path (``/dev/usb/lp0`` or a file).

    Write-only: status is never known (``status_supported`` False); ``append`` keeps earlier
    receipts in a plain file (python-escpos's File truncates).
    """

    kind = "printer"
    status_type = PrinterStatus

    def __init__(self, path: str = "", profile: str | PrinterProfile | dict[str, Any] | None
                 = "write_only_58mm", append: bool = True, url: str = "") -> None:
        path = path or url
        if not path:
            raise DeviceInitError("file printer needs a path (file:PATH)",
                                  PrinterError.NOT_CONNECTED)
        self.path = path[5:] if path.startswith("file:") else path
        self.profile = profile_named(profile)
        self.append = append
        self.encoder = ReceiptEncoder(self.profile)
        self._printer: Any = None

    def open(self) -> None:
        """Open the path for writing; DeviceInitError when it cannot be opened."""
        self.close()
        printer = File(self.path, auto_flush=True, profile=self.profile.escpos_profile)
        try:
            if self.append:
                printer.device = open(self.path, "ab")  # noqa: SIM115 - kept open by design
            else:
                printer.open()
        except (DeviceNotFoundError, OSError) as exc:
            raise DeviceInitError(f"cannot open printer file {self.path}: {exc}",
                                  PrinterError.NOT_CONNECTED) from exc
        self._printer = printer

    def close(self) -> None:
        printer, self._printer = self._printer, None
        if printer is not None:
            try:
                printer.close()
            except Exception as exc:
                log.debug("close of printer file failed: %s", exc)

    def probe(self) -> PrinterStatus:
        """Online when the path is open; paper, cover and fault are never known."""
        if self._printer is None:
            raise DeviceInitError("not open")
        return PrinterStatus(device=DeviceState.ONLINE, status_supported=False)

    status = probe

    def print_receipt(self, doc: ReceiptDoc, events: EventSink = discard_events,
                      cancel: CancelToken | None = None) -> PrintResult:
        """Write the receipt's bytes; the result is never ``confirmed``."""
        if self._printer is None:
            raise DeviceInitError("not open")
        if cancel is not None:
            cancel.raise_if_cancelled()
        encoded = self.encoder.encode(doc)
        try:
            self._printer._raw(encoded.data)
            self._printer.flush()
        except OSError as exc:
            raise DeviceInitError(f"write to {self.path} failed: {exc}",
                                  PrinterError.WRITE_FAILED) from exc
        events(PrintProgress(done=encoded.lines, total=encoded.lines))
        return PrintResult(encoded.lines, len(encoded.data), self.probe())

    def send_raw(self, data: bytes) -> None:
        if self._printer is None:
            raise DeviceInitError("not open")
        self._printer._raw(data)
