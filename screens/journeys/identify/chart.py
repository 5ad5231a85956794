"""The identify journey: the second-generation ID card, then the bank card, PIN and host.

attract -> INSERT_ID (请插入身份证, the reader waits for a card) -> READING -> identity checks
(check digit, birth date vs number, validity vs the business date) -> WELCOME (masked name) or
ERROR (e.g. 身份证已过期) -> REMOVE_CARD (请取走您的身份证) -> ENDED -> attract.

With ``bank_card=True`` (the bank card reader, the PIN pad and the host are there) WELCOME
leads on (NEXT) to the bank card: INSERT_BANK (请插入银行卡) -> READING_BANK -> [CHOOSE_APP
when the chip holds several accounts] -> ENTER_PIN (请在密码键盘上输入密码) -> VERIFYING (the
host matches ID card, card and PIN block) -> [REMINDER when an installment is due or overdue]
-> IDENTIFIED -> REMOVE_CARD (请取走银行卡和身份证) -> ENDED. A card pulled during the read or
before the host answered sends the farmer back to INSERT_BANK (asked again, with a notice);
a wrong PIN or a PIN timeout ends in ERROR with a retry (back to ENTER_PIN); cancel on the
PIN pad ends the journey like 取消 on the screen.

The chart holds no personal data: the identity, the card account and the host's answer go to
the customer session; the chart keeps only the outcome and, on failure, the Completion that
explains it (its ``detail`` never carries a number or a name).

With ``new_card=True`` only the bank card step runs, for an identified farmer's new card (the
change of repayment account): INSERT_BANK -> READING_BANK -> [CHOOSE_APP] -> ENDED (DONE, the
card read), or ERROR -> ENDED (FAILED); the caller checks the card and asks for its PIN.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from enum import Enum, auto
from types import MappingProxyType
from typing import Any, ClassVar

from devices.base import Completion, CompletionCode
from devices.iccard.contract import IccardError
from devices.idcard.contract import IdCardError, Identity
from screens.chart import FlowChart, Outcome, from_each


class IdentifyState(Enum):
    IDLE = auto()
    INSERT_ID = auto()
    READING = auto()
    WELCOME = auto()
    ERROR = auto()
    INSERT_BANK = auto()
    READING_BANK = auto()
    CHOOSE_APP = auto()
    ENTER_PIN = auto()
    VERIFYING = auto()
    REMINDER = auto()
    IDENTIFIED = auto()
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
    # the bank card step
    NEXT = auto()  # 下一步: on to the bank card
    BANK_INSERTED = auto()
    BANK_READ_OK = auto()
    CHOICE_REQUIRED = auto()  # several accounts on the chip: ask the farmer
    APP_CHOSEN = auto()
    BANK_PULLED = auto()  # the card left the reader while the journey still needed it
    BANK_FAILED = auto()
    PIN_OK = auto()
    PIN_FAILED = auto()  # timeout or a PIN pad fault
    PAD_CANCEL = auto()  # X on the PIN pad
    VERIFIED = auto()
    VERIFIED_REMINDERS = auto()
    HOST_FAILED = auto()
    ACK = auto()  # 知道了 on the reminder
    RETRY_PIN = auto()  # 重新输入密码 after a wrong PIN or a PIN timeout
    BANK_TAKEN = auto()  # the bank card taken out after the host identified the farmer


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
    #: With the bank card step: WELCOME goes on (NEXT) instead of finishing.
    bank_transitions: ClassVar[Mapping[tuple[Enum, Enum], Enum]] = MappingProxyType({
        **{k: v for k, v in transitions.items() if k != (S.WELCOME, E.FINISH)},
        (S.WELCOME, E.NEXT): S.INSERT_BANK,
        (S.INSERT_BANK, E.BANK_INSERTED): S.READING_BANK,
        **from_each((S.INSERT_BANK, S.READING_BANK), E.BANK_READ_OK, S.ENTER_PIN),
        **from_each((S.INSERT_BANK, S.READING_BANK), E.CHOICE_REQUIRED, S.CHOOSE_APP),
        **from_each((S.INSERT_BANK, S.READING_BANK), E.BANK_FAILED, S.ERROR),
        (S.CHOOSE_APP, E.APP_CHOSEN): S.READING_BANK,
        (S.CHOOSE_APP, E.BANK_FAILED): S.ERROR,
        **from_each((S.INSERT_BANK, S.READING_BANK, S.CHOOSE_APP, S.ENTER_PIN, S.VERIFYING),
                    E.BANK_PULLED, S.INSERT_BANK),
        (S.ENTER_PIN, E.PIN_OK): S.VERIFYING,
        (S.ENTER_PIN, E.PIN_FAILED): S.ERROR,
        (S.ENTER_PIN, E.PAD_CANCEL): S.REMOVE_CARD,
        (S.VERIFYING, E.VERIFIED): S.IDENTIFIED,
        (S.VERIFYING, E.VERIFIED_REMINDERS): S.REMINDER,
        (S.VERIFYING, E.HOST_FAILED): S.ERROR,
        (S.REMINDER, E.ACK): S.IDENTIFIED,
        (S.ERROR, E.RETRY_PIN): S.ENTER_PIN,
        **from_each((S.REMINDER, S.IDENTIFIED), E.BANK_TAKEN, S.REMOVE_CARD),
        (S.IDENTIFIED, E.FINISH): S.REMOVE_CARD,
        **from_each((S.INSERT_BANK, S.CHOOSE_APP, S.ENTER_PIN, S.REMINDER, S.IDENTIFIED),
                    E.CANCEL, S.REMOVE_CARD),
        **from_each((S.INSERT_BANK, S.CHOOSE_APP, S.REMINDER, S.IDENTIFIED),
                    E.IDLE_TIMEOUT, S.REMOVE_CARD),
    })

    #: A new bank card only (``new_card=True``: an identified farmer's card for a change of
    #: repayment account): insert, read, choose the account; the PIN and the checks are the
    #: caller's. The old card is out before; the new one stays in the reader.
    card_transitions: ClassVar[Mapping[tuple[Enum, Enum], Enum]] = MappingProxyType({
        (S.IDLE, E.START): S.INSERT_BANK,
        (S.INSERT_BANK, E.BANK_INSERTED): S.READING_BANK,
        **from_each((S.INSERT_BANK, S.READING_BANK), E.BANK_READ_OK, S.ENDED),
        **from_each((S.INSERT_BANK, S.READING_BANK), E.CHOICE_REQUIRED, S.CHOOSE_APP),
        **from_each((S.INSERT_BANK, S.READING_BANK), E.BANK_FAILED, S.ERROR),
        (S.CHOOSE_APP, E.APP_CHOSEN): S.READING_BANK,
        (S.CHOOSE_APP, E.BANK_FAILED): S.ERROR,
        **from_each((S.INSERT_BANK, S.READING_BANK, S.CHOOSE_APP), E.BANK_PULLED,
                    S.INSERT_BANK),
        **from_each((S.INSERT_BANK, S.CHOOSE_APP, S.ERROR), E.CANCEL, S.ENDED),
        **from_each((S.INSERT_BANK, S.CHOOSE_APP, S.ERROR), E.IDLE_TIMEOUT, S.ENDED),
        (S.ERROR, E.FINISH): S.ENDED,
    })

    def __init__(
        self,
        today: Callable[[], dt.date] = dt.date.today,
        check: IdentityCheck = check_identity,
        *,
        bank_card: bool = False,
        new_card: bool = False,
    ) -> None:
        super().__init__()
        self._today = today
        self._check = check
        self.bank_card = bank_card or new_card
        self.new_card = new_card
        if new_card:
            self.use_transitions(self.card_transitions)
        elif bank_card:
            self.use_transitions(self.bank_transitions)
        self.outcome: Outcome | None = None
        self.problem: Completion[Any] | None = None
        #: a completion to tell the farmer about while asking again (the card was pulled)
        self.notice: Completion[Any] | None = None
        #: the event that retries after ERROR (RETRY_PIN), or None when the error is final
        self.retry: IdentifyEvent | None = None
        #: whether a bank card went into the reader (the farmer is asked to take it back)
        self.bank_card_used = False

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

    def bank_read_failed(self, completion: Completion[Any]) -> IdentifyState:
        """The bank card read failed: pulled mid-read -> ask again; else a final error."""
        if completion.error is IccardError.CARD_REMOVED:
            self.notice = completion
            return self.send(E.BANK_PULLED)
        self.problem, self.retry = completion, None
        return self.send(E.BANK_FAILED)

    def bank_pulled(self, completion: Completion[Any]) -> IdentifyState:
        """The bank card left the reader while the journey still needed it."""
        if self.state in (S.REMINDER, S.IDENTIFIED):
            return self.send(E.BANK_TAKEN)
        self.notice = completion
        return self.send(E.BANK_PULLED)

    def pin_failed(self, completion: Completion[Any]) -> IdentifyState:
        """PIN entry ended without a PIN block: X on the pad cancels; a timeout may retry."""
        if completion.code is CompletionCode.CANCELED:
            return self.send(E.PAD_CANCEL)
        self.problem = completion
        self.retry = E.RETRY_PIN if completion.code is CompletionCode.TIMEOUT else None
        return self.send(E.PIN_FAILED)

    def host_failed(self, completion: Completion[Any], *, retry_pin: bool) -> IdentifyState:
        """The host refused or could not be reached; ``retry_pin`` for a wrong PIN."""
        self.problem = completion
        self.retry = E.RETRY_PIN if retry_pin else None
        return self.send(E.HOST_FAILED)

    # --- hooks --------------------------------------------------------------------------------

    def on_enter_insert_bank(self, source: IdentifyState, event: IdentifyEvent) -> None:
        if event is E.BANK_PULLED:
            self.bank_card_used = True  # it may be half in the slot: ask for it back
        else:
            self.notice = None

    def on_enter_reading_bank(self, source: IdentifyState, event: IdentifyEvent) -> None:
        self.bank_card_used = True

    def on_enter_choose_app(self, source: IdentifyState, event: IdentifyEvent) -> None:
        self.bank_card_used = True

    def on_enter_enter_pin(self, source: IdentifyState, event: IdentifyEvent) -> None:
        self.bank_card_used = True
        self.problem, self.retry, self.notice = None, None, None

    def on_enter_error(self, source: IdentifyState, event: IdentifyEvent) -> None:
        if event is E.BANK_FAILED:
            self.bank_card_used = True  # the card that failed is still in the reader

    def on_enter_remove_card(self, source: IdentifyState, event: IdentifyEvent) -> None:
        if source is S.ERROR:
            self.outcome = Outcome.FAILED
        else:
            self.outcome = {
                E.FINISH: Outcome.DONE,
                E.BANK_TAKEN: Outcome.DONE,
                E.CANCEL: Outcome.CANCELED,
                E.PAD_CANCEL: Outcome.CANCELED,
                E.IDLE_TIMEOUT: Outcome.TIMED_OUT,
            }[event]

    def on_enter_ended(self, source: IdentifyState, event: IdentifyEvent) -> None:
        if self.new_card and self.outcome is None:
            self.outcome = (Outcome.DONE if event is E.BANK_READ_OK
                            else Outcome.FAILED if source is S.ERROR and event is E.FINISH
                            else None)
        if self.outcome is None:
            self.outcome = Outcome.TIMED_OUT if event is E.IDLE_TIMEOUT else Outcome.CANCELED
