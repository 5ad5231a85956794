"""The identify chart with the bank card step, without Qt: every path through the bank card,
PIN and host steps, and the outcome of every exit."""

from __future__ import annotations

import datetime as dt

import pytest

from devices.base import Completion, CompletionCode
from devices.iccard.contract import IccardError
from devices.idcard.contract import Identity
from devices.pinpad.contract import PinpadError
from kiosk.host.errors import HostErrorCode
from peripherals_sim.scenario import by_id
from screens.chart import Outcome
from screens.journeys.identify.chart import IdentifyEvent as E
from screens.journeys.identify.chart import IdentifyFlow
from screens.journeys.identify.chart import IdentifyState as S

TODAY = dt.date(2026, 11, 28)


def failed(code: CompletionCode, error: object, device: str) -> Completion[object]:
    return Completion(1, code, error=error, device=device, command="x", detail="test")


@pytest.fixture()
def welcomed(demo_scenario: dict) -> IdentifyFlow:
    flow = IdentifyFlow(today=lambda: TODAY, bank_card=True)
    flow.send(E.START)
    flow.identity_read(Identity.from_json(by_id(demo_scenario["people"], "zhang_weiguo")))
    assert flow.state is S.WELCOME
    return flow


def at_pin(flow: IdentifyFlow) -> IdentifyFlow:
    flow.send(E.NEXT)
    flow.send(E.BANK_INSERTED)
    flow.send(E.BANK_READ_OK)
    assert flow.state is S.ENTER_PIN
    return flow


def test_welcome_offers_next_not_finish_when_the_bank_step_is_on(welcomed: IdentifyFlow) -> None:
    assert welcomed.allowed_events == {E.NEXT, E.CANCEL, E.IDLE_TIMEOUT}
    assert IdentifyFlow().can(E.NEXT) is False  # the ID-card-only journey is unchanged


def test_full_path_with_reminders_is_done(welcomed: IdentifyFlow) -> None:
    flow = at_pin(welcomed)
    flow.send(E.PIN_OK)
    flow.send(E.VERIFIED_REMINDERS)
    flow.send(E.ACK)
    flow.send(E.FINISH)
    flow.send(E.CARD_GONE)
    assert flow.outcome is Outcome.DONE
    assert flow.history == [S.IDLE, S.INSERT_ID, S.WELCOME, S.INSERT_BANK, S.READING_BANK,
                            S.ENTER_PIN, S.VERIFYING, S.REMINDER, S.IDENTIFIED, S.REMOVE_CARD,
                            S.ENDED]
    assert flow.bank_card_used


def test_card_pulled_mid_read_asks_again_with_a_notice(welcomed: IdentifyFlow) -> None:
    welcomed.send(E.NEXT)
    welcomed.send(E.BANK_INSERTED)
    pulled = failed(CompletionCode.USER_ERROR, IccardError.CARD_REMOVED, "iccard")
    assert welcomed.bank_read_failed(pulled) is S.INSERT_BANK
    assert welcomed.notice is pulled and welcomed.problem is None
    welcomed.send(E.BANK_READ_OK)
    assert welcomed.notice is None  # cleared once the PIN step starts


def test_expired_bank_card_is_a_final_error(welcomed: IdentifyFlow) -> None:
    welcomed.send(E.NEXT)
    expired = failed(CompletionCode.USER_ERROR, IccardError.EXPIRED, "iccard")
    assert welcomed.bank_read_failed(expired) is S.ERROR
    assert welcomed.retry is None
    welcomed.send(E.FINISH)
    welcomed.send(E.CARD_GONE)
    assert welcomed.outcome is Outcome.FAILED


def test_several_applications_are_chosen_then_read(welcomed: IdentifyFlow) -> None:
    welcomed.send(E.NEXT)
    welcomed.send(E.CHOICE_REQUIRED)
    assert welcomed.state is S.CHOOSE_APP
    welcomed.send(E.APP_CHOSEN)
    assert welcomed.state is S.READING_BANK


def test_cancel_on_the_pad_is_canceled(welcomed: IdentifyFlow) -> None:
    flow = at_pin(welcomed)
    assert flow.pin_failed(failed(CompletionCode.CANCELED, PinpadError.USER_CANCELED,
                                  "pinpad")) is S.REMOVE_CARD
    flow.send(E.CARD_GONE)
    assert flow.outcome is Outcome.CANCELED


def test_pin_timeout_may_be_retried(welcomed: IdentifyFlow) -> None:
    flow = at_pin(welcomed)
    flow.pin_failed(failed(CompletionCode.TIMEOUT, PinpadError.ENTRY_TIMEOUT, "pinpad"))
    assert flow.state is S.ERROR and flow.retry is E.RETRY_PIN
    flow.send(flow.retry)
    assert flow.state is S.ENTER_PIN and flow.problem is None


def test_wrong_pin_retries_a_host_outage_does_not(welcomed: IdentifyFlow) -> None:
    flow = at_pin(welcomed)
    flow.send(E.PIN_OK)
    flow.host_failed(failed(CompletionCode.USER_ERROR, HostErrorCode.PIN_WRONG, "host"),
                     retry_pin=True)
    assert flow.retry is E.RETRY_PIN
    flow.send(E.RETRY_PIN)
    flow.send(E.PIN_OK)
    flow.host_failed(failed(CompletionCode.DEVICE_NOT_READY, HostErrorCode.CONNECTION, "host"),
                     retry_pin=False)
    assert flow.state is S.ERROR and flow.retry is None
    assert not flow.can(E.NEXT)
    flow.send(E.IDLE_TIMEOUT)
    flow.send(E.CARD_GONE)
    assert flow.outcome is Outcome.FAILED


def test_bank_card_taken_out_before_or_after_the_host(welcomed: IdentifyFlow) -> None:
    flow = at_pin(welcomed)
    gone = failed(CompletionCode.USER_ERROR, IccardError.CARD_REMOVED, "iccard")
    assert flow.bank_pulled(gone) is S.INSERT_BANK
    flow.send(E.BANK_READ_OK)
    flow.send(E.PIN_OK)
    flow.send(E.VERIFIED)
    assert flow.bank_pulled(gone) is S.REMOVE_CARD
    flow.send(E.CARD_GONE)
    assert flow.outcome is Outcome.DONE


def test_no_idle_timeout_of_ours_while_the_pad_waits(welcomed: IdentifyFlow) -> None:
    flow = at_pin(welcomed)
    assert not flow.can(E.IDLE_TIMEOUT)
    flow.send(E.PIN_OK)
    assert not flow.can(E.CANCEL)  # the host is asked; the answer comes or fails


def test_cancel_before_any_bank_card_asks_only_for_the_id_card(welcomed: IdentifyFlow) -> None:
    welcomed.send(E.NEXT)
    welcomed.send(E.CANCEL)
    assert welcomed.state is S.REMOVE_CARD and not welcomed.bank_card_used
    assert welcomed.outcome is Outcome.CANCELED
