"""The ``pcsc`` backend: a PC/SC contact reader through pcscd with pyscard's ``scard`` layer.

Why the low-level ``smartcard.scard`` API and not ``CardConnection``/``CardMonitor``:

- one PC/SC context that *we* own and release explicitly (pyscard 2.2+ creates a context per
  connection object and frees it in ``__del__``, which fails uncatchably in long-running
  processes; library_pitfalls.md §3);
- ``CardMonitor`` dies for good when pcscd restarts. :class:`ReaderWatcher` is our own watcher
  on ``SCardGetStatusChange``: on a service-level error it drops the context and establishes
  a new one; when pcscd is really gone it raises ``DeviceInitError(SERVICE_UNAVAILABLE)`` and
  the worker reports ``noDevice`` and reopens with back-off until pcscd is back;
- exact PC/SC result codes, so that "card pulled" and "card mute" can be told apart.

A failed exchange (``SCARD_E_NOT_TRANSACTED`` and friends) is either a card pulled out during
the read or a chip that stopped answering: the driver then watches the slot for
``removal_check_seconds``; an empty slot means ``CARD_REMOVED``, a card still seated
``CARD_MUTE``.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from smartcard import scard

from devices.base import (
    CancelToken,
    CardInserted,
    CardRemoved,
    DeviceInitError,
    DeviceOperationError,
    DeviceState,
    EventSink,
    discard_events,
)
from devices.iccard.contract import (
    DEFAULT_AIDS,
    KIND,
    CardAccount,
    CardApplication,
    IccardError,
    IccardStatus,
    MediaState,
    iccard_error,
)
from devices.iccard.emv import PbocCardSession, SelectionSettings, TerminalData

log = logging.getLogger(__name__)

SERVICE_ERRORS = frozenset({
    scard.SCARD_E_NO_SERVICE,
    scard.SCARD_E_SERVICE_STOPPED,
    scard.SCARD_F_COMM_ERROR,  # pcsc-lite: "RPC transport error", the daemon went away
    scard.SCARD_E_INVALID_HANDLE,  # a context or card handle of a previous daemon
})
READER_GONE = frozenset({
    scard.SCARD_E_UNKNOWN_READER,
    scard.SCARD_E_READER_UNAVAILABLE,
    scard.SCARD_E_NO_READERS_AVAILABLE,
})
CARD_GONE = frozenset({scard.SCARD_W_REMOVED_CARD, scard.SCARD_E_NO_SMARTCARD})
EXCHANGE_FAILED = frozenset({
    scard.SCARD_E_NOT_TRANSACTED,
    scard.SCARD_W_UNRESPONSIVE_CARD,
    scard.SCARD_W_UNPOWERED_CARD,
    scard.SCARD_W_RESET_CARD,
    scard.SCARD_E_PROTO_MISMATCH,
})

STEP_MS = 100  # wait granularity: cancel is honoured within this


def _hr(hresult: int) -> str:
    return f"0x{hresult & 0xFFFFFFFF:08X} {scard.SCardGetErrorMessage(hresult)}"


class ReaderWatcher:
    """Our own context, the reader matching ``pattern`` and its card state.

    Every call goes through :meth:`_call`, which on a service-level error re-establishes the
    context once (pcscd was restarted) and otherwise raises ``SERVICE_UNAVAILABLE``.
    """

    def __init__(self, pattern: str = "") -> None:
        self.pattern = pattern
        self.context: int | None = None
        self.reader: str | None = None
        self._state = scard.SCARD_STATE_UNAWARE

    # context ---------------------------------------------------------------------------

    def establish(self) -> None:
        """A fresh PC/SC context (the old one, if any, released first)."""
        self.release()
        hresult, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if hresult != scard.SCARD_S_SUCCESS:
            raise iccard_error(IccardError.SERVICE_UNAVAILABLE, f"pcscd: {_hr(hresult)}")
        self.context = ctx
        self.reader = None
        self._state = scard.SCARD_STATE_UNAWARE

    def release(self) -> None:
        """Release the context explicitly (never left to a ``__del__``)."""
        if self.context is not None:
            scard.SCardReleaseContext(self.context)  # result ignored: daemon may be gone
            self.context = None
        self.reader = None

    def _call(self, fn: Callable[[int], tuple[Any, ...]]) -> tuple[Any, ...]:
        """Run ``fn(context)``; re-establish once on a service-level error."""
        if self.context is None:
            self.establish()
        assert self.context is not None
        result = fn(self.context)
        if result[0] in SERVICE_ERRORS:
            log.warning("PC/SC service lost (%s); establishing a new context", _hr(result[0]))
            self.establish()  # raises SERVICE_UNAVAILABLE when pcscd is still down
            self.find_reader()
            result = fn(self.context)
            if result[0] in SERVICE_ERRORS:
                raise iccard_error(IccardError.SERVICE_UNAVAILABLE, f"pcscd: {_hr(result[0])}")
        return result

    # reader ----------------------------------------------------------------------------

    def find_reader(self) -> str:
        """The first reader whose name contains the pattern (NO_READER if none)."""
        if self.context is None:
            self.establish()
        hresult, readers = scard.SCardListReaders(self.context, [])
        if hresult in SERVICE_ERRORS:
            raise iccard_error(IccardError.SERVICE_UNAVAILABLE, f"pcscd: {_hr(hresult)}")
        names = list(readers) if hresult == scard.SCARD_S_SUCCESS else []
        for name in map(str, names):
            if self.pattern.lower() in name.lower():
                if name != self.reader:
                    self.reader = name
                    self._state = scard.SCARD_STATE_UNAWARE
                return name
        self.reader = None
        raise iccard_error(
            IccardError.NO_READER,
            f"no PC/SC reader matching {self.pattern!r} (readers: {', '.join(names) or 'none'})",
        )

    # card state ------------------------------------------------------------------------

    def state(self, timeout_ms: int = 0) -> int:
        """The reader's event state, waiting up to ``timeout_ms`` for a change."""
        if self.reader is None:
            self.find_reader()

        def get(ctx: int) -> tuple[Any, ...]:
            return tuple(scard.SCardGetStatusChange(ctx, timeout_ms, [(self.reader, self._state)]))

        hresult, states = self._call(get)
        if hresult == scard.SCARD_E_TIMEOUT:
            return int(self._state)
        if hresult in READER_GONE:
            self.reader = None
            raise iccard_error(IccardError.NO_READER, f"reader gone: {_hr(hresult)}")
        if hresult != scard.SCARD_S_SUCCESS:
            raise iccard_error(IccardError.READER_ERROR, f"status: {_hr(hresult)}")
        event_state = int(states[0][1])
        if event_state & (scard.SCARD_STATE_UNKNOWN | scard.SCARD_STATE_UNAVAILABLE):
            self.reader = None
            raise iccard_error(IccardError.NO_READER, "reader unavailable")
        self._state = event_state & ~scard.SCARD_STATE_CHANGED
        return event_state

    def present(self, timeout_ms: int = 0) -> bool:
        """Whether a card is in the reader (after waiting up to ``timeout_ms`` for a change)."""
        return bool(self.state(timeout_ms) & scard.SCARD_STATE_PRESENT)

    def wait_until(self, present: bool, cancel: CancelToken, deadline: float | None = None
                   ) -> bool:
        """Wait until a card is (or is not) present; False when ``deadline`` passes."""
        state = self.state()
        while bool(state & scard.SCARD_STATE_PRESENT) != present:
            cancel.raise_if_cancelled()
            if deadline is not None and time.monotonic() >= deadline:
                return False
            state = self.state(STEP_MS)
        return True


class _CardConnection:
    """One SCardConnect handle; always disconnected explicitly (LEAVE_CARD: the farmer takes
    the card out; pcscd powers it down when idle)."""

    def __init__(self, context: int, reader: str) -> None:
        hresult, self.handle, self.protocol = scard.SCardConnect(
            context, reader, scard.SCARD_SHARE_SHARED,
            scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1,
        )
        if hresult != scard.SCARD_S_SUCCESS:
            self.handle = None
            if hresult in SERVICE_ERRORS:
                raise iccard_error(IccardError.SERVICE_UNAVAILABLE, f"connect: {_hr(hresult)}")
            if hresult in CARD_GONE:
                raise iccard_error(IccardError.CARD_REMOVED, f"connect: {_hr(hresult)}")
            if hresult == scard.SCARD_W_UNRESPONSIVE_CARD:
                raise iccard_error(IccardError.CARD_MUTE, f"connect: {_hr(hresult)}")
            raise iccard_error(IccardError.READER_ERROR, f"connect: {_hr(hresult)}")
        self.pci = scard.SCARD_PCI_T0 if self.protocol == scard.SCARD_PROTOCOL_T0 else (
            scard.SCARD_PCI_T1)

    def close(self) -> None:
        """SCardDisconnect, leaving the card as it is (the farmer takes it out)."""
        if self.handle is not None:
            scard.SCardDisconnect(self.handle, scard.SCARD_LEAVE_CARD)
            self.handle = None


class PcscIcCardReader:
    """Bank card reader on PC/SC (registry ``iccard.pcsc``).

    ``reader``: substring of the reader name (first match). ``aids``: the terminal's supported
    AIDs (prefixes). ``selection``: ``ask`` or ``priority`` (see the contract module).
    ``directories``: order of PPSE/PSE. ``removal_check_seconds``: how long a failed exchange
    watches the slot to tell a pulled card from a mute one. ``terminal``: overrides of
    :class:`~devices.iccard.emv.TerminalData` (``ttq``, ``transaction_type``, ...).
    """

    kind = KIND
    status_type = IccardStatus

    def __init__(
        self,
        reader: str = "",
        *,
        aids: Sequence[str] = DEFAULT_AIDS,
        selection: str = "ask",
        directories: Sequence[str] = ("ppse", "pse"),
        removal_check_seconds: float = 1.0,
        terminal: dict[str, Any] | None = None,
        clock: Callable[[], dt.datetime] = dt.datetime.now,
    ) -> None:
        if selection not in ("ask", "priority"):
            raise ValueError(f"selection must be 'ask' or 'priority', not {selection!r}")
        self.settings = SelectionSettings(
            aids=tuple(a.upper() for a in aids),
            directories=tuple(directories),
            selection=selection,
            terminal=TerminalData(**(terminal or {})),
        )
        self.removal_check_seconds = removal_check_seconds
        self._watcher = ReaderWatcher(reader)
        self._clock = clock
        self._last_present: bool | None = None
        #: when a list, every exchange is appended as (C-APDU, R-APDU) - benchmarks only;
        #: it holds card data and is never logged
        self.trace: list[tuple[bytes, bytes]] | None = None

    # life cycle ------------------------------------------------------------------------

    def open(self) -> None:
        """Establish the context and find the reader (DeviceInitError when either fails)."""
        try:
            self._watcher.establish()
            self._watcher.find_reader()
        except Exception:
            self._watcher.release()
            raise
        self._last_present = None

    def close(self) -> None:
        self._watcher.release()

    def probe(self) -> IccardStatus:
        reader = self._watcher.find_reader()
        present = self._watcher.present()
        return IccardStatus(
            device=DeviceState.ONLINE,
            media=MediaState.PRESENT if present else MediaState.NOT_PRESENT,
            reader=reader,
        )

    def poll(self, events: EventSink) -> None:
        """Idle watch: ``CardRemoved`` when the card leaves the reader outside a command."""
        present = self._watcher.present()
        if self._last_present and not present:
            events(CardRemoved())
        self._last_present = present

    # commands --------------------------------------------------------------------------

    def card_present(self) -> bool:
        return self._watcher.present()

    def read_account(
        self,
        *,
        wait: bool = True,
        aid: str | None = None,
        amount: Decimal = Decimal("0"),
        events: EventSink = discard_events,
        cancel: CancelToken | None = None,
    ) -> CardAccount:
        token = cancel or CancelToken()
        with self._card_session(wait, events, token) as session:
            return session.read_account(aid, amount)

    def list_applications(
        self,
        *,
        wait: bool = True,
        events: EventSink = discard_events,
        cancel: CancelToken | None = None,
    ) -> tuple[CardApplication, ...]:
        token = cancel or CancelToken()
        with self._card_session(wait, events, token) as session:
            return tuple(session.list_applications())

    def wait_for_removal(
        self, *, events: EventSink = discard_events, cancel: CancelToken | None = None
    ) -> None:
        token = cancel or CancelToken()
        was_present = self._watcher.present()
        self._watcher.wait_until(False, token)
        self._last_present = False
        if was_present:
            events(CardRemoved())

    # internals -------------------------------------------------------------------------

    @contextmanager
    def _card_session(
        self, wait: bool, events: EventSink, cancel: CancelToken
    ) -> Iterator[PbocCardSession]:
        if self._watcher.context is None or self._watcher.reader is None:
            self.open()
        conn = self._connect(wait, events, cancel)
        try:
            yield PbocCardSession(
                lambda apdu: self._transmit(conn, apdu, cancel), self.settings,
                clock=self._clock,
            )
        finally:
            conn.close()

    def _connect(self, wait: bool, events: EventSink, cancel: CancelToken) -> _CardConnection:
        """Connect straight away (no status round trip on the usual path: the card is in);
        on "no card" wait for one (emitting CardInserted) or report NO_CARD."""
        cancel.raise_if_cancelled()
        watcher = self._watcher
        for attempt in (1, 2):
            assert watcher.context is not None and watcher.reader is not None
            try:
                conn = _CardConnection(watcher.context, watcher.reader)
            except DeviceOperationError as exc:
                if exc.error is not IccardError.CARD_REMOVED:
                    raise
                if not wait:
                    raise iccard_error(IccardError.NO_CARD, "no card in the reader") from None
                watcher.wait_until(True, cancel)
                events(CardInserted())
                conn = _CardConnection(watcher.context, watcher.reader)
            except DeviceInitError:
                if attempt == 2:
                    raise
                # the context of a pcscd that was restarted: establish a new one, retry once
                watcher.establish()
                watcher.find_reader()
                continue
            self._last_present = True
            return conn
        raise AssertionError("unreachable")

    def _transmit(self, conn: _CardConnection, apdu: bytes, cancel: CancelToken
                  ) -> tuple[bytes, int]:
        cancel.raise_if_cancelled()
        hresult, response = scard.SCardTransmit(conn.handle, conn.pci, list(apdu))
        if hresult == scard.SCARD_S_SUCCESS and len(response) >= 2:
            raw = bytes(response)
            if self.trace is not None:
                self.trace.append((apdu, raw))
            return raw[:-2], (raw[-2] << 8) | raw[-1]
        # vpcd (and some readers) report a broken line as success with an empty answer
        failed = "empty response" if hresult == scard.SCARD_S_SUCCESS else _hr(hresult)
        log.info("exchange failed: INS %02X: %s", apdu[1], failed)
        if hresult in SERVICE_ERRORS:
            raise iccard_error(IccardError.SERVICE_UNAVAILABLE, f"transmit: {_hr(hresult)}")
        if hresult in CARD_GONE:
            raise iccard_error(IccardError.CARD_REMOVED, f"transmit: {_hr(hresult)}")
        if hresult in EXCHANGE_FAILED or hresult == scard.SCARD_S_SUCCESS:
            deadline = time.monotonic() + self.removal_check_seconds
            if self._watcher.wait_until(False, cancel, deadline):
                self._last_present = False
                raise iccard_error(IccardError.CARD_REMOVED, f"transmit: {failed}")
            raise iccard_error(IccardError.CARD_MUTE, f"transmit: {failed}")
        raise iccard_error(IccardError.READER_ERROR, f"transmit: {_hr(hresult)}")
