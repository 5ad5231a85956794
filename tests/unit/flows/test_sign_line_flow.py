"""The signing chart (Qt-free): every branch and every way out; and the receipt it prints."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from devices.printer.contract import PROFILES
from devices.printer.layout import plain_text
from kiosk.authorization import AuthorizationResult
from kiosk.authorization import Outcome as AuthOutcome
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


# --- 见证签约: a staff member witnesses instead of a drawn signature -------------------------

def at_witness(mode: str = "audio_guided") -> SignLineFlow:
    flow = at_sign()
    if mode == "audio_guided":  # the audio-guided mode never shows the pad
        flow.send(E.BACK)
        assert flow.ask_witness(mode) is S.WITNESS_CALL
    else:
        assert flow.ask_witness(mode) is S.WITNESS_CALL  # the pad's 不会写字
    assert flow.witness_mode == mode and flow.witness_record() is None
    assert flow.send(E.NEXT) is S.WITNESS  # 开始见证: the staff member's password
    return flow


def test_a_witness_given_then_the_pin_signs_with_the_witness_record() -> None:
    flow = at_witness()
    assert flow.witness_record() is None  # not before the staff member authorised
    assert flow.granted("SQ20260316A00001", "S1001") is S.PIN
    assert flow.witness_record() == {"method": "witnessed", "staff_id": "S1001",
                                     "mode": "audio_guided",
                                     "authorization_id": "SQ20260316A00001"}
    assert flow.send(E.PIN_OK) is S.SIGNING
    flow.answered(result(Money.SUCCESS, host_ref="ED20260316000001"))
    assert flow.state is S.SUCCESS and flow.witness_staff == "S1001"
    flow.send(E.FINISH)
    assert flow.outcome is Outcome.DONE
    with pytest.raises(ValueError):
        SignLineFlow().ask_witness("asked_nicely")


@pytest.mark.parametrize("why", [AuthOutcome.REFUSED, AuthOutcome.STAFF_SIGNED_OUT,
                                 AuthOutcome.NO_STAFF, AuthOutcome.HOST_ERROR])
def test_a_refused_or_void_witness_signs_nothing_and_may_be_asked_again(
        why: AuthOutcome) -> None:
    flow = at_witness("cannot_write")
    problem = AuthorizationResult(why, 3, staff_id="S1001")
    assert flow.witness_refused(problem) is S.WITNESS_REFUSED
    assert flow.problem is problem and flow.witness_record() is None
    assert flow.send(E.NEXT) is S.WITNESS_CALL  # 再请工作人员
    assert flow.send(E.NEXT) is S.WITNESS
    flow.witness_refused("STAFF-NOT-SIGNED-IN")
    flow.send(E.FINISH)
    assert flow.state is S.ENDED and flow.outcome is Outcome.FAILED  # nothing signed


def test_cancel_while_the_staff_member_types_ends_without_signing() -> None:
    flow = at_witness()
    assert flow.send(E.CANCEL) is S.ENDED and flow.outcome is Outcome.CANCELED
    flow = at_witness()
    assert E.IDLE_TIMEOUT not in flow.allowed_events  # the staff's screen: no countdown
    with pytest.raises(InvalidTransition):
        flow.send(E.PIN_OK)  # no PIN before the witness


def test_pin_cancelled_in_a_witnessed_signing_asks_the_witness_again() -> None:
    flow = at_witness()
    flow.granted("SQ20260316A00001", "S1001")
    cancelled = SimpleNamespace(code="canceled")
    assert flow.pin_failed(cancelled, cancelled=True) is S.WITNESS_CALL
    assert flow.pin_cancelled and flow.witness_mode == "audio_guided"
    assert flow.witness_record() is None  # a new authorisation is asked, the old one unused
    assert flow.send(E.CANCEL) is S.ENDED and flow.outcome is Outcome.CANCELED


def test_back_from_the_witness_call_to_the_pad_or_the_terms() -> None:
    flow = at_sign()
    flow.ask_witness("cannot_write")
    assert flow.send(E.WRITE) is S.SIGN and flow.witness_mode is None  # writes after all
    assert flow.signature(None) is S.PIN
    assert flow.pin_failed(None, cancelled=True) is S.SIGN  # the pad's X: the pad again
    flow = at_sign()
    flow.send(E.BACK)
    flow.ask_witness("audio_guided")
    assert flow.send(E.BACK) is S.TERMS_MORE


def test_the_host_refusing_a_witnessed_signing_fails_with_nothing_signed() -> None:
    flow = at_witness()
    flow.granted("SQ20260316A00001", "S1001")
    flow.send(E.PIN_OK)
    flow.answered(result(Money.FAILED, reason="HOST-FORMAT"))
    assert flow.state is S.FAILED and flow.problem == "HOST-FORMAT"
    flow = at_witness()
    flow.granted("SQ20260316A00002", "S1001")
    flow.send(E.PIN_OK)
    flow.answered(result(Money.FAILED, reason="HOST-AUTHORIZATION-REQUIRED"))
    flow.send(E.FINISH)
    assert flow.outcome is Outcome.FAILED


TERMINAL = SimpleNamespace(id="ZN610425001", service_point="礼泉县烟霞镇助农服务点")
SESSION = SimpleNamespace(identity=SimpleNamespace(name="李秀英", id_number="610425196802021234"),
                          account=SimpleNamespace(pan="6217991000002345671"))


def receipt_text(res: SimpleNamespace, lang: str = "zh_CN", staff: str | None = None,
                 witness: str | None = None) -> str:
    _, doc = signing_receipt(Translator(lang), terminal=TERMINAL, session=SESSION, line=LINE,
                             product=PRODUCT, result=res, now=dt.datetime(2026, 12, 3, 10, 40),
                             staff_id=staff, witness_staff_id=witness)
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


def test_a_witnessed_receipt_says_how_it_was_signed_and_by_whose_witness() -> None:
    answer = SimpleNamespace(acct_date=dt.date(2026, 3, 16), contract_no="ED20260316000001")
    done = result(Money.SUCCESS, host_ref="ED20260316000001", answer=answer)
    text = receipt_text(done, staff="S1001", witness="S1001").replace(" ", "")
    assert "签约方式：见证签约" in text and "见证人：S1001" in text
    english = receipt_text(done, "en", witness="S1002")
    assert "Witnessed signing" in english and "S1002" in english
    assert "见证" not in receipt_text(done)  # a drawn signature: no such line
