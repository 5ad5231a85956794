"""The apply and intention chart (Qt-free), one chart for both halves of journey 10.

Apply (贷款申请, ``intention=False``): LOADING (the product's limits) -> PURPOSE -> AMOUNT ->
TERM -> PHONE -> CONSENT -> SUBMITTING -> APPROVED | REFERRED | DECLINED | UNAVAILABLE; from
DECLINED 申请人工复核 -> REVIEWING -> REVIEWED (or UNAVAILABLE).

Intention (贷款意向登记, ``intention=True``): PURPOSE -> AMOUNT -> PHONE -> VISIT (when the
loan officer may come: 上午 / 下午 / 都可以) -> CONSENT -> SAVING (the outbox: works with the
host offline) -> RECORDED (the slip) | UNAVAILABLE.

返回 goes one step back (from the first step it ends the journey); 取消 and the idle timeout
end it from every screen. No personal data beyond what the farmer keys for this request.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import Enum, auto
from types import MappingProxyType
from typing import Any, ClassVar

from screens.chart import ChoicePages, FlowChart, Outcome, from_each

#: Loan purposes in the farmer's words (msgid ``apply.purpose.<code>``), three to a screen.
PURPOSES = ("planting", "breeding", "machinery", "business", "household")
#: Choices per screen (with more, two and 下一页: never more than three choices).
PHONE_RE = re.compile(r"^1\d{10}$")
#: When the loan officer may visit (msgid ``apply.visit.<code>``): three, one screen.
VISIT_TIMES = ("morning", "afternoon", "any")


class ApplyState(Enum):
    IDLE = auto()
    LOADING = auto()
    PURPOSE = auto()
    AMOUNT = auto()
    TERM = auto()
    PHONE = auto()
    VISIT = auto()
    CONSENT = auto()
    SUBMITTING = auto()
    APPROVED = auto()
    REFERRED = auto()
    DECLINED = auto()
    REVIEWING = auto()
    REVIEWED = auto()
    SAVING = auto()
    RECORDED = auto()
    UNAVAILABLE = auto()
    ENDED = auto()


class ApplyEvent(Enum):
    START = auto()
    LOADED = auto()
    NEXT = auto()
    BACK = auto()
    APPROVE = auto()
    REFER = auto()
    DECLINE = auto()
    REVIEW = auto()
    REVIEWED = auto()
    SAVED = auto()
    FAILED = auto()
    FINISH = auto()
    CANCEL = auto()
    IDLE_TIMEOUT = auto()


S, E = ApplyState, ApplyEvent
INPUTS = (S.PURPOSE, S.AMOUNT, S.TERM, S.PHONE, S.VISIT, S.CONSENT)
RESULTS = (S.APPROVED, S.REFERRED, S.DECLINED, S.REVIEWED, S.RECORDED, S.UNAVAILABLE)
WAITING = (S.LOADING, S.SUBMITTING, S.REVIEWING, S.SAVING)


@dataclass(frozen=True)
class AmountLimits:
    """What the amount keypad accepts (yuan): the product's limits, or for an intention the
    regulator's cap for a farmer's credit loan."""

    min_amount: Decimal = Decimal("1000")
    max_amount: Decimal = Decimal("300000")


class Problem(Enum):
    """Why a keyed value is not taken (farmer words: ``apply.problem.<name>``)."""

    EMPTY = "empty"
    TOO_SMALL = "too_small"
    TOO_LARGE = "too_large"
    NOT_WHOLE = "not_whole"
    PHONE = "phone"

    @property
    def msgid(self) -> str:
        return f"apply.problem.{self.value}"


class ApplyFlow(ChoicePages, FlowChart[ApplyState, ApplyEvent]):
    """Holds what the farmer chose; the presenter reads it to send the request."""

    initial = S.IDLE
    final = frozenset({S.ENDED})
    transitions: ClassVar[Mapping[tuple[Enum, Enum], Enum]] = MappingProxyType({
        (S.IDLE, E.START): S.LOADING,
        (S.LOADING, E.LOADED): S.PURPOSE,
        (S.LOADING, E.FAILED): S.UNAVAILABLE,
        (S.PURPOSE, E.NEXT): S.AMOUNT,
        (S.AMOUNT, E.NEXT): S.TERM,
        (S.TERM, E.NEXT): S.PHONE,
        (S.PHONE, E.NEXT): S.CONSENT,
        (S.CONSENT, E.NEXT): S.SUBMITTING,
        (S.PURPOSE, E.BACK): S.ENDED,
        (S.AMOUNT, E.BACK): S.PURPOSE,
        (S.TERM, E.BACK): S.AMOUNT,
        (S.PHONE, E.BACK): S.TERM,
        (S.CONSENT, E.BACK): S.PHONE,
        (S.SUBMITTING, E.APPROVE): S.APPROVED,
        (S.SUBMITTING, E.REFER): S.REFERRED,
        (S.SUBMITTING, E.DECLINE): S.DECLINED,
        (S.SUBMITTING, E.FAILED): S.UNAVAILABLE,
        (S.DECLINED, E.REVIEW): S.REVIEWING,
        (S.REVIEWING, E.REVIEWED): S.REVIEWED,
        (S.REVIEWING, E.FAILED): S.UNAVAILABLE,
        **from_each(RESULTS, E.FINISH, S.ENDED),
        **from_each((*INPUTS, *RESULTS, *WAITING), E.CANCEL, S.ENDED),
        **from_each((*INPUTS, *RESULTS), E.IDLE_TIMEOUT, S.ENDED),
    })
    #: The intention's steps: no product to load, no term, the outbox instead of a decision.
    intention_transitions: ClassVar[Mapping[tuple[Enum, Enum], Enum]] = MappingProxyType({
        (S.IDLE, E.START): S.PURPOSE,
        (S.PURPOSE, E.NEXT): S.AMOUNT,
        (S.AMOUNT, E.NEXT): S.PHONE,
        (S.PHONE, E.NEXT): S.VISIT,
        (S.VISIT, E.NEXT): S.CONSENT,
        (S.CONSENT, E.NEXT): S.SAVING,
        (S.PURPOSE, E.BACK): S.ENDED,
        (S.AMOUNT, E.BACK): S.PURPOSE,
        (S.PHONE, E.BACK): S.AMOUNT,
        (S.VISIT, E.BACK): S.PHONE,
        (S.CONSENT, E.BACK): S.VISIT,
        (S.SAVING, E.SAVED): S.RECORDED,
        (S.SAVING, E.FAILED): S.UNAVAILABLE,
        **from_each((S.RECORDED, S.UNAVAILABLE), E.FINISH, S.ENDED),
        **from_each((*INPUTS, S.RECORDED, S.UNAVAILABLE), E.CANCEL, S.ENDED),
        **from_each((*INPUTS, S.RECORDED, S.UNAVAILABLE), E.IDLE_TIMEOUT, S.ENDED),
    })

    def __init__(self, *, intention: bool = False,
                 limits: AmountLimits = AmountLimits()) -> None:
        super().__init__()
        self.intention = intention
        if intention:
            self.use_transitions(self.intention_transitions)
        self.limits = limits
        self.product: Any = None
        self.terms: tuple[int, ...] = ()
        self.purpose_page = 0
        self.term_page = 0
        self.purpose: str | None = None
        self.amount: Decimal | None = None
        self.months: int | None = None
        self.phone: str | None = None
        self.visit: str | None = None  # an intention's preferred visit time
        self.answer: Any = None  # the host's decision, the review or the outbox item
        self.review: Any = None  # the officer's review asked after a decline
        self.error: Any = None
        self.outcome: Outcome | None = None

    # --- the product (apply) ------------------------------------------------------------------

    def loaded(self, product: Any) -> None:
        """The online product applied for: its limits and its terms."""
        self.product = product
        self.limits = AmountLimits(Decimal(product.min_amount), Decimal(product.max_amount))
        self.terms = tuple(int(t) for t in product.terms)
        self.send(E.LOADED)

    def choose_purpose(self, purpose: str) -> None:
        if purpose not in PURPOSES:
            raise ValueError(f"unknown purpose {purpose!r}")
        self.purpose = purpose
        self.send(E.NEXT)

    def choose_months(self, months: int) -> None:
        if months not in self.terms:
            raise ValueError(f"{months} months is not one of {self.terms}")
        self.months = months
        self.send(E.NEXT)

    def choose_visit(self, visit: str) -> None:
        if visit not in VISIT_TIMES:
            raise ValueError(f"unknown visit time {visit!r}")
        self.visit = visit
        self.send(E.NEXT)

    # --- keyed values -------------------------------------------------------------------------

    def enter_amount(self, text: str) -> Problem | None:
        """Whole yuan within the limits."""
        if not text:
            return Problem.EMPTY
        try:
            value = Decimal(text)
        except InvalidOperation:
            return Problem.NOT_WHOLE
        if value != value.to_integral_value():
            return Problem.NOT_WHOLE
        if value < self.limits.min_amount:
            return Problem.TOO_SMALL
        if value > self.limits.max_amount:
            return Problem.TOO_LARGE
        self.amount = value.quantize(Decimal("0.01"))
        self.send(E.NEXT)
        return None

    def enter_phone(self, text: str) -> Problem | None:
        """A mainland mobile number: 11 digits starting with 1."""
        if not text:
            return Problem.EMPTY
        if not PHONE_RE.match(text):
            return Problem.PHONE
        self.phone = text
        self.send(E.NEXT)
        return None

    def consent(self) -> None:
        """同意: the explicit consent to the credit check (apply) or to being contacted."""
        self.send(E.NEXT)

    # --- answers ------------------------------------------------------------------------------

    def decided(self, application: Any) -> None:
        """The host's answer to the application: its scorecard decision."""
        self.answer = application
        decision = str(getattr(application.decision, "decision", ""))
        event = {"APPROVE": E.APPROVE, "REFER": E.REFER, "DECLINE": E.DECLINE}.get(decision)
        if event is None:  # a counter product: an officer decides (treated as referred)
            event = E.REFER
        self.send(event)

    def reviewed(self, intention: Any) -> None:
        self.review = intention
        self.send(E.REVIEWED)

    def saved(self, item: Any) -> None:
        self.answer = item
        self.send(E.SAVED)

    def failed(self, error: Any) -> None:
        self.error = error
        self.send(E.FAILED)

    def on_enter_ended(self, source: ApplyState, event: ApplyEvent) -> None:
        if event is E.IDLE_TIMEOUT:
            self.outcome = Outcome.TIMED_OUT
        elif event in (E.CANCEL, E.BACK):
            self.outcome = Outcome.CANCELED
        elif source is S.UNAVAILABLE:
            self.outcome = Outcome.FAILED
        else:
            self.outcome = Outcome.DONE


def phone_groups(phone: str) -> tuple[str, ...]:
    """138 1234 5678: the number in groups of 3-4-4 (shown and spoken that way)."""
    return tuple(g for g in (phone[:3], phone[3:7], phone[7:11]) if g)
