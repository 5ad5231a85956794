"""Print outcomes: printed only when confirmed, partial when paper ran out, all stored."""

from __future__ import annotations

from devices.base import run_command
from devices.printer.fake import FakeReceiptPrinter
from kiosk.i18n import Translator
from kiosk.receipts.printing import outcome_of, record_print
from kiosk.receipts.samples import sample_receipts
from kiosk.receipts.store import PrintOutcome, ReceiptStore
from kiosk.receipts.templates import render

RECEIPT = sample_receipts()["repayment"]


def print_with(fake: FakeReceiptPrinter):
    return run_command(fake, "print_receipt", render(RECEIPT, Translator("zh_CN")))


def test_outcomes_and_what_the_store_keeps(state_dir):
    store = ReceiptStore(state_dir)
    tr = Translator("zh_CN")
    fake = FakeReceiptPrinter()
    fake.open()
    outcome, message = record_print(store, RECEIPT, tr, print_with(fake))
    assert outcome is PrintOutcome.PRINTED and message == "回单已打印，请取走回单"

    fake.set_fault("paper_out", after_lines=5)
    outcome, message = record_print(store, RECEIPT, tr, print_with(fake), reprint=True)
    assert outcome is PrintOutcome.PARTIAL and "补打" in message

    fake.clear_fault()
    fake.set_fault("silent")
    assert outcome_of(print_with(fake)) is PrintOutcome.FAILED

    stored = store.get(RECEIPT.header.serial_no)
    assert [a["outcome"] for a in stored.attempts] == ["printed", "partial"]
    assert "after 5 of" in stored.attempts[1]["detail"]
