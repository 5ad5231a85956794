"""What the loan query screens and the voice say, Qt-free: a period's state in words (with a
symbol, never colour alone), the table rows, the chart's groups and the short summaries."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kiosk.i18n import Translator
from kiosk.masking import mask_id_number
from kiosk.shell.formats import short_date, yuan

# A period's state on the host -> the chart's group (a partly paid period is still due).
GROUP = {"PAID": "paid", "PARTIAL": "due", "DUE": "due", "OVERDUE": "overdue",
         "FUTURE": "future"}
GROUPS = ("paid", "due", "overdue", "future")
SYMBOL = {"PAID": "✓", "PARTIAL": "◐", "DUE": "●", "OVERDUE": "⚠", "FUTURE": "○"}

SCHEDULE_COLUMNS = ("loanq.col.n", "loanq.col.date", "loanq.col.payment", "loanq.col.state")
HISTORY_COLUMNS = ("loanq.col.paid_on", "loanq.col.amount", "loanq.col.principal",
                   "loanq.col.interest", "loanq.col.penalty")


def masked_contract(contract_no: str) -> str:
    """HT202510100001 -> HT********0001."""
    return mask_id_number(contract_no, head=2, tail=4)


def state_word(tr: Translator, row: Any, *, symbol: bool = True) -> str:
    """✓ 已还清 / ◐ 还了一部分 / ● 这期要还 / ⚠ 逾期23天 / ○ 还没到期 (the symbols on screen)."""
    status = str(row.status)
    word = tr(f"loanq.state.{status.lower()}", days=int(row.days_overdue))
    return f"{SYMBOL[status]} {word}" if symbol else word


def schedule_row(tr: Translator, row: Any, today: dt.date) -> tuple[str, ...]:
    return (str(row.n), short_date(tr, row.due_date, today), yuan(Decimal(row.payment)),
            state_word(tr, row))


def history_row(tr: Translator, record: Any, today: dt.date) -> tuple[str, ...]:
    b = record.breakdown
    penalty = Decimal(b.penalty) + Decimal(b.compound)
    return (short_date(tr, record.acct_date, today), yuan(Decimal(record.amount)),
            yuan(Decimal(b.principal)), yuan(Decimal(b.interest)), yuan(penalty))


@dataclass(frozen=True)
class PlanSummary:
    """How many periods are in each group, and the first one not yet paid."""

    total: int
    counts: dict[str, int]
    next_row: Any

    @classmethod
    def of(cls, rows: Sequence[Any]) -> PlanSummary:
        counts = Counter(GROUP[str(r.status)] for r in rows)
        open_rows = [r for r in rows if str(r.status) != "PAID"]
        return cls(len(rows), {g: counts.get(g, 0) for g in GROUPS},
                   open_rows[0] if open_rows else None)


def plan_summary_text(tr: Translator, summary: PlanSummary) -> str:
    """共12期：已还4期，逾期1期，还没到期7期。 (the groups with none are left out)."""
    parts = [tr(f"loanq.part.{g}", count=summary.counts[g]) for g in GROUPS
             if summary.counts[g]]
    return tr("loanq.plan.summary", total=summary.total,
              parts=tr("loanq.part.separator").join(parts))


def chart_series(rows: Iterable[Any]) -> dict[str, tuple[list[int], list[float]]]:
    """Per group: the installment numbers and their payments (the chart's bars)."""
    series: dict[str, tuple[list[int], list[float]]] = {g: ([], []) for g in GROUPS}
    for r in rows:
        xs, ys = series[GROUP[str(r.status)]]
        xs.append(int(r.n))
        ys.append(float(r.payment))
    return series


def loan_due_text(tr: Translator, loan: Any, today: dt.date) -> str:
    """The line as large as a heading: 3月21日 要还 4,291.67元 / 逾期 … / 已还清."""
    if Decimal(loan.overdue_amount) > 0:
        return tr("loanq.loan.overdue", amount=yuan(Decimal(loan.overdue_amount)),
                  days=loan.overdue_days)
    if loan.next_due_date is None:
        return tr("loanq.loan.settled")
    return tr("loanq.loan.next_due", date=short_date(tr, loan.next_due_date, today),
              amount=yuan(Decimal(loan.next_due_amount)))


def history_summary_text(tr: Translator, records: Sequence[Any], today: dt.date) -> str:
    if not records:
        return tr("loanq.history.none")
    last = max(records, key=lambda r: (r.acct_date, r.txn_datetime))
    return tr("loanq.history.summary", count=len(records),
              date=short_date(tr, last.acct_date, today), amount=yuan(Decimal(last.amount)))
