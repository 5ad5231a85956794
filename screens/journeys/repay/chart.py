"""The repayment chart (贷款还款, journey 6; Qt-free).

LOADING (the farmer's loans and the products' rules) -> LOAN (one per screen; 下一笔 walks
them) | NO_LOANS | UNAVAILABLE. From a loan, three choices in plain words:

- 还这一期 / 还逾期的钱 (PAY_DUE) -> QUOTING -> CONFIRM;
- 提前还一部分 (PAY_PART) -> AMOUNT (keypad) -> QUOTING (both ways of re-amortising) ->
  OPTIONS (少还几期 / 每月少还, each with its new schedule and the interest saved) -> CONFIRM;
- 全部还清 (PAY_ALL) -> QUOTING (the payoff to the day) -> CONFIRM.

QUOTING asks the host for the schedule and the quote and cross-checks them with the kiosk's
loan engine: a difference of more than a fen goes to MISMATCH (nothing is paid). CONFIRM
(amount in figures and capitals, what it pays, the account, the principal left) -> PIN ->
PAYING (the transactions service) -> RESULT (成功 / 处理中 / 没有还上; the receipt prints).
处理中's 再查一次 goes to CHECKING (the journal row settled by the host's status query by its
key, never paid again) and back to RESULT.
A quote the host refuses (an amount too small or too large...) goes to PROBLEM, whose 返回
leads back to the loan. No cancel while the money is moving (PAYING).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import Enum, auto
from types import MappingProxyType
from typing import Any, ClassVar

from screens.chart import FlowChart, Outcome, from_each


class RepayState(Enum):
    IDLE = auto()
    LOADING = auto()
    LOAN = auto()
    NO_LOANS = auto()
    AMOUNT = auto()
    QUOTING = auto()
    OPTIONS = auto()
    CONFIRM = auto()
    PIN = auto()
    PAYING = auto()
    RESULT = auto()
    CHECKING = auto()
    PROBLEM = auto()
    MISMATCH = auto()
    UNAVAILABLE = auto()
    ENDED = auto()


class RepayEvent(Enum):
    START = auto()
    FOUND = auto()
    NONE = auto()
    FAILED = auto()
    NEXT_LOAN = auto()
    PAY_DUE = auto()
    PAY_PART = auto()
    PAY_ALL = auto()
    AMOUNT_OK = auto()
    QUOTED = auto()
    OPTIONS_READY = auto()
    REFUSED = auto()
    MISMATCH = auto()
    CHOSEN = auto()
    CONFIRMED = auto()
    PIN_OK = auto()
    PIN_FAILED = auto()
    PAID = auto()
    CHECK = auto()
    BACK = auto()
    FINISH = auto()
    CANCEL = auto()
    IDLE_TIMEOUT = auto()


S, E = RepayState, RepayEvent
#: Screens that wait for the farmer (cancel and the idle timeout end the journey there).
_SHOWN = (S.LOAN, S.NO_LOANS, S.AMOUNT, S.OPTIONS, S.CONFIRM, S.RESULT, S.PROBLEM, S.MISMATCH,
          S.UNAVAILABLE)
#: Kinds of repayment (the host's ``kind``).
KINDS = ("due", "overdue", "partial", "payoff")


class RepayFlow(FlowChart[RepayState, RepayEvent]):
    initial = S.IDLE
    final = frozenset({S.ENDED})
    transitions: ClassVar[Mapping[tuple[Enum, Enum], Enum]] = MappingProxyType({
        (S.IDLE, E.START): S.LOADING,
        (S.LOADING, E.FOUND): S.LOAN,
        (S.LOADING, E.NONE): S.NO_LOANS,
        (S.LOADING, E.FAILED): S.UNAVAILABLE,
        (S.LOADING, E.CANCEL): S.ENDED,
        (S.LOAN, E.NEXT_LOAN): S.LOAN,
        (S.LOAN, E.PAY_DUE): S.QUOTING,
        (S.LOAN, E.PAY_ALL): S.QUOTING,
        (S.LOAN, E.PAY_PART): S.AMOUNT,
        (S.LOAN, E.BACK): S.ENDED,
        (S.LOAN, E.FINISH): S.ENDED,
        (S.AMOUNT, E.AMOUNT_OK): S.QUOTING,
        (S.AMOUNT, E.BACK): S.LOAN,
        (S.QUOTING, E.QUOTED): S.CONFIRM,
        (S.QUOTING, E.OPTIONS_READY): S.OPTIONS,
        (S.QUOTING, E.REFUSED): S.PROBLEM,
        (S.QUOTING, E.MISMATCH): S.MISMATCH,
        (S.QUOTING, E.FAILED): S.UNAVAILABLE,
        (S.QUOTING, E.CANCEL): S.ENDED,
        (S.OPTIONS, E.CHOSEN): S.CONFIRM,
        (S.OPTIONS, E.BACK): S.AMOUNT,
        (S.CONFIRM, E.CONFIRMED): S.PIN,
        (S.CONFIRM, E.BACK): S.LOAN,
        (S.PIN, E.PIN_OK): S.PAYING,
        (S.PIN, E.PIN_FAILED): S.CONFIRM,
        (S.PIN, E.CANCEL): S.ENDED,
        (S.PAYING, E.PAID): S.RESULT,
        (S.RESULT, E.FINISH): S.ENDED,
        (S.RESULT, E.CHECK): S.CHECKING,
        (S.CHECKING, E.PAID): S.RESULT,
        (S.CHECKING, E.CANCEL): S.ENDED,
        (S.PROBLEM, E.BACK): S.LOAN,
        (S.PROBLEM, E.FINISH): S.ENDED,
        (S.MISMATCH, E.FINISH): S.ENDED,
        (S.NO_LOANS, E.FINISH): S.ENDED,
        (S.UNAVAILABLE, E.FINISH): S.ENDED,
        **from_each(_SHOWN, E.CANCEL, S.ENDED),
        **from_each(_SHOWN, E.IDLE_TIMEOUT, S.ENDED),
    })

    def __init__(self, loan_id: str | None = None) -> None:
        super().__init__()
        #: the loan to open on (现在还款 on a reminder)
        self.wanted = loan_id
        self.loans: Sequence[Any] = ()
        self.index = 0
        self.kind = ""
        self.amount: Any = None       # the partial amount keyed
        self.option: str | None = None
        self.quotes: dict[str, Any] = {}   # option ('' for one quote) -> (host quote, mine)
        self.result: Any = None        # the transactions service's TxResult
        self.problem: Any = None       # a host refusal, a MoneyRefused, a failed call
        self.mismatches: Sequence[Any] = ()
        self.outcome: Outcome | None = None

    # --- the loans ----------------------------------------------------------------------------

    @property
    def loan(self) -> Any:
        return self.loans[self.index] if self.loans else None

    @property
    def has_next(self) -> bool:
        return len(self.loans) > 1

    def found(self, loans: Sequence[Any]) -> None:
        """The host's answer: the loans still being repaid (closed ones are left out)."""
        self.loans = tuple(ln for ln in loans if ln.status != "CLOSED")
        self.index = next((i for i, ln in enumerate(self.loans)
                           if ln.loan_id == self.wanted), 0)
        self.send(E.FOUND if self.loans else E.NONE)

    def next_loan(self) -> None:
        if self.has_next and self.can(E.NEXT_LOAN):
            self.index = (self.index + 1) % len(self.loans)
            self.send(E.NEXT_LOAN)

    # --- choices ------------------------------------------------------------------------------

    def pay_due(self) -> bool:
        """还这一期, or 还逾期的钱 when something is overdue."""
        loan = self.loan
        if loan is None or not self.can(E.PAY_DUE):
            return False
        self._reset("overdue" if int(loan.overdue_days) > 0 else "due")
        self.send(E.PAY_DUE)
        return True

    def pay_all(self) -> bool:
        if self.loan is None or not self.can(E.PAY_ALL):
            return False
        self._reset("payoff")
        self.send(E.PAY_ALL)
        return True

    def pay_part(self) -> bool:
        if self.loan is None or not self.can(E.PAY_PART):
            return False
        self._reset("partial")
        self.send(E.PAY_PART)
        return True

    def _reset(self, kind: str) -> None:
        self.kind, self.amount, self.option = kind, None, None
        self.quotes, self.result, self.problem, self.mismatches = {}, None, None, ()

    def amount_ok(self, amount: Any) -> None:
        self.amount = amount
        self.send_if_allowed(E.AMOUNT_OK)

    # --- the quote ----------------------------------------------------------------------------

    def quoted(self, quotes: Mapping[str, Any]) -> None:
        """The host's quotes, each with the kiosk's own figures, agreeing within a fen."""
        self.quotes = dict(quotes)
        self.send(E.OPTIONS_READY if self.kind == "partial" else E.QUOTED)

    def refused(self, problem: Any) -> None:
        self.problem = problem
        self.send(E.REFUSED)

    def disagree(self, mismatches: Sequence[Any]) -> None:
        self.mismatches = tuple(mismatches)
        self.send(E.MISMATCH)

    def failed(self, problem: Any) -> None:
        self.problem = problem
        self.send(E.FAILED)

    def choose(self, option: str) -> None:
        if option in self.quotes and self.can(E.CHOSEN):
            self.option = option
            self.send(E.CHOSEN)

    @property
    def chosen(self) -> tuple[Any, Any]:
        """(host quote, kiosk figures) of what the farmer is about to pay."""
        return self.quotes[self.option or ""]

    # --- the money ----------------------------------------------------------------------------

    def paid(self, result: Any, problem: Any = None) -> None:
        """The transactions service's TxResult, or ``problem`` (refused before sending)."""
        self.result, self.problem = result, problem
        self.send(E.PAID)

    @property
    def pending(self) -> bool:
        """The money may have moved and the host has not said: 处理中."""
        return self.result is not None and self.result.state.name not in ("CONFIRMED",
                                                                          "DECLINED")

    def check_again(self) -> bool:
        """再查一次 on 处理中."""
        return self.pending and self.send_if_allowed(E.CHECK)

    def checked_again(self, result: Any) -> None:
        """The row as the check left it (``None``: the check could not run, still 处理中)."""
        if result is not None:
            self.result = result
        self.send(E.PAID)

    def on_enter_ended(self, source: RepayState, event: RepayEvent) -> None:
        if event is E.IDLE_TIMEOUT:
            self.outcome = Outcome.TIMED_OUT
        elif event is E.CANCEL:
            self.outcome = Outcome.CANCELED
        elif source in (S.UNAVAILABLE, S.MISMATCH) or (source is S.RESULT and (
                self.result is None or self.result.state.name == "DECLINED")):
            self.outcome = Outcome.FAILED
        else:
            self.outcome = Outcome.DONE
