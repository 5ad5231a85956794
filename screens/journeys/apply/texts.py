"""What the apply / intention screens show and the voice says, built in one place (the
presenter and the UX samples use the same builders). Farmer words only from the catalogs:
``apply.*`` here, the scorecard's codes from ``credit.*``."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from kiosk.i18n import Translator
from kiosk.shell.attract import HomeChoice
from kiosk.shell.formats import percent, whole_yuan
from screens.journeys.apply.chart import PURPOSES, VISIT_TIMES, ApplyFlow, phone_groups

if TYPE_CHECKING:
    from screens.journeys.apply.screens import ChoiceView, ConsentView, PhoneView, ResultView
    from screens.journeys.calculator.screens import EntryView

#: At most four reasons on a decline; a referral says its first trigger and two reasons.
MAX_REASONS = 4
_PAGER = ApplyFlow()

_ZH_DIGITS = dict(zip("0123456789", "零幺二三四五六七八九", strict=True))


def months_words(tr: Translator, months: int) -> str:
    """12 -> 一年, 6 -> 半年, 18 -> 18个月: a term in plain words."""
    if months == 6:
        return tr("apply.term.half_year")
    if months % 12 == 0:
        return tr(f"apply.term.years.{months // 12}") if months <= 60 else \
            tr("apply.term.months", months=months)
    return tr("apply.term.months", months=months)


def spoken_phone(tr: Translator, phone: str) -> str:
    """Digit by digit in groups 3-4-4: 幺三八，幺二三四，五六七八 (1 said 幺, as on a phone)."""
    groups = phone_groups(phone)
    if tr.lang.startswith("zh"):
        return "，".join("".join(_ZH_DIGITS[d] for d in g) for g in groups)
    return ", ".join(" ".join(g) for g in groups)


def purpose_words(tr: Translator, purpose: str) -> str:
    return tr(f"apply.purpose.{purpose}")


# --- the steps -------------------------------------------------------------------------------

def show_purposes(view: ChoiceView, tr: Translator, page: int) -> None:
    # words only: the kiosk's fonts carry no pictographs (an emoji showed as an empty box)
    choices = [HomeChoice(p, purpose_words(tr, p),
                          tr(f"apply.purpose.{p}.note"))
               for p in _PAGER.page_of(PURPOSES, page)]
    view.show_choices(tr, tr("apply.purpose.title"), tr("apply.purpose.body"), choices,
                      more=_PAGER.pages(PURPOSES) > 1)


def show_terms(view: ChoiceView, tr: Translator, terms: Sequence[int], page: int) -> None:
    choices = [HomeChoice(str(m), months_words(tr, m), tr("apply.term.note", months=m))
               for m in _PAGER.page_of(terms, page)]
    view.show_choices(tr, tr("apply.term.title"), tr("apply.term.body"), choices,
                      more=_PAGER.pages(terms) > 1)


def show_visits(view: ChoiceView, tr: Translator) -> None:
    """上午 / 下午 / 都可以: when the loan officer may come."""
    choices = [HomeChoice(v, tr(f"apply.visit.{v}"), tr(f"apply.visit.{v}.note"))
               for v in VISIT_TIMES]
    view.show_choices(tr, tr("apply.visit.title"), tr("apply.visit.body"), choices, more=False)


def show_amount(view: EntryView, tr: Translator, limits: Any, text: str) -> None:
    view.show_entry(tr, tr("apply.amount.title"), tr("apply.unit.yuan"),
                    tr("apply.amount.limits", low=whole_yuan(limits.min_amount),
                       high=whole_yuan(limits.max_amount)), text)
    view.next_button.setText(tr("apply.next"))


def show_phone(view: PhoneView, tr: Translator, text: str) -> None:
    view.show_entry(tr, tr("apply.phone.title"), "", tr("apply.phone.limits"), text)
    view.next_button.setText(tr("apply.next"))


def consent_texts(tr: Translator, *, intention: bool, purpose: str, amount: Decimal,
                  months: int | None, phone: str, visit: str | None = None
                  ) -> tuple[str, str, str]:
    """(heading, what the farmer agrees to, a summary of what was chosen)."""
    kind = "intention" if intention else "apply"
    summary = tr(f"apply.consent.summary.{kind}", purpose=purpose_words(tr, purpose),
                 amount=whole_yuan(amount),
                 term="" if months is None else months_words(tr, months),
                 phone=" ".join(phone_groups(phone)))
    if intention and visit:
        summary += tr("apply.consent.summary.visit", visit=tr(f"apply.visit.{visit}"))
    return tr(f"apply.consent.title.{kind}"), tr(f"apply.consent.body.{kind}"), summary


def show_consent(view: ConsentView, tr: Translator, **chosen: Any) -> None:
    view.show_consent(tr, *consent_texts(tr, **chosen))


# --- the results -----------------------------------------------------------------------------

def reasons_of(tr: Translator, decision: Any, limit: int = MAX_REASONS) -> list[str]:
    """The knock-outs first, then the score's reasons: each in plain words."""
    codes = [*decision.knockouts, *decision.reasons][:limit]
    return [tr(f"credit.reason.{code}") for code in codes]


def show_approved(view: ResultView, tr: Translator, decision: Any) -> None:
    line = Decimal(decision.line)
    lines = [tr("apply.approved.rate", rate=percent(Decimal(decision.apr_simple))),
             tr("apply.approved.sign_first")]
    lines += [tr(f"credit.info.{code}") for code in decision.info[:1]]
    view.show_result(tr, tr("apply.approved.title"), "", lines, amount=line,
                     other=tr("apply.approved.sign"))


def show_referred(view: ResultView, tr: Translator, decision: Any) -> None:
    lines = [tr(f"credit.trigger.{code}") for code in decision.refer_triggers[:1]]
    lines += reasons_of(tr, decision, 2)
    lines.append(visit_words(tr, decision))
    lines.append(tr("apply.reference", number=decision.intention_id or ""))
    view.show_result(tr, tr("apply.referred.title"), "", lines[:6])


def show_declined(view: ResultView, tr: Translator, decision: Any) -> None:
    view.show_result(tr, tr("apply.declined.title"), tr("apply.declined.body"),
                     reasons_of(tr, decision), other=tr("apply.declined.review"))


def show_reviewed(view: ResultView, tr: Translator, review: Any) -> None:
    view.show_result(tr, tr("apply.reviewed.title"), "",
                     [visit_words(tr, review), tr("apply.reference", number=review.intention_id)])


def show_recorded(view: ResultView, tr: Translator, number: str | None,
                  branch_phone: str) -> None:
    """The intention registered (a number from the host) or kept to send (待发送)."""
    lines = [tr("apply.reference", number=number or tr("apply.reference.queued")),
             tr("apply.recorded.next"), tr("apply.recorded.branch", phone=branch_phone)]
    view.show_result(tr, tr("apply.recorded.title" if number else "apply.recorded.queued"),
                     "", lines)


def show_unavailable(view: ResultView, tr: Translator, farmer_text: str) -> None:
    view.show_result(tr, tr("apply.unavailable.title"), farmer_text, [])


def visit_words(tr: Translator, answer: Any) -> str:
    name = getattr(answer, "officer_name", None)
    days = getattr(answer, "visit_within_days", None)
    if name and days:
        return tr("apply.visit", name=name, days=days)
    return tr("apply.visit.unnamed")
