"""The apply / intention chart (Qt-free): every branch and every way out."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest

from screens.chart import InvalidTransition, Outcome
from screens.journeys.apply.chart import (
    PURPOSES,
    ApplyEvent,
    ApplyFlow,
    ApplyState,
    Problem,
    phone_groups,
)

S, E = ApplyState, ApplyEvent
PRODUCT = SimpleNamespace(code="SJLD", min_amount="5000.00", max_amount="300000.00",
                          terms=[6, 12, 24, 36])


def app(decision: str | None) -> SimpleNamespace:
    return SimpleNamespace(application_id="SQ1",
                           decision=None if decision is None
                           else SimpleNamespace(decision=decision))


def to_consent() -> ApplyFlow:
    flow = ApplyFlow()
    flow.send(E.START)
    assert flow.state is S.LOADING
    flow.loaded(PRODUCT)
    assert flow.limits.min_amount == Decimal("5000.00") and flow.terms == (6, 12, 24, 36)
    flow.choose_purpose("machinery")
    assert flow.enter_amount("50000") is None
    flow.choose_months(12)
    assert flow.enter_phone("13991234567") is None
    assert flow.state is S.CONSENT
    return flow


@pytest.mark.parametrize(("decision", "state"), [("APPROVE", S.APPROVED),
                                                 ("REFER", S.REFERRED),
                                                 ("DECLINE", S.DECLINED),
                                                 (None, S.REFERRED)])
def test_apply_each_decision_then_finish(decision: str | None, state: ApplyState) -> None:
    flow = to_consent()
    flow.consent()
    assert flow.state is S.SUBMITTING
    assert (flow.purpose, flow.amount, flow.months, flow.phone) == \
        ("machinery", Decimal("50000.00"), 12, "13991234567")
    flow.decided(app(decision))
    assert flow.state is state
    flow.send(E.FINISH)
    assert flow.outcome is Outcome.DONE


def test_decline_then_review_by_an_officer() -> None:
    flow = to_consent()
    flow.consent()
    flow.decided(app("DECLINE"))
    flow.send(E.REVIEW)
    assert flow.state is S.REVIEWING
    flow.reviewed(SimpleNamespace(intention_id="YX1"))
    assert flow.state is S.REVIEWED and flow.review.intention_id == "YX1"
    flow.send(E.FINISH)
    assert flow.outcome is Outcome.DONE


def _loading() -> ApplyFlow:
    flow = ApplyFlow()
    flow.send(E.START)
    return flow


def _submitting() -> ApplyFlow:
    flow = to_consent()
    flow.consent()
    return flow


def _reviewing() -> ApplyFlow:
    flow = _submitting()
    flow.decided(app("DECLINE"))
    flow.send(E.REVIEW)
    return flow


@pytest.mark.parametrize("reach", [_loading, _submitting, _reviewing])
def test_host_failures_end_as_failed(reach) -> None:  # type: ignore[no-untyped-def]
    flow = reach()
    flow.failed("HOST-UNREACHABLE")
    assert flow.state is S.UNAVAILABLE and flow.error == "HOST-UNREACHABLE"
    flow.send(E.FINISH)
    assert flow.outcome is Outcome.FAILED


def test_keyed_values_are_checked_and_keep_the_farmer_on_the_step() -> None:
    flow = ApplyFlow()
    flow.send(E.START)
    flow.loaded(PRODUCT)
    flow.choose_purpose("planting")
    assert flow.enter_amount("") is Problem.EMPTY
    assert flow.enter_amount("4999") is Problem.TOO_SMALL
    assert flow.enter_amount("300001") is Problem.TOO_LARGE
    assert flow.enter_amount("5000.5") is Problem.NOT_WHOLE
    assert flow.state is S.AMOUNT and flow.amount is None
    assert flow.enter_amount("300000") is None
    with pytest.raises(ValueError):
        flow.choose_months(18)  # not a term of the product
    flow.choose_months(36)
    assert flow.enter_phone("") is Problem.EMPTY
    assert flow.enter_phone("2399123456") is Problem.PHONE
    assert flow.enter_phone("23991234567") is Problem.PHONE
    assert flow.enter_phone("1399123456") is Problem.PHONE
    assert flow.state is S.PHONE
    assert Problem.PHONE.msgid == "apply.problem.phone"


def test_back_walks_every_step_and_leaves_from_the_first() -> None:
    flow = to_consent()
    for state in (S.PHONE, S.TERM, S.AMOUNT, S.PURPOSE):
        flow.send(E.BACK)
        assert flow.state is state
    flow.send(E.BACK)
    assert flow.outcome is Outcome.CANCELED


def test_purposes_paged_and_next_page_wraps() -> None:
    flow = ApplyFlow()
    # five purposes: two a screen and 下一页 (never more than three choices on a screen)
    assert flow.page_of(PURPOSES, 0) == ("planting", "breeding")
    assert flow.page_of(PURPOSES, 1) == ("machinery", "business")
    assert flow.page_of(PURPOSES, 2) == ("household",)
    assert flow.pages(PURPOSES) == 3
    assert flow.next_page(PURPOSES, 1) == 2 and flow.next_page(PURPOSES, 2) == 0
    assert flow.pages((12, 24, 36)) == 1 and flow.page_of((12, 24, 36), 0) == (12, 24, 36)
    with pytest.raises(ValueError):
        flow.choose_purpose("lottery")


@pytest.mark.parametrize(("event", "outcome"), [(E.CANCEL, Outcome.CANCELED),
                                                (E.IDLE_TIMEOUT, Outcome.TIMED_OUT)])
def test_cancel_and_idle_timeout_from_inputs_and_results(event: ApplyEvent,
                                                         outcome: Outcome) -> None:
    for decision in ("APPROVE", "REFER", "DECLINE"):
        flow = to_consent()
        flow.consent()
        flow.decided(app(decision))
        flow.send(event)
        assert flow.outcome is outcome
    flow = to_consent()
    flow.send(event)
    assert flow.outcome is outcome


def test_cancel_while_waiting_and_nothing_after_the_end() -> None:
    flow = to_consent()
    flow.consent()
    assert not flow.can(E.IDLE_TIMEOUT)  # the farmer waits for the host, no idle timeout
    flow.send(E.CANCEL)
    assert flow.outcome is Outcome.CANCELED
    assert not flow.send_if_allowed(E.APPROVE)


def test_intention_has_no_product_no_term_and_ends_with_the_slip() -> None:
    flow = ApplyFlow(intention=True)
    flow.send(E.START)
    assert flow.state is S.PURPOSE and flow.limits.max_amount == Decimal("300000")
    flow.choose_purpose("household")
    assert flow.enter_amount("20000") is None
    assert flow.state is S.PHONE
    flow.send(E.BACK)
    assert flow.state is S.AMOUNT
    flow.enter_amount("20000")
    flow.enter_phone("13709101234")
    assert flow.state is S.VISIT  # when the loan officer may come
    with pytest.raises(ValueError):
        flow.choose_visit("midnight")
    flow.choose_visit("afternoon")
    assert flow.state is S.CONSENT and flow.visit == "afternoon"
    flow.send(E.BACK)
    assert flow.state is S.VISIT
    flow.send(E.BACK)
    assert flow.state is S.PHONE
    flow.enter_phone("13709101234")
    flow.choose_visit("morning")
    flow.consent()
    assert flow.state is S.SAVING and flow.visit == "morning"
    with pytest.raises(InvalidTransition):
        flow.send(E.APPROVE)
    flow.saved("item")
    assert flow.state is S.RECORDED and flow.answer == "item"
    flow.send(E.FINISH)
    assert flow.outcome is Outcome.DONE


def test_intention_not_saved_is_failed() -> None:
    flow = ApplyFlow(intention=True)
    flow.send(E.START)
    flow.choose_purpose("planting")
    flow.enter_amount("1000")
    flow.enter_phone("13709101234")
    flow.choose_visit("any")
    flow.consent()
    flow.failed("JOURNAL-UNAVAILABLE")
    assert flow.state is S.UNAVAILABLE
    flow.send(E.FINISH)
    assert flow.outcome is Outcome.FAILED


def test_phone_groups_3_4_4() -> None:
    assert phone_groups("13812345678") == ("138", "1234", "5678")
    assert phone_groups("1381") == ("138", "1")


def test_the_visit_time_in_the_consent_summary_and_on_the_slip() -> None:
    import datetime as dt

    from devices.printer.contract import PairBlock
    from kiosk.i18n import Translator
    from screens.journeys.apply.slip import intention_slip
    from screens.journeys.apply.texts import consent_texts

    tr = Translator("zh_CN")
    summary = consent_texts(tr, intention=True, purpose="breeding", amount=Decimal("20000"),
                            months=None, phone="13709101234", visit="afternoon")[2]
    assert summary.endswith("上门：下午")
    doc = intention_slip(tr, terminal=SimpleNamespace(id="ZN610425001", service_point="x"),
                         session=None, purpose="breeding", amount=Decimal("20000"),
                         phone="13709101234", number="YX202603160001", key="k",
                         branch_phone="029-35561234", now=dt.datetime(2026, 3, 16, 10, 0),
                         visit_time="afternoon")
    pairs = {b.label.rstrip("："): b.value for b in doc.blocks if isinstance(b, PairBlock)}
    assert pairs["上门时间"] == "下午（2点到6点）"
