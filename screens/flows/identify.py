"""The first journey: identify the farmer with the second-generation ID card.

attract -> INSERT_ID (请插入身份证, the reader waits for a card) -> READING -> identity checks
(check digit, birth date vs number, validity vs the business date) -> WELCOME (masked name) or
ERROR (e.g. 身份证已过期) -> REMOVE_CARD (请取走您的身份证) -> ENDED -> attract.

The chart holds no personal data: the identity goes to the customer session; the chart keeps
only the outcome and, on failure, the class error that explains it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from enum import Enum, auto
from types import MappingProxyType
from typing import Any, ClassVar

from devices.base import Completion, CompletionCode
from devices.idcard.contract import IdCardError, Identity
from screens.flows.base import FlowChart, Outcome, from_each


class IdentifyState(Enum):
    IDLE = auto()
    INSERT_ID = auto()
    READING = auto()
    WELCOME = auto()
    ERROR = auto()
    REMOVE_CARD = auto()
    ENDED = auto()


class IdentifyEvent(Enum):
    START = auto()
    CARD_INSERTED = auto()
    READ_OK = auto()
    READ_FAILED = auto()
    CHECK_FAILED = auto()
    FINISH = auto()  # 完成 / 返回首页
    CANCEL = auto()  # 取消
    IDLE_TIMEOUT = auto()
    CARD_GONE = auto()  # the reader says no card is left, or the removal wait ran out


S, E = IdentifyState, IdentifyEvent

IdentityCheck = Callable[[Identity, dt.date], IdCardError | None]


def check_identity(identity: Identity, today: dt.date) -> IdCardError | None:
    """The ID card helper's checks (GB 11643 check digit, birth date, validity)."""
    from devices.idcard import checks

    return checks.identity_problem(identity, today)


class IdentifyFlow(FlowChart[IdentifyState, IdentifyEvent]):
    """The identify chart. ``problem`` is the failed Completion that explains ERROR."""

    initial = S.IDLE
    final = frozenset({S.ENDED})
    transitions: ClassVar[Mapping[tuple[Enum, Enum], Enum]] = MappingProxyType({
        (S.IDLE, E.START): S.INSERT_ID,
        (S.INSERT_ID, E.CARD_INSERTED): S.READING,
        **from_each((S.INSERT_ID, S.READING), E.READ_OK, S.WELCOME),
        **from_each((S.INSERT_ID, S.READING), E.READ_FAILED, S.ERROR),
        **from_each((S.INSERT_ID, S.READING), E.CHECK_FAILED, S.ERROR),
        (S.INSERT_ID, E.CANCEL): S.ENDED,
        (S.INSERT_ID, E.IDLE_TIMEOUT): S.ENDED,
        **from_each((S.WELCOME, S.ERROR), E.FINISH, S.REMOVE_CARD),
        **from_each((S.WELCOME, S.ERROR), E.CANCEL, S.REMOVE_CARD),
        **from_each((S.WELCOME, S.ERROR), E.IDLE_TIMEOUT, S.REMOVE_CARD),
        (S.REMOVE_CARD, E.CARD_GONE): S.ENDED,
    })

    def __init__(
        self,
        today: Callable[[], dt.date] = dt.date.today,
        check: IdentityCheck = check_identity,
    ) -> None:
        super().__init__()
        self._today = today
        self._check = check
        self.outcome: Outcome | None = None
        self.problem: Completion[Any] | None = None

    # --- inputs from the controller -----------------------------------------------------------

    def identity_read(self, identity: Identity) -> IdentifyState:
        """The reader returned an identity: run the checks and go on."""
        error = self._check(identity, self._today())
        if error is None:
            return self.send(E.READ_OK)
        self.problem = Completion(
            0, CompletionCode.USER_ERROR, error=error, device="idcard", command="read_identity",
            detail=f"identity check: {error.value}",
        )
        return self.send(E.CHECK_FAILED)

    def read_failed(self, completion: Completion[Any]) -> IdentifyState:
        """The read command failed (not cancelled by us)."""
        self.problem = completion
        return self.send(E.READ_FAILED)

    # --- hooks --------------------------------------------------------------------------------

    def on_enter_remove_card(self, source: IdentifyState, event: IdentifyEvent) -> None:
        if source is S.ERROR:
            self.outcome = Outcome.FAILED
        else:
            self.outcome = {
                E.FINISH: Outcome.DONE,
                E.CANCEL: Outcome.CANCELED,
                E.IDLE_TIMEOUT: Outcome.TIMED_OUT,
            }[event]

    def on_enter_ended(self, source: IdentifyState, event: IdentifyEvent) -> None:
        if self.outcome is None:
            self.outcome = Outcome.TIMED_OUT if event is E.IDLE_TIMEOUT else Outcome.CANCELED
