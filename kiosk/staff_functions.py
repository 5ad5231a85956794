"""What the staff functions show and print, from the receipt store and the journal. Qt-free.

- :func:`reprint_items`: every receipt that can be printed again (补打), from the masked
  receipt store, and every journal row whose receipt was owed and never printed; a money
  receipt's reprint needs a second-person authorisation (:mod:`kiosk.authorization`).
- :func:`unresolved_items`: the journal's unresolved transactions with what, when, which
  farmer (the host's customer id, never a name or number) and what to do.
- :func:`day_summary`: the day summary receipt (counts and totals per kind, unresolved and
  outbox) for the receipt printer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kiosk.receipts.model import DaySummary, ReceiptHeader, ReceiptKind, SummaryRow

#: Receipts whose reprint needs a staff member's authorisation (they show money moved).
MONEY_KINDS = frozenset({ReceiptKind.DRAWDOWN.value, ReceiptKind.REPAYMENT.value})


@dataclass(frozen=True)
class ReprintItem:
    """One receipt a staff member may reprint."""

    serial_no: str
    kind: str
    when: str
    amount: Decimal | None
    printed: bool  # printed at least once (False: owed and never printed)
    source: str  # "store" (the masked archive) or "journal" (owed, not in the archive)
    reference: str  # the transaction reference the authorisation names

    @property
    def needs_authorization(self) -> bool:
        return self.kind in MONEY_KINDS


def reprint_items(store: Any, journal: Any | None = None) -> list[ReprintItem]:
    """Newest first: the stored receipts, then the journal's owed and unprinted ones that
    the store does not hold."""
    items: list[ReprintItem] = []
    seen: set[str] = set()
    for stored in store.list():
        receipt = stored.receipt
        if receipt.kind in (ReceiptKind.DAY_SUMMARY, ReceiptKind.TEST_PAGE):
            continue
        serial = receipt.header.serial_no
        seen.add(serial)
        printed = any(a.get("outcome") in ("printed", "unconfirmed")
                      for a in stored.attempts)
        items.append(ReprintItem(serial, receipt.kind.value,
                                 receipt.header.txn_time.isoformat(timespec="minutes"),
                                 getattr(receipt, "amount", None), printed, "store",
                                 getattr(receipt, "idempotency_key", None) or serial))
    if journal is not None:
        for row in journal.reprint_due():
            if row.host_ref in seen or row.key in seen:
                continue
            items.append(ReprintItem(row.host_ref or row.key, row.kind, row.updated,
                                     row.amount, False, "journal", row.key))
    return items


@dataclass(frozen=True)
class UnresolvedItem:
    """An unresolved money transaction as the staff view lists it."""

    serial: int
    key: str
    kind: str
    amount: Decimal | None
    state: str
    created: str
    customer_ref: str
    advice_id: str  # staff.po: what to do


ADVICE = {
    "PREPARED": "staff.unresolved.advice.prepared",
    "SENT": "staff.unresolved.advice.unknown",
    "UNKNOWN": "staff.unresolved.advice.unknown",
}


def unresolved_items(journal: Any) -> list[UnresolvedItem]:
    """The journal's PREPARED, SENT and UNKNOWN rows, oldest first."""
    return [UnresolvedItem(r.serial, r.key, r.kind, r.amount, r.state.value, r.created,
                           r.customer_ref, ADVICE.get(r.state.value, ADVICE["UNKNOWN"]))
            for r in journal.unresolved()]


def day_summary(header: ReceiptHeader, business_date: dt.date, rows: Iterable[Any],
                unresolved: int, outbox: int) -> DaySummary:
    """The day summary of the confirmed journal ``rows`` of ``business_date`` (rows of
    another business date are left out), per receipt kind in a fixed order."""
    counts: dict[str, int] = {}
    totals: dict[str, Decimal] = {}
    day = business_date.isoformat()
    for row in rows:
        if getattr(row.state, "value", row.state) != "CONFIRMED":
            continue
        if (row.business_date or row.created[:10]) != day:
            continue
        counts[row.kind] = counts.get(row.kind, 0) + 1
        if row.amount is not None:
            totals[row.kind] = totals.get(row.kind, Decimal("0")) + Decimal(row.amount)
    summary_rows = []
    for kind in ReceiptKind:
        if kind.value in counts:
            summary_rows.append(SummaryRow(kind, counts[kind.value], totals.get(kind.value)))
    return DaySummary(header, business_date, tuple(summary_rows), unresolved, outbox)
