"""Receipt templates: every field, masked, in both languages, byte-exact, and read back by
the simulator's own ESC/POS interpreter (template -> bytes -> simulator text)."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest

from devices.printer.contract import PROFILES, QrBlock, ReceiptDoc
from devices.printer.encoder import ReceiptEncoder
from devices.printer.layout import plain_text
from kiosk.i18n import Translator
from kiosk.receipts.capitals import amount_in_capitals
from kiosk.receipts.model import (
    DaySummary,
    DrawdownReceipt,
    IntentionSlip,
    LineSigningReceipt,
    RepaymentReceipt,
    TestPage,
)
from kiosk.receipts.samples import sample_receipts
from kiosk.receipts.templates import check_code, money, rate_percent, render, verify_payload
from peripherals_sim.printer.parser import EscPosParser
from peripherals_sim.printer.render import to_text

GOLDEN = Path(__file__).with_name("golden")
SAMPLES = sample_receipts()
LANGS = ("zh_CN", "en")
P58 = PROFILES["generic_58mm"]
CASES = [(name, lang) for name in SAMPLES for lang in LANGS]


def expected_fields(receipt, tr: Translator) -> list[str]:
    """Every value PRODUCT.md asks for, as it must appear on the paper."""
    h = receipt.header
    out = [h.terminal_id, h.service_point, h.serial_no, f"{h.txn_time:%Y-%m-%d %H:%M:%S}"]
    if h.accounting_date:
        out.append(h.accounting_date.isoformat())
    if h.staff_id:
        out.append(h.staff_id)
    cust = getattr(receipt, "customer", None)
    if cust is not None:
        m = cust.masked()
        out += [m.name, m.id_number] + ([m.card_number] if m.card_number else [])
    amount = (getattr(receipt, "amount", None) if not isinstance(receipt, LineSigningReceipt)
              else receipt.line_amount)
    if amount is not None:
        out += [tr("receipt.money", amount=money(amount)), amount_in_capitals(amount)]
    for attr in ("contract_no", "reference_no"):
        if getattr(receipt, attr, None):
            out.append(getattr(receipt, attr))
    if hasattr(receipt, "annual_rate"):
        out.append(tr("receipt.rate_value", rate=rate_percent(receipt.annual_rate)))
    if isinstance(receipt, DrawdownReceipt):
        out += [tr("receipt.term_value", months=receipt.term_months),
                tr(f"receipt.method.{receipt.method.value}"),
                receipt.first_due_date.isoformat(),
                tr("receipt.money", amount=money(receipt.first_due_amount))]
    if isinstance(receipt, RepaymentReceipt):
        out += [tr("receipt.money", amount=money(receipt.principal)),
                tr("receipt.money", amount=money(receipt.interest)),
                tr("receipt.money", amount=money(receipt.remaining_principal)),
                tr(f"receipt.repayment_type.{receipt.repayment_type.value}")]
        if receipt.next_due_date:
            out += [receipt.next_due_date.isoformat(),
                    tr("receipt.money", amount=money(receipt.next_due_amount))]
    if isinstance(receipt, LineSigningReceipt):
        out += [receipt.valid_until.isoformat(),
                tr("receipt.term_value", months=receipt.max_term_months)]
    if isinstance(receipt, IntentionSlip):
        out += [receipt.phone[:3] + "****" + receipt.phone[-4:],
                tr(f"receipt.purpose.{receipt.purpose}"),
                tr("receipt.intention.queued" if receipt.queued else "receipt.intention.sent")]
    if isinstance(receipt, DaySummary):
        out.append(receipt.business_date.isoformat())
        for row in receipt.rows:
            out.append(tr(f"receipt.summary.{row.kind.value}"))
            if row.total is not None:
                out.append(tr("receipt.money", amount=money(row.total)))
    if isinstance(receipt, TestPage):
        out += [tr("receipt.test.rare"), tr("receipt.test.currency"), receipt.profile_name]
    result = getattr(receipt, "result", None)
    if result is not None:
        out.append(tr(f"receipt.result.{result.value}"))
    out.append(f"[QR {verify_payload(receipt, _settings())}]")
    out.append(check_code(receipt))
    return out


def _settings():
    from kiosk.receipts.templates import ReceiptSettings

    return ReceiptSettings()


def simulator_text(doc: ReceiptDoc) -> tuple[str, EscPosParser]:
    data = ReceiptEncoder(P58).encode(doc).data
    parser = EscPosParser(P58.codec, P58.font_charset, True)
    parser.feed(data)
    parser.finish()
    return to_text(parser.paper.items, P58.columns), parser


@pytest.mark.parametrize(("name", "lang"), CASES)
def test_template_round_trip_through_the_simulator_contains_every_field(name, lang):
    receipt = SAMPLES[name]
    tr = Translator(lang)
    doc = render(receipt, tr)
    text, parser = simulator_text(doc)
    assert parser.paper.errors == [] and parser.paper.unknown == []
    lines = text.splitlines()
    for field in expected_fields(receipt, tr):
        assert any(field in line for line in lines), (field, text)
    assert "?" not in text.replace("[QR " + verify_payload(receipt, _settings()), "")
    assert "\ufffd" not in text
    assert lines[-1] == "[CUT partial]"


@pytest.mark.parametrize(("name", "lang"), CASES)
def test_no_full_personal_data_on_paper(name, lang):
    receipt = SAMPLES[name]
    text = plain_text(render(receipt, Translator(lang)), P58)
    cust = getattr(receipt, "customer", None)
    if cust is not None:
        assert cust.id_number not in text
        assert cust.name not in text
        if cust.card_number:
            assert cust.card_number not in text
    if isinstance(receipt, IntentionSlip):
        assert receipt.phone not in text


def test_supervised_receipt_names_the_staff_and_self_service_does_not():
    zh = Translator("zh_CN")
    assert "协理员" in plain_text(render(SAMPLES["drawdown"], zh), P58)
    assert "协理员" not in plain_text(render(SAMPLES["repayment"], zh), P58)


def test_processing_result_tells_not_to_repeat():
    text = plain_text(render(SAMPLES["drawdown_processing"], Translator("zh_CN")), P58)
    assert "处理中" in text and "请勿重复操作" in text.replace("\n", "")


def test_accounting_date_differs_from_transaction_date_when_it_does():
    text = plain_text(render(SAMPLES["drawdown"], Translator("zh_CN")), P58)
    assert "交易日期：   2026-11-28 10:15:30" in text
    assert "会计日期：            2026-11-29" in text


def test_reprint_is_marked():
    text = plain_text(render(SAMPLES["drawdown"], Translator("zh_CN"), reprint=True), P58)
    assert "补打" in text


def test_verification_qr_holds_terminal_serial_amount_and_check_code():
    r = SAMPLES["drawdown"]
    (qr,) = render(r, Translator("zh_CN")).qr_payloads()
    assert qr.startswith("https://e.zhunong.example/v?")
    assert "t=ZN610425001" in qr and "s=20261128000101" in qr and "a=10000.00" in qr
    assert f"c={check_code(r)}" in qr
    assert all(isinstance(b, QrBlock) is False or b.data == qr
               for b in render(r, Translator("zh_CN")).blocks)


def test_rate_and_money_formats():
    assert rate_percent(Decimal("0.0435")) == "4.35"
    assert rate_percent(Decimal("0.042")) == "4.20"
    assert rate_percent(Decimal("0.12")) == "12.00"
    assert money(Decimal("1234567.5")) == "1,234,567.50"


@pytest.mark.parametrize(("name", "lang"), CASES)
def test_golden_bytes(name, lang):
    data = ReceiptEncoder(P58).encode(render(SAMPLES[name], Translator(lang))).data
    path = GOLDEN / f"{name}.{lang}.bin"
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.mkdir(exist_ok=True)
        path.write_bytes(data)
    assert data == path.read_bytes(), f"{path.name} changed (UPDATE_GOLDEN=1 to accept)"


def test_golden_bytes_are_chinese_mode_gb18030_with_native_qr_and_partial_cut():
    data = (GOLDEN / "drawdown.zh_CN.bin").read_bytes()
    assert data.startswith(b"\x1b@")
    assert b"\x1c&" + "贷款放款回单".encode("gb18030") in data
    assert "￥10,000.00".encode("gb18030") in data and b"?" not in data.split(b"\x1d(k")[0]
    assert b"\x1d(k" in data and data.endswith(b"\x1bd\x06\x1dV\x01")
