"""``kmy``: driver of the KMY-family encrypting PIN pad (KMY350X/3501/3512 and the clones).

Serial through ``serial.serial_for_url`` (a device path, ``socket://host:port``, ``tcp://``
as an alias, ``loop://``), framing from :mod:`devices.pinpad.kmy_frames`. The driver logs
command codes and lengths only, never frame data (PANs, plaintext master keys).

Where the public sources disagree (reference §3) the behaviour is a :class:`KmyProfile`
setting: the close-keypad parameter, whether to reset before PIN entry, the SM4 PIN-block
widening, the MAC algorithm codes.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import serial

from devices.base import (
    CancelToken,
    CompletionCode,
    DeviceCanceled,
    DeviceInitError,
    DeviceOperationError,
    DeviceState,
    DeviceTimeout,
    EventSink,
    Key,
    KeyPressed,
)
from devices.crypto import (
    Algorithm,
    CryptoError,
    MacMethod,
    PinBlockFormat,
    block_size,
    iso0_pan_digits,
    kcv,
    xor_components,
)
from devices.pinpad.contract import KeypadMode, KeyState, PinBlock, PinpadError, PinpadStatus
from devices.pinpad.kmy_frames import (
    BadFrame,
    Echo,
    FrameDecoder,
    Framing,
    Item,
    Reply,
    encode_frame,
)
from devices.serial_io import PORT_ERRORS, READ_SLICE, discard_input, read_chunk
from devices.text import clean_device_text

log = logging.getLogger(__name__)

# Commands (reference §1.3).
CMD_VERSION = 0x30
CMD_RESET = 0x31
CMD_LOAD_MASTER = 0x32
CMD_LOAD_WORK = 0x33
CMD_ACCOUNT = 0x34
CMD_START_PIN = 0x35
CMD_ENCRYPT = 0x36
CMD_MAC = 0x41
CMD_READ_PIN = 0x42
CMD_ACTIVATE = 0x43
CMD_KEYPAD = 0x45
CMD_SET = 0x46

ST_OK = frozenset({0x04, 0xA4, 0xC4})
ST_MASTER_KEY_INVALID = frozenset({0xA4, 0xB5})

ECHO_DIGIT = 0x2A
ECHO_BACKSPACE = 0x08
ECHO_ENTER = 0x0D
ECHO_CANCEL = 0x1B
ECHO_TIMEOUT = 0x00
# Plain mode "clear": not in the public sources; the simulator and the profile agree on CAN.
ECHO_CLEAR_PLAIN = 0x18

_WORK_ALGO = {Algorithm.TDES: 0x30, Algorithm.SM4: 0x80}
_MASTER_ALGO = {Algorithm.TDES: 0x70, Algorithm.SM4: 0x90}


@dataclass(frozen=True)
class KmyProfile:
    """Model-dependent behaviour (the [conflicting] and [inferred] items of the reference).

    ``mac_codes``: ``46 06 xx`` value per MAC method (01 X9.9, 02 SAM/PBOC, 03 UnionPay are
    from the AEX driver; 04 for X9.19 is an assumption of this project).
    """

    close_keypad_param: int = 0x00
    reset_before_pin: bool = True
    close_after_pin: bool = True
    sm4_pin_format: PinBlockFormat = PinBlockFormat.SM4_ISO0_ZERO_PAD
    mac_method_3des: MacMethod = MacMethod.X9_19
    mac_codes: dict[MacMethod, int] = field(default_factory=lambda: {
        MacMethod.X9_9: 0x01, MacMethod.PBOC_3DES: 0x02, MacMethod.UNIONPAY_ECB: 0x03,
        MacMethod.X9_19: 0x04, MacMethod.SM4: 0x01})
    max_mac_data: int = 240


def _parse_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


class KmyPinPad:
    """KMY-family EPP over a serial line.

    Parameters (from configuration): ``url``, ``baud`` (9600), ``framing`` (``binary`` or
    ``ascii``), ``etx`` (ASCII mode: end frames with 03), ``algorithm`` of the loaded keys
    (``3des``/``sm4``), key slots ``master_slot``/``pik_slot``/``mak_slot``, ``reply_timeout``,
    ``write_timeout``, ``retries`` (on a bad checksum or silence), ``auto_enter`` and the
    profile settings ``close_keypad_param``, ``reset_before_pin``, ``close_after_pin``,
    ``sm4_pin_format``, ``mac_method``.
    """

    kind = "pinpad"
    status_type = PinpadStatus

    def __init__(
        self,
        url: str = "",
        baud: int = 9600,
        framing: str = "binary",
        etx: bool | str = False,
        algorithm: str = "3des",
        master_slot: int = 0,
        pik_slot: int = 1,
        mak_slot: int = 2,
        reply_timeout: float = 1.5,
        write_timeout: float = 2.0,
        retries: int = 1,
        auto_enter: bool | str = False,
        close_keypad_param: int = 0x00,
        reset_before_pin: bool | str = True,
        close_after_pin: bool | str = True,
        sm4_pin_format: str = PinBlockFormat.SM4_ISO0_ZERO_PAD.value,
        mac_method: str = MacMethod.X9_19.value,
        **_ignored: Any,
    ) -> None:
        if not url:
            raise DeviceInitError("kmy pinpad: no url configured")
        self.url = "socket://" + url[len("tcp://"):] if url.startswith("tcp://") else url
        self.baud = int(baud)
        self.framing = Framing(framing)
        self.etx = _parse_bool(etx)
        self.algorithm = Algorithm(algorithm)
        self.master_slot = int(master_slot)
        self.pik_slot = int(pik_slot)
        self.mak_slot = int(mak_slot)
        self.reply_timeout = float(reply_timeout)
        self.write_timeout = float(write_timeout)
        self.retries = int(retries)
        self.auto_enter = _parse_bool(auto_enter)
        self.profile = KmyProfile(
            close_keypad_param=int(close_keypad_param),
            reset_before_pin=_parse_bool(reset_before_pin),
            close_after_pin=_parse_bool(close_after_pin),
            sm4_pin_format=PinBlockFormat(sm4_pin_format),
            mac_method_3des=MacMethod(mac_method),
        )
        self._port: Any = None
        self._decoder = FrameDecoder(self.framing)
        self._pending: deque[Item] = deque()
        self._echoes: deque[int] = deque()
        self._keys_checked: bool | None = None
        self._cancel: CancelToken | None = None
        #: Bytes of line noise seen since the port was opened (the pad's reply loop drops
        #: them; a technician reads the count in logs and error details).
        self.noise_bytes = 0

    @contextlib.contextmanager
    def _cancellable(self, cancel: CancelToken | None) -> Iterator[None]:
        """Let every wait of the command see ``cancel`` (checked on every loop turn)."""
        outer, self._cancel = self._cancel, cancel or self._cancel
        try:
            yield
        finally:
            self._cancel = outer

    # --- life cycle -----------------------------------------------------------------------

    def open(self) -> None:
        """Open the port and check that a pad answers."""
        kwargs: dict[str, Any] = {"baudrate": self.baud, "timeout": READ_SLICE,
                                  "write_timeout": self.write_timeout}
        if "://" not in self.url:
            kwargs["exclusive"] = True
        try:
            self._port = serial.serial_for_url(self.url, **kwargs)
        except (*PORT_ERRORS, ValueError) as exc:
            raise DeviceInitError(f"cannot open {self.url}: {exc}") from exc
        self._decoder.reset()
        self._pending.clear()
        self._echoes.clear()
        try:
            self.version()
        except DeviceOperationError as exc:
            self.close()
            raise DeviceInitError(f"no PIN pad answers on {self.url}: {exc.detail}") from exc

    def close(self) -> None:
        """Close the port (idempotent)."""
        port, self._port = self._port, None
        if port is not None:
            with contextlib.suppress(*PORT_ERRORS):
                port.close()

    def probe(self, cancel: CancelToken | None = None) -> PinpadStatus:
        """Ask for the version; ``offline`` when the pad is silent or answers garbage."""
        try:
            with self._cancellable(cancel):
                status, data = self._command(CMD_VERSION)
        except DeviceOperationError as exc:
            log.info("pinpad probe: %s", exc.detail)
            return PinpadStatus(device=DeviceState.OFFLINE)
        master = KeyState.MISSING if status in ST_MASTER_KEY_INVALID else KeyState.LOADED
        working = {True: KeyState.LOADED, False: KeyState.MISSING, None: KeyState.UNKNOWN}[
            self._keys_checked]
        return PinpadStatus(
            device=DeviceState.ONLINE,
            version=clean_device_text(data.decode("ascii", "replace").strip()),
            keypad=KeypadMode.OFF,
            master_key=master,
            working_keys=working,
            algorithm=self.algorithm.value,
        )

    # --- plain commands -------------------------------------------------------------------

    def version(self, cancel: CancelToken | None = None) -> str:
        """The pad's version string (command 30)."""
        with self._cancellable(cancel):
            return clean_device_text(
                self._command(CMD_VERSION)[1].decode("ascii", "replace").strip())

    def reset(self, cancel: CancelToken | None = None) -> None:
        """Reset / self-test; keys are kept (command 31)."""
        with self._cancellable(cancel):
            self._command(CMD_RESET)

    def keypad(self, on: bool, cancel: CancelToken | None = None) -> None:
        """Keypad on (with key tone) or off (command 45; the close value is a profile item)."""
        with self._cancellable(cancel):
            self._command(CMD_KEYPAD, bytes([0x02 if on else self.profile.close_keypad_param]))

    # --- keys -----------------------------------------------------------------------------

    def load_master_key(self, components: Sequence[bytes], algorithm: Algorithm,
                        slot: int | None = None, cancel: CancelToken | None = None) -> bytes:
        """Key ceremony: XOR the custodians' components, load the result, return its KCV.

        The key exists in this process only for the duration of the call.
        """
        with self._cancellable(cancel):
            return self._load_master_key(components, algorithm, slot)

    def _load_master_key(self, components: Sequence[bytes], algorithm: Algorithm,
                         slot: int | None) -> bytes:
        algorithm = Algorithm(algorithm)
        slot = self.master_slot if slot is None else int(slot)
        try:
            key = xor_components(*components)
            check = kcv(key, algorithm)
        except CryptoError as exc:
            raise DeviceOperationError(PinpadError.PARAMETER, str(exc),
                                       CompletionCode.INVALID_DATA) from exc
        if algorithm is Algorithm.TDES:
            self._command(CMD_SET, bytes([0x00, 0x30]))
        self._command(CMD_SET, bytes([0x01, _MASTER_ALGO[algorithm]]))
        _, reply = self._command(CMD_LOAD_MASTER, bytes([slot]) + key)
        del key
        if reply and reply[: len(check)] != check[: len(reply)]:
            raise DeviceOperationError(PinpadError.KEY_CHECK_FAILED,
                                       "the pad reports another check value",
                                       CompletionCode.INVALID_DATA)
        self._verify_slot(slot, 0x00, check, algorithm, is_master=True)
        self.algorithm = algorithm
        self._keys_checked = False
        return check

    def load_working_keys(self, pik_encrypted: bytes, pik_kcv: bytes, mak_encrypted: bytes,
                          mak_kcv: bytes, algorithm: Algorithm,
                          cancel: CancelToken | None = None) -> None:
        """Load PIK and MAK (ciphertext under the master key) and verify their check values."""
        with self._cancellable(cancel):
            self._load_working_keys(pik_encrypted, pik_kcv, mak_encrypted, mak_kcv, algorithm)

    def _load_working_keys(self, pik_encrypted: bytes, pik_kcv: bytes, mak_encrypted: bytes,
                           mak_kcv: bytes, algorithm: Algorithm) -> None:
        algorithm = Algorithm(algorithm)
        self._keys_checked = False
        self._command(CMD_SET, bytes([0x01, _WORK_ALGO[algorithm]]))
        for slot, cipher, check in ((self.pik_slot, pik_encrypted, pik_kcv),
                                    (self.mak_slot, mak_encrypted, mak_kcv)):
            _, reply = self._command(CMD_LOAD_WORK, bytes([self.master_slot, slot]) + cipher)
            if reply and reply[: len(check)] != check[: len(reply)]:
                raise DeviceOperationError(PinpadError.KEY_CHECK_FAILED,
                                           f"working key {slot}: check value differs",
                                           CompletionCode.INVALID_DATA)
            self._verify_slot(self.master_slot, slot, check, algorithm, is_master=False)
        self.algorithm = algorithm
        self._keys_checked = True

    def _verify_slot(self, master_slot: int, work_slot: int, check: bytes,
                     algorithm: Algorithm, *, is_master: bool) -> None:
        """Encrypt a zero block with the key just loaded and compare with its check value."""
        codes = _MASTER_ALGO if is_master else _WORK_ALGO
        self._command(CMD_SET, bytes([0x01, codes[algorithm]]))
        self._command(CMD_ACTIVATE, bytes([master_slot, work_slot]))
        _, zero_ct = self._command(CMD_ENCRYPT, bytes(block_size(algorithm)))
        if len(check) < 3 or zero_ct[: len(check)] != check:
            raise DeviceOperationError(
                PinpadError.KEY_CHECK_FAILED,
                f"key {master_slot}/{work_slot}: check value does not match",
                CompletionCode.INVALID_DATA)

    # --- PIN ------------------------------------------------------------------------------

    def get_pin(self, pan: str, min_len: int = 4, max_len: int = 6, timeout: float = 30.0,
                *, events: EventSink, cancel: CancelToken) -> PinBlock:
        """Run PIN entry on the pad; return the encrypted PIN block, nothing else.

        Key echoes become masked :class:`KeyPressed` events. Enter with fewer than
        ``min_len`` digits restarts the entry (a ``clear`` event). Cancel on the pad ends with
        ``canceled``/``userCanceled``, the pad's own timeout with ``timeout``/``entryTimeout``.
        """
        with self._cancellable(cancel):
            return self._get_pin(pan, min_len, max_len, timeout, events, cancel)

    def _get_pin(self, pan: str, min_len: int, max_len: int, timeout: float,
                 events: EventSink, cancel: CancelToken) -> PinBlock:
        if not 4 <= min_len <= max_len <= 12:
            raise DeviceOperationError(PinpadError.PARAMETER, "PIN length 4..12",
                                       CompletionCode.INVALID_DATA)
        try:
            account = iso0_pan_digits(pan)
        except CryptoError as exc:
            raise DeviceOperationError(PinpadError.PARAMETER, "bad account number",
                                       CompletionCode.INVALID_DATA) from exc
        seconds = max(1, min(255, round(timeout)))
        if self.profile.reset_before_pin:
            self._command(CMD_RESET)
        self._command(CMD_ACCOUNT, account.encode("ascii"))
        self._command(CMD_SET, bytes([0x01, _WORK_ALGO[self.algorithm]]))
        self._command(CMD_SET, bytes([0x05, 0x01 if self.auto_enter else 0x00]))
        self._command(CMD_ACTIVATE, bytes([self.master_slot, self.pik_slot]))
        start = bytes([max_len, 0x01, 0x01, 0x00, seconds])
        digits = 0
        deadline = time.monotonic() + seconds + 2.0
        try:
            self._start_echo(CMD_START_PIN, start)
            while True:
                cancel.raise_if_cancelled()  # also seen inside every read (_next_item)
                if time.monotonic() > deadline:
                    self._abort_entry()
                    raise DeviceTimeout("no answer from the pad during PIN entry",
                                        PinpadError.ENTRY_TIMEOUT)
                byte = self._next_echo(time.monotonic() + READ_SLICE)
                if byte is None:
                    continue
                if byte == ECHO_DIGIT:
                    digits = min(digits + 1, max_len)
                    events(KeyPressed(key=Key.DIGIT, digits=digits))
                elif byte == ECHO_BACKSPACE:
                    digits = max(0, digits - 1)
                    events(KeyPressed(key=Key.BACKSPACE, digits=digits))
                elif byte == ECHO_ENTER:
                    if digits >= min_len:
                        events(KeyPressed(key=Key.ENTER, digits=digits))
                        break
                    digits = 0
                    events(KeyPressed(key=Key.CLEAR, digits=0))
                    self._start_echo(CMD_START_PIN, start)
                elif byte == ECHO_CANCEL:
                    events(KeyPressed(key=Key.CANCEL, digits=0))
                    self._end_echo()
                    raise DeviceCanceled("cancel pressed on the PIN pad",
                                         PinpadError.USER_CANCELED)
                elif byte == ECHO_TIMEOUT:
                    self._end_echo()
                    raise DeviceTimeout("the pad's PIN entry timed out",
                                        PinpadError.ENTRY_TIMEOUT)
        except BaseException:
            self._decoder.echo = False
            if cancel.cancelled:  # the caller's cancel or timeout: keypad off, briefly
                self._abort_entry()
            raise
        self._end_echo()
        _, block = self._command(CMD_READ_PIN)
        expected = block_size(self.algorithm)
        if len(block) != expected:
            raise DeviceOperationError(PinpadError.PROTOCOL,
                                       f"PIN block of {len(block)} bytes, not {expected}")
        if self.profile.close_after_pin:
            self._command(CMD_KEYPAD, bytes([self.profile.close_keypad_param]))
        fmt = PinBlockFormat.ISO0 if self.algorithm is Algorithm.TDES else (
            self.profile.sm4_pin_format)
        return PinBlock(block, fmt, f"{self.master_slot}/{self.pik_slot}")

    # --- MAC ------------------------------------------------------------------------------

    @property
    def mac_method(self) -> MacMethod:
        """The MAC algorithm the pad is asked for (SM4 CBC-MAC for SM4 keys)."""
        return MacMethod.SM4 if self.algorithm is Algorithm.SM4 else self.profile.mac_method_3des

    def mac(self, data: bytes, cancel: CancelToken | None = None) -> bytes:
        """MAC of ``data`` under the MAK, computed by the pad (command 41)."""
        with self._cancellable(cancel):
            return self._mac(data)

    def _mac(self, data: bytes) -> bytes:
        if not data or len(data) > self.profile.max_mac_data:
            raise DeviceOperationError(
                PinpadError.DATA_TOO_LONG,
                f"MAC input of {len(data)} bytes (1..{self.profile.max_mac_data}); "
                "MAC a digest of longer messages", CompletionCode.INVALID_DATA)
        method = self.mac_method
        self._command(CMD_SET, bytes([0x06, self.profile.mac_codes[method]]))
        self._command(CMD_SET, bytes([0x01, _WORK_ALGO[self.algorithm]]))
        self._command(CMD_ACTIVATE, bytes([self.master_slot, self.mak_slot]))
        return self._command(CMD_MAC, data)[1]

    # --- technician key test --------------------------------------------------------------

    def keytest(self, duration: float = 30.0, *, events: EventSink,
                cancel: CancelToken) -> list[str]:
        """Plain (non-PIN) mode: names of the keys pressed until Enter, Cancel or ``duration``.

        Never used for a PIN: the pad is put in "system keyboard" mode (45 04), no PIN key is
        active and nothing is encrypted.
        """
        with self._cancellable(cancel):
            return self._plain_keys(duration, events, cancel, stop_at_end=True)

    def listen(self, duration: float = 3.0, *, events: EventSink,
               cancel: CancelToken) -> list[str]:
        """Plain mode for ``duration`` seconds (or until cancelled): every key pressed is an
        event with its digit (``KeyPressed.value``); Enter and Cancel do not end it. The
        audio-guided mode's menu keys and amounts; never a PIN (no PIN key is active)."""
        with self._cancellable(cancel):
            return self._plain_keys(duration, events, cancel, stop_at_end=False)

    def _plain_keys(self, duration: float, events: EventSink, cancel: CancelToken, *,
                    stop_at_end: bool) -> list[str]:
        """Keys in plain mode until the time is up, the caller cancels or (``stop_at_end``)
        Enter or Cancel is pressed.

        At the end the keypad is switched off with the echo still on: a key the pad sent
        before it heard "off" was pressed while it listened and is this listening's (an event
        like the others), not lost in the gap between two listenings. The caller that
        cancelled decides whether it still takes such a key (``Request.cancel(keep_events=)``).
        """
        names: list[str] = []

        def heard(byte: int) -> Key:
            name, key = _plain_key(byte)
            names.append(name)
            events(KeyPressed(key=key, digits=0, value=name if key is Key.DIGIT else ""))
            return key

        self._start_echo(CMD_KEYPAD, bytes([0x04]))
        deadline = time.monotonic() + duration
        ended_by_key = False
        try:
            while time.monotonic() < deadline and not cancel.cancelled:
                try:
                    byte = self._next_echo(min(deadline, time.monotonic() + READ_SLICE))
                except (DeviceCanceled, DeviceTimeout):  # the caller's token: stop listening
                    break
                if byte is None:
                    continue
                if heard(byte) in (Key.ENTER, Key.CANCEL) and stop_at_end:
                    ended_by_key = True
                    break
        except BaseException:
            self._abort_entry()
            raise
        if ended_by_key:  # what follows Enter or Cancel is not this entry's
            self._abort_entry()
            return names
        try:
            self._close_keypad()
        finally:
            late = list(self._echoes)
            self._end_echo()
        for byte in late:
            heard(byte)
        return names

    # --- framing and transport ------------------------------------------------------------

    def _start_echo(self, cmd: int, data: bytes) -> None:
        """Send a command after which the pad echoes keys outside frames."""
        self._discard_stale()  # a late reply (of a cancelled "keypad off") is not this one's
        self._decoder.echo = True
        try:
            self._command(cmd, data)
        except BaseException:
            self._decoder.echo = False
            raise

    def _end_echo(self) -> None:
        self._decoder.echo = False
        self._echoes.clear()
        self._pending = deque(i for i in self._pending if not isinstance(i, Echo))

    def _next_echo(self, until: float) -> int | None:
        """The next key echo byte (kept ones first), or None when none arrived in time."""
        if self._echoes:
            return self._echoes.popleft()
        item = self._next_item(until)
        if isinstance(item, Echo):
            return item.byte
        if item is not None:
            log.info("pinpad: unexpected %s during key input", type(item).__name__)
        return None

    def _abort_entry(self) -> None:
        """End key entry from the host side (echo off, keypad off), ignoring a silent pad."""
        self._end_echo()
        self._close_keypad()

    def _close_keypad(self) -> None:
        """Keypad off at the end of an entry (also after a cancel or a timeout).

        When the command was cancelled the pad gets one read slice to answer: a cancel is
        honoured within about 100 ms even when the pad is silent or babbling. A late reply is
        dropped before the next command (:meth:`_command` discards stale input).
        """
        close = bytes([self.profile.close_keypad_param])
        if self._cancel is not None and self._cancel.cancelled:
            try:
                self._write(encode_frame(CMD_KEYPAD, close, self.framing, self.etx))
                until = time.monotonic() + READ_SLICE
                while (item := self._next_item(until, cancellable=False)) is not None:
                    if isinstance(item, Echo):  # a key sent before the pad heard "off"
                        self._echoes.append(item.byte)
                    else:
                        break
            except DeviceInitError:
                log.warning("pinpad: port lost while closing the keypad")
            return
        try:
            self._command(CMD_KEYPAD, close)
        except (DeviceOperationError, DeviceTimeout, DeviceCanceled):
            log.warning("pinpad: closing the keypad after an abort failed")

    def _write(self, frame: bytes) -> None:
        if self._port is None:
            raise DeviceInitError("pinpad not open")
        try:
            self._port.write(frame)
            self._port.flush()
        except serial.SerialTimeoutException as exc:
            raise DeviceOperationError(PinpadError.NO_ANSWER, "write timed out",
                                       CompletionCode.DEVICE_NOT_READY) from exc
        except PORT_ERRORS as exc:
            raise DeviceInitError(f"port lost: {exc}") from exc

    def _next_item(self, until: float, *, cancellable: bool = True) -> Item | None:
        """The next decoded item, or None when nothing arrived before ``until``.

        Every turn checks the cancel token and the deadline, whatever arrives: a steady stream
        of bytes that never form a frame ends at ``until`` like silence does.
        """
        while True:
            if self._pending:
                return self._pending.popleft()
            if cancellable and self._cancel is not None:
                self._cancel.raise_if_cancelled()
            if time.monotonic() >= until:
                return None
            if self._port is None:
                raise DeviceInitError("pinpad not open")
            try:
                chunk = read_chunk(self._port)
            except PORT_ERRORS as exc:
                raise DeviceInitError(f"port lost: {exc}") from exc
            if chunk:
                before = self._decoder.noise
                self._pending.extend(self._decoder.feed(chunk))
                self.noise_bytes += self._decoder.noise - before

    def _discard_stale(self) -> None:
        """Before a command: an unfinished frame is stale now; outside key input also drop a
        late reply or noise already received (key echoes are kept)."""
        before = self._decoder.noise
        self._decoder.reset()
        self.noise_bytes += self._decoder.noise - before
        if self._decoder.echo or self._port is None:
            return
        self._pending = deque(i for i in self._pending if isinstance(i, Echo))
        try:
            self.noise_bytes += discard_input(self._port)
        except PORT_ERRORS as exc:
            raise DeviceInitError(f"port lost: {exc}") from exc

    def _command(self, cmd: int, data: bytes = b"") -> tuple[int, bytes]:
        """Send one command, wait for its reply, map the status; (status, data) on success."""
        frame = encode_frame(cmd, data, self.framing, self.etx)
        problem = "no answer"
        noise_before = self.noise_bytes
        for attempt in range(self.retries + 1):
            if attempt:
                log.info("pinpad: retrying command %02X after %s", cmd, problem)
            self._discard_stale()
            self._write(frame)
            deadline = time.monotonic() + self.reply_timeout
            reply: Reply | None = None
            while reply is None and time.monotonic() < deadline:
                item = self._next_item(deadline)
                if isinstance(item, Reply):
                    reply = item
                elif isinstance(item, BadFrame):
                    problem = f"bad frame ({item.reason})"
                    log.warning("pinpad: %s in reply to %02X", problem, cmd)
                    break
                elif isinstance(item, Echo):
                    self._echoes.append(item.byte)  # keep key echoes for the input loop
            if reply is not None:
                log.debug("pinpad: cmd %02X len %d -> st %02X len %d", cmd, len(data),
                          reply.status, len(reply.data))
                return self._check_status(cmd, reply)
        noise = self.noise_bytes - noise_before
        heard = f" ({noise} bytes of line noise)" if noise else ""
        if noise:
            log.warning("pinpad: command %02X: %d bytes of line noise", cmd, noise)
        if problem.startswith("bad frame"):
            raise DeviceOperationError(PinpadError.CHECKSUM,
                                       f"command {cmd:02X}: {problem}{heard}")
        raise DeviceOperationError(PinpadError.NO_ANSWER,
                                   f"command {cmd:02X}: no answer{heard}",
                                   CompletionCode.DEVICE_NOT_READY)

    @staticmethod
    def _check_status(cmd: int, reply: Reply) -> tuple[int, bytes]:
        st = reply.status
        if st in ST_OK:
            return st, reply.data
        where = f"command {cmd:02X}: status {st:02X}"
        if st == 0x15:
            raise DeviceOperationError(PinpadError.PARAMETER, where, CompletionCode.INVALID_DATA)
        if st == 0x80:
            raise DeviceTimeout(where, PinpadError.ENTRY_TIMEOUT)
        if st in (0xB5, 0xD5):
            raise DeviceOperationError(PinpadError.KEY_NOT_LOADED, where,
                                       CompletionCode.DEVICE_NOT_READY)
        if st == 0xE0:
            raise DeviceOperationError(PinpadError.INVALID_COMMAND, where,
                                       CompletionCode.UNSUPPORTED)
        if 0xF0 <= st <= 0xF7:
            raise DeviceOperationError(PinpadError.SELF_TEST_FAILED, where)
        raise DeviceOperationError(PinpadError.PROTOCOL, where)


def _plain_key(byte: int) -> tuple[str, Key]:
    if 0x30 <= byte <= 0x39:
        return chr(byte), Key.DIGIT
    named = {ECHO_BACKSPACE: ("backspace", Key.BACKSPACE), ECHO_ENTER: ("enter", Key.ENTER),
             ECHO_CANCEL: ("cancel", Key.CANCEL), ECHO_CLEAR_PLAIN: ("clear", Key.CLEAR)}
    return named.get(byte, (f"0x{byte:02X}", Key.FUNCTION))
