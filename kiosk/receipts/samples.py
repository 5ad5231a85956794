"""One sample receipt of every template, with the demo scenario's people (tests, demos, the
technician's preview). Fixed dates so that the bytes are reproducible."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

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
    RepaymentMethod,
    RepaymentReceipt,
    RepaymentType,
    SummaryRow,
    TestPage,
    TxnResult,
)

TERMINAL = "ZN610425001"
SERVICE_POINT = "礼泉县烟霞镇助农服务点"
WHEN = dt.datetime(2026, 11, 28, 10, 15, 30)
ACCOUNTING = dt.date(2026, 11, 29)  # after the day-end cut-off: accounting date differs

ZHANG = Customer("张卫国", "61042519680315301X", "6217991000001234561")
WANG = Customer("王建军", "610425197501204015", "6217991000003456782")
LI = Customer("李秀英", "610425196208080020", "6217991000002345671")
ZHAO = Customer("赵桂兰", "610425195906116022", "")
# 䶮 (U+4DAE) as the last character survives masking (X*䶮) and exercises the rare-char path
RARE = Customer("欧阳䶮", "610425198811091516", "6217991000005678904")


def header(serial: str, staff: str | None = None, minutes: int = 0) -> ReceiptHeader:
    return ReceiptHeader(TERMINAL, SERVICE_POINT, serial, WHEN + dt.timedelta(minutes=minutes),
                         ACCOUNTING, staff)


def sample_receipts() -> dict[str, Receipt]:
    """name -> receipt; every template, results success and processing, tricky amounts."""
    return {
        "drawdown": DrawdownReceipt(
            header("20261128000101", staff="S1001"), ZHANG, "HT61042520261128001",
            Decimal("10000.00"), Decimal("0.0435"), 12, RepaymentMethod.EQUAL_INSTALLMENT,
            dt.date(2026, 12, 21), Decimal("853.50"), TxnResult.SUCCESS),
        "drawdown_processing": DrawdownReceipt(
            # 处理中: the serial is the journal key (terminal-epoch-serial), what staff look up
            header(f"{TERMINAL}-261101080000000000-0000102", minutes=5), RARE,
            "HT61042520261128002",
            Decimal("10010.01"), Decimal("0.0398"), 24, RepaymentMethod.EQUAL_PRINCIPAL,
            dt.date(2026, 12, 21), Decimal("450.29"), TxnResult.PROCESSING),
        "repayment": RepaymentReceipt(
            header("20261128000103", minutes=10), WANG, "HT61042520250321007",
            RepaymentType.OVERDUE, Decimal("4453.45"), Decimal("4084.25"), Decimal("362.50"),
            Decimal("6.70"), Decimal("45915.75"), Decimal("0.0435"),
            RepaymentMethod.EQUAL_INSTALLMENT, dt.date(2026, 12, 21), Decimal("4265.50"),
            TxnResult.SUCCESS),
        "repayment_full": RepaymentReceipt(
            header("20261128000104", minutes=12), ZHANG, "HT61042520250321001",
            RepaymentType.EARLY_FULL, Decimal("37780.23"), Decimal("37702.78"),
            Decimal("77.45"), Decimal("0"), Decimal("0.00"), Decimal("0.0435"),
            RepaymentMethod.EQUAL_INSTALLMENT, None, None, TxnResult.SUCCESS),
        "account_change": AccountChangeReceipt(
            header("20261128000108", staff="S1001", minutes=18),
            Customer(ZHANG.name, ZHANG.id_number, "6217991000009876546"), "HT202510100001",
            "621799*********4561", "6217991000009876546", TxnResult.SUCCESS),
        "line_signing": LineSigningReceipt(
            header("20261128000105", minutes=15), LI, "SX61042520261128003",
            Decimal("100000.00"), Decimal("0.0420"), dt.date(2029, 11, 27), 36,
            TxnResult.SUCCESS),
        "intention": IntentionSlip(
            header("20261128000106", minutes=20), ZHAO, "YX20261128000106", "breeding",
            Decimal("50000.00"), "13812345678", queued=True),
        "application": IntentionSlip(
            header("20261128000107", staff="S1001", minutes=25), ZHAO, "SQ20261128000107",
            "planting", Decimal("100.50"), "13987654321", queued=False, application=True),
        "day_summary": DaySummary(
            header("DS20261128", staff="S1001", minutes=400), dt.date(2026, 11, 28),
            (SummaryRow(ReceiptKind.DRAWDOWN, 2, Decimal("20010.01")),
             SummaryRow(ReceiptKind.REPAYMENT, 2, Decimal("42233.68")),
             SummaryRow(ReceiptKind.LINE_SIGNING, 1),
             SummaryRow(ReceiptKind.INTENTION, 2)),
            unresolved=1, outbox=3),
        "test_page": TestPage(header("T20261128101530"), "generic_58mm"),
    }
