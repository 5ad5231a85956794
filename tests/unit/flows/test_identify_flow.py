"""The identify chart without Qt: transitions, identity checks with a fixed business date,
outcomes of every exit path."""

from __future__ import annotations

import datetime as dt

import pytest

from devices.base import Completion, CompletionCode
from devices.idcard.contract import IdCardError, Identity
from peripherals_sim.scenario import by_id
from screens.chart import InvalidTransition, Outcome
from screens.journeys.identify.chart import IdentifyEvent as E
from screens.journeys.identify.chart import IdentifyFlow
from screens.journeys.identify.chart import IdentifyState as S

TODAY = dt.date(2026, 11, 28)


@pytest.fixture()
def people(demo_scenario: dict) -> dict[str, Identity]:
    return {p["id"]: Identity.from_json(p) for p in demo_scenario["people"]}


def started() -> IdentifyFlow:
    flow = IdentifyFlow(today=lambda: TODAY)
    flow.send(E.START)
    return flow


def test_valid_card_reaches_welcome_and_finish_is_done(people: dict[str, Identity]) -> None:
    flow = started()
    assert flow.state is S.INSERT_ID
    flow.send(E.CARD_INSERTED)
    assert flow.identity_read(people["zhang_weiguo"]) is S.WELCOME
    flow.send(E.FINISH)
    assert flow.state is S.REMOVE_CARD
    flow.send(E.CARD_GONE)
    assert flow.finished and flow.outcome is Outcome.DONE
    assert flow.history == [S.IDLE, S.INSERT_ID, S.READING, S.WELCOME, S.REMOVE_CARD, S.ENDED]


def test_expired_card_goes_to_error_with_expired_and_fails(demo_scenario: dict) -> None:
    flow = started()
    flow.send(E.CARD_INSERTED)
    expired = Identity.from_json(by_id(demo_scenario["people"], "chen_deming"))
    assert flow.identity_read(expired) is S.ERROR
    assert flow.problem is not None
    assert flow.problem.error is IdCardError.EXPIRED
    assert flow.problem.device == "idcard"
    flow.send(E.FINISH)
    flow.send(E.CARD_GONE)
    assert flow.outcome is Outcome.FAILED


def test_long_term_card_is_accepted(people: dict[str, Identity]) -> None:
    flow = started()
    assert people["li_xiuying"].valid_to is None
    assert flow.identity_read(people["li_xiuying"]) is S.WELCOME


def test_every_valid_scenario_person_but_the_expired_one_is_welcomed(
        people: dict[str, Identity]) -> None:
    for pid, identity in people.items():
        flow = started()
        state = flow.identity_read(identity)
        expected = S.ERROR if pid == "chen_deming" else S.WELCOME
        assert state is expected, pid


def test_bad_check_digit_is_refused(people: dict[str, Identity]) -> None:
    import dataclasses

    good = people["zhang_weiguo"]
    bad = dataclasses.replace(good, id_number=good.id_number[:-1] + "5")
    flow = started()
    assert flow.identity_read(bad) is S.ERROR
    assert flow.problem is not None and flow.problem.error is IdCardError.INVALID_ID_NUMBER


def test_read_failure_keeps_the_completion() -> None:
    flow = started()
    flow.send(E.CARD_INSERTED)
    failed = Completion(7, CompletionCode.HARDWARE_ERROR, error=IdCardError.READ_FAILED,
                        device="idcard")
    assert flow.read_failed(failed) is S.ERROR
    assert flow.problem is failed


def test_idle_timeout_while_waiting_for_the_card_ends_timed_out() -> None:
    flow = started()
    flow.send(E.IDLE_TIMEOUT)
    assert flow.finished and flow.outcome is Outcome.TIMED_OUT


def test_cancel_while_waiting_ends_canceled_without_card_prompt() -> None:
    flow = started()
    flow.send(E.CANCEL)
    assert flow.state is S.ENDED and flow.outcome is Outcome.CANCELED


def test_idle_on_welcome_asks_for_the_card_then_times_out(people: dict[str, Identity]) -> None:
    flow = started()
    flow.identity_read(people["wang_jianjun"])
    flow.send(E.IDLE_TIMEOUT)
    assert flow.state is S.REMOVE_CARD
    flow.send(E.CARD_GONE)
    assert flow.outcome is Outcome.TIMED_OUT


def test_cancel_on_welcome_is_canceled(people: dict[str, Identity]) -> None:
    flow = started()
    flow.identity_read(people["wang_jianjun"])
    flow.send(E.CANCEL)
    flow.send(E.CARD_GONE)
    assert flow.outcome is Outcome.CANCELED


def test_no_cancel_while_reading_and_invalid_events_raise() -> None:
    flow = started()
    flow.send(E.CARD_INSERTED)
    assert E.CANCEL not in flow.allowed_events
    assert flow.send_if_allowed(E.CANCEL) is False
    with pytest.raises(InvalidTransition):
        flow.send(E.FINISH)


def test_allowed_events_drive_buttons(people: dict[str, Identity]) -> None:
    flow = started()
    flow.identity_read(people["zhang_weiguo"])
    assert flow.allowed_events == {E.FINISH, E.CANCEL, E.IDLE_TIMEOUT}


def test_chart_holds_no_personal_data(people: dict[str, Identity]) -> None:
    flow = started()
    flow.identity_read(people["zhang_weiguo"])
    text = repr(vars(flow))
    assert "张卫国" not in text and people["zhang_weiguo"].id_number not in text
