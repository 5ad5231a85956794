"""The credit line chart (Qt-free): LOADING -> LINE | NO_LINE | UNAVAILABLE -> ENDED.
完成, 取消 and the idle timeout end it; nothing here moves money. An unsigned line offers
去签约 (the signing journey, called from LINE); back from it the line is read again."""

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
    })

    def __init__(self) -> None:
        super().__init__()
        self.line: Any = None
        self.error: Any = None
        self.outcome: Outcome | None = None

    def found(self, line: Any) -> None:
        self.line = line
        self.send(E.FOUND)

    def failed(self, error: Any) -> None:
        self.error = error
        self.send(E.FAILED)

    def on_enter_ended(self, source: LineState, event: LineEvent) -> None:
        if event is E.IDLE_TIMEOUT:
            self.outcome = Outcome.TIMED_OUT
        elif event is E.CANCEL:
            self.outcome = Outcome.CANCELED
        elif source is S.UNAVAILABLE:
            self.outcome = Outcome.FAILED
        else:
            self.outcome = Outcome.DONE
