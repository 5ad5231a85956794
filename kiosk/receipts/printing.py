"""From a print command's Completion to what the farmer is told and what the store records.

The journey checks the printer before money moves (``PrinterStatus.ready``; when it is not,
the farmer hears ``printer.warning.no_receipt`` and may go on without paper), prints after the
transaction, and records the outcome with the masked receipt so staff can reprint it.
"""

from __future__ import annotations

from typing import Any

from devices.base import Completion
from devices.printer.contract import PrinterError, PrintResult
from kiosk.i18n import Translator
from kiosk.receipts.model import Receipt
from kiosk.receipts.store import PrintOutcome, ReceiptStore

#: What the farmer is told after each outcome (msgids of the printer catalog).
FARMER_MESSAGE = {
    PrintOutcome.PRINTED: "printer.printed",
    PrintOutcome.UNCONFIRMED: "printer.maybe_not_printed",
    PrintOutcome.PARTIAL: "error.PRN-PAPER-OUT-MID.farmer",
    PrintOutcome.FAILED: "printer.maybe_not_printed",
    PrintOutcome.NOT_PRINTED: "printer.warning.no_receipt",
}


def outcome_of(completion: Completion[Any]) -> PrintOutcome:
    """Printed only when the printer confirmed after the cut; partial when it stopped part-way."""
    if completion.ok:
        result = completion.data
        return (PrintOutcome.PRINTED if isinstance(result, PrintResult) and result.confirmed
                else PrintOutcome.UNCONFIRMED)
    if completion.error in (PrinterError.PAPER_OUT_DURING_PRINT,) or (
        completion.error is PrinterError.COVER_OPEN and "after" in completion.detail
    ):
        return PrintOutcome.PARTIAL
    return PrintOutcome.FAILED


def record_print(store: ReceiptStore, receipt: Receipt, tr: Translator,
                 completion: Completion[Any], reprint: bool = False) -> tuple[PrintOutcome, str]:
    """Store the outcome with the masked receipt; return it and the farmer's message."""
    outcome = outcome_of(completion)
    detail = completion.detail if not completion.ok else ""
    store.record(receipt, tr.lang, outcome, detail=detail, reprint=reprint)
    return outcome, tr(FARMER_MESSAGE[outcome])
