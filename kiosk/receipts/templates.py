"""Receipt templates: a receipt model + the farmer's Translator -> a device ReceiptDoc.

Every word comes from the ``receipts`` catalog (zh_CN, en); names, ID and card numbers are
masked here (kiosk/masking.py) whatever the model holds; amounts are shown in figures and in
Chinese capitals; each money receipt ends with a verification QR code and a cut.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from devices.printer.contract import (
    Align,
    Block,
    CutBlock,
    FeedBlock,
    PairBlock,
    QrBlock,
    ReceiptDoc,
    RuleBlock,
    TextBlock,
)
from kiosk.i18n import Translator
from kiosk.masking import mask_pan, mask_phone
from kiosk.receipts.capitals import amount_in_capitals
from kiosk.receipts.model import (
    AccountChangeReceipt,
    Customer,
    DaySummary,
    DrawdownReceipt,
    IntentionSlip,
    LineSigningReceipt,
    Receipt,
    ReceiptHeader,
    ReceiptKind,
    RepaymentReceipt,
    TestPage,
    TxnResult,
)


@dataclass(frozen=True)
class ReceiptSettings:
    """Site settings of the receipts (from the kiosk config)."""

    verify_url: str = "https://e.zhunong.example/v"
    qr_module: int = 5


def money(amount: Decimal) -> str:
    """12345.5 -> '12,345.50' (two decimals, thousands separated)."""
    return f"{amount.quantize(Decimal('0.01')):,}"


def rate_percent(rate: Decimal) -> str:
    """0.0435 -> '4.35' (annual rate as a percentage, at least two decimals)."""
    pct = (rate * 100).normalize()
    text = f"{pct:f}"
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(2, '0')}"


def check_code(receipt: Receipt) -> str:
    """A short digest of the receipt's identity, printed and put in the QR code."""
    h = receipt.header
    amount = getattr(receipt, "amount", None) or getattr(receipt, "line_amount", "")
    key = f"{h.terminal_id}|{h.serial_no}|{h.txn_time:%Y%m%d}|{amount}|{receipt.kind.value}"
    return hashlib.sha256(key.encode()).hexdigest()[:8].upper()


def verify_payload(receipt: Receipt, settings: ReceiptSettings) -> str:
    """The verification QR content: terminal, serial, date, amount and check code."""
    h = receipt.header
    amount = getattr(receipt, "amount", None) or getattr(receipt, "line_amount", None)
    query = {"t": h.terminal_id, "s": h.serial_no, "d": f"{h.txn_time:%Y%m%d}",
             "k": receipt.kind.value}
    if amount is not None:
        query["a"] = money(amount).replace(",", "")
    query["c"] = check_code(receipt)
    return f"{settings.verify_url}?{urlencode(query)}"


class _Builder:
    def __init__(self, tr: Translator) -> None:
        self.tr = tr
        self.blocks: list[Block] = []

    def t(self, msgid: str, **fields: object) -> str:
        return self.tr(msgid, **fields)

    def pair(self, label_id: str, value: str, bold: bool = False) -> None:
        self.blocks.append(PairBlock(self.t(label_id) + self.t("receipt.colon"), value, bold))

    def text(self, text: str, align: Align = Align.LEFT, bold: bool = False,
             size: int = 1) -> None:
        self.blocks.append(TextBlock(text, align, bold, size, size))

    def money(self, label_id: str, amount: Decimal, bold: bool = False) -> None:
        self.pair(label_id, self.t("receipt.money", amount=money(amount)), bold)

    def money_with_capitals(self, label_id: str, amount: Decimal) -> None:
        self.money(label_id, amount, bold=True)
        self.pair("receipt.field.amount_capitals", amount_in_capitals(amount))

    def date(self, label_id: str, value: dt.date | None) -> None:
        if value is not None:
            self.pair(label_id, value.isoformat())

    def rule(self) -> None:
        self.blocks.append(RuleBlock("-"))


def _head(b: _Builder, title_id: str, h: ReceiptHeader, reprint: bool) -> None:
    b.text(b.t("receipt.institution"), Align.CENTER)
    b.text(b.t(title_id), Align.CENTER, bold=True, size=2)
    b.text(b.t("receipt.terminal_brand"), Align.CENTER)
    if reprint:
        b.text(b.t("receipt.reprint"), Align.CENTER, bold=True)
    b.rule()
    b.pair("receipt.field.terminal", h.terminal_id)
    b.pair("receipt.field.service_point", h.service_point)
    b.pair("receipt.field.txn_date", f"{h.txn_time:%Y-%m-%d %H:%M:%S}")
    b.date("receipt.field.accounting_date", h.accounting_date)
    b.pair("receipt.field.serial", h.serial_no)


def _customer(b: _Builder, c: Customer, card_label: str) -> None:
    m = c.masked()
    b.pair("receipt.field.name", m.name)
    b.pair("receipt.field.id_number", m.id_number)
    if m.card_number:
        b.pair(card_label, m.card_number)


def _tail(b: _Builder, receipt: Receipt, settings: ReceiptSettings,
          result: TxnResult | None) -> None:
    h = receipt.header
    if result is not None:
        b.rule()
        b.pair("receipt.field.result", b.t(f"receipt.result.{result.value}"), bold=True)
        if result is TxnResult.PROCESSING:
            b.text(b.t("receipt.notice.processing"))
    if h.staff_id:
        b.pair("receipt.field.staff", h.staff_id)
    b.rule()
    b.blocks.append(QrBlock(verify_payload(receipt, settings), settings.qr_module))
    b.text(b.t("receipt.notice.verify", code=check_code(receipt)), Align.CENTER)
    b.text(b.t("receipt.notice.keep"), Align.CENTER)
    b.blocks.append(FeedBlock(1))
    b.blocks.append(CutBlock())


def _drawdown(b: _Builder, r: DrawdownReceipt) -> None:
    _customer(b, r.customer, "receipt.field.receiving_card")
    b.pair("receipt.field.contract", r.contract_no)
    b.rule()
    b.money_with_capitals("receipt.field.drawdown_amount", r.amount)
    b.pair("receipt.field.rate", b.t("receipt.rate_value", rate=rate_percent(r.annual_rate)))
    b.pair("receipt.field.term", b.t("receipt.term_value", months=r.term_months))
    b.pair("receipt.field.method", b.t(f"receipt.method.{r.method.value}"))
    b.date("receipt.field.first_due_date", r.first_due_date)
    if r.first_due_amount is not None:
        b.money("receipt.field.first_due_amount", r.first_due_amount)


def _repayment(b: _Builder, r: RepaymentReceipt) -> None:
    _customer(b, r.customer, "receipt.field.paying_card")
    b.pair("receipt.field.contract", r.contract_no)
    b.pair("receipt.field.repayment_type", b.t(f"receipt.repayment_type.{r.repayment_type.value}"))
    b.rule()
    b.money_with_capitals("receipt.field.repayment_amount", r.amount)
    b.money("receipt.field.principal", r.principal)
    b.money("receipt.field.interest", r.interest)
    for key in ("penalty", "compound", "fees"):  # 罚息, 复利, fees: as on the screen
        if getattr(r, key):
            b.money(f"receipt.field.{key}", getattr(r, key))
    b.money("receipt.field.remaining", r.remaining_principal)
    b.pair("receipt.field.rate", b.t("receipt.rate_value", rate=rate_percent(r.annual_rate)))
    b.pair("receipt.field.method", b.t(f"receipt.method.{r.method.value}"))
    b.date("receipt.field.next_due_date", r.next_due_date)
    if r.next_due_amount is not None:
        b.money("receipt.field.next_due_amount", r.next_due_amount)


def _line_signing(b: _Builder, r: LineSigningReceipt) -> None:
    _customer(b, r.customer, "receipt.field.card")
    b.pair("receipt.field.contract", r.contract_no)
    if r.witness_staff_id:
        b.pair("receipt.field.sign_method", b.t("receipt.sign_method.witnessed"), bold=True)
        b.pair("receipt.field.witness", r.witness_staff_id)
    b.rule()
    b.money_with_capitals("receipt.field.line_amount", r.line_amount)
    b.pair("receipt.field.rate", b.t("receipt.rate_value", rate=rate_percent(r.annual_rate)))
    b.pair("receipt.field.max_term", b.t("receipt.term_value", months=r.max_term_months))
    b.date("receipt.field.valid_until", r.valid_until)


def _account_change(b: _Builder, r: AccountChangeReceipt) -> None:
    _customer(b, r.customer, "receipt.field.new_card")
    b.pair("receipt.field.contract", r.contract_no)
    b.rule()
    b.pair("receipt.field.old_account", mask_pan(r.old_account))
    b.pair("receipt.field.new_account", mask_pan(r.new_account), bold=True)
    b.text(b.t("receipt.account_change.notice"))


def _intention(b: _Builder, r: IntentionSlip) -> None:
    _customer(b, r.customer, "receipt.field.card")
    b.pair("receipt.field.phone", mask_phone(r.phone))
    b.pair("receipt.field.reference", r.reference_no)
    b.rule()
    b.pair("receipt.field.purpose", b.t(f"receipt.purpose.{r.purpose}"))
    b.money_with_capitals("receipt.field.application_amount" if r.application
                          else "receipt.field.intention_amount", r.amount)
    if r.visit_time:
        b.pair("receipt.field.visit_time", b.t(f"receipt.visit.{r.visit_time}"))
    b.pair("receipt.field.status",
           b.t("receipt.intention.queued" if r.queued else "receipt.intention.sent"), bold=True)
    b.text(b.t("receipt.intention.next"))
    if r.branch_phone:
        b.pair("receipt.field.branch_phone", r.branch_phone)


def _day_summary(b: _Builder, r: DaySummary) -> None:
    b.date("receipt.field.business_date", r.business_date)
    b.rule()
    for row in r.rows:
        value = b.t("receipt.count_value", count=row.count)
        if row.total is not None:
            value += " " + b.t("receipt.money", amount=money(row.total))
        b.pair(f"receipt.summary.{row.kind.value}", value)
    b.rule()
    b.pair("receipt.field.unresolved", b.t("receipt.count_value", count=r.unresolved),
           bold=r.unresolved > 0)
    b.pair("receipt.field.outbox", b.t("receipt.count_value", count=r.outbox))


def _test_page(b: _Builder, r: TestPage) -> None:
    if r.profile_name:
        b.pair("receipt.field.profile", r.profile_name)
    b.rule()
    for key in ("receipt.test.chinese", "receipt.test.punctuation", "receipt.test.currency",
                "receipt.test.rare", "receipt.test.ascii"):
        b.text(b.t(key))
    b.text(b.t("receipt.test.bold"), bold=True)
    b.text(b.t("receipt.test.large"), size=2)
    b.text(b.t("receipt.test.center"), Align.CENTER)
    b.blocks.append(TextBlock(b.t("receipt.test.right"), Align.RIGHT))
    for line in r.extra_lines:
        b.text(line)


TITLES = {
    ReceiptKind.DRAWDOWN: "receipt.title.drawdown",
    ReceiptKind.REPAYMENT: "receipt.title.repayment",
    ReceiptKind.LINE_SIGNING: "receipt.title.line_signing",
    ReceiptKind.ACCOUNT_CHANGE: "receipt.title.account_change",
    ReceiptKind.INTENTION: "receipt.title.intention",
    ReceiptKind.DAY_SUMMARY: "receipt.title.day_summary",
    ReceiptKind.TEST_PAGE: "receipt.title.test_page",
}


def render(receipt: Receipt, tr: Translator, settings: ReceiptSettings | None = None,
           reprint: bool = False) -> ReceiptDoc:
    """The printable document of ``receipt`` in the language of ``tr``."""
    settings = settings or ReceiptSettings()
    b = _Builder(tr)
    title = TITLES[receipt.kind]
    if isinstance(receipt, IntentionSlip) and receipt.application:
        title = "receipt.title.application"
    _head(b, title, receipt.header, reprint)
    result: TxnResult | None = None
    if isinstance(receipt, DrawdownReceipt):
        _drawdown(b, receipt)
        result = receipt.result
    elif isinstance(receipt, RepaymentReceipt):
        _repayment(b, receipt)
        result = receipt.result
    elif isinstance(receipt, LineSigningReceipt):
        _line_signing(b, receipt)
        result = receipt.result
    elif isinstance(receipt, AccountChangeReceipt):
        _account_change(b, receipt)
        result = receipt.result
    elif isinstance(receipt, IntentionSlip):
        _intention(b, receipt)
    elif isinstance(receipt, DaySummary):
        _day_summary(b, receipt)
    elif isinstance(receipt, TestPage):
        _test_page(b, receipt)
    else:
        raise TypeError(f"not a receipt: {receipt!r}")
    _tail(b, receipt, settings, result)
    return ReceiptDoc(tuple(b.blocks), title=f"{receipt.kind.value} {receipt.header.serial_no}")
