"""The loan queries chart and its words (Qt-free): every branch and every way out, the period
states in words, the chart's groups and the summaries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from kiosk.i18n import Translator
from screens.chart import Outcome
from screens.journeys.loan_queries.chart import LoanQueriesFlow, QueryEvent, QueryState
from screens.journeys.loan_queries.rows import (
    PlanSummary,
    chart_series,
    history_summary_text,
    loan_due_text,
    masked_contract,
    plan_summary_text,
    schedule_row,
)

S, E = QueryState, QueryEvent
A, B = SimpleNamespace(loan_id="A"), SimpleNamespace(loan_id="B")


def at_loans(*loans: object) -> LoanQueriesFlow:
    flow = LoanQueriesFlow()
    flow.send(E.START)
    assert flow.state is S.LOADING
    flow.found(loans or (A,))
    assert flow.state is S.LOANS
    return flow


def test_loans_one_per_screen_next_wraps_round() -> None:
    flow = at_loans(A, B)
    assert flow.loan is A and flow.has_next
    flow.next_loan()
    assert flow.loan is B and flow.state is S.LOANS
    flow.next_loan()
    assert flow.loan is A


def test_a_single_loan_has_no_next() -> None:
    flow = at_loans(A)
    flow.next_loan()
    assert flow.loan is A and not flow.has_next


def test_no_loans_then_finish_is_done() -> None:
    flow = LoanQueriesFlow()
    flow.send(E.START)
    flow.found([])
    assert flow.state is S.NO_LOANS
    flow.send(E.FINISH)
    assert flow.outcome is Outcome.DONE


def test_schedule_chart_print_and_back_to_the_loan() -> None:
    flow = at_loans(A)
    flow.send(E.SCHEDULE)
    assert flow.state is S.LOADING_SCHEDULE
    flow.loaded("plan")
    assert flow.state is S.PLAN_CHART and flow.schedule == "plan"
    flow.send(E.TABLE)
    assert flow.state is S.SCHEDULE
    flow.send(E.BACK)
    flow.send(E.PRINT)
    assert flow.state is S.PRINTING
    assert not flow.send_if_allowed(E.PRINT)  # a double tap prints once
    flow.send(E.PRINTED)
    assert flow.state is S.PLAN_CHART
    flow.send(E.BACK)
    assert flow.state is S.LOANS
    flow.send(E.FINISH)
    assert flow.outcome is Outcome.DONE


def test_history_and_back() -> None:
    flow = at_loans(A)
    flow.send(E.HISTORY)
    flow.loaded(["r"])
    assert flow.state is S.HISTORY and flow.history_rows == ["r"]
    flow.send(E.BACK)
    assert flow.state is S.LOANS


@pytest.mark.parametrize("query", [E.SCHEDULE, E.HISTORY, None])
def test_host_failure_anywhere_ends_as_failed(query: QueryEvent | None) -> None:
    flow = LoanQueriesFlow()
    flow.send(E.START)
    if query is not None:
        flow.found([A])
        flow.send(query)
    flow.failed("HOST-UNAVAILABLE")
    assert flow.state is S.UNAVAILABLE and flow.error == "HOST-UNAVAILABLE"
    flow.send(E.FINISH)
    assert flow.outcome is Outcome.FAILED


def _reach_each(flow_event: QueryEvent) -> list[LoanQueriesFlow]:
    flows = []
    for path in ([], [E.SCHEDULE, "load"], [E.SCHEDULE, "load", E.TABLE],
                 [E.HISTORY, "load"]):
        flow = at_loans(A)
        for step in path:
            flow.loaded(()) if step == "load" else flow.send(step)  # type: ignore[arg-type]
        flows.append(flow)
    for reach in (lambda f: f.found([]), lambda f: f.failed("x")):
        flow = LoanQueriesFlow()
        flow.send(E.START)
        reach(flow)
        flows.append(flow)
    return flows


@pytest.mark.parametrize(("event", "outcome"), [(E.CANCEL, Outcome.CANCELED),
                                                (E.IDLE_TIMEOUT, Outcome.TIMED_OUT)])
def test_cancel_and_idle_timeout_from_every_screen(event: QueryEvent, outcome: Outcome) -> None:
    for flow in _reach_each(event):
        flow.send(event)
        assert flow.state is S.ENDED and flow.outcome is outcome


def test_cancel_while_waiting_and_late_answers_are_refused() -> None:
    flow = at_loans(A)
    flow.send(E.SCHEDULE)
    flow.send(E.CANCEL)
    assert flow.outcome is Outcome.CANCELED
    assert not flow.send_if_allowed(E.LOADED)


# --- the words ------------------------------------------------------------------------------

ZH = Translator("zh_CN")
TODAY = dt.date(2026, 3, 16)


def period(n: int, status: str, days: int = 0) -> SimpleNamespace:
    return SimpleNamespace(n=n, due_date=dt.date(2026, n, 21), status=status,
                           days_overdue=days, payment=Decimal("4291.67"))


ROWS = [period(1, "PAID"), period(2, "OVERDUE", 23), period(3, "PARTIAL"), period(4, "DUE"),
        period(5, "FUTURE"), period(6, "FUTURE")]


def test_every_state_in_words_with_a_symbol() -> None:
    words = [schedule_row(ZH, r, TODAY)[3] for r in ROWS]
    assert words[:5] == ["✓ 已还清", "⚠ 逾期23天", "◐ 还了一部分", "● 这期要还", "○ 还没到期"]
    assert schedule_row(ZH, ROWS[0], TODAY)[:3] == ("1", "1月21日", "4,291.67")
    en = schedule_row(Translator("en"), ROWS[1], TODAY)[3]
    assert en == "⚠ 23 days late"


def test_chart_groups_and_summary_count_every_period() -> None:
    series = chart_series(ROWS)
    assert series["paid"][0] == [1] and series["overdue"][0] == [2]
    assert series["due"][0] == [3, 4] and series["future"][0] == [5, 6]
    summary = PlanSummary.of(ROWS)
    assert summary.next_row is ROWS[1]
    assert plan_summary_text(ZH, summary) == "共6期：已还1期，要还2期，逾期1期，还没到期2期。"
    calm = PlanSummary.of([period(1, "PAID"), period(2, "DUE")])
    assert "逾期" not in plan_summary_text(ZH, calm)
    assert PlanSummary.of([period(1, "PAID")]).next_row is None


def test_the_loan_line_for_due_overdue_and_paid_off() -> None:
    loan = SimpleNamespace(overdue_amount=Decimal("0"), overdue_days=0,
                           next_due_date=dt.date(2026, 3, 21),
                           next_due_amount=Decimal("4291.67"))
    assert loan_due_text(ZH, loan, TODAY) == "3月21日 要还 4,291.67元"
    loan.overdue_amount, loan.overdue_days = Decimal("2580.12"), 23
    assert loan_due_text(ZH, loan, TODAY) == "逾期23天，要还 2,580.12元"
    loan.overdue_amount, loan.next_due_date = Decimal("0"), None
    assert loan_due_text(ZH, loan, TODAY) == "这笔贷款已经还清了"
    assert masked_contract("HT202510100001") == "HT********0001"


def test_history_summary_names_the_last_repayment() -> None:
    rec = [SimpleNamespace(acct_date=dt.date(2026, m, 21), txn_datetime="",
                           amount=Decimal(m * 100)) for m in (1, 2)]
    assert history_summary_text(ZH, rec, TODAY) == "一共还过2次，最近一次是2月21日，还了200.00元。"
    assert history_summary_text(ZH, [], TODAY) == "这笔贷款还没有还过款。"


def test_the_printed_schedule_lists_the_open_periods_masked() -> None:
    from devices.printer.contract import PairBlock, TextBlock
    from screens.journeys.loan_queries.slip import FIRST_LINES, schedule_slip

    loan = SimpleNamespace(product_name="双基联动优农贷", contract_no="HT202510100001",
                           amount=Decimal("50000"))
    rows = [period(1, "PAID")] + [period(n % 12 + 1, "FUTURE") for n in range(1, 20)]
    plan = SimpleNamespace(rows=rows, outstanding_principal=Decimal("33647.25"))
    doc = schedule_slip(ZH, loan, plan, terminal_id="ZN610425001",
                        now=dt.datetime(2026, 3, 16, 9, 30))
    texts = [b.text if isinstance(b, TextBlock) else f"{b.label}|{b.value}"
             for b in doc.blocks if isinstance(b, TextBlock | PairBlock)]
    joined = "\n".join(texts)
    assert "合同号|HT********0001" in texts and "HT202510100001" not in joined
    assert "还欠本金|33,647.25" in texts and "共20期：已还1期，还没到期19期。" in texts
    periods = [t for t in texts if t.startswith("第")]
    assert len(periods) == FIRST_LINES + 1 and "……共19期没还完，最后一期：" in texts
    assert periods[0] == "第2期 2月21日|4,291.67 还没到期"  # no symbol on paper
