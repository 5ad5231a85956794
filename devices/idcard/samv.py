"""``samv``: the ID card reader on a serial line, speaking SAM_V frames (GA 467 part 5).

The port is any pyserial URL (``/dev/ttyUSB0``, ``/dev/serial/by-id/...``, ``socket://``,
``loop://``, ``spy://``), opened exclusive where the transport supports it, with a write
timeout. One reply is read with an overall deadline per command (the reference timeouts plus
the frame's wire time at the configured baud rate) in short slices, so a cancel is seen within
about 50 ms. Find and select are idempotent and are simply sent again once after a bad
checksum or no reply; a read is retried once as a whole find -> select -> read sequence,
because the reader insists on find and select before every read. A lost port (USB unplugged,
socket closed) raises :class:`devices.base.DeviceInitError`: the worker reports ``noDevice``
and reopens with back-off. Personal data is never logged; frames are logged by status only.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from typing import Any

import serial

from devices.base import (
    CancelToken,
    CardInserted,
    CardRemoved,
    DeviceInitError,
    DeviceOperationError,
    DeviceState,
    DeviceTimeout,
    EventSink,
    discard_events,
)
from devices.idcard.contract import (
    KIND,
    CardPresence,
    IdCardError,
    IdCardStatus,
    Identity,
    SamState,
    idcard_error,
)
from devices.idcard.frames import (
    FrameErrorKind,
    ResponseDecoder,
    ResponseFrame,
    encode_request,
    wire_time,
)
from devices.idcard.layouts import PHOTO_LEN, TEXT_LEN, LayoutError, decode_identity
from devices.serial_io import PORT_ERRORS, READ_SLICE, discard_input, read_chunk

log = logging.getLogger(__name__)

# Commands (CMD, PARA).
SAM_STATUS = (0x11, 0xFF)
SAM_ID = (0x12, 0xFF)
FIND = (0x20, 0x01)
SELECT = (0x20, 0x02)
READ_TEXT_PHOTO = (0x30, 0x01)
READ_WITH_FINGERPRINT = (0x30, 0x10)
READ_NEW_ADDRESS = (0x30, 0x03)

SW3_OK = 0x90
SW3_FOUND = 0x9F
SW3_NO_CARD = 0x80

# SW3 status codes (reference §4) -> class errors. The Chinese meanings are staff texts in the
# idcard catalog (error.IDC-*.staff).
SW3_ERRORS: dict[int, IdCardError] = {
    0x10: IdCardError.CHECKSUM_ERROR,
    0x11: IdCardError.LENGTH_ERROR,
    0x21: IdCardError.COMMAND_ERROR,
    0x23: IdCardError.UNAUTHORISED_OPERATION,
    0x24: IdCardError.UNRECOGNISED_ERROR,
    0x31: IdCardError.CARD_AUTH_FAILED,
    0x32: IdCardError.SAM_AUTH_FAILED,
    0x33: IdCardError.VERIFY_FAILED,
    0x40: IdCardError.UNKNOWN_CARD_TYPE,
    0x41: IdCardError.READ_FAILED,
    0x47: IdCardError.RANDOM_FAILED,
    0x60: IdCardError.SAM_SELF_TEST_FAILED,
    0x66: IdCardError.SAM_NOT_AUTHORISED,
    0x80: IdCardError.NO_CARD,
    0x81: IdCardError.SELECT_FAILED,
    0x91: IdCardError.NO_CONTENT,
}

# After these, one more find tells "card pulled away" (80) from a genuine failure (9F).
_MAY_BE_REMOVAL = frozenset({0x41, 0x81, 0x31, 0x32, 0x33, 0x47})

_OPEN_ERRORS: tuple[type[BaseException], ...] = (*PORT_ERRORS, ValueError)


def sw3_error(sw3: int) -> IdCardError:
    """The class error of a failing SW3 (unknown codes: ``unrecognised_error``)."""
    return SW3_ERRORS.get(sw3, IdCardError.UNRECOGNISED_ERROR)


def format_sam_id(data: bytes, digits: int = 10) -> str:
    """The SAM management number from the 16 data bytes of a 12 FF reply (reference §5.4).

    ``digits`` pads the last two numbers (10 as YINAN, 9 as HSL: the sources conflict).
    """
    if len(data) < 16:
        raise ValueError("SAM ID needs 16 bytes")
    n3 = int.from_bytes(data[4:8], "little")
    n4 = int.from_bytes(data[8:12], "little")
    n5 = int.from_bytes(data[12:16], "little")
    return f"{data[0]:02d}.{data[2]:02d}-{n3}-{n4:0{digits}d}-{n5:0{digits}d}"


class _ReplyLost(Exception):
    """No good reply to one command (bad checksum, noise only, or silence)."""

    def __init__(self, error: IdCardError, detail: str) -> None:
        super().__init__(detail)
        self.error = error
        self.detail = detail


class SamvIdCardReader:
    """SAM_V ID card reader on a pyserial URL (registry name ``samv``).

    Timeouts (seconds): read 2.0 and read with fingerprints 3.0 as the reference (YINAN);
    find/select and SAM commands 0.5, between YINAN's 0.1/0.3 and HEV's 5.0 (public drivers
    disagree). A real module answers in milliseconds, so the value only decides how fast
    silence is noticed; 0.5 s keeps a simulator on a busy host from being taken for silence.
    Each is extended by the expected reply's wire time at ``baud``. ``poll_interval`` is the
    find cadence while waiting for a card (1 s).
    ``retries``: how often a lost reply is retried (1). ``read_new_address``: after a read,
    also ask for the latest appended address (30 03) and return it as ``new_address``.
    """

    kind = KIND
    status_type = IdCardStatus

    def __init__(
        self,
        *,
        url: str,
        baud: int = 115200,
        find_timeout: float = 0.5,
        read_timeout: float = 2.0,
        read_fingerprint_timeout: float = 3.0,
        sam_timeout: float = 0.5,
        write_timeout: float = 1.0,
        poll_interval: float = 1.0,
        retries: int = 1,
        exclusive: bool = True,
        sam_id_digits: int = 10,
        read_new_address: bool = False,
        **_ignored: Any,
    ) -> None:
        self.url = url
        self.baud = int(baud)
        self.find_timeout = float(find_timeout)
        self.read_timeout = float(read_timeout)
        self.read_fingerprint_timeout = float(read_fingerprint_timeout)
        self.sam_timeout = float(sam_timeout)
        self.write_timeout = float(write_timeout)
        self.poll_interval = float(poll_interval)
        self.retries = int(retries)
        self.exclusive = bool(exclusive)
        self.sam_id_digits = int(sam_id_digits)
        self.read_new_address = bool(read_new_address)
        self._port: Any = None
        self.frames_sent = 0
        self.bytes_received = 0
        #: Bytes that were not part of a good frame (noise, stale input, broken frames).
        self.noise_bytes = 0

    # --- life cycle ---------------------------------------------------------------------------

    def open(self) -> None:
        """Open the port (exclusive, write timeout); DeviceInitError if it is not there."""
        if self._port is not None:
            return
        try:
            self._port = serial.serial_for_url(
                self.url,
                baudrate=self.baud,
                timeout=READ_SLICE,
                write_timeout=self.write_timeout,
                exclusive=self.exclusive,
            )
        except _OPEN_ERRORS as exc:
            raise DeviceInitError(f"cannot open {self.url}: {exc}") from exc

    def close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except PORT_ERRORS:
                log.debug("close of %s failed", self.url, exc_info=True)

    # --- one command, one reply -----------------------------------------------------------------

    def _transact(
        self, request: bytes, timeout: float, cancel: CancelToken | None, max_reply: int
    ) -> ResponseFrame:
        port = self._port
        if port is None:
            raise DeviceInitError("port not open")
        try:
            # A late reply to an earlier command is stale now (bounded under a flood).
            self.noise_bytes += discard_input(port)
            port.write(request)
        except serial.SerialTimeoutException as exc:
            raise DeviceInitError(f"write to {self.url} timed out") from exc
        except PORT_ERRORS as exc:
            raise DeviceInitError(f"{self.url} lost: {exc}") from exc
        self.frames_sent += 1
        decoder = ResponseDecoder()
        deadline = time.monotonic() + timeout
        noise = 0
        while True:
            if cancel is not None:
                cancel.raise_if_cancelled()
            if time.monotonic() >= deadline:
                break
            try:
                chunk = read_chunk(port, decoder.needed())
            except PORT_ERRORS as exc:
                raise DeviceInitError(f"{self.url} lost: {exc}") from exc
            if not chunk:
                continue
            self.bytes_received += len(chunk)
            for item in decoder.feed(chunk):
                if isinstance(item, ResponseFrame):
                    if item.wire_length <= max_reply:
                        return item
                    # Longer than any answer to this command: the tail of a reply to a
                    # command that was cancelled earlier. Skip it and keep listening.
                    log.info("skipped a stale %d-byte frame", item.wire_length)
                    continue
                self.noise_bytes += item.drop
                if item.kind is FrameErrorKind.BAD_CHECKSUM:
                    raise _ReplyLost(IdCardError.CHECKSUM_ERROR, "reply checksum wrong")
                noise += item.drop
        if noise or decoder.buffered:
            self.noise_bytes += decoder.buffered
            raise _ReplyLost(
                IdCardError.PROTOCOL_ERROR,
                f"no valid frame in {noise + decoder.buffered} bytes within {timeout:.2f}s",
            )
        raise _ReplyLost(IdCardError.NO_RESPONSE, f"no reply within {timeout:.2f}s")

    def _exchange(
        self,
        command: tuple[int, int],
        timeout: float,
        cancel: CancelToken | None = None,
        *,
        retry: bool = True,
        reply_bytes: int = 11,
    ) -> ResponseFrame:
        """Send ``command`` and return its reply; an idempotent command is sent again once
        after a lost reply or a reader-side checksum error (SW3 10)."""
        request = encode_request(*command)
        budget = timeout + wire_time(len(request) + reply_bytes, self.baud)
        attempts = 1 + (self.retries if retry else 0)
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                frame = self._transact(request, budget, cancel, max(reply_bytes, 27))
            except _ReplyLost as lost:
                log.info("%02X %02X: %s (attempt %d)", *command, lost.detail, attempt + 1)
                if last:
                    raise
                continue
            if frame.sw3 == 0x10 and not last:
                log.info("%02X %02X: reader saw a bad checksum; sending again", *command)
                continue
            log.debug("%02X %02X -> SW3 %02X", *command, frame.sw3)
            return frame
        raise AssertionError("unreachable")  # pragma: no cover

    def _command(
        self,
        command: tuple[int, int],
        timeout: float,
        cancel: CancelToken | None = None,
        **kw: Any,
    ) -> ResponseFrame:
        """:meth:`_exchange` with a lost reply turned into the class error."""
        try:
            return self._exchange(command, timeout, cancel, **kw)
        except _ReplyLost as lost:
            raise idcard_error(lost.error, lost.detail) from None

    @staticmethod
    def _fail(frame: ResponseFrame, what: str) -> DeviceOperationError | DeviceTimeout:
        error = sw3_error(frame.sw3)
        return idcard_error(error, f"{what}: SW3={frame.sw3:02X} ({error.value})")

    # --- the contract -------------------------------------------------------------------------

    def probe(self) -> IdCardStatus:
        """SAM status (11 FF), then whether an unread card is on the pad (20 01)."""
        try:
            frame = self._exchange(SAM_STATUS, self.sam_timeout)
        except _ReplyLost as lost:
            log.info("SAM status: %s", lost.detail)
            return IdCardStatus(DeviceState.OFFLINE, SamState.UNKNOWN, CardPresence.UNKNOWN)
        if frame.sw3 == 0x60:
            return IdCardStatus(DeviceState.HARDWARE_ERROR, SamState.FAILED)
        if frame.sw3 == 0x66:
            return IdCardStatus(DeviceState.HARDWARE_ERROR, SamState.NOT_AUTHORISED)
        if frame.sw3 != SW3_OK:
            return IdCardStatus(DeviceState.HARDWARE_ERROR, SamState.UNKNOWN)
        try:
            find = self._exchange(FIND, self.find_timeout)
        except _ReplyLost:
            return IdCardStatus(DeviceState.ONLINE, SamState.OK, CardPresence.UNKNOWN)
        presence = {SW3_FOUND: CardPresence.PRESENT, SW3_NO_CARD: CardPresence.ABSENT}.get(
            find.sw3, CardPresence.UNKNOWN
        )
        return IdCardStatus(DeviceState.ONLINE, SamState.OK, presence)

    def sam_id(self) -> str:
        """The SAM management number (12 FF)."""
        frame = self._command(SAM_ID, self.sam_timeout, reply_bytes=27)
        if frame.sw3 != SW3_OK:
            raise self._fail(frame, "SAM ID")
        if len(frame.data) < 16:
            detail = f"SAM ID reply has {len(frame.data)} bytes"
            raise idcard_error(IdCardError.LENGTH_ERROR, detail)
        return format_sam_id(frame.data, self.sam_id_digits)

    def _find(self, cancel: CancelToken) -> bool:
        """One find: True for an unread card, False for none; other SW3 raise."""
        frame = self._command(FIND, self.find_timeout, cancel)
        if frame.sw3 == SW3_FOUND:
            return True
        if frame.sw3 == SW3_NO_CARD:
            return False
        raise self._fail(frame, "find")

    def _wait_for_card(self, wait: bool, events: EventSink, cancel: CancelToken) -> None:
        while not self._find(cancel):
            if not wait:
                raise idcard_error(IdCardError.NO_CARD, "find: SW3=80 (no unread card)")
            if cancel.wait(self.poll_interval):
                cancel.raise_if_cancelled()
        events(CardInserted())

    def _removed_or(self, frame: ResponseFrame, what: str, cancel: CancelToken) -> Exception:
        """After a failing select/read: CARD_REMOVED if find no longer sees the card."""
        if frame.sw3 in _MAY_BE_REMOVAL:
            try:
                still_there = self._find(cancel)
            except DeviceOperationError:
                still_there = True
            if not still_there:
                return idcard_error(
                    IdCardError.CARD_REMOVED, f"{what}: SW3={frame.sw3:02X}, then no card"
                )
        return self._fail(frame, what)

    def _select_and_read(self, fingerprints: bool, cancel: CancelToken) -> Identity:
        frame = self._command(SELECT, self.find_timeout, cancel, reply_bytes=19)
        if frame.sw3 != SW3_OK:
            raise self._removed_or(frame, "select", cancel)
        if fingerprints:
            command, timeout, expect = READ_WITH_FINGERPRINT, self.read_fingerprint_timeout, 2321
        else:
            command, timeout, expect = READ_TEXT_PHOTO, self.read_timeout, 1295
        frame = self._exchange(command, timeout, cancel, retry=False, reply_bytes=expect)
        if frame.sw3 != SW3_OK:
            raise self._removed_or(frame, "read", cancel)
        identity = self._parse_read(frame.data, fingerprints)
        if self.read_new_address:
            identity = dataclasses.replace(identity, new_address=self._new_address(cancel))
        return identity

    def _new_address(self, cancel: CancelToken) -> str | None:
        """The appended address (30 03): 90 with 70 bytes of UCS-2LE, 91 when there is none.
        Anything else is logged and ignored: the identity itself was read fine."""
        try:
            frame = self._command(READ_NEW_ADDRESS, self.find_timeout, cancel, reply_bytes=81)
        except (DeviceOperationError, DeviceTimeout) as exc:
            log.info("appended address not read: %s", exc)
            return None
        if frame.sw3 == SW3_OK and frame.data:
            try:
                text = frame.data[:70].decode("utf-16-le").replace("\x00", " ").strip()
            except UnicodeDecodeError:
                log.info("appended address is not UCS-2 text")
                return None
            return text or None
        if frame.sw3 != 0x91:
            log.info("appended address: SW3=%02X", frame.sw3)
        return None

    def _parse_read(self, data: bytes, fingerprints: bool) -> Identity:
        heads = 3 if fingerprints else 2
        if len(data) < 2 * heads:
            raise idcard_error(IdCardError.LENGTH_ERROR, f"read reply of {len(data)} bytes")
        sizes = [int.from_bytes(data[2 * i : 2 * i + 2], "big") for i in range(heads)]
        text_len, photo_len = sizes[0], sizes[1]
        fp_len = sizes[2] if fingerprints else 0
        body = data[2 * heads :]
        if text_len != TEXT_LEN or photo_len > PHOTO_LEN or len(body) != sum(sizes):
            raise idcard_error(
                IdCardError.LENGTH_ERROR,
                f"read reply sizes text={text_len} photo={photo_len} fingerprint={fp_len}, "
                f"{len(body)} bytes present",
            )
        text = body[:text_len]
        photo = body[text_len : text_len + photo_len]
        fingerprint = body[text_len + photo_len : text_len + photo_len + fp_len]
        try:
            return decode_identity(text, photo, fingerprint)
        except LayoutError as exc:
            raise idcard_error(IdCardError.READ_FAILED, f"text block: {exc}") from None

    def read_identity(
        self,
        *,
        wait: bool = True,
        fingerprints: bool = False,
        events: EventSink = discard_events,
        cancel: CancelToken | None = None,
    ) -> Identity:
        """find (polling while ``wait``) -> select -> read 30 01 (30 10 with fingerprints)."""
        token = cancel or CancelToken()
        self._wait_for_card(wait, events, token)
        try:
            return self._select_and_read(fingerprints, token)
        except _ReplyLost as first:
            log.info("read reply lost (%s); running find/select/read once more", first.detail)
            if self.retries < 1:
                raise idcard_error(first.error, first.detail) from None
            # The reader may have read the card and lost only the reply: then the card counts
            # as read and find says 80; the farmer must put it back. Report the first error.
            if not self._find(token):
                detail = first.detail + "; card no longer readable"
                raise idcard_error(first.error, detail) from None
            try:
                return self._select_and_read(fingerprints, token)
            except _ReplyLost as second:
                raise idcard_error(second.error, second.detail) from None

    def wait_for_removal(
        self, *, events: EventSink = discard_events, cancel: CancelToken | None = None
    ) -> None:
        """Poll find until no unread card is on the pad (see the contract on what SAM_V can
        tell): immediate after a successful read; after a failed one, when the card is gone."""
        token = cancel or CancelToken()
        while self._find(token):
            if token.wait(self.poll_interval):
                token.raise_if_cancelled()
        events(CardRemoved())
