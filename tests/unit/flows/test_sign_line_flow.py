"""The signing chart (Qt-free): every branch and every way out; and the receipt it prints."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from devices.printer.contract import PROFILES
from devices.printer.layout import plain_text
from kiosk.i18n import Translator
from kiosk.receipts.model import TxnResult
from kiosk.transactions import Outcome as Money
from screens.chart import InvalidTransition, Outcome
from screens.journeys.sign_line.chart import SignEvent, SignLineFlow, SignState
from screens.journeys.sign_line.receipt import signing_receipt

S, E = SignState, SignEvent

LINE = SimpleNamespace(line_id="L0002", customer_id="C0002", product_code="YZKH",
                       limit=Decimal("80000.00"), expiry=dt.date(2027, 3, 31), signed=False,
                       revolving=True, contract_no=None)
PRODUCT = SimpleNamespace(code="YZKH", annual_rate=Decimal("0.0385"), terms=[6, 12, 24, 36],
                          methods=["equal-installment"], due_day=21, grace_days=3,
                          penalty_multiplier=Decimal("1.5"))


def result(outcome: Money, reason: str | None = None, host_ref: str | None = None,
           answer: object = None) -> SimpleNamespace:
    receipt = {Money.SUCCESS: TxnResult.SUCCESS, Money.PENDING: TxnResult.PROCESSING,
               Money.FAILED: TxnResult.FAILED}[outcome]
    return SimpleNamespace(outcome=outcome, reason=reason, host_ref=host_ref, answer=answer,
                           serial=7, key="ZN610425001-1764756000-0000007",
                           receipt_result=receipt)


def at_sign() -> SignLineFlow:
    flow = SignLineFlow()
    flow.send(E.START)
    assert flow.loaded(LINE, PRODUCT) is S.TERMS
    flow.send(E.NEXT)
    assert flow.state is S.TERMS_MORE
    flow.send(E.NEXT)
    assert flow.state is S.SIGN and flow.refusal is None and not flow.pin_cancelled
    return flow


def at_signing() -> SignLineFlow:
    flow = at_sign()
    assert flow.signature(None) is S.PIN
    assert flow.send(E.PIN_OK) is S.SIGNING
    return flow


def test_success_then_finish_is_done() -> None:
    flow = at_signing()
    with pytest.raises(InvalidTransition):
        flow.send(E.CANCEL)  # nothing is cancelled while the host is asked
    assert flow.answered(result(Money.SUCCESS, host_ref="ED20260316000001")) is S.SUCCESS
    flow.send(E.FINISH)
    assert flow.outcome is Outcome.DONE


def test_empty_or_dotted_signature_stays_on_the_pad_with_the_reason() -> None:
    from screens.widgets.signature_check import SignatureCheck, SignatureProblem

    flow = at_sign()
    check = SignatureCheck()
    assert flow.signature(check.problem([])) is S.SIGN
    assert flow.refusal is SignatureProblem.EMPTY
    dots = [[(10.0, 10.0)], [(40.0, 12.0)], [(70.0, 11.0)]]
    assert flow.signature(check.problem(dots)) is S.SIGN
    assert flow.refusal is SignatureProblem.TOO_SMALL
    assert flow.signature(None) is S.PIN and flow.refusal is None
    flow.send(E.PIN_CANCELLED)
    assert flow.state is S.SIGN and flow.refusal is None  # a new try, not the old reason


def test_pin_cancelled_on_the_pad_or_the_screen_goes_back_to_the_signature() -> None:
    flow = at_sign()
    flow.signature(None)
    assert flow.pin_failed("canceled", cancelled=True) is S.SIGN and flow.pin_cancelled
    flow.signature(None)
    assert flow.send(E.CANCEL) is S.SIGN and flow.pin_cancelled
    flow.send(E.CANCEL)  # 不签了 on the pad's screen: the journey ends
    assert flow.state is S.ENDED and flow.outcome is Outcome.CANCELED


def test_pin_timeout_fails() -> None:
    flow = at_sign()
    flow.signature(None)
    assert flow.pin_failed("timeout", cancelled=False) is S.FAILED
    assert flow.problem == "timeout"
    flow.send(E.FINISH)
    assert flow.outcome is Outcome.FAILED


def test_host_declines() -> None:
    flow = at_signing()
    assert flow.answered(result(Money.FAILED, reason="HOST-PIN-WRONG")) is S.FAILED
    assert flow.problem == "HOST-PIN-WRONG"
    flow.send(E.FINISH)
    assert flow.outcome is Outcome.FAILED


def test_money_refused_before_sending_fails_with_the_code() -> None:
    flow = at_signing()
    assert flow.refused("JOURNAL-UNRESOLVED") is S.FAILED and flow.problem == "JOURNAL-UNRESOLVED"


def test_host_times_out_then_pending_then_settled_by_reading_the_line() -> None:
    flow = at_signing()
    assert flow.answered(result(Money.PENDING, reason="HOST-TIMEOUT")) is S.PENDING
    assert flow.send(E.CHECK) is S.CHECKING
    assert flow.answered(result(Money.PENDING)) is S.PENDING  # still not known
    flow.send(E.CHECK)
    assert flow.answered(result(Money.SUCCESS, host_ref="ED20260316000002")) is S.SUCCESS
    flow.send(E.FINISH)
    assert flow.outcome is Outcome.DONE


def test_pending_may_be_left_and_pending_can_settle_as_not_applied() -> None:
    flow = at_signing()
    flow.answered(result(Money.PENDING))
    flow.send(E.CHECK)
    assert flow.answered(result(Money.FAILED, reason="not_applied")) is S.FAILED
    flow = at_signing()
    flow.answered(result(Money.PENDING))
    flow.send(E.FINISH)
    assert flow.outcome is Outcome.DONE  # 处理中 is an honest end, not a failure


def test_already_signed_no_line_and_host_down() -> None:
    flow = SignLineFlow()
    flow.send(E.START)
    assert flow.loaded(SimpleNamespace(**{**vars(LINE), "signed": True}), PRODUCT) \
        is S.NOT_SIGNABLE
    flow.send(E.FINISH)
    assert flow.outcome is Outcome.DONE
    flow = SignLineFlow()
    flow.send(E.START)
    assert flow.send(E.NO_LINE) is S.NOT_SIGNABLE and flow.line is None
    flow = SignLineFlow()
    flow.send(E.START)
    assert flow.load_failed("HOST-UNAVAILABLE") is S.UNAVAILABLE
    flow.send(E.FINISH)
    assert flow.outcome is Outcome.FAILED


@pytest.mark.parametrize("state_path", [(), (E.NEXT,), (E.NEXT, E.NEXT)])
def test_back_cancel_and_idle_from_every_waiting_screen(state_path: tuple[SignEvent, ...]
                                                        ) -> None:
    for way_out, outcome in ((E.CANCEL, Outcome.CANCELED), (E.IDLE_TIMEOUT, Outcome.TIMED_OUT)):
        flow = SignLineFlow()
        flow.send(E.START)
        flow.loaded(LINE, PRODUCT)
        for event in state_path:
            flow.send(event)
        flow.send(way_out)
        assert flow.state is S.ENDED and flow.outcome is outcome
    flow = at_sign()
    assert flow.send(E.BACK) is S.TERMS_MORE
    assert flow.send(E.BACK) is S.TERMS
    flow.send(E.BACK)
    assert flow.outcome is Outcome.CANCELED


TERMINAL = SimpleNamespace(id="ZN610425001", service_point="礼泉县烟霞镇助农服务点")
SESSION = SimpleNamespace(identity=SimpleNamespace(name="李秀英", id_number="610425196802021234"),
                          account=SimpleNamespace(pan="6217991000002345671"))


def receipt_text(res: SimpleNamespace, lang: str = "zh_CN", staff: str | None = None) -> str:
    _, doc = signing_receipt(Translator(lang), terminal=TERMINAL, session=SESSION, line=LINE,
                             product=PRODUCT, result=res, now=dt.datetime(2026, 12, 3, 10, 40),
                             staff_id=staff)
    return plain_text(doc, PROFILES["generic_58mm"]).replace("\n", "")


def test_the_receipt_is_a_contract_summary_with_nothing_unmasked() -> None:
    answer = SimpleNamespace(acct_date=dt.date(2026, 3, 16), contract_no="ED20260316000001")
    text = receipt_text(result(Money.SUCCESS, host_ref="ED20260316000001", answer=answer),
                        staff="S1001")
    for field in ("额度签约回单", "ED20260316000001", "80,000.00", "捌万元整", "3.85%",
                  "36个月", "2027-03-31", "成功", "2026-03-16", "2026-12-03", "S1001", "李*英"):
        assert field in text, field
    assert "流水号：ED20260316000001" in text.replace(" ", "")  # the host's reference
    for secret in ("李秀英", "610425196802021234", "6217991000002345671"):
        assert secret not in text


def test_a_pending_receipt_says_processing_and_awaits_the_contract_number() -> None:
    text = receipt_text(result(Money.PENDING))
    assert "处理中" in text and "待银行确认" in text and "成功" not in text
    assert "ZN610425001-1764756000-0000007" in text  # the journal key: what the staff look up
    assert "awaiting the bank" in receipt_text(result(Money.PENDING), "en")
