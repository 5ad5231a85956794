"""The application progress chart (Qt-free).

LOADING -> ITEMS (one application or intention per screen; 下一条 walks them; 打印 ->
PRINTING -> ITEMS) | NONE | UNAVAILABLE. 完成, 取消 and the idle timeout end it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import Enum, auto
from types import MappingProxyType
from typing import Any, ClassVar

from screens.chart import FlowChart, Outcome, from_each


class ProgressState(Enum):
    IDLE = auto()
    LOADING = auto()
    ITEMS = auto()
    NONE = auto()
    PRINTING = auto()
    UNAVAILABLE = auto()
    ENDED = auto()


class ProgressEvent(Enum):
    START = auto()
    FOUND = auto()
    EMPTY = auto()
    FAILED = auto()
    NEXT_ITEM = auto()
    PRINT = auto()
    PRINTED = auto()
    FINISH = auto()
    CANCEL = auto()
    IDLE_TIMEOUT = auto()


S, E = ProgressState, ProgressEvent
_SHOWN = (S.ITEMS, S.NONE, S.UNAVAILABLE)


class ProgressFlow(FlowChart[ProgressState, ProgressEvent]):
    initial = S.IDLE
    final = frozenset({S.ENDED})
    transitions: ClassVar[Mapping[tuple[Enum, Enum], Enum]] = MappingProxyType({
        (S.IDLE, E.START): S.LOADING,
        (S.LOADING, E.FOUND): S.ITEMS,
        (S.LOADING, E.EMPTY): S.NONE,
        (S.LOADING, E.FAILED): S.UNAVAILABLE,
        (S.LOADING, E.CANCEL): S.ENDED,
        (S.ITEMS, E.NEXT_ITEM): S.ITEMS,
        (S.ITEMS, E.PRINT): S.PRINTING,
        (S.PRINTING, E.PRINTED): S.ITEMS,
        **from_each(_SHOWN, E.FINISH, S.ENDED),
        **from_each(_SHOWN, E.CANCEL, S.ENDED),
        **from_each(_SHOWN, E.IDLE_TIMEOUT, S.ENDED),
    })

    def __init__(self) -> None:
        super().__init__()
        self.items: Sequence[Any] = ()
        self.index = 0
        self.error: Any = None
        self.outcome: Outcome | None = None

    @property
    def item(self) -> Any:
        return self.items[self.index] if self.items else None

    def found(self, items: Sequence[Any]) -> None:
        """The host's answer (newest first), or nothing on file."""
        self.items = tuple(items)
        self.index = 0
        self.send(E.FOUND if self.items else E.EMPTY)

    def next_item(self) -> None:
        """下一条: the next one, back to the first after the last."""
        if len(self.items) > 1 and self.can(E.NEXT_ITEM):
            self.index = (self.index + 1) % len(self.items)
            self.send(E.NEXT_ITEM)

    def failed(self, error: Any) -> None:
        self.error = error
        self.send(E.FAILED)

    def on_enter_ended(self, source: ProgressState, event: ProgressEvent) -> None:
        if event is E.IDLE_TIMEOUT:
            self.outcome = Outcome.TIMED_OUT
        elif event is E.CANCEL:
            self.outcome = Outcome.CANCELED
        elif source is S.UNAVAILABLE:
            self.outcome = Outcome.FAILED
        else:
            self.outcome = Outcome.DONE
