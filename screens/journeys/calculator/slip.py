"""The printed estimate (贷款试算单), Qt-free: the terms, the totals, the annual rates and the
installments (the first twelve and the last when there are more), marked as an estimate."""

from __future__ import annotations

import datetime as dt

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
from kiosk.lending.apr import AnnualRate
from kiosk.lending.schedule import Schedule
from kiosk.shell.formats import percent, short_date, whole_yuan, yuan

FIRST_LINES = 12


def estimate_slip(tr: Translator, schedule: Schedule, rate: AnnualRate, *, terminal_id: str,
                  now: dt.datetime) -> ReceiptDoc:
    t = schedule.terms
    today = now.date()
    blocks: list[object] = [
        TextBlock(tr("calc.slip.title"), Align.CENTER, bold=True, width=2, height=2),
        TextBlock(terminal_id, Align.CENTER),
        RuleBlock(),
        PairBlock(tr("calc.slip.amount"), whole_yuan(t.amount) + tr("calc.unit.yuan")),
        PairBlock(tr("calc.slip.months"), tr("calc.slip.months_value", months=t.months)),
        PairBlock(tr("calc.slip.rate"), percent(t.annual_rate)),
        PairBlock(tr("calc.slip.method"), tr(f"calc.method.{t.method.value}")),
        PairBlock(tr("calc.slip.total_interest"), yuan(schedule.total_interest), bold=True),
        PairBlock(tr("calc.slip.total_payment"), yuan(schedule.total_payment)),
        PairBlock(tr("calc.slip.apr"), f"{percent(rate.simple)} / {percent(rate.compound)}"),
        RuleBlock(),
    ]
    lines = schedule.installments
    shown = lines if len(lines) <= FIRST_LINES + 1 else (*lines[:FIRST_LINES], lines[-1])
    for line in shown:
        if len(lines) > FIRST_LINES + 1 and line is lines[-1]:
            blocks.append(TextBlock(tr("calc.slip.more", count=len(lines))))
        blocks.append(TextBlock(tr("calc.slip.row", n=line.n,
                                   date=short_date(tr, line.due_date, today),
                                   payment=yuan(line.payment), principal=yuan(line.principal),
                                   interest=yuan(line.interest))))
    blocks += [
        RuleBlock(),
        TextBlock(tr("lending.estimate_note")),
        PairBlock(tr("calc.slip.printed_at"), now.strftime("%Y-%m-%d %H:%M")),
        FeedBlock(2),
        CutBlock(),
    ]
    return ReceiptDoc(tuple(blocks), title="calculator estimate")  # type: ignore[arg-type]
