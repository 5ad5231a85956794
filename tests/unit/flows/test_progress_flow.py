"""The application progress chart, its words and its slip (Qt-free): every branch and every
way out; where an application or intention stands in plain words, the steps passed and the
one to come, a decline's reasons, and a slip with nothing unmasked."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from devices.printer.contract import PairBlock, TextBlock
from kiosk.i18n import Translator
from screens.chart import Outcome
from screens.journeys.progress.chart import ProgressEvent, ProgressFlow, ProgressState
from screens.journeys.progress.screens import sample_item
from screens.journeys.progress.slip import progress_slip
from screens.journeys.progress.texts import (
    asked_text,
    reason_lines,
    spoken_text,
    status_text,
    step_lines,
    what_text,
)

S, E = ProgressState, ProgressEvent
ZH, EN = Translator("zh_CN"), Translator("en")
TODAY = dt.date(2026, 3, 16)


def at_items(*items: object) -> ProgressFlow:
    flow = ProgressFlow()
    flow.send(E.START)
    assert flow.state is S.LOADING
    flow.found(items)
    return flow


def test_items_one_per_screen_next_wraps_round_and_print_comes_back() -> None:
    a, b = sample_item(), sample_item("intention", id="YX1")
    flow = at_items(a, b)
    assert flow.state is S.ITEMS and flow.item is a
    flow.next_item()
    assert flow.item is b
    flow.next_item()
    assert flow.item is a
    flow.send(E.PRINT)
    assert flow.state is S.PRINTING
    assert not flow.send_if_allowed(E.PRINT)  # a second touch while printing does nothing
    flow.send(E.PRINTED)
    assert flow.state is S.ITEMS
    flow.send(E.FINISH)
    assert flow.outcome is Outcome.DONE


def test_a_single_item_has_no_next() -> None:
    flow = at_items(sample_item())
    flow.next_item()
    assert flow.index == 0 and flow.state is S.ITEMS


@pytest.mark.parametrize(("event", "outcome"), [(E.FINISH, Outcome.DONE),
                                                (E.CANCEL, Outcome.CANCELED),
                                                (E.IDLE_TIMEOUT, Outcome.TIMED_OUT)])
def test_nothing_on_file_ends_each_way(event: ProgressEvent, outcome: Outcome) -> None:
    flow = at_items()
    assert flow.state is S.NONE
    flow.send(event)
    assert flow.outcome is outcome


def test_host_failure_is_said_then_ends_failed_and_a_late_answer_is_refused() -> None:
    flow = ProgressFlow()
    flow.send(E.START)
    flow.failed(SimpleNamespace(detail="503"))
    assert flow.state is S.UNAVAILABLE
    assert not flow.can(E.FOUND)
    flow.send(E.FINISH)
    assert flow.outcome is Outcome.FAILED


def test_cancel_while_loading_and_idle_on_an_item() -> None:
    flow = ProgressFlow()
    flow.send(E.START)
    flow.send(E.CANCEL)
    assert flow.outcome is Outcome.CANCELED
    flow = at_items(sample_item())
    flow.send(E.IDLE_TIMEOUT)
    assert flow.outcome is Outcome.TIMED_OUT


def test_a_counter_application_in_the_field_visit_step() -> None:
    item = sample_item()
    assert status_text(ZH, item) == "信贷员上门了解过了，正在审批"
    assert what_text(ZH, item, TODAY) == "贷款申请，3月13日在网点柜台办理"
    assert asked_text(ZH, item) == "申请 20,000.00元（贰万元整），12个月，用途：养殖"
    assert step_lines(ZH, item, TODAY) == ["✓ 3月13日 提交申请", "✓ 3月14日 审查",
                                          "✓ 3月15日 信贷员上门", "○ 下一步：批准"]
    spoken = spoken_text(ZH, item, 0, 2, TODAY)
    assert spoken.startswith("您有2条申请。第1条：3月13日在网点柜台办理的贷款申请，")
    assert "现在：信贷员上门了解过了，正在审批。" in spoken


def test_referred_approved_declined_and_an_intention_in_words() -> None:
    referred = sample_item(channel="terminal", status="SUBMITTED", decision="REFER",
                           officer_name="周明", visit_within_days=3,
                           steps=[SimpleNamespace(state="SUBMITTED", date=TODAY)])
    assert status_text(ZH, referred) == "信贷员周明会在3天内和您联系"
    approved = sample_item(status="APPROVED", decision="APPROVE", line_id="L1",
                           steps=[SimpleNamespace(state="SUBMITTED", date=TODAY),
                                  SimpleNamespace(state="APPROVED", date=TODAY)])
    assert status_text(ZH, approved) == "已经批准，签约后就可以借款"
    assert step_lines(ZH, approved, TODAY)[-1] == "✓ 3月16日 批准"  # final: nothing to come
    declined = sample_item(status="REJECTED", decision="DECLINE", reasons=["R04", "R01"],
                           steps=[SimpleNamespace(state="REJECTED", date=TODAY)])
    assert status_text(ZH, declined) == "这次没有通过"
    assert reason_lines(ZH, declined)[1].startswith("您的信用记录上以前有过晚还款")
    assert "没有通过的原因：" in spoken_text(ZH, declined, 1, 2, TODAY)
    intention = sample_item("intention", id="YX1", product_code=None, months=None,
                            purpose="买化肥", officer_name="周明", visit_within_days=3)
    assert status_text(ZH, intention) == "信贷员周明会在3天内和您联系"
    assert asked_text(ZH, intention) == "想借 20,000.00元（贰万元整），用途：买化肥"
    assert step_lines(ZH, intention, TODAY)[-1] == "○ 下一步：信贷员上门"
    assert status_text(EN, referred) == "Loan officer 周明 will contact you within 3 days"
    assert "贰" not in asked_text(EN, intention)  # capitals on the Chinese screen only


def test_the_slip_lists_every_item_and_masks_the_name() -> None:
    items = [sample_item(), sample_item("intention", id="YX202603160001", channel="terminal",
                                       officer_name="周明", visit_within_days=3)]
    doc = progress_slip(ZH, items, masked_name="赵*兰", terminal_id="ZN610425001",
                        service_point="礼泉县烟霞镇助农服务点", branch_phone="029-35561234",
                        now=dt.datetime(2026, 3, 16, 10, 30))
    text = "\n".join(b.text if isinstance(b, TextBlock) else f"{b.label} {b.value}"
                     for b in doc.blocks if isinstance(b, (TextBlock, PairBlock)))
    assert "申请进度" in text and "赵*兰" in text and "赵桂兰" not in text
    assert "编号 SQ202603130901" in text and "编号 YX202603160001" in text
    assert "贰万元整" in text and "现在：信贷员上门了解过了，正在审批" in text
    assert "3月15日 信贷员上门" in text and "✓" not in text and "○" not in text
    assert "网点电话 029-35561234" in text


@pytest.mark.parametrize("outcome", [Outcome.DONE, Outcome.CANCELED, Outcome.TIMED_OUT])
def test_no_line_leads_to_progress_or_an_intention_whose_end_is_the_line_journeys(
        outcome: Outcome) -> None:
    from screens.journeys.credit_line.chart import CreditLineFlow, LineEvent, LineState

    for way in (LineEvent.PROGRESS, LineEvent.INTENTION):
        flow = CreditLineFlow()
        entered: list[LineState] = []
        flow.add_listener(lambda s, e, t, seen=entered: seen.append(t))
        flow.send(LineEvent.START)
        assert not flow.go(way)  # only from the no-line screen
        flow.send(LineEvent.NONE)
        assert flow.go(way) and flow.went is way and entered[-1] is LineState.ELSEWHERE
        flow.returned(outcome)
        assert flow.state is LineState.ENDED and flow.outcome is outcome
    line = CreditLineFlow()
    line.send(LineEvent.START)
    line.found(SimpleNamespace())
    assert not line.go(LineEvent.INTENTION)  # a farmer with a line is not offered it here


def test_no_loan_leads_to_progress() -> None:
    from screens.journeys.loan_queries.chart import LoanQueriesFlow, QueryEvent, QueryState

    flow = LoanQueriesFlow()
    flow.send(QueryEvent.START)
    flow.found([])
    assert flow.go(QueryEvent.PROGRESS) and flow.state is QueryState.ELSEWHERE
    flow.returned(Outcome.DONE)
    assert flow.state is QueryState.ENDED and flow.outcome is Outcome.DONE
