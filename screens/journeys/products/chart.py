"""The products chart (Qt-free): LOADING -> LIST <-> DETAIL -> ENDED; UNAVAILABLE when the
host does not answer and nothing was kept. 返回 on the list, 完成, 取消 and the idle timeout
end the journey."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum, auto
from types import MappingProxyType
from typing import Any, ClassVar

from screens.chart import FlowChart, Outcome, from_each


class ProductsState(Enum):
    IDLE = auto()
    LOADING = auto()
    LIST = auto()
    DETAIL = auto()
    UNAVAILABLE = auto()
    ENDED = auto()


class ProductsEvent(Enum):
    START = auto()
    LOADED = auto()
    FAILED = auto()
    CHOOSE = auto()
    BACK = auto()
    FINISH = auto()
    CANCEL = auto()
    IDLE_TIMEOUT = auto()


S, E = ProductsState, ProductsEvent


class ProductsFlow(FlowChart[ProductsState, ProductsEvent]):
    initial = S.IDLE
    final = frozenset({S.ENDED})
    transitions: ClassVar[Mapping[tuple[Enum, Enum], Enum]] = MappingProxyType({
        (S.IDLE, E.START): S.LOADING,
        (S.LOADING, E.LOADED): S.LIST,
        (S.LOADING, E.FAILED): S.UNAVAILABLE,
        (S.LOADING, E.CANCEL): S.ENDED,
        (S.LIST, E.CHOOSE): S.DETAIL,
        (S.DETAIL, E.BACK): S.LIST,
        (S.LIST, E.BACK): S.ENDED,
        **from_each((S.LIST, S.DETAIL, S.UNAVAILABLE), E.FINISH, S.ENDED),
        **from_each((S.LIST, S.DETAIL, S.UNAVAILABLE), E.CANCEL, S.ENDED),
        **from_each((S.LIST, S.DETAIL, S.UNAVAILABLE), E.IDLE_TIMEOUT, S.ENDED),
    })

    def __init__(self) -> None:
        super().__init__()
        self.sheet: Any = None
        self.chosen: Any = None
        self.outcome: Outcome | None = None

    def loaded(self, sheet: Any) -> None:
        self.sheet = sheet
        self.send(E.LOADED)

    def choose(self, code: str) -> None:
        found = [p for p in self.sheet.products if p.code == code] if self.sheet else []
        if found:
            self.chosen = found[0]
            self.send(E.CHOOSE)

    def on_enter_ended(self, source: ProductsState, event: ProductsEvent) -> None:
        if source is S.UNAVAILABLE:
            self.outcome = Outcome.FAILED if event is not E.IDLE_TIMEOUT else Outcome.TIMED_OUT
        else:
            self.outcome = {E.FINISH: Outcome.DONE, E.BACK: Outcome.DONE,
                            E.IDLE_TIMEOUT: Outcome.TIMED_OUT}.get(event, Outcome.CANCELED)
