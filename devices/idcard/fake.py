"""``fake``: an in-process ID card reader, deterministic and thread-safe.

The GUI thread (simulator panel, tests) scripts it with :meth:`FakeIdCardReader.insert`,
:meth:`~FakeIdCardReader.remove` and :meth:`~FakeIdCardReader.set_fault`; the device worker
thread reads it. It follows the SAM_V behaviour that the app can observe: a card is read once
and then counts as absent until it is taken away and put back (see ``contract`` module doc).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Mapping
from typing import Any

from devices.base import (
    CancelToken,
    CardInserted,
    CardRemoved,
    DeviceInitError,
    DeviceState,
    EventSink,
    discard_events,
)
from devices.idcard.contract import (
    KIND,
    CardPresence,
    CardType,
    IdCardError,
    IdCardStatus,
    Identity,
    SamState,
    idcard_error,
)
from devices.idcard.layouts import PHOTO_LEN

# Faults that only show once a card has been found (like the SAM_V SW3 codes of select/read).
_CARD_STAGE = frozenset(
    {
        IdCardError.SELECT_FAILED,
        IdCardError.READ_FAILED,
        IdCardError.CARD_REMOVED,
        IdCardError.UNKNOWN_CARD_TYPE,
        IdCardError.CARD_AUTH_FAILED,
        IdCardError.SAM_AUTH_FAILED,
        IdCardError.VERIFY_FAILED,
        IdCardError.RANDOM_FAILED,
    }
)
_SAM_STATE = {
    IdCardError.SAM_SELF_TEST_FAILED: SamState.FAILED,
    IdCardError.SAM_NOT_AUTHORISED: SamState.NOT_AUTHORISED,
}

DEFAULT_SAM_ID = "05.01-20120829-0046218765-1001063658"


class FakeIdCardReader:
    """A scriptable reader: ``insert(identity)``, ``remove()``, ``set_fault(error | None)``.

    ``identity`` (optional): a card already on the pad at start. ``poll_interval``: how often a
    waiting read looks for a card (the real reader polls every second; the fake reacts faster).
    ``read_new_address``: as the samv parameter, return the card's appended address.
    """

    kind = KIND
    status_type = IdCardStatus

    def __init__(
        self,
        *,
        identity: Identity | Mapping[str, Any] | None = None,
        poll_interval: float = 0.02,
        sam_id: str = DEFAULT_SAM_ID,
        read_new_address: bool = False,
        **_ignored: Any,
    ) -> None:
        self._cond = threading.Condition()
        self._card: Identity | None = None
        self._unread = False
        self._fault: IdCardError | None = None
        self._opened = False
        self._sam_id = sam_id
        self.poll_interval = poll_interval
        self.read_new_address = read_new_address
        self.reads = 0
        if identity is not None:
            self.insert(identity)

    # --- scripting (any thread) ---------------------------------------------------------------

    def insert(self, identity: Identity | Mapping[str, Any]) -> None:
        """Put a card on the pad (replacing any card there): it is unread until read."""
        if isinstance(identity, Identity):
            card = identity
        else:
            card = Identity.from_json(identity)
            if not card.photo:
                # Like a real chip: a 1024-byte (encrypted WLT) photo, and the fingerprint
                # templates the entry asks for (default: two on a resident card, else none).
                default = 2 if card.card_type is CardType.RESIDENT else 0
                templates = int(identity.get("fingerprints", default))
                card = dataclasses.replace(
                    card, photo=bytes(PHOTO_LEN), fingerprint=bytes(512 * templates)
                )
        with self._cond:
            self._card = card
            self._unread = True
            self._cond.notify_all()

    def remove(self) -> None:
        """Take the card away."""
        with self._cond:
            self._card = None
            self._unread = False
            self._cond.notify_all()

    def set_fault(self, fault: IdCardError | str | None) -> None:
        """Make commands fail with ``fault`` until it is cleared with ``None``."""
        with self._cond:
            self._fault = None if fault is None else IdCardError(fault)
            self._cond.notify_all()

    @property
    def fault(self) -> IdCardError | None:
        with self._cond:
            return self._fault

    @property
    def card(self) -> Identity | None:
        """The card on the pad (read or not), or None."""
        with self._cond:
            return self._card

    # --- the driver side (the worker thread) --------------------------------------------------

    def open(self) -> None:
        self._opened = True

    def close(self) -> None:
        self._opened = False

    def _check_open(self) -> None:
        if not self._opened:
            raise DeviceInitError("fake reader not open")

    def probe(self) -> IdCardStatus:
        self._check_open()
        with self._cond:
            fault, unread = self._fault, self._unread
        if fault is IdCardError.NO_RESPONSE:
            return IdCardStatus(DeviceState.OFFLINE, SamState.UNKNOWN, CardPresence.UNKNOWN)
        if fault in _SAM_STATE:
            return IdCardStatus(DeviceState.HARDWARE_ERROR, _SAM_STATE[fault], CardPresence.UNKNOWN)
        presence = CardPresence.PRESENT if unread else CardPresence.ABSENT
        return IdCardStatus(DeviceState.ONLINE, SamState.OK, presence)

    def read_identity(
        self,
        *,
        wait: bool = True,
        fingerprints: bool = False,
        events: EventSink = discard_events,
        cancel: CancelToken | None = None,
    ) -> Identity:
        """Wait (if ``wait``) for an unread card, then "read" it; see the contract."""
        self._check_open()
        token = cancel or CancelToken()
        with self._cond:
            while True:
                token.raise_if_cancelled()
                fault = self._fault
                if fault is not None and fault not in _CARD_STAGE:
                    raise idcard_error(fault, f"fault injected: {fault.value}")
                if self._unread and self._card is not None:
                    break
                if not wait:
                    raise idcard_error(IdCardError.NO_CARD, "no unread card on the pad")
                self._cond.wait(min(self.poll_interval, 0.05))
            card = self._card
            events(CardInserted())
            if fault is not None:
                raise idcard_error(fault, f"fault injected: {fault.value}")
            self._unread = False
            self.reads += 1
        if not fingerprints and card.fingerprint:
            card = dataclasses.replace(card, fingerprint=b"")
        if not self.read_new_address and card.new_address is not None:
            card = dataclasses.replace(card, new_address=None)
        return card

    def wait_for_removal(
        self, *, events: EventSink = discard_events, cancel: CancelToken | None = None
    ) -> None:
        """Return when no unread card is on the pad (at once after a successful read)."""
        self._check_open()
        token = cancel or CancelToken()
        with self._cond:
            while self._unread:
                token.raise_if_cancelled()
                self._cond.wait(0.05)
        events(CardRemoved())

    def sam_id(self) -> str:
        self._check_open()
        fault = self.fault
        if fault is not None and fault not in _CARD_STAGE:
            raise idcard_error(fault, f"fault injected: {fault.value}")
        return self._sam_id
