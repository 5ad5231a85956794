"""The loan queries chart (Qt-free).

LOADING -> LOANS (one loan per screen, 下一笔 walks them) | NO_LOANS | UNAVAILABLE.
From a loan: 还款计划 -> LOADING_SCHEDULE -> PLAN_CHART (the summary in words and the chart,
printing from there) -> SCHEDULE (the paged table) and 还款明细 -> LOADING_HISTORY -> HISTORY;
返回 goes back one step.
完成, 取消 and the idle timeout end it. Nothing here moves money: 换还款卡 on a loan runs the
account change journey (ELSEWHERE), then the loans are read again (the new account shows);
with no loan, 申请进度 runs the progress journey, whose end is this one's."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import Enum, auto
from types import MappingProxyType
from typing import Any, ClassVar

from screens.chart import FlowChart, Outcome, from_each


class QueryState(Enum):
    IDLE = auto()
    LOADING = auto()
    LOANS = auto()
    NO_LOANS = auto()
    LOADING_SCHEDULE = auto()
    SCHEDULE = auto()
    PLAN_CHART = auto()
    PRINTING = auto()
    LOADING_HISTORY = auto()
    HISTORY = auto()
    UNAVAILABLE = auto()
    ELSEWHERE = auto()  # a sub-journey runs (account change, progress)
    ENDED = auto()


class QueryEvent(Enum):
    START = auto()
    FOUND = auto()
    NONE = auto()
    FAILED = auto()
    NEXT_LOAN = auto()
    SCHEDULE = auto()
    HISTORY = auto()
    LOADED = auto()
    TABLE = auto()
    PRINT = auto()
    PRINTED = auto()
    BACK = auto()
    FINISH = auto()
    CANCEL = auto()
    IDLE_TIMEOUT = auto()
    CHANGE_ACCOUNT = auto()  # 换还款卡 on a loan
    PROGRESS = auto()  # 查申请进度 (no loan)
    RELOAD = auto()  # back from an account change: the loans again
    RETURNED = auto()  # the sub-journey ended


S, E = QueryState, QueryEvent
_SHOWN = (S.LOANS, S.NO_LOANS, S.SCHEDULE, S.PLAN_CHART, S.HISTORY, S.UNAVAILABLE)
_WAITING = (S.LOADING, S.LOADING_SCHEDULE, S.LOADING_HISTORY)


class LoanQueriesFlow(FlowChart[QueryState, QueryEvent]):
    initial = S.IDLE
    final = frozenset({S.ENDED})
    transitions: ClassVar[Mapping[tuple[Enum, Enum], Enum]] = MappingProxyType({
        (S.IDLE, E.START): S.LOADING,
        (S.LOADING, E.FOUND): S.LOANS,
        (S.LOADING, E.NONE): S.NO_LOANS,
        **from_each(_WAITING, E.FAILED, S.UNAVAILABLE),
        **from_each(_WAITING, E.CANCEL, S.ENDED),
        (S.LOANS, E.NEXT_LOAN): S.LOANS,
        (S.LOANS, E.SCHEDULE): S.LOADING_SCHEDULE,
        (S.LOANS, E.HISTORY): S.LOADING_HISTORY,
        (S.LOANS, E.FINISH): S.ENDED,
        (S.LOADING_SCHEDULE, E.LOADED): S.PLAN_CHART,
        (S.LOADING_HISTORY, E.LOADED): S.HISTORY,
        (S.PLAN_CHART, E.TABLE): S.SCHEDULE,
        (S.PLAN_CHART, E.BACK): S.LOANS,
        (S.SCHEDULE, E.BACK): S.PLAN_CHART,
        (S.PLAN_CHART, E.PRINT): S.PRINTING,
        (S.PRINTING, E.PRINTED): S.PLAN_CHART,
        (S.HISTORY, E.BACK): S.LOANS,
        (S.NO_LOANS, E.FINISH): S.ENDED,
        (S.UNAVAILABLE, E.FINISH): S.ENDED,
        **from_each(_SHOWN, E.CANCEL, S.ENDED),
        **from_each(_SHOWN, E.IDLE_TIMEOUT, S.ENDED),
        (S.NO_LOANS, E.PROGRESS): S.ELSEWHERE,
        (S.LOANS, E.CHANGE_ACCOUNT): S.ELSEWHERE,
        (S.ELSEWHERE, E.RELOAD): S.LOADING,
        (S.ELSEWHERE, E.RETURNED): S.ENDED,
    })

    def __init__(self) -> None:
        super().__init__()
        self.loans: Sequence[Any] = ()
        self.index = 0
        self.schedule: Any = None
        self.history_rows: Any = None
        self.error: Any = None
        self.outcome: Outcome | None = None
        self.went: QueryEvent | None = None

    def go(self, event: QueryEvent) -> bool:
        """换还款卡 (a loan shown) or 查申请进度 (no loan)."""
        if not self.can(event):
            return False
        self.went = event  # before the transition: entering ELSEWHERE reads it
        self.send(event)
        return True

    def returned(self, outcome: Outcome) -> None:
        """The sub-journey ended: back from an account change (done or not, the farmer is
        still here) the loans again; the farmer gone (timed out), or after the progress, its
        outcome ends this journey."""
        if self.went is E.CHANGE_ACCOUNT and outcome is not Outcome.TIMED_OUT:
            self.send(E.RELOAD)
            return
        self.outcome = outcome
        self.send(E.RETURNED)

    @property
    def loan(self) -> Any:
        return self.loans[self.index] if self.loans else None

    @property
    def has_next(self) -> bool:
        return len(self.loans) > 1

    def found(self, loans: Sequence[Any]) -> None:
        """The host's answer: the loans, or none (read again: the same loan shown)."""
        shown = getattr(self.loan, "loan_id", None)
        self.loans = tuple(loans)
        self.index = next((i for i, ln in enumerate(self.loans)
                           if shown is not None and getattr(ln, "loan_id", None) == shown), 0)
        self.send(E.FOUND if self.loans else E.NONE)

    def next_loan(self) -> None:
        """下一笔: the next loan, back to the first after the last."""
        if self.has_next and self.can(E.NEXT_LOAN):
            self.index = (self.index + 1) % len(self.loans)
            self.send(E.NEXT_LOAN)

    def loaded(self, answer: Any) -> None:
        if self.state is S.LOADING_SCHEDULE:
            self.schedule = answer
        elif self.state is S.LOADING_HISTORY:
            self.history_rows = answer
        self.send(E.LOADED)

    def failed(self, error: Any) -> None:
        self.error = error
        self.send(E.FAILED)

    def on_enter_ended(self, source: QueryState, event: QueryEvent) -> None:
        if event is E.RETURNED:
            return  # the sub-journey's outcome
        if event is E.IDLE_TIMEOUT:
            self.outcome = Outcome.TIMED_OUT
        elif event is E.CANCEL:
            self.outcome = Outcome.CANCELED
        elif source is S.UNAVAILABLE:
            self.outcome = Outcome.FAILED
        else:
            self.outcome = Outcome.DONE
