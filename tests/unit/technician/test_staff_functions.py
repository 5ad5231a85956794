"""Staff functions' lists and the day summary from the real receipt store and journal."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from kiosk.i18n import Translator
from kiosk.receipts.model import ReceiptHeader, ReceiptKind
from kiosk.receipts.samples import sample_receipts
from kiosk.receipts.store import PrintOutcome, ReceiptStore
from kiosk.staff_functions import day_summary, reprint_items, unresolved_items
from offline_queue.journal import Journal, TxState


def _journal(state_dir):
    journal = Journal.open(state_dir, "ZN610425001")
    rows = {}
    for name, kind, amount in (("done", "drawdown", "60000.00"), ("repaid", "repayment", "853.50"),
                               ("repaid2", "repayment", "100.00"), ("open", "drawdown", "5000.00"),
                               ("unknown", "repayment", "200.00")):
        rows[name] = journal.prepare(kind, "C0001", amount, "cd" * 32,
                                     account_masked="621799*********4561")
    for name in ("done", "repaid", "repaid2", "unknown"):
        journal.move(rows[name].serial, TxState.SENT, sent=True)
    today = dt.date.today().isoformat()
    for name in ("done", "repaid", "repaid2"):
        journal.move(rows[name].serial, TxState.CONFIRMED, host_ref=f"HR-{name}",
                     business_date=today)
    journal.move(rows["unknown"].serial, TxState.UNKNOWN, reason="timeout")
    journal.mark_receipt_printed(rows["repaid2"].serial)
    return journal, rows


def test_reprint_items_come_from_the_store_and_the_journal(state_dir):
    store = ReceiptStore(state_dir)
    samples = sample_receipts()
    store.record(samples["drawdown"], "zh_CN", PrintOutcome.PRINTED)
    store.record(samples["intention"], "zh_CN", PrintOutcome.FAILED)
    store.record(samples["day_summary"], "zh_CN", PrintOutcome.PRINTED)
    journal, rows = _journal(state_dir)
    try:
        items = reprint_items(store, journal)
    finally:
        journal.close()
    by_serial = {i.serial_no: i for i in items}
    assert by_serial["20261128000101"].needs_authorization  # a drawdown receipt
    assert by_serial["20261128000101"].printed and by_serial["20261128000101"].source == "store"
    assert not by_serial["20261128000106"].needs_authorization  # an intention slip
    assert not by_serial["20261128000106"].printed
    assert "DS20261128" not in by_serial  # the day summary is printed anew, not reprinted
    owed = [i for i in items if i.source == "journal"]
    assert {i.serial_no for i in owed} == {"HR-done", "HR-repaid", rows["unknown"].key}
    assert all(i.needs_authorization for i in owed)
    doc = store.reprint_doc("20261128000101")
    texts = [getattr(b, "text", "") for b in doc.blocks]
    assert "※ 补打 ※" in texts and Translator("zh_CN")("receipt.reprint") == "※ 补打 ※"


def test_unresolved_items_say_what_to_do(state_dir):
    journal, rows = _journal(state_dir)
    try:
        items = unresolved_items(journal)
    finally:
        journal.close()
    assert [(i.serial, i.state, i.advice_id) for i in items] == [
        (rows["open"].serial, "PREPARED", "staff.unresolved.advice.prepared"),
        (rows["unknown"].serial, "UNKNOWN", "staff.unresolved.advice.unknown")]
    assert items[1].customer_ref == "C0001" and items[1].amount == Decimal("200.00")


def test_the_day_summary_counts_and_totals_the_confirmed_rows_of_the_day(state_dir):
    journal, _ = _journal(state_dir)
    try:
        header = ReceiptHeader("ZN610425001", "礼泉县烟霞镇助农服务点", "DS1",
                               dt.datetime.now(), staff_id="S1001")
        summary = day_summary(header, dt.date.today(), journal.rows(),
                              journal.unresolved_count(), outbox=3)
    finally:
        journal.close()
    assert [(r.kind, r.count, r.total) for r in summary.rows] == [
        (ReceiptKind.DRAWDOWN, 1, Decimal("60000.00")),
        (ReceiptKind.REPAYMENT, 2, Decimal("953.50"))]
    assert summary.unresolved == 2 and summary.outbox == 3
    yesterday = day_summary(header, dt.date.today() - dt.timedelta(days=1), [], 0, 0)
    assert yesterday.rows == ()
