"""The customer session: the only place personal data of the farmer at the terminal lives.

A session starts when a farmer starts a journey and ends on every exit path (done, cancel,
timeout, failure) with :meth:`CustomerSession.wipe`, which drops the identity, the bank card
account (PAN), the host's answer and every other journey datum, and tells the log masking
filter to forget the name.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

from devices.idcard.contract import Identity
from kiosk.i18n import Translator
from kiosk.logs import set_customer_name, set_session
from kiosk.masking import mask_name

log = logging.getLogger(__name__)


class CustomerSession:
    """One farmer, one session. ``translator`` is the session's language (receipts, voice)."""

    def __init__(self, language: str, *, now: dt.datetime | None = None) -> None:
        self.id = uuid.uuid4().hex[:16]
        self.translator = Translator(language)
        self.started_at = now or dt.datetime.now()
        self.identity: Identity | None = None
        self.data: dict[str, Any] = {}
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

    def set_account(self, account: Any) -> None:
        """Keep the bank card account (a :class:`devices.iccard.contract.CardAccount`)."""
        self.data["account"] = account

    @property
    def account(self) -> Any:
        """The bank card account read in this session, or None."""
        return self.data.get("account")

    @property
    def masked_name(self) -> str:
        """张卫国 -> 张*国 (what the screens show)."""
        return "" if self.identity is None else mask_name(self.identity.name)

    def wipe(self) -> None:
        """Forget everything about the farmer. Idempotent."""
        if not self.active:
            return
        self.identity = None
        self.data.clear()
        self.active = False
        log.info("session ended")
        set_customer_name(None)
        set_session(None)
