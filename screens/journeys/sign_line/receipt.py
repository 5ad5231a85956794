"""The signing receipt (额度签约回单), Qt-free: the contract summary on the kiosk's receipt
template (kiosk/receipts): the contract number, the line in figures and capitals, the annual
rate, the longest term, the line's expiry, the result (成功 / 处理中), the transaction and
accounting dates, the serial number (the contract number once signed, the journal key while
处理中); name, ID and card numbers masked."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from devices.printer.contract import ReceiptDoc
from kiosk.i18n import Translator
from kiosk.receipts.model import Customer, LineSigningReceipt, ReceiptHeader
from kiosk.receipts.templates import render


def signing_receipt(tr: Translator, *, terminal: Any, session: Any, line: Any, product: Any,
                    result: Any, now: dt.datetime, staff_id: str | None = None,
                    witness_staff_id: str | None = None
                    ) -> tuple[LineSigningReceipt, ReceiptDoc]:
    """The receipt (masked, as it may be stored for a reprint) and its printable document.
    ``result`` is the transactions service's TxResult; ``line`` the line as read before
    signing (the answer's line when the host confirmed on the spot); ``witness_staff_id``
    for a witnessed signing (签约方式 见证签约, 见证人)."""
    identity = None if session is None else session.identity
    account = None if session is None else session.account
    customer = Customer(getattr(identity, "name", "") or "",
                        getattr(identity, "id_number", "") or "",
                        getattr(account, "pan", "") or "").masked()
    answer = result.answer
    accounting = getattr(answer, "acct_date", None)
    contract = (result.host_ref or getattr(answer, "contract_no", None)
                or tr("sign.receipt.contract_pending"))
    # the host's reference (the contract number) once signed, as the drawdown receipt does;
    # while 处理中 the journal's key, which the staff look up
    header = ReceiptHeader(str(getattr(terminal, "id", "")),
                           str(getattr(terminal, "service_point", "")),
                           str(result.host_ref or result.key), now, accounting, staff_id)
    receipt = LineSigningReceipt(header, customer, str(contract), Decimal(line.limit),
                                 Decimal(product.annual_rate), line.expiry,
                                 max(product.terms), result.receipt_result,
                                 witness_staff_id)
    return receipt, render(receipt, tr)
