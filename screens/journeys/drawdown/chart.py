"""The drawdown chart (额度支用, journey 5), Qt-free.

LOADING (the line and its product) -> AMOUNT (keypad, the available amount and the product's
limits) -> TERM -> METHOD (plain words, two a page) -> QUOTING (the host's quote) -> QUOTE (shown
and spoken; the kiosk's engine agreed) -> [AUTHORIZE: a staff member, above the configured
amount] -> PIN (the PIN pad) -> SENDING (the transactions service) -> SUCCESS | PENDING |
FAILED. PENDING's 再查一次 goes to CHECKING (the journal row settled by the host's status query
by its key, never sent again) and back to SUCCESS, FAILED or, still unknown, PENDING.
MISMATCH when the host's quote and the kiosk's engine differ; NOT_SIGNED, NO_LINE,
UNAVAILABLE (host or journal), REFUSED (no staff authorisation). Nothing personal here: the
session holds the farmer's data; this holds amounts, terms and the host's ids.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from enum import Enum, auto
from types import MappingProxyType
from typing import Any, ClassVar

from screens.chart import ChoicePages, FlowChart, Outcome, from_each


class DrawState(Enum):
    IDLE = auto()
    LOADING = auto()
    AMOUNT = auto()
    TERM = auto()
    METHOD = auto()
    QUOTING = auto()
    QUOTE = auto()
    AUTHORIZE = auto()
    PIN = auto()
    SENDING = auto()
    SUCCESS = auto()
    PENDING = auto()
    CHECKING = auto()
    FAILED = auto()
    MISMATCH = auto()
    NOT_SIGNED = auto()
    NO_LINE = auto()
    UNAVAILABLE = auto()
    REFUSED = auto()
    ENDED = auto()


class DrawEvent(Enum):
    START = auto()
    LOADED = auto()
    NO_LINE = auto()
    NOT_SIGNED = auto()
    FAILED = auto()
    AMOUNT_OK = auto()
    CHOSEN = auto()
    QUOTED = auto()
    MISMATCH = auto()
    CONFIRM = auto()
    NEEDS_STAFF = auto()
    GRANTED = auto()
    REFUSED = auto()
    PIN_OK = auto()
    PIN_AGAIN = auto()
    SUCCESS = auto()
    PENDING = auto()
    DECLINED = auto()
    CHECK = auto()
    BACK = auto()
    FINISH = auto()
    CANCEL = auto()
    IDLE_TIMEOUT = auto()


S, E = DrawState, DrawEvent
#: Screens that wait for the farmer (idle countdown, 取消).
INPUTS = (S.AMOUNT, S.TERM, S.METHOD, S.QUOTE)
#: Screens that end the journey with 办完了.
RESULTS = (S.SUCCESS, S.PENDING, S.FAILED, S.MISMATCH, S.NOT_SIGNED, S.NO_LINE, S.UNAVAILABLE,
           S.REFUSED)


@dataclass(frozen=True)
class Problem:
    """Why a keyed amount cannot be used (a msgid and its fields)."""

    msgid: str
    fields: Mapping[str, Any]


@dataclass(frozen=True)
class Limits:
    """What the farmer may draw now: the product's range cut by what is left on the line."""

    low: Decimal
    high: Decimal
    available: Decimal
    product_low: Decimal
    product_high: Decimal

    @classmethod
    def of(cls, line: Any, product: Any) -> Limits:
        available = Decimal(line.available)
        low, high = Decimal(product.min_amount), Decimal(product.max_amount)
        # the keypad keys whole yuan: 66,352.75 left lets 66,352 be drawn
        top = min(high, available).to_integral_value(rounding=ROUND_FLOOR)
        return cls(low, top, available, low, high)

    @property
    def possible(self) -> bool:
        return self.high >= self.low


class DrawdownFlow(ChoicePages, FlowChart[DrawState, DrawEvent]):
    initial = S.IDLE
    final = frozenset({S.ENDED})
    transitions: ClassVar[Mapping[tuple[Enum, Enum], Enum]] = MappingProxyType({
        (S.IDLE, E.START): S.LOADING,
        (S.LOADING, E.LOADED): S.AMOUNT,
        (S.LOADING, E.NO_LINE): S.NO_LINE,
        (S.LOADING, E.NOT_SIGNED): S.NOT_SIGNED,
        (S.LOADING, E.FAILED): S.UNAVAILABLE,
        (S.LOADING, E.CANCEL): S.ENDED,
        (S.AMOUNT, E.AMOUNT_OK): S.TERM,
        (S.AMOUNT, E.BACK): S.ENDED,
        (S.TERM, E.CHOSEN): S.METHOD,
        (S.TERM, E.BACK): S.AMOUNT,
        (S.METHOD, E.CHOSEN): S.QUOTING,
        (S.METHOD, E.BACK): S.TERM,
        (S.QUOTING, E.QUOTED): S.QUOTE,
        (S.QUOTING, E.MISMATCH): S.MISMATCH,
        (S.QUOTING, E.FAILED): S.UNAVAILABLE,
        (S.QUOTING, E.CANCEL): S.ENDED,
        (S.QUOTE, E.CONFIRM): S.PIN,
        (S.QUOTE, E.NEEDS_STAFF): S.AUTHORIZE,
        (S.QUOTE, E.BACK): S.METHOD,
        (S.AUTHORIZE, E.GRANTED): S.PIN,
        (S.AUTHORIZE, E.REFUSED): S.REFUSED,
        (S.AUTHORIZE, E.CANCEL): S.ENDED,
        (S.PIN, E.PIN_OK): S.SENDING,
        (S.PIN, E.PIN_AGAIN): S.QUOTE,
        (S.PIN, E.CANCEL): S.ENDED,
        (S.SENDING, E.SUCCESS): S.SUCCESS,
        (S.SENDING, E.PENDING): S.PENDING,
        (S.SENDING, E.DECLINED): S.FAILED,
        (S.SENDING, E.FAILED): S.UNAVAILABLE,
        (S.PENDING, E.CHECK): S.CHECKING,
        (S.CHECKING, E.SUCCESS): S.SUCCESS,
        (S.CHECKING, E.PENDING): S.PENDING,
        (S.CHECKING, E.DECLINED): S.FAILED,
        (S.CHECKING, E.FAILED): S.PENDING,  # the check itself could not run: still 处理中
        (S.CHECKING, E.CANCEL): S.ENDED,
        **from_each(INPUTS, E.CANCEL, S.ENDED),
        **from_each(INPUTS, E.IDLE_TIMEOUT, S.ENDED),
        **from_each(RESULTS, E.FINISH, S.ENDED),
        **from_each(RESULTS, E.CANCEL, S.ENDED),
        **from_each(RESULTS, E.IDLE_TIMEOUT, S.ENDED),
    })

    def __init__(self) -> None:
        super().__init__()
        self.line: Any = None
        self.product: Any = None
        self.limits: Limits | None = None
        self.amount: Decimal | None = None
        self.months: int | None = None
        self.method: str | None = None
        self.term_page = 0
        self.method_page = 0
        self.quote: Any = None
        self.check: Any = None
        self.authorization_id: str | None = None
        self.staff_id: str | None = None
        self.result: Any = None
        self.error: Any = None
        self.outcome: Outcome | None = None

    # --- inputs ---------------------------------------------------------------------------------

    def loaded(self, line: Any, product: Any) -> None:
        self.line, self.product = line, product
        if not line.signed:
            self.send(E.NOT_SIGNED)
            return
        self.limits = Limits.of(line, product)
        if not self.limits.possible:
            self.send(E.NO_LINE)  # what is left is below the product's smallest loan
            return
        self.send(E.LOADED)

    def failed(self, error: Any) -> None:
        self.error = error
        self.send(E.FAILED)

    def enter_amount(self, text: str) -> Problem | None:
        """The keyed amount (whole yuan), or why it cannot be drawn."""
        assert self.limits is not None
        lim = self.limits
        try:
            amount = Decimal(text)
        except (InvalidOperation, ValueError):
            return Problem("drawdown.amount.problem.empty", {})
        if not amount.is_finite() or amount <= 0 or amount != amount.to_integral_value():
            return Problem("drawdown.amount.problem.empty", {})
        if amount < lim.low:
            return Problem("drawdown.amount.problem.low", {"low": lim.low})
        if amount > lim.high:
            msgid = ("drawdown.amount.problem.high" if lim.high == lim.product_high
                     else "drawdown.amount.problem.available")
            return Problem(msgid, {"high": lim.high})
        self.amount = amount.quantize(Decimal("0.01"))
        self.send(E.AMOUNT_OK)
        return None

    @property
    def terms(self) -> tuple[int, ...]:
        return tuple(int(t) for t in self.product.terms) if self.product is not None else ()

    @property
    def methods(self) -> tuple[str, ...]:
        """The product's methods for the chosen term (利随本清 at most a year)."""
        if self.product is None:
            return ()
        return tuple(str(m) for m in self.product.methods
                     if not (str(m) == "bullet" and (self.months or 0) > 12))

    def choose_months(self, months: int) -> None:
        if months in self.terms:
            self.months = months
            self.method_page = 0
            self.send(E.CHOSEN)

    def choose_method(self, method: str) -> None:
        if method in self.methods:
            self.method = method
            self.send(E.CHOSEN)

    # --- the host's quote and the cross-check ---------------------------------------------------

    def quoted(self, quote: Any, check: Any) -> None:
        self.quote, self.check = quote, check
        self.send(E.QUOTED if check.ok else E.MISMATCH)

    def confirm(self, needs_staff: bool) -> None:
        self.send(E.NEEDS_STAFF if needs_staff else E.CONFIRM)

    def granted(self, authorization_id: str, staff_id: str | None) -> None:
        self.authorization_id, self.staff_id = authorization_id, staff_id
        self.send(E.GRANTED)

    def refused(self, reason: Any) -> None:
        self.error = reason
        self.send(E.REFUSED)

    # --- the money -----------------------------------------------------------------------------

    def answered(self, result: Any) -> None:
        """The transactions service's TxResult (outcome success / pending / failed)."""
        self.result = result
        outcome = str(getattr(result.outcome, "value", result.outcome))
        self.send({"success": E.SUCCESS, "pending": E.PENDING}.get(outcome, E.DECLINED))

    def check_again(self) -> bool:
        """再查一次 on 处理中."""
        return self.send_if_allowed(E.CHECK)

    def checked_again(self, result: Any) -> None:
        """The row as the check left it (``None``: the check could not run)."""
        if result is None:
            self.send(E.FAILED)
        else:
            self.answered(result)

    def on_enter_ended(self, source: DrawState, event: DrawEvent) -> None:
        if event is E.IDLE_TIMEOUT:
            self.outcome = Outcome.TIMED_OUT
        elif source in (S.SUCCESS, S.PENDING, S.CHECKING):
            self.outcome = Outcome.DONE  # money moved (or may have): a finished journey
        elif event is E.CANCEL or event is E.BACK:
            self.outcome = Outcome.CANCELED
        elif source is S.UNAVAILABLE:
            self.outcome = Outcome.FAILED
        # MISMATCH: the farmer was told plainly and nothing moved; he stays identified for
        # another service (the staff find the log entry)
        else:
            self.outcome = Outcome.DONE
