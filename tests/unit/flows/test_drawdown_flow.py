"""The drawdown chart (Qt-free): every branch, and the receipt built Qt-free with every
PRODUCT.md field, in figures and capitals, nothing unmasked."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from types import SimpleNamespace
from typing import Any

import pytest

from kiosk.i18n import Translator
from kiosk.lending import LoanTerms, Method, annual_rate, build_schedule
from kiosk.lending.crosscheck import check_quote
from kiosk.transactions import TxResult
from offline_queue.journal import TxState
from screens.chart import Outcome
from screens.journeys.drawdown.chart import DrawdownFlow, DrawEvent, DrawState

S, E = DrawState, DrawEvent
PRODUCT = SimpleNamespace(code="SJLD", min_amount=D("5000.00"), max_amount=D("300000.00"),
                          terms=[6, 12, 24, 36], annual_rate=D("0.0435"), due_day=21,
                          day_basis=360,
                          methods=["equal-installment", "equal-principal", "interest-first",
                                   "bullet"])
TODAY = dt.date(2026, 3, 16)


def line(available: str = "50000.00", signed: bool = True) -> Any:
    return SimpleNamespace(line_id="L1", product_code="SJLD", available=D(available),
                           signed=signed)


def quote(amount: str = "30000.00", months: int = 12,
          method: str = "equal-installment") -> Any:
    sched = build_schedule(LoanTerms(D(amount), months, D("0.0435"), Method(method), TODAY,
                                     due_day=21))
    rates = annual_rate(sched)
    return SimpleNamespace(amount=D(amount), months=months, method=method,
                           annual_rate=D("0.0435"), start_date=TODAY,
                           installments=list(sched.installments),
                           total_interest=sched.total_interest,
                           total_payment=sched.total_payment,
                           apr_simple=rates.simple.quantize(D("0.000001")),
                           apr_compound=rates.compound.quantize(D("0.000001")))


def at_amount(available: str = "50000.00") -> DrawdownFlow:
    flow = DrawdownFlow()
    flow.send(E.START)
    flow.loaded(line(available), PRODUCT)
    assert flow.state is S.AMOUNT
    return flow


def at_quote(amount: str = "30000", months: int = 12,
             method: str = "equal-installment") -> DrawdownFlow:
    flow = at_amount("100000.00")
    assert flow.enter_amount(amount) is None
    flow.choose_months(months)
    flow.choose_method(method)
    assert flow.state is S.QUOTING
    q = quote(f"{amount}.00", months, method)
    flow.quoted(q, check_quote(q, due_day=21))
    assert flow.state is S.QUOTE
    return flow


def tx(state: TxState, reason: str | None = None) -> TxResult:
    return TxResult(7, "ZN610425001-261203-0000007", "drawdown", state, D("30000.00"),
                    "2026031600000007" if state is TxState.CONFIRMED else None, reason)


def test_loading_branches() -> None:
    flow = DrawdownFlow()
    flow.send(E.START)
    flow.loaded(line(signed=False), PRODUCT)
    assert flow.state is S.NOT_SIGNED
    flow = DrawdownFlow()
    flow.send(E.START)
    flow.loaded(line("4999.99"), PRODUCT)  # what is left is below the product's smallest loan
    assert flow.state is S.NO_LINE
    flow = DrawdownFlow()
    flow.send(E.START)
    flow.send(E.NO_LINE)
    assert flow.state is S.NO_LINE
    flow.send(E.FINISH)
    assert flow.outcome is Outcome.DONE
    flow = DrawdownFlow()
    flow.send(E.START)
    flow.failed("HOST-CONNECTION")
    assert flow.state is S.UNAVAILABLE
    flow.send(E.FINISH)
    assert flow.outcome is Outcome.FAILED


def test_amount_limits_are_the_product_cut_by_the_line() -> None:
    flow = at_amount("50000.00")
    assert flow.limits is not None
    assert (flow.limits.low, flow.limits.high) == (D("5000.00"), D("50000.00"))
    assert flow.enter_amount("").msgid == "drawdown.amount.problem.empty"
    assert flow.enter_amount("0").msgid == "drawdown.amount.problem.empty"
    low = flow.enter_amount("4999")
    assert low.msgid == "drawdown.amount.problem.low" and low.fields["low"] == D("5000.00")
    over = flow.enter_amount("50001")
    assert over.msgid == "drawdown.amount.problem.available"
    assert flow.state is S.AMOUNT
    odd = at_amount("66352.75")  # whole yuan on the keypad: 66,352 at most
    assert odd.limits is not None and odd.limits.high == D("66352")
    assert odd.enter_amount("66353").msgid == "drawdown.amount.problem.available"
    big = at_amount("400000.00")
    assert big.enter_amount("300001").msgid == "drawdown.amount.problem.high"
    assert flow.enter_amount("50000") is None
    assert flow.state is S.TERM and flow.amount == D("50000.00")


def test_terms_and_methods_in_pages_and_bullet_only_up_to_a_year() -> None:
    flow = at_amount()
    flow.enter_amount("30000")
    assert flow.page_of(flow.terms, 0) == (6, 12) and flow.page_of(flow.terms, 1) == (24, 36)
    assert flow.next_page(flow.terms, 1) == 0
    flow.choose_months(18)  # not a term of the product: nothing happens
    assert flow.state is S.TERM
    flow.choose_months(24)
    assert flow.state is S.METHOD
    assert "bullet" not in flow.methods and len(flow.methods) == 3
    assert flow.page_of(flow.methods, 0) == flow.methods  # three fit on one screen
    flow.send(E.BACK)
    flow.choose_months(12)
    assert flow.methods[-1] == "bullet"
    flow.choose_method("bullet")
    assert flow.state is S.QUOTING


def test_back_goes_step_by_step_and_off_the_amount_cancels() -> None:
    flow = at_quote()
    for expected in (S.METHOD, S.TERM, S.AMOUNT, S.ENDED):
        flow.send(E.BACK)
        assert flow.state is expected
    assert flow.outcome is Outcome.CANCELED


def test_a_quote_off_by_a_fen_goes_to_the_mismatch_screen() -> None:
    flow = at_amount()
    flow.enter_amount("30000")
    flow.choose_months(12)
    flow.choose_method("equal-installment")
    q = quote()
    q.installments[3] = SimpleNamespace(n=4, due_date=q.installments[3].due_date,
                                        payment=q.installments[3].payment + D("0.01"),
                                        principal=q.installments[3].principal,
                                        interest=q.installments[3].interest + D("0.01"),
                                        balance=q.installments[3].balance)
    q.total_interest += D("0.01")
    q.total_payment += D("0.01")
    flow.quoted(q, check_quote(q, due_day=21))
    assert flow.state is S.MISMATCH
    flow.send(E.FINISH)
    assert flow.outcome is Outcome.DONE


def test_quote_fails_to_unavailable() -> None:
    flow = at_amount()
    flow.enter_amount("30000")
    flow.choose_months(12)
    flow.choose_method("equal-installment")
    flow.failed("HOST-TIMEOUT")
    assert flow.state is S.UNAVAILABLE


@pytest.mark.parametrize(("state", "event", "outcome"), [
    (TxState.CONFIRMED, S.SUCCESS, Outcome.DONE),
    (TxState.UNKNOWN, S.PENDING, Outcome.DONE),
    (TxState.DECLINED, S.FAILED, Outcome.DONE),
])
def test_confirm_pin_and_the_three_results(state: TxState, event: DrawState,
                                           outcome: Outcome) -> None:
    flow = at_quote()
    flow.confirm(needs_staff=False)
    assert flow.state is S.PIN
    flow.send(E.PIN_AGAIN)  # PIN cancelled on the pad: back to the quote
    assert flow.state is S.QUOTE
    flow.confirm(needs_staff=False)
    flow.send(E.PIN_OK)
    assert flow.state is S.SENDING
    flow.answered(tx(state, "HOST-LINE-EXPIRED" if state is TxState.DECLINED else None))
    assert flow.state is event
    flow.send(E.FINISH)
    assert flow.outcome is outcome


def test_pending_check_again_until_the_host_knows_then_the_result() -> None:
    """再查一次 on 处理中: still unknown (or the check could not run) comes back to 处理中;
    a confirmed row is 成功, a declined one 未成功; cancelled while asking, money may have
    moved: a finished journey."""
    flow = at_quote()
    flow.confirm(needs_staff=False)
    flow.send(E.PIN_OK)
    flow.answered(tx(TxState.UNKNOWN))
    assert flow.state is S.PENDING and not flow.can(E.SUCCESS)
    assert flow.check_again() and flow.state is S.CHECKING
    assert not flow.check_again()  # a second tap while asking does nothing
    flow.checked_again(tx(TxState.UNKNOWN))
    assert flow.state is S.PENDING
    flow.check_again()
    flow.checked_again(None)
    assert flow.state is S.PENDING
    flow.check_again()
    flow.checked_again(tx(TxState.CONFIRMED))
    assert flow.state is S.SUCCESS and flow.result.host_ref
    assert not flow.check_again()  # no 再查一次 once the result is known
    flow.send(E.FINISH)
    assert flow.outcome is Outcome.DONE

    for ending, state in (("declined", S.FAILED), ("gone", S.ENDED)):
        again = at_quote()
        again.confirm(needs_staff=False)
        again.send(E.PIN_OK)
        again.answered(tx(TxState.UNKNOWN))
        again.check_again()
        if ending == "declined":
            again.checked_again(tx(TxState.DECLINED, "not_applied"))
        else:  # cancelled while asking: money may have moved, a finished journey
            again.send(E.CANCEL)
            assert again.outcome is Outcome.DONE
        assert again.state is state


def test_above_the_threshold_a_staff_member_authorises_or_refuses() -> None:
    flow = at_quote("60000")
    flow.confirm(needs_staff=True)
    assert flow.state is S.AUTHORIZE
    flow.granted("SQ20260316A00001", "S1001")
    assert flow.state is S.PIN
    assert (flow.authorization_id, flow.staff_id) == ("SQ20260316A00001", "S1001")
    flow = at_quote("60000")
    flow.confirm(needs_staff=True)
    flow.refused("no_staff")
    assert flow.state is S.REFUSED
    flow.send(E.FINISH)
    assert flow.outcome is Outcome.DONE


def test_refused_before_sending_and_idle_timeouts() -> None:
    flow = at_quote()
    flow.confirm(needs_staff=False)
    flow.send(E.PIN_OK)
    flow.failed("JOURNAL-UNRESOLVED")
    assert flow.state is S.UNAVAILABLE
    for state_flow in (at_amount(), at_quote()):
        state_flow.send(E.IDLE_TIMEOUT)
        assert state_flow.outcome is Outcome.TIMED_OUT
    flow = at_quote()
    flow.send(E.CANCEL)
    assert flow.outcome is Outcome.CANCELED


def _session() -> Any:
    identity = SimpleNamespace(name="张卫国", id_number="610425196803150017")
    return SimpleNamespace(identity=identity, account=SimpleNamespace(pan="6217991000000001"))


def _text(doc: Any) -> str:
    out = []
    for block in doc.blocks:
        for name in ("text", "label", "value"):
            value = getattr(block, name, None)
            if isinstance(value, str):
                out.append(value)
    return "\n".join(out)


def test_receipt_success_has_every_field_in_figures_and_capitals() -> None:
    from kiosk.receipts.templates import render
    from screens.journeys.drawdown.receipt import drawdown_receipt

    tr = Translator("zh_CN")
    answer = SimpleNamespace(serial="2026031600000007", acct_date="2026-03-16",
                             contract_no="HT202603160007", first_due_date="2026-04-21",
                             first_payment=D("2576.33"), annual_rate=D("0.0435"))
    result = TxResult(7, "K-7", "drawdown", TxState.CONFIRMED, D("30000.00"),
                      "2026031600000007", None, answer)
    terminal = SimpleNamespace(id="ZN610425001", service_point="杨凌区五泉镇服务点")
    receipt = drawdown_receipt(tr, terminal=terminal, session=_session(),
                               amount=D("30000.00"), months=12, method="equal-installment",
                               quote=quote(), result=result, staff_id="S1001",
                               now=dt.datetime(2026, 3, 16, 10, 0, 5))
    text = _text(render(receipt, tr))
    for needle in ("ZN610425001", "杨凌区五泉镇服务点", "2026-03-16 10:00:05", "2026-03-16",
                   "2026031600000007", "张*国", "610425********0017", "621799******0001",
                   "HT202603160007", "30,000.00", "叁万元整", "4.35", "12", "等额本息",
                   "2026-04-21", "2,576.33", "成功", "S1001"):
        assert needle in text, needle
    assert "张卫国" not in text and "610425196803150017" not in text
    assert "6217991000000001" not in text


def test_receipt_pending_is_a_slip_with_the_key_and_processing() -> None:
    from kiosk.receipts.templates import render
    from screens.journeys.drawdown.receipt import drawdown_receipt

    tr = Translator("zh_CN")
    result = tx(TxState.UNKNOWN)
    receipt = drawdown_receipt(tr, terminal=SimpleNamespace(id="ZN610425001",
                                                            service_point="服务点"),
                               session=_session(), amount=D("30000.00"), months=12,
                               method="equal-installment", quote=quote(), result=result,
                               staff_id=None, now=dt.datetime(2026, 3, 16, 10, 0, 5))
    text = _text(render(receipt, tr))
    assert result.key in text and "处理中" in text and "待银行确认" in text
    assert "叁万元整" in text and "2026-04-21" in text
