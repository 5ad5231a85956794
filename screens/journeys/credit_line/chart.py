"""The credit line chart (Qt-free): LOADING -> LINE | NO_LINE | UNAVAILABLE -> ENDED.
完成, 取消 and the idle timeout end it; nothing here moves money. An unsigned line offers
去签约 (the signing journey, called from LINE); back from it the line is read again. With no
line the farmer may go on to 申请进度 (PROGRESS) or 找信贷员 (INTENTION, the intention
registration): ELSEWHERE while that journey runs; its outcome ends this one (RETURNED)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum, auto
from types import MappingProxyType
from typing import Any, ClassVar

from screens.chart import FlowChart, Outcome, from_each


class LineState(Enum):
    IDLE = auto()
    LOADING = auto()
    LINE = auto()
    NO_LINE = auto()
    UNAVAILABLE = auto()
    ELSEWHERE = auto()  # the progress or intention journey runs (a sub-journey)
    ENDED = auto()


class LineEvent(Enum):
    START = auto()
    FOUND = auto()
    NONE = auto()
    FAILED = auto()
    FINISH = auto()
    CANCEL = auto()
    IDLE_TIMEOUT = auto()
    RELOAD = auto()  # back from signing (journey 4): read the line again
    PROGRESS = auto()  # 查申请进度 (no line)
    INTENTION = auto()  # 登记贷款意向 (no line)
    RETURNED = auto()  # the sub-journey ended


S, E = LineState, LineEvent
_SHOWN = (S.LINE, S.NO_LINE, S.UNAVAILABLE)


class CreditLineFlow(FlowChart[LineState, LineEvent]):
    initial = S.IDLE
    final = frozenset({S.ENDED})
    transitions: ClassVar[Mapping[tuple[Enum, Enum], Enum]] = MappingProxyType({
        (S.IDLE, E.START): S.LOADING,
        (S.LOADING, E.FOUND): S.LINE,
        (S.LOADING, E.NONE): S.NO_LINE,
        (S.LOADING, E.FAILED): S.UNAVAILABLE,
        (S.LOADING, E.CANCEL): S.ENDED,
        (S.LINE, E.RELOAD): S.LOADING,
        **from_each(_SHOWN, E.FINISH, S.ENDED),
        **from_each(_SHOWN, E.CANCEL, S.ENDED),
        **from_each(_SHOWN, E.IDLE_TIMEOUT, S.ENDED),
        (S.NO_LINE, E.PROGRESS): S.ELSEWHERE,
        (S.NO_LINE, E.INTENTION): S.ELSEWHERE,
        (S.ELSEWHERE, E.RETURNED): S.ENDED,
    })

    def __init__(self) -> None:
        super().__init__()
        self.line: Any = None
        self.error: Any = None
        self.outcome: Outcome | None = None
        self.went: LineEvent | None = None  # PROGRESS or INTENTION

    def go(self, event: LineEvent) -> bool:
        """查申请进度 or 登记贷款意向 from the no-line screen."""
        if not self.can(event):
            return False
        self.went = event  # before the transition: entering ELSEWHERE reads it
        self.send(event)
        return True

    def returned(self, outcome: Outcome) -> None:
        """The sub-journey ended: its outcome is this journey's."""
        self.outcome = outcome
        self.send(E.RETURNED)

    def found(self, line: Any) -> None:
        self.line = line
        self.send(E.FOUND)

    def failed(self, error: Any) -> None:
        self.error = error
        self.send(E.FAILED)

    def on_enter_ended(self, source: LineState, event: LineEvent) -> None:
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
