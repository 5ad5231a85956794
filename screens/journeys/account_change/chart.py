"""The change of repayment account chart (Qt-free).

LOADING (the farmer's loans) -> LOAN (one per screen; 下一笔 walks them) | NO_LOANS |
UNAVAILABLE. 换这笔的还款卡 (CHOOSE) -> REMOVE_OLD (the card in the reader comes out first) ->
NEW_CARD (the identify journey reads the new card) -> CONFIRM (old and new account side by
side) or CARD_PROBLEM (expired, or the account already used; 换一张卡 goes back to
REMOVE_OLD) -> 确认更换 -> AUTHORIZE (a staff member's own password) -> PIN (the new card's,
on the pad) -> SENDING (the transactions service; no cancel while it runs) -> SUCCESS |
PENDING (再查一次 -> CHECKING) | FAILED. A refused authorisation or a PIN entry that ends
without a PIN stops it (STOPPED). The chart holds no card number: only the problem's code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from enum import Enum, auto
from types import MappingProxyType
from typing import Any, ClassVar

from devices.masking import mask_pan
from screens.chart import FlowChart, Outcome, from_each


class AccountState(Enum):
    IDLE = auto()
    LOADING = auto()
    LOAN = auto()
    NO_LOANS = auto()
    UNAVAILABLE = auto()
    REMOVE_OLD = auto()
    NEW_CARD = auto()
    CARD_PROBLEM = auto()
    CONFIRM = auto()
    AUTHORIZE = auto()
    PIN = auto()
    SENDING = auto()
    CHECKING = auto()
    SUCCESS = auto()
    PENDING = auto()
    FAILED = auto()
    STOPPED = auto()
    ENDED = auto()


class AccountEvent(Enum):
    START = auto()
    FOUND = auto()
    NONE = auto()
    FAILED = auto()
    NEXT_LOAN = auto()
    CHOOSE = auto()
    OLD_TAKEN = auto()
    CARD_READ = auto()
    CARD_BAD = auto()
    CARD_ENDED = auto()  # the card step ended without a card (cancel, timeout, a fault)
    AGAIN = auto()  # 换一张卡
    CONFIRM = auto()
    GRANTED = auto()
    REFUSED = auto()
    PIN_OK = auto()
    PIN_FAILED = auto()
    PIN_CANCEL = auto()
    SUCCEEDED = auto()
    PENDING = auto()
    DECLINED = auto()
    CHECK = auto()
    BACK = auto()
    FINISH = auto()
    CANCEL = auto()
    IDLE_TIMEOUT = auto()


S, E = AccountState, AccountEvent
#: Screens that wait for the farmer: 取消 and the idle timeout end the journey.
_SHOWN = (S.LOAN, S.NO_LOANS, S.UNAVAILABLE, S.REMOVE_OLD, S.CARD_PROBLEM, S.CONFIRM,
          S.STOPPED, S.SUCCESS, S.PENDING, S.FAILED)
_ANSWERS = {E.SUCCEEDED: S.SUCCESS, E.PENDING: S.PENDING, E.DECLINED: S.FAILED}


class AccountChangeFlow(FlowChart[AccountState, AccountEvent]):
    initial = S.IDLE
    final = frozenset({S.ENDED})
    transitions: ClassVar[Mapping[tuple[Enum, Enum], Enum]] = MappingProxyType({
        (S.IDLE, E.START): S.LOADING,
        (S.LOADING, E.FOUND): S.LOAN,
        (S.LOADING, E.NONE): S.NO_LOANS,
        (S.LOADING, E.FAILED): S.UNAVAILABLE,
        (S.LOADING, E.CANCEL): S.ENDED,
        (S.LOAN, E.NEXT_LOAN): S.LOAN,
        (S.LOAN, E.CHOOSE): S.REMOVE_OLD,
        (S.REMOVE_OLD, E.OLD_TAKEN): S.NEW_CARD,
        (S.NEW_CARD, E.CARD_READ): S.CONFIRM,
        (S.NEW_CARD, E.CARD_BAD): S.CARD_PROBLEM,
        (S.NEW_CARD, E.CARD_ENDED): S.ENDED,
        (S.CARD_PROBLEM, E.AGAIN): S.REMOVE_OLD,
        (S.CONFIRM, E.CONFIRM): S.AUTHORIZE,
        (S.CONFIRM, E.BACK): S.LOAN,
        (S.AUTHORIZE, E.GRANTED): S.PIN,
        (S.AUTHORIZE, E.REFUSED): S.STOPPED,
        (S.PIN, E.PIN_OK): S.SENDING,
        (S.PIN, E.PIN_FAILED): S.STOPPED,
        (S.PIN, E.PIN_CANCEL): S.ENDED,
        **{(S.SENDING, e): t for e, t in _ANSWERS.items()},
        **{(S.CHECKING, e): t for e, t in _ANSWERS.items()},
        (S.PENDING, E.CHECK): S.CHECKING,
        **from_each((S.LOAN, S.NO_LOANS, S.UNAVAILABLE, S.CARD_PROBLEM, S.STOPPED, S.SUCCESS,
                     S.PENDING, S.FAILED), E.FINISH, S.ENDED),
        **from_each(_SHOWN, E.CANCEL, S.ENDED),
        **from_each(_SHOWN, E.IDLE_TIMEOUT, S.ENDED),
    })

    def __init__(self, loan_id: str | None = None) -> None:
        super().__init__()
        self.loans: Sequence[Any] = ()
        self.index = 0
        self.wanted = loan_id  # shown first when the journey was started for one loan
        self.problem: Any = None  # why it stopped or failed (a Completion, a code, a result)
        self.card_problem: str | None = None  # "expired" or "same"
        self.sub_outcome: Outcome | None = None
        self.authorization_id: str | None = None
        self.staff_id: str | None = None
        self.result: Any = None  # the transactions service's TxResult
        self.outcome: Outcome | None = None

    @property
    def loan(self) -> Any:
        return self.loans[self.index] if self.loans else None

    def found(self, loans: Sequence[Any]) -> None:
        """The host's answer: the loans still being repaid (a paid-off loan has nothing to
        take from an account), or none."""
        self.loans = tuple(ln for ln in loans if getattr(ln, "status", "") != "CLOSED")
        self.index = next((i for i, ln in enumerate(self.loans)
                           if ln.loan_id == self.wanted), 0)
        self.send(E.FOUND if self.loans else E.NONE)

    def next_loan(self) -> None:
        if len(self.loans) > 1 and self.can(E.NEXT_LOAN):
            self.index = (self.index + 1) % len(self.loans)
            self.send(E.NEXT_LOAN)

    def failed(self, error: Any) -> None:
        self.problem = error
        self.send(E.FAILED)

    def card_read(self, pan: str, expiry: dt.date | None, today: dt.date) -> None:
        """The new card was read: checked here (the host checks that it is the farmer's and
        its PIN when the change is sent)."""
        self.card_problem = card_problem(pan, expiry, self.loan.repayment_account_masked, today)
        self.send(E.CARD_BAD if self.card_problem else E.CARD_READ)

    def card_step_ended(self, outcome: Outcome) -> None:
        """The card step ended without a card: its outcome ends this journey."""
        self.sub_outcome = outcome
        self.send(E.CARD_ENDED)

    def granted(self, authorization_id: str, staff_id: str | None) -> None:
        self.authorization_id, self.staff_id = authorization_id, staff_id
        self.send(E.GRANTED)

    def refused(self, why: Any) -> None:
        self.problem = why
        self.send(E.REFUSED)

    def pin_failed(self, completion: Any, *, cancelled: bool) -> None:
        if cancelled:
            self.send(E.PIN_CANCEL)
            return
        self.problem = completion
        self.send(E.PIN_FAILED)

    def answered(self, result: Any) -> None:
        """The transactions service's TxResult: 成功, 处理中 or 未成功 (by its outcome)."""
        self.result = result
        outcome = str(getattr(result.outcome, "value", result.outcome))
        if outcome == "failed":
            self.problem = result.reason
        self.send({"success": E.SUCCEEDED, "pending": E.PENDING}.get(outcome, E.DECLINED))

    def not_sent(self, code: str) -> None:
        """The service refused before sending (journal or clock): nothing changed."""
        self.problem = code
        self.send(E.DECLINED)

    def on_enter_ended(self, source: AccountState, event: AccountEvent) -> None:
        if event is E.CARD_ENDED:
            self.outcome = self.sub_outcome or Outcome.CANCELED
        elif event in (E.CANCEL, E.PIN_CANCEL):
            self.outcome = Outcome.CANCELED
        elif event is E.IDLE_TIMEOUT:
            self.outcome = Outcome.TIMED_OUT
        elif source in (S.UNAVAILABLE, S.STOPPED, S.FAILED, S.CARD_PROBLEM):
            self.outcome = Outcome.FAILED
        else:
            self.outcome = Outcome.DONE


def card_problem(pan: str, expiry: dt.date | None, current_masked: str,
                 today: dt.date) -> str | None:
    """Why a new card cannot take the repayments: ``expired``, or ``same`` (it is the account
    the loan already uses); None when it may."""
    if expiry is not None and expiry < today:
        return "expired"
    if mask_pan(pan) == current_masked:
        return "same"
    return None
