"""The drawdown's receipt (借款回单), Qt-free: every field of PRODUCT.md "Receipts" from the
transactions service's result, the host's answer and the quote the farmer confirmed. 成功: the
host's serial, accounting date, contract number and first due date; 处理中: the journal's key
as the serial (what staff look up), 待银行确认 for the contract, the plan's first installment;
未成功: the same slip with 失败 (no money moved). Names, ID and card numbers are masked by the
template whatever this holds."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from kiosk.i18n import Translator
from kiosk.receipts.model import (
    Customer,
    DrawdownReceipt,
    ReceiptHeader,
    RepaymentMethod,
)


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def drawdown_receipt(tr: Translator, *, terminal: Any, session: Any, amount: Decimal,
                     months: int, method: str, quote: Any, result: Any,
                     staff_id: str | None, now: dt.datetime) -> DrawdownReceipt:
    identity = None if session is None else session.identity
    account = None if session is None else session.account
    customer = Customer(getattr(identity, "name", "") or "",
                        getattr(identity, "id_number", "") or "",
                        getattr(account, "pan", "") or "")
    answer = getattr(result, "answer", None)
    first = quote.installments[0] if quote is not None and quote.installments else None
    if answer is not None:
        serial, acct_date = str(answer.serial), _date(getattr(answer, "acct_date", None))
        contract = str(answer.contract_no)
        first_date, first_amount = _date(answer.first_due_date), Decimal(answer.first_payment)
        rate = Decimal(answer.annual_rate)
    else:
        serial = str(result.host_ref or result.key)
        acct_date = None
        contract = tr("drawdown.contract.pending")
        first_date = None if first is None else _date(first.due_date)
        first_amount = None if first is None else Decimal(first.payment)
        rate = Decimal(quote.annual_rate) if quote is not None else Decimal(0)
    header = ReceiptHeader(str(getattr(terminal, "id", "")),
                           str(getattr(terminal, "service_point", "")), serial, now,
                           accounting_date=acct_date, staff_id=staff_id)
    return DrawdownReceipt(header, customer.masked(), contract, Decimal(amount), rate, months,
                           RepaymentMethod(method), first_date, first_amount,
                           result.receipt_result)
