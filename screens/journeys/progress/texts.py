"""What the progress screens, the voice and the slip say, Qt-free: where an application or an
intention stands in plain words, the steps passed (a symbol and a word each, never colour
alone), what was asked for and who follows it up."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from kiosk.i18n import Translator
from kiosk.receipts.capitals import amount_in_capitals
from kiosk.shell.formats import short_date, spoken_yuan, yuan

#: The steps an application and an intention go through, in order (the host's states).
APPLICATION_STEPS = ("SUBMITTED", "UNDER_REVIEW", "FIELD_VISIT", "APPROVED")
INTENTION_STEPS = ("RECORDED", "ASSIGNED", "FIELD_VISIT")
FINAL = frozenset({"APPROVED", "REJECTED"})


def purpose_word(tr: Translator, purpose: str) -> str:
    """种植 for ``planting``; a purpose another channel wrote in words stays as it is."""
    msgid = f"apply.purpose.{purpose}"
    return tr(msgid) if tr.has(msgid) else purpose


def status_text(tr: Translator, item: Any) -> str:
    """The one line as large as a heading: where it stands now."""
    status = str(item.status)
    if item.kind == "application":
        if status == "APPROVED" and item.line_id:
            return tr("progress.status.approved_line")
        if status not in FINAL and item.officer_name:
            return tr("progress.status.officer", officer=item.officer_name,
                      days=item.visit_within_days or 3)
        return tr(f"progress.status.application.{status.lower()}")
    if status == "ASSIGNED" and item.officer_name:
        return tr("progress.status.officer", officer=item.officer_name,
                  days=item.visit_within_days or 3)
    return tr(f"progress.status.intention.{status.lower()}")


def what_text(tr: Translator, item: Any, today: dt.date) -> str:
    """贷款申请，3月13日在网点柜台办理."""
    return tr("progress.what", kind=tr(f"progress.kind.{item.kind}"),
              date=short_date(tr, item.submitted, today),
              channel=tr(f"progress.channel.{item.channel}"))


def asked_text(tr: Translator, item: Any, *, capitals: bool = True) -> str:
    """申请 20,000.00元（贰万元整），12个月，用途：养殖. The capitals on paper; the screen
    (nothing to confirm there, and little room) shows the figures only."""
    amount = Decimal(item.amount)
    figures = tr("progress.amount", figures=yuan(amount), capitals=amount_in_capitals(amount))
    if not capitals or not tr.lang.startswith("zh"):
        figures = tr("progress.amount.figures", figures=yuan(amount))
    if item.months:
        return tr("progress.asked.term", amount=figures, months=item.months,
                  purpose=purpose_word(tr, item.purpose))
    visit = getattr(item, "visit_time", None)
    return tr("progress.asked", amount=figures, purpose=purpose_word(tr, item.purpose)) + (
        tr(f"progress.visit.{visit}") if visit else "")


def step_lines(tr: Translator, item: Any, today: dt.date) -> list[str]:
    """✓ 3月13日 已提交 … for each step passed, then ○ the next one still to come."""
    lines = [tr("progress.step.done", date=short_date(tr, s.date, today),
                step=tr(f"progress.step.{str(s.state).lower()}")) for s in item.steps]
    order = APPLICATION_STEPS if item.kind == "application" else INTENTION_STEPS
    if str(item.status) not in FINAL:
        passed = {str(s.state) for s in item.steps}
        upcoming = next((s for s in order if s not in passed), None)
        if upcoming is not None:
            lines.append(tr("progress.step.next",
                            step=tr(f"progress.step.{upcoming.lower()}")))
    return lines


def reason_lines(tr: Translator, item: Any) -> list[str]:
    """A declined application's reasons in the credit catalog's plain words."""
    return [tr(f"credit.reason.{code}") for code in item.reasons
            if tr.has(f"credit.reason.{code}")]


def spoken_text(tr: Translator, item: Any, index: int, count: int, today: dt.date) -> str:
    """您有2条申请。第1条：3月13日在网点柜台办理的贷款申请，贰万元。现在：…"""
    parts = []
    if index == 0:
        parts.append(tr("voice.progress.count", count=count))
    parts.append(tr("voice.progress.item", n=index + 1,
                    date=short_date(tr, item.submitted, today),
                    channel=tr(f"progress.channel.{item.channel}"),
                    kind=tr(f"progress.kind.{item.kind}"),
                    amount=spoken_yuan(tr, Decimal(item.amount)),
                    status=status_text(tr, item)))
    if item.reasons:
        parts.append(tr("voice.progress.reasons"))
        parts.extend(reason_lines(tr, item)[:2])
    return "".join(parts)
