"""The printed repayment schedule (还款计划单), Qt-free: the loan (product, masked contract
number), the summary in words, and every period still open (paid ones counted, not listed;
the first twelve open ones and the last when there are more)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from devices.printer.contract import (
    Align,
    CutBlock,
    FeedBlock,
    PairBlock,
    ReceiptDoc,
    RuleBlock,
    TextBlock,
)
from kiosk.i18n import Translator
from kiosk.shell.formats import short_date, yuan
from screens.journeys.loan_queries.rows import (
    PlanSummary,
    masked_contract,
    plan_summary_text,
    state_word,
)

FIRST_LINES = 12


def schedule_slip(tr: Translator, loan: Any, schedule: Any, *, terminal_id: str,
                  now: dt.datetime) -> ReceiptDoc:
    today = now.date()
    rows = list(schedule.rows)
    open_rows = [r for r in rows if str(r.status) != "PAID"]
    blocks: list[object] = [
        TextBlock(tr("loanq.slip.title"), Align.CENTER, bold=True, width=2, height=2),
        TextBlock(terminal_id, Align.CENTER),
        RuleBlock(),
        PairBlock(tr("loanq.slip.product"), loan.product_name),
        PairBlock(tr("loanq.slip.contract"), masked_contract(loan.contract_no)),
        PairBlock(tr("loanq.slip.amount"), yuan(Decimal(loan.amount))),
        PairBlock(tr("loanq.slip.left"), yuan(Decimal(schedule.outstanding_principal)),
                  bold=True),
        TextBlock(plan_summary_text(tr, PlanSummary.of(rows))),
        RuleBlock(),
    ]
    shown = open_rows if len(open_rows) <= FIRST_LINES + 1 else (*open_rows[:FIRST_LINES],
                                                                 open_rows[-1])
    for row in shown:
        if len(open_rows) > FIRST_LINES + 1 and row is open_rows[-1]:
            blocks.append(TextBlock(tr("loanq.slip.more", count=len(open_rows))))
        blocks.append(PairBlock(tr("loanq.slip.row", n=row.n,
                                   date=short_date(tr, row.due_date, today)),
                                tr("loanq.slip.row_value", payment=yuan(Decimal(row.payment)),
                                   state=state_word(tr, row, symbol=False))))
    blocks += [
        RuleBlock(),
        PairBlock(tr("loanq.slip.printed_at"), now.strftime("%Y-%m-%d %H:%M")),
        FeedBlock(2),
        CutBlock(),
    ]
    return ReceiptDoc(tuple(blocks), title="repayment schedule")  # type: ignore[arg-type]
