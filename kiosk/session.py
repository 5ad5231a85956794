"""The customer session: the only place personal data of the farmer at the terminal lives.

A session starts when a farmer starts a journey from the home screen and ends on every exit
path of the session (done, cancel, timeout, failure) with :meth:`CustomerSession.wipe`, which
drops every typed field at once (identity, bank card account, the host's answer, a PIN block
still waiting, the cards the farmer has put in) and tells the log masking filter to forget the
name. Identification is done once per session: a later journey of the same farmer finds
``identified`` true and does not ask again.

The PIN block has a lifetime: it is kept only between the PIN pad's answer and the host call
that consumes it (:meth:`take_pin_block` hands it over once), and never beyond
``PIN_BLOCK_LIFETIME`` seconds.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from devices.idcard.contract import Identity
from kiosk.i18n import Translator
from kiosk.logs import set_customer_name, set_session
from kiosk.masking import mask_name

if TYPE_CHECKING:
    from devices.iccard.contract import CardAccount
    from devices.pinpad.contract import PinBlock
    from kiosk.host.models import IdentifyResponse

log = logging.getLogger(__name__)

#: Seconds a PIN block may wait for the host call that uses it.
PIN_BLOCK_LIFETIME = 60.0


@dataclass
class _HeldPinBlock:
    block: PinBlock
    expires_at: float


class CustomerSession:
    """One farmer, one session. ``translator`` is the session's language (receipts, voice).

    Typed fields: ``identity`` (the ID card), ``account`` (the bank card account read from the
    chip), ``customer`` (the host's identification answer, with reminders), ``cards`` (the
    readers that hold or held a card of this farmer: the card-return rule at the end).
    """

    def __init__(self, language: str, *, now: dt.datetime | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.id = uuid.uuid4().hex[:16]
        self.translator = Translator(language)
        self.started_at = now or dt.datetime.now()
        self._clock = clock
        self.identity: Identity | None = None
        self.account: CardAccount | None = None
        self.customer: IdentifyResponse | None = None
        self.cards: set[str] = set()
        self._pin: _HeldPinBlock | None = None
        self.active = True
        set_session(self.id)
        log.info("session started", extra={"language": self.translator.lang})

    @property
    def language(self) -> str:
        return self.translator.lang

    def set_language(self, language: str) -> None:
        self.translator = Translator(language)

    def set_identity(self, identity: Identity) -> None:
        """Keep the identity read from the card; its name is masked in every log line."""
        self.identity = identity
        set_customer_name(identity.name, identity.english_name)

    def set_account(self, account: CardAccount) -> None:
        """Keep the bank card account read from the chip."""
        self.account = account

    def set_customer(self, customer: IdentifyResponse) -> None:
        """The host matched ID card, bank card and PIN to one customer."""
        self.customer = customer

    @property
    def identified(self) -> bool:
        """The host has identified the farmer in this session (ID card, bank card, PIN)."""
        return self.customer is not None

    # --- the PIN block: used once, short-lived ---------------------------------------------

    def keep_pin_block(self, block: PinBlock, lifetime: float = PIN_BLOCK_LIFETIME) -> None:
        self._pin = _HeldPinBlock(block, self._clock() + lifetime)

    def take_pin_block(self) -> PinBlock | None:
        """The PIN block, once; None when there is none or it has expired."""
        held, self._pin = self._pin, None
        if held is None or self._clock() > held.expires_at:
            return None
        return held.block

    @property
    def holds_pin_block(self) -> bool:
        return self._pin is not None

    @property
    def masked_name(self) -> str:
        """张卫国 -> 张*国 (what the screens show); the host's masked name once identified."""
        if self.customer is not None and self.customer.masked_name:
            return str(self.customer.masked_name)
        return "" if self.identity is None else mask_name(self.identity.name)

    def wipe(self) -> None:
        """Forget everything about the farmer, every field at once. Idempotent."""
        if not self.active:
            return
        self.identity = None
        self.account = None
        self.customer = None
        self.cards = set()
        self._pin = None
        self.active = False
        log.info("session ended")
        set_customer_name(None)
        set_session(None)
