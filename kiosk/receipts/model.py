"""The receipt model: what each kind of receipt says (PRODUCT.md "Receipts").

Values only; masking, wording and layout happen in :mod:`kiosk.receipts.templates`. A model
may carry full personal data while the session lasts; :func:`masked` gives the copy that may
be stored (masking is idempotent, so a stored receipt renders the same).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
import typing
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Any, ClassVar

from kiosk.masking import mask_id_number, mask_name, mask_pan, mask_phone


class ReceiptKind(StrEnum):
    DRAWDOWN = "drawdown"
    REPAYMENT = "repayment"
    LINE_SIGNING = "line_signing"
    ACCOUNT_CHANGE = "account_change"
    INTENTION = "intention"
    DAY_SUMMARY = "day_summary"
    TEST_PAGE = "test_page"


class TxnResult(StrEnum):
    """What the farmer is told (the money rule: success, processing, or failed)."""

    SUCCESS = "success"
    PROCESSING = "processing"
    FAILED = "failed"


class RepaymentMethod(StrEnum):
    """Names as in ``kiosk calc --method``."""

    EQUAL_INSTALLMENT = "equal-installment"
    EQUAL_PRINCIPAL = "equal-principal"
    INTEREST_FIRST = "interest-first"
    BULLET = "bullet"


class RepaymentType(StrEnum):
    INSTALLMENT = "installment"
    OVERDUE = "overdue"
    EARLY_PARTIAL_SHORTER_TERM = "early_partial_shorter_term"
    EARLY_PARTIAL_LOWER_INSTALLMENT = "early_partial_lower_installment"
    EARLY_FULL = "early_full"


@dataclass(frozen=True)
class ReceiptHeader:
    """Common to every receipt: where, when, which serial, and who assisted."""

    terminal_id: str
    service_point: str
    serial_no: str
    txn_time: dt.datetime
    accounting_date: dt.date | None = None
    staff_id: str | None = None


@dataclass(frozen=True)
class Customer:
    """The farmer as printed: name, ID number, card number (masked on paper)."""

    name: str
    id_number: str
    card_number: str = ""

    def masked(self) -> Customer:
        return Customer(mask_name(self.name), mask_id_number(self.id_number),
                        mask_pan(self.card_number))


@dataclass(frozen=True)
class DrawdownReceipt:
    kind: ClassVar[ReceiptKind] = ReceiptKind.DRAWDOWN
    header: ReceiptHeader
    customer: Customer
    contract_no: str
    amount: Decimal
    annual_rate: Decimal
    term_months: int
    method: RepaymentMethod
    first_due_date: dt.date | None
    first_due_amount: Decimal | None
    result: TxnResult


@dataclass(frozen=True)
class RepaymentReceipt:
    kind: ClassVar[ReceiptKind] = ReceiptKind.REPAYMENT
    header: ReceiptHeader
    customer: Customer
    contract_no: str
    repayment_type: RepaymentType
    amount: Decimal
    principal: Decimal
    interest: Decimal
    penalty: Decimal
    remaining_principal: Decimal
    annual_rate: Decimal
    method: RepaymentMethod
    next_due_date: dt.date | None
    next_due_amount: Decimal | None
    result: TxnResult
    #: 复利 and fees on lines of their own, as the confirmation screen shows them (``penalty``
    #: is the 罚息 alone then); receipts stored before these fields read as 0
    compound: Decimal = Decimal(0)
    fees: Decimal = Decimal(0)


@dataclass(frozen=True)
class LineSigningReceipt:
    kind: ClassVar[ReceiptKind] = ReceiptKind.LINE_SIGNING
    header: ReceiptHeader
    customer: Customer
    contract_no: str
    line_amount: Decimal
    annual_rate: Decimal
    valid_until: dt.date
    max_term_months: int
    result: TxnResult
    #: 见证签约: the staff member who witnessed a signing without a drawn signature
    witness_staff_id: str | None = None


@dataclass(frozen=True)
class AccountChangeReceipt:
    """还款账户变更: the loan's repayments now come from the new card (old one for
    comparison); both accounts masked on paper."""

    kind: ClassVar[ReceiptKind] = ReceiptKind.ACCOUNT_CHANGE
    header: ReceiptHeader
    customer: Customer  # card_number: the new card
    contract_no: str
    old_account: str
    new_account: str
    result: TxnResult


@dataclass(frozen=True)
class IntentionSlip:
    """Loan intention registration or application: a slip, queued when offline."""

    kind: ClassVar[ReceiptKind] = ReceiptKind.INTENTION
    header: ReceiptHeader
    customer: Customer
    reference_no: str
    purpose: str  # a msgid suffix: receipt.purpose.<purpose>
    amount: Decimal
    phone: str
    queued: bool
    application: bool = False
    branch_phone: str = ""
    visit_time: str = ""  # an intention's preferred visit: receipt.visit.<visit_time>


@dataclass(frozen=True)
class SummaryRow:
    """One line of the day summary: a kind of transaction, how many, how much."""

    kind: ReceiptKind
    count: int
    total: Decimal | None = None


@dataclass(frozen=True)
class DaySummary:
    kind: ClassVar[ReceiptKind] = ReceiptKind.DAY_SUMMARY
    header: ReceiptHeader
    business_date: dt.date
    rows: tuple[SummaryRow, ...] = ()
    unresolved: int = 0
    outbox: int = 0


@dataclass(frozen=True)
class TestPage:
    """The printer test page (diagnostics): character samples, sizes, a QR code."""

    __test__: ClassVar[bool] = False  # not a pytest class
    kind: ClassVar[ReceiptKind] = ReceiptKind.TEST_PAGE
    header: ReceiptHeader
    profile_name: str = ""
    extra_lines: tuple[str, ...] = field(default=())


Receipt = (DrawdownReceipt | RepaymentReceipt | LineSigningReceipt | AccountChangeReceipt
           | IntentionSlip | DaySummary | TestPage)

RECEIPT_CLASSES: dict[ReceiptKind, type[Any]] = {
    c.kind: c for c in (DrawdownReceipt, RepaymentReceipt, LineSigningReceipt,
                        AccountChangeReceipt, IntentionSlip, DaySummary, TestPage)
}


def masked(receipt: Receipt) -> Receipt:
    """The copy of ``receipt`` that may be stored or logged: customer and phone masked."""
    changes: dict[str, Any] = {}
    customer = getattr(receipt, "customer", None)
    if isinstance(customer, Customer):
        changes["customer"] = customer.masked()
    if isinstance(receipt, IntentionSlip):
        changes["phone"] = mask_phone(receipt.phone)
    if isinstance(receipt, AccountChangeReceipt):
        changes["old_account"] = mask_pan(receipt.old_account)
        changes["new_account"] = mask_pan(receipt.new_account)
    return dataclasses.replace(receipt, **changes) if changes else receipt


# --- JSON (the reprint store) ----------------------------------------------------------------


def to_json(value: Any) -> Any:
    """Dataclasses, Decimal, dates and enums -> JSON-ready values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
        kind = getattr(type(value), "kind", None)
        if isinstance(kind, ReceiptKind):
            out["kind"] = kind.value
        return out
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [to_json(v) for v in value]
    return value


def _from(tp: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _from(args[0], value)
    if origin is tuple:
        inner = typing.get_args(tp)[0]
        return tuple(_from(inner, v) for v in value)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        return tp(**{f.name: _from(hints[f.name], value[f.name])
                     for f in dataclasses.fields(tp) if f.name in value})
    if tp is Decimal:
        return Decimal(value)
    if tp is dt.datetime:
        return dt.datetime.fromisoformat(value)
    if tp is dt.date:
        return dt.date.fromisoformat(value)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return tp(value)
    return value


def from_json(data: dict[str, Any]) -> Receipt:
    """Inverse of :func:`to_json` for a receipt (``kind`` picks the class)."""
    cls = RECEIPT_CLASSES[ReceiptKind(data["kind"])]
    result: Receipt = _from(cls, data)
    return result
