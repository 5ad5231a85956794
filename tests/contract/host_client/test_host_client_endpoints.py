"""Every endpoint the kiosk's client calls, against the real simulator over mutual TLS."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kiosk.host import HostCallError, HostErrorCode, new_idempotency_key
from kiosk.host.client import HostClient
from kiosk.lending import LoanTerms, Method, build_schedule
from tests.contract.host_client.conftest import TERMINAL, ZHANG_ID, ZHANG_PAN

WANG_ID = "610425197501204015"
LI_ID = "610425196208080020"
LI_PAN = "6217991000002345671"


def test_sign_in_delivers_working_keys_the_pin_pad_accepts(terminal):
    answer = terminal.sign_in()  # load_working_keys checks both KCVs inside the pad
    assert answer.terminal_id == TERMINAL
    assert answer.keys.algorithm == "TDES" and answer.mac_method == "X9_19"
    assert len(bytes.fromhex(answer.keys.mak.under_tmk)) == 16
    assert terminal.client.status.signed_in is True
    assert terminal.client.status.business_date == answer.business_date


def test_the_clock_check_uses_the_hosts_real_clock_not_its_business_date(terminal):
    """The simulator's business date is 2026-03-16 whatever the day: a terminal whose clock is
    right must not be refused money for a skew of months (kiosk/clock.py)."""
    import time

    from kiosk.clock import ClockGuard

    sent = time.time()
    answer = terminal.sign_in()
    guard = ClockGuard(max_skew_seconds=60)
    guard.record(answer.server_time, sent, time.time())
    assert guard.money_refusal() is None
    # the business date alone would have refused it on any day but 2026-03-16
    assert answer.host_datetime.startswith("2026-03-16")


def test_sign_in_fails_when_the_pin_pad_holds_another_master_key(host, terminal):
    from devices.base import DeviceOperationError
    from devices.crypto import Algorithm
    from devices.pinpad.contract import PinpadError
    from tests.contract.host_client.conftest import Terminal

    other = Terminal(host)
    try:
        loaded = other.pad_worker.call("load_master_key", [bytes(range(16))], Algorithm.TDES,
                                       timeout=10)
        assert loaded.ok
        with pytest.raises(DeviceOperationError) as caught:
            other.client.sign_in()
        assert caught.value.error is PinpadError.KEY_CHECK_FAILED
        assert other.client.status.signed_in is not True
    finally:
        other.close()
        terminal.sign_in()  # the host now holds that sign-in's keys: renew the module's


def test_heartbeat_reports_and_probe_is_online(terminal):
    from kiosk.host import HeartbeatInfo

    answer = terminal.client.heartbeat(HeartbeatInfo({"printer": "online"}, {"kiosk": "0.1"},
                                                     2, ["ZN610425001-x"]))
    assert answer.signed_in is True and answer.terminal_id == TERMINAL
    status = terminal.client.probe()
    assert status.device.value == "online" and status.signed_in is True


def test_identify_with_card_and_pin_block(terminal):
    answer = terminal.client.identify(ZHANG_ID, name="张卫国", card_type="resident",
                                      pan=ZHANG_PAN, pin_block=terminal.pin_block())
    assert answer.customer_id == "C0001"
    assert answer.masked_name == "张*国"
    assert answer.card_verified and answer.pin_verified
    assert answer.reminders and answer.reminders[0].kind == "due_soon"
    assert isinstance(answer.reminders[0].amount, Decimal)


def test_identify_unknown_person_maps_to_customer_not_found(terminal):
    with pytest.raises(HostCallError) as caught:
        terminal.client.identify("110101199003074477")
    err = caught.value
    assert err.host_code is HostErrorCode.CUSTOMER_NOT_FOUND
    assert err.code.value == "userError"
    assert err.info.http_status == 404 and not err.info.retryable
    assert err.info.farmer_message  # the host's own words, for the screen
    assert not err.outcome_unknown


def test_products_have_annual_rates_and_rules(terminal):
    products = terminal.client.products().products
    names = {p.name for p in products}
    assert {"优质客户邀请贷", "双基联动优农贷", "社保贷"} <= names
    for p in products:
        assert p.min_amount <= p.max_amount and p.terms and p.methods
        assert Decimal("0") < p.annual_rate < Decimal("0.24")


def test_credit_line_and_signing_it(terminal, signature_png):
    line = terminal.client.credit_line("C0002")
    assert line.signed is False and line.available == line.limit
    png = signature_png
    signed = terminal.client.sign_line(line.line_id, "C0002", LI_PAN,
                                       terminal.pin_block(LI_PAN), png, "2026.1",
                                       {"credit_query": True, "terms": True}, "ZN-SIGN-0001")
    assert signed.signed is True and signed.contract_no
    with pytest.raises(HostCallError) as caught:
        terminal.client.sign_line(line.line_id, "C0002", LI_PAN, terminal.pin_block(LI_PAN),
                                  png, "2026.1", {"credit_query": True, "terms": True},
                                  "ZN-SIGN-0002")
    assert caught.value.host_code is HostErrorCode.LINE_ALREADY_SIGNED


def test_host_quotes_agree_with_the_kiosk_engine_to_the_fen(terminal):
    """The two independent loan engines, every product, method and shortest/longest term."""
    compared = 0
    for product in terminal.client.products().products:
        amount = min(max(product.min_amount, Decimal("50000.00")), product.max_amount)
        for method in product.methods:
            for months in sorted({product.terms[0], product.terms[-1]}):
                try:
                    quote = terminal.client.quote_loan(product.code, amount, months, method,
                                                       dt.date(2026, 3, 16))
                except HostCallError as exc:  # e.g. bullet loans of at most 12 months
                    assert exc.host_code is HostErrorCode.PRODUCT_RULE
                    continue
                ours = build_schedule(LoanTerms(amount, months, product.annual_rate,
                                                Method(method), quote.start_date,
                                                due_day=product.due_day,
                                                day_basis=product.day_basis))
                assert [(i.due_date, i.payment, i.principal, i.interest, i.balance)
                        for i in quote.installments] == [
                    (i.due_date, i.payment, i.principal, i.interest, i.balance)
                    for i in ours.installments], (product.code, method, months)
                assert quote.total_interest == ours.total_interest
                assert quote.total_payment == ours.total_payment
                compared += 1
    assert compared >= 20


def test_drawdown_then_loans_schedule_and_status_query(terminal):
    client: HostClient = terminal.client
    key = new_idempotency_key(TERMINAL)
    pin_block = terminal.pin_block()
    before = client.credit_line("C0001").available

    def draw():
        return client.drawdown(key, "C0001", "L0001", Decimal("5000"), 12,
                               "equal-installment", ZHANG_PAN, pin_block, purpose="化肥")

    answer = draw()
    assert answer.status == "CONFIRMED" and answer.idempotency_key == key
    assert answer.amount == Decimal("5000.00")
    assert client.credit_line("C0001").available == before - Decimal("5000.00")
    # the key and the MAC reached the host: it recorded the transaction under the key
    status = client.transaction(key)
    assert status.status == "CONFIRMED" and status.path == "/v1/drawdowns"
    assert status.result["loan_id"] == answer.loan_id
    # a repeat with the same key and body gets the first answer and books nothing
    assert draw() == answer
    assert client.credit_line("C0001").available == before - Decimal("5000.00")
    assert answer.loan_id in {loan.loan_id for loan in client.loans("C0001").loans}
    schedule = client.schedule(answer.loan_id)
    assert sum(r.principal for r in schedule.rows) == Decimal("5000.00")
    assert client.repayments(answer.loan_id).repayments == []


def test_same_key_with_another_body_is_a_conflict(terminal):
    key = new_idempotency_key(TERMINAL)
    pin_block = terminal.pin_block()
    terminal.client.drawdown(key, "C0001", "L0001", "6000", 6, "equal-installment",
                             ZHANG_PAN, pin_block)
    with pytest.raises(HostCallError) as caught:
        terminal.client.drawdown(key, "C0001", "L0001", "7000", 6, "equal-installment",
                                 ZHANG_PAN, pin_block)
    assert caught.value.host_code is HostErrorCode.IDEMPOTENCY_CONFLICT


def test_unknown_key_status_query_is_txn_not_found(terminal):
    with pytest.raises(HostCallError) as caught:
        terminal.client.transaction(new_idempotency_key(TERMINAL))
    assert caught.value.host_code is HostErrorCode.TXN_NOT_FOUND


def test_repayment_quote_then_repay_and_history(terminal):
    client: HostClient = terminal.client
    loan_id = "JJ202510100001"
    quote = client.repayment_quote(loan_id, "partial", Decimal("1000"), "lower_installment")
    assert quote.amount == Decimal("1000.00")
    assert quote.breakdown.total == quote.amount
    key = new_idempotency_key(TERMINAL)
    paid = client.repay(key, "C0001", loan_id, "partial", quote.amount, ZHANG_PAN,
                        terminal.pin_block(), option="lower_installment")
    assert paid.status == "CONFIRMED" and paid.amount == Decimal("1000.00")
    assert paid.breakdown.principal + paid.breakdown.interest + paid.breakdown.penalty + (
        paid.breakdown.compound + paid.breakdown.fees) == paid.amount
    history = client.repayments(loan_id).repayments
    assert paid.repayment_id in {r.repayment_id for r in history}
    assert client.transaction(key).status == "CONFIRMED"


def test_payoff_quote_is_to_the_day(terminal):
    quote = terminal.client.repayment_quote("JJ202509150001", "payoff")
    assert quote.kind == "payoff" and quote.outstanding_principal_after == 0
    assert quote.overdue_days > 0 and quote.breakdown.penalty > 0


def test_staff_authorisation_and_repayment_account_change(terminal):
    client: HostClient = terminal.client
    staff = client.staff_sign_in("S1001", "246810")
    assert staff.role == "assistant" and staff.name
    auth = client.authorize(staff.staff_id, staff.session_token, "C0001",
                            "repayment_account_change", reference="JJ202510100001")
    new_pan = "6258991000008901232"  # 张卫国's other card
    changed = client.change_repayment_account("JJ202510100001", "C0001", new_pan,
                                              terminal.pin_block(new_pan),
                                              auth.authorization_id)
    assert changed.repayment_account_masked.endswith(new_pan[-4:])
    assert new_pan not in changed.repayment_account_masked
    with pytest.raises(HostCallError) as caught:
        client.staff_sign_in("S1001", "000000")
    assert caught.value.host_code is HostErrorCode.STAFF_AUTH_FAILED


def test_application_and_its_progress(terminal):
    client: HostClient = terminal.client
    # a counter product: the loan officer's way, no score
    app = client.apply("NHXE", Decimal("30000"), 12, "购买农机", "13800138000", True,
                       id_number="610425195906116022")
    assert app.status == "SUBMITTED" and app.masked_phone == "138****8000"
    assert app.decision is None
    again = client.application(app.application_id)
    assert again.application_id == app.application_id and again.steps
    # an online product: the scorecard decides at once (66 years old: the age rule)
    app = client.apply("SJLD", Decimal("30000"), 12, "购买农机", "13800138000", True,
                       id_number="610425195906116022")
    assert app.status == "REJECTED" and app.decision is not None
    assert app.decision.decision == "DECLINE" and app.decision.knockouts == ["K01"]
    review = client.register_intention("13800138000", Decimal("30000"), "购买农机", True,
                                       id_number="610425195906116022",
                                       application_id=app.application_id)
    assert review.status == "RECORDED"


def test_application_approved_by_the_scorecard(terminal):
    app = terminal.client.apply("SJLD", Decimal("50000"), 12, "种植", "13991234567", True,
                                customer_id="C0005")
    d = app.decision
    assert app.status == "APPROVED" and d is not None and d.decision == "APPROVE"
    assert d.line == Decimal("67000.00") and d.grade == "AA" and d.apr_simple == Decimal("0.0435")
    line = terminal.client.credit_line("C0005")
    assert line.line_id == d.line_id and line.limit == Decimal("67000.00") and not line.signed


def test_progress_of_the_customers_applications(terminal):
    progress = terminal.client.progress("C0004")  # the scenario's application at the counter
    item = next(i for i in progress.items if i.id == "SQ202603130901")
    assert item.channel == "counter" and item.status == "FIELD_VISIT"
    assert [s.state for s in item.steps] == ["SUBMITTED", "UNDER_REVIEW", "FIELD_VISIT"]
    assert item.amount == Decimal("20000.00") and item.decision is None
    made = terminal.client.register_intention("18091203344", Decimal("5000"), "breeding", True,
                                              customer_id="C0004", visit_time="morning")
    again = {i.id: i for i in terminal.client.progress("C0004").items}[made.intention_id]
    assert again.kind == "intention" and again.visit_time == "morning"


def test_intention_registration(terminal):
    answer = terminal.client.register_intention("18091203344", Decimal("20000"), "养殖",
                                                True, id_number="610425195906116022",
                                                name="赵桂兰", village="骏马镇马家村")
    assert answer.status == "RECORDED" and answer.visit_within_days > 0
    assert "3344" in answer.masked_phone and "18091203344" not in answer.masked_phone


def test_sign_out_then_money_request_needs_sign_in(terminal):
    client: HostClient = terminal.client
    out = client.sign_out()
    assert out.signed_in is False
    try:
        with pytest.raises(HostCallError) as caught:
            client.drawdown(new_idempotency_key(TERMINAL), "C0001", "L0001", "1000", 6,
                            "equal-installment", ZHANG_PAN, terminal.pin_block())
        assert caught.value.host_code is HostErrorCode.NOT_SIGNED_IN
        assert caught.value.info.next_action.value == "sign_in"
        assert client.status.signed_in is False
    finally:
        terminal.sign_in()
