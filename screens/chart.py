"""A small, typed state-chart core: enum states, enum events, an explicit transition table.

Why not python-statemachine here: its 3.x engine runs callbacks on whichever thread wins its
processing lock and its timeouts live on threads, while every transition of ours must run on
the GUI thread with time injected by the controller's QTimers. Our charts are small and flat;
a ``{(state, event): state}`` table is easy to read as a spec, type-checks, gives
``allowed_events`` for enabling buttons, and leaves no hidden threads. Parent-level
transitions ("cancel from anywhere") are written with :func:`from_each`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import Enum, StrEnum
from typing import Any, ClassVar, Generic, TypeVar

S = TypeVar("S", bound=Enum)
E = TypeVar("E", bound=Enum)


class Outcome(StrEnum):
    """How a journey ended; every outcome wipes the session and returns to the attract screen."""

    DONE = "done"
    CANCELED = "canceled"
    TIMED_OUT = "timedOut"
    FAILED = "failed"


class InvalidTransition(RuntimeError):
    """An event that the current state does not accept (a bug in the controller)."""


def from_each(states: Iterable[S], event: E, target: S) -> dict[tuple[S, E], S]:
    """The same transition out of several states (a parent-level transition)."""
    return {(s, event): target for s in states}


Listener = Callable[[S, E, S], None]


class FlowChart(Generic[S, E]):
    """Subclasses set ``initial``, ``final`` and ``transitions``; hooks ``on_enter_<state>``
    may set data (e.g. the outcome). ``send(event)`` returns the new state."""

    initial: ClassVar[Enum]
    final: ClassVar[frozenset[Enum]]
    transitions: ClassVar[Mapping[tuple[Enum, Enum], Enum]]

    def __init__(self) -> None:
        self.state: S = self.initial  # type: ignore[assignment]
        self.history: list[S] = [self.state]
        self._table: Mapping[tuple[Enum, Enum], Enum] = type(self).transitions
        self._listeners: list[Listener[S, E]] = []

    def use_transitions(self, table: Mapping[tuple[Enum, Enum], Enum]) -> None:
        """Run this chart on another table (a variant of the journey, chosen at start)."""
        self._table = table

    def add_listener(self, fn: Listener[S, E]) -> None:
        self._listeners.append(fn)

    @property
    def finished(self) -> bool:
        return self.state in self.final

    def can(self, event: E) -> bool:
        return (self.state, event) in self._table

    @property
    def allowed_events(self) -> frozenset[E]:
        return frozenset(
            e for (s, e) in self._table if s == self.state  # type: ignore[misc]
        )

    def send(self, event: E) -> S:
        """Take the transition for ``event``; InvalidTransition when there is none."""
        target = self._table.get((self.state, event))
        if target is None:
            raise InvalidTransition(f"{type(self).__name__}: {event.name} in {self.state.name}")
        source = self.state
        self.state = target  # type: ignore[assignment]
        self.history.append(self.state)
        hook = getattr(self, f"on_enter_{target.name.lower()}", None)
        if hook is not None:
            hook(source, event)
        for fn in list(self._listeners):
            fn(source, event, self.state)
        return self.state

    def send_if_allowed(self, event: E) -> bool:
        """Send ``event`` when the state accepts it (late device results, double taps)."""
        if not self.can(event):
            return False
        self.send(event)
        return True


class ChoicePages:
    """Choices on pages (a chart mixin, Qt-free): three fit one screen; with more, two a screen
    and 下一页 (never more than three choices). Apply's purposes and terms, the drawdown's terms
    and methods."""

    PER_PAGE = 3

    @classmethod
    def per_page(cls, items: Sequence[Any]) -> int:
        return cls.PER_PAGE if len(items) <= cls.PER_PAGE else cls.PER_PAGE - 1

    def page_of(self, items: Sequence[Any], page: int) -> tuple[Any, ...]:
        n = self.per_page(items)
        return tuple(items[page * n:(page + 1) * n])

    def pages(self, items: Sequence[Any]) -> int:
        return max(1, -(-len(items) // self.per_page(items)))

    def next_page(self, items: Sequence[Any], page: int) -> int:
        """下一页: the following page, after the last the first again."""
        return (page + 1) % self.pages(items)

