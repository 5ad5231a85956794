"""The account change receipt (还款账户变更回单), Qt-free, on the kiosk's receipt template: the
contract, the old and the new repayment account (masked), the result (成功 / 处理中), both
dates, the journal key as serial number, the authorising staff member; name and ID masked."""

from __future__ import annotations

import datetime as dt
from typing import Any

from devices.printer.contract import ReceiptDoc
from kiosk.i18n import Translator
from kiosk.receipts.model import AccountChangeReceipt, Customer, ReceiptHeader, masked
from kiosk.receipts.templates import render


def account_change_receipt(tr: Translator, *, terminal: Any, session: Any, loan: Any,
                           new_pan: str, result: Any, now: dt.datetime,
                           staff_id: str | None = None
                           ) -> tuple[AccountChangeReceipt, ReceiptDoc]:
    """The receipt (masked, as it may be stored for a reprint) and its printable document."""
    identity = None if session is None else session.identity
    customer = Customer(getattr(identity, "name", "") or "",
                        getattr(identity, "id_number", "") or "", new_pan)
    answer = result.answer
    header = ReceiptHeader(str(getattr(terminal, "id", "")),
                           str(getattr(terminal, "service_point", "")),
                           result.key, now, getattr(answer, "acct_date", None), staff_id)
    receipt = AccountChangeReceipt(header, customer, loan.contract_no,
                                   loan.repayment_account_masked, new_pan,
                                   result.receipt_result)
    stored = masked(receipt)
    assert isinstance(stored, AccountChangeReceipt)
    return stored, render(stored, tr)
