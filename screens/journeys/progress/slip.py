"""The printed progress slip (申请进度单), Qt-free: each application and intention with its
number, where and when it was made, the amount in figures and capitals, where it stands and
the steps passed. The farmer's name is masked; no ID, card or phone number is printed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
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
from screens.journeys.progress.texts import asked_text, status_text, step_lines, what_text


def progress_slip(tr: Translator, items: Sequence[Any], *, masked_name: str, terminal_id: str,
                  service_point: str, branch_phone: str, now: dt.datetime) -> ReceiptDoc:
    today = now.date()
    blocks: list[object] = [
        TextBlock(tr("progress.slip.title"), Align.CENTER, bold=True, width=2, height=2),
        TextBlock(service_point, Align.CENTER),
        TextBlock(terminal_id, Align.CENTER),
        RuleBlock(),
        PairBlock(tr("progress.slip.customer"), masked_name),
    ]
    for item in items:
        blocks += [
            RuleBlock(),
            PairBlock(tr("progress.slip.number"), item.id, bold=True),
            TextBlock(what_text(tr, item, today)),
            TextBlock(asked_text(tr, item)),
            TextBlock(tr("progress.slip.status", status=status_text(tr, item)), bold=True),
            *(TextBlock("  " + line.replace("✓", "").replace("○", "").strip())
              for line in step_lines(tr, item, today)),
        ]
    blocks += [
        RuleBlock(),
        PairBlock(tr("progress.slip.branch_phone"), branch_phone),
        PairBlock(tr("progress.slip.printed_at"), now.strftime("%Y-%m-%d %H:%M")),
        FeedBlock(2),
        CutBlock(),
    ]
    return ReceiptDoc(tuple(blocks), title="application progress")  # type: ignore[arg-type]
