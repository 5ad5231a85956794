"""The intention's printed slip (贷款意向登记单), Qt-free: the kiosk's receipt template with the
host's registration number, or 待发送 while it waits in the outbox; what happens next and the
branch's phone. Names, ID and card numbers, and the phone are masked on paper."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from devices.printer.contract import ReceiptDoc
from kiosk.i18n import Translator
from kiosk.receipts.model import Customer, IntentionSlip, ReceiptHeader
from kiosk.receipts.templates import render


def intention_slip(tr: Translator, *, terminal: Any, session: Any, purpose: str,
                   amount: Decimal, phone: str, number: str | None, key: str,
                   branch_phone: str, now: dt.datetime, visit_time: str = "") -> ReceiptDoc:
    identity = None if session is None else session.identity
    account = None if session is None else session.account
    customer = Customer(getattr(identity, "name", "") or "",
                        getattr(identity, "id_number", "") or "",
                        getattr(account, "pan", "") or "")
    header = ReceiptHeader(str(getattr(terminal, "id", "")),
                           str(getattr(terminal, "service_point", "")),
                           number or key[:20], now)
    slip = IntentionSlip(header, customer.masked(), number or tr("apply.reference.queued"),
                         purpose, amount, phone, queued=number is None,
                         branch_phone=branch_phone, visit_time=visit_time)
    return render(slip, tr)
