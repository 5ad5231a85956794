"""The credit line chart (Qt-free): every branch and every way out."""

from __future__ import annotations

import pytest

from screens.chart import Outcome
from screens.journeys.credit_line.chart import CreditLineFlow, LineEvent, LineState

S, E = LineState, LineEvent


def started() -> CreditLineFlow:
    flow = CreditLineFlow()
    flow.send(E.START)
    assert flow.state is S.LOADING
    return flow


def test_found_line_then_finish_is_done() -> None:
    flow = started()
    flow.found(object())
    assert flow.state is S.LINE and flow.line is not None
    flow.send(E.FINISH)
    assert flow.state is S.ENDED and flow.outcome is Outcome.DONE


def test_no_line_then_finish_is_done() -> None:
    flow = started()
    flow.send(E.NONE)
    assert flow.state is S.NO_LINE
    flow.send(E.FINISH)
    assert flow.outcome is Outcome.DONE


def test_host_failure_ends_as_failed() -> None:
    flow = started()
    flow.failed("HOST-UNAVAILABLE")
    assert flow.state is S.UNAVAILABLE and flow.error == "HOST-UNAVAILABLE"
    flow.send(E.FINISH)
    assert flow.outcome is Outcome.FAILED


@pytest.mark.parametrize(("event", "outcome"), [(E.CANCEL, Outcome.CANCELED),
                                                (E.IDLE_TIMEOUT, Outcome.TIMED_OUT)])
def test_cancel_and_idle_timeout_from_every_screen(event: LineEvent, outcome: Outcome) -> None:
    for reach in (lambda f: f.found(object()), lambda f: f.send(E.NONE),
                  lambda f: f.failed("x")):
        flow = started()
        reach(flow)
        flow.send(event)
        assert flow.state is S.ENDED and flow.outcome is outcome


def test_cancel_while_loading_and_nothing_after_the_end() -> None:
    flow = started()
    flow.send(E.CANCEL)
    assert flow.outcome is Outcome.CANCELED
    assert not flow.send_if_allowed(E.FOUND)
