"""Every endpoint of the host API over HTTPS with mutual TLS, answered as the schema says."""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any

import pytest

from devices import crypto
from peripherals_sim.bank_host import models as m
from peripherals_sim.bank_host.process import HostProcess, SimTerminal
from tests.contract.host.conftest import LI_PAN, PIN, TERMINAL, WANG_PAN, ZHANG_ID, ZHANG_PAN
from tests.pictures import signature_png as signature_png_picture


def ok(resp: Any, model: type[m.BaseModel]) -> dict[str, Any]:
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    model.model_validate(body)  # the answer has the documented shape
    return body


def test_sign_in_delivers_working_keys_under_the_tmk_with_check_values(
        host: HostProcess, scenario: dict[str, Any]) -> None:
    t = SimTerminal.for_host(host, scenario)
    ans = ok(t.post("/v1/terminal/sign-in", {"algorithm": "TDES", "trace": "000001"}),
             m.SignInResponse)
    tmk = t.tmk
    for name in ("pik", "mak"):
        clear = crypto.decrypt_key_under(tmk, bytes.fromhex(ans["keys"][name]["under_tmk"]),
                                         crypto.Algorithm.TDES)
        assert crypto.kcv(clear, crypto.Algorithm.TDES).hex().upper() == ans["keys"][name]["kcv"]
    assert ans["mac_method"] == "X9_19" and ans["pin_block_format"] == "ISO0"
    assert ans["business_date"] == "2026-03-16" and ans["acct_date"] == "2026-03-16"
    assert ans["service_point"] == "礼泉县烟霞镇助农服务点"
    t.close()


def test_sm4_sign_in_and_pin_verification(host: HostProcess, scenario: dict[str, Any]) -> None:
    t = SimTerminal.for_host(host, scenario, sm4=True)
    ans = t.sign_in("SM4")
    assert ans["mac_method"] == "SM4" and len(ans["keys"]["pik"]["kcv"]) == 16
    body = {"id_number": ZHANG_ID, "pan": ZHANG_PAN, "pin_block": t.pin_block(PIN, ZHANG_PAN)}
    ident = ok(t.post("/v1/customers/identify", body), m.IdentifyResponse)
    assert ident["pin_verified"] is True
    t.close()


def test_heartbeat_and_sign_out(host: HostProcess, scenario: dict[str, Any]) -> None:
    t = SimTerminal.for_host(host, scenario)
    t.sign_in()
    hb = ok(t.post("/v1/terminal/heartbeat", {"devices": {"printer": "online"},
                                              "outbox_depth": 2, "unresolved": []}),
            m.HeartbeatResponse)
    assert hb["signed_in"] is True and hb["received"] >= 1
    out = ok(t.post("/v1/terminal/sign-out"), m.SignOutResponse)
    assert out["signed_in"] is False
    # Keys are gone: a money request is refused until the next sign-in.
    r = t.money("/v1/repayments", {"customer_id": "C0001", "loan_id": "x", "kind": "due",
                                   "amount": "1.00", "pan": ZHANG_PAN, "pin_block": "00" * 8})
    assert r.status_code == 401 and r.json()["code"] == "HOST-NOT-SIGNED-IN"
    t.sign_in()  # the module's other terminal objects keep their own keys; re-sign for them
    t.close()


def test_identify_matches_id_and_card_and_gives_reminders(term: SimTerminal) -> None:
    body = {"id_number": ZHANG_ID, "pan": ZHANG_PAN, "pin_block": term.pin_block(PIN, ZHANG_PAN)}
    ans = ok(term.post("/v1/customers/identify", body), m.IdentifyResponse)
    assert ans["customer_id"] == "C0001" and ans["masked_name"] == "张*国"
    assert ans["masked_id_number"] == "610425********301X"
    assert ans["card_verified"] and ans["pin_verified"]
    assert {"kind": "due_soon", "due_date": "2026-03-21", "amount": "4265.50", "days": 5,
            "loan_id": "JJ202510100001"} in ans["reminders"]
    assert ZHANG_PAN not in term.post("/v1/customers/identify", body).text

    wang = ok(term.post("/v1/customers/identify", {"id_number": "610425197501204015"}),
              m.IdentifyResponse)
    kinds = {r["kind"]: r for r in wang["reminders"]}
    assert kinds["overdue"]["days"] == 23 and wang["classification"] == "关注"

    r = term.post("/v1/customers/identify", {"id_number": ZHANG_ID, "pan": WANG_PAN})
    assert r.status_code == 403 and r.json()["code"] == "HOST-CARD-MISMATCH"
    r = term.post("/v1/customers/identify", {"id_number": "610425197007220036"})
    assert r.status_code == 404 and r.json()["code"] == "HOST-CUSTOMER-NOT-FOUND"
    assert r.json()["next_action"] == "stop" and "意向" in r.json()["farmer_message"]


def test_products_have_annual_rates_and_rules(term: SimTerminal) -> None:
    ans = ok(term.get("/v1/products"), m.ProductList)
    names = {p["name"] for p in ans["products"]}
    assert {"优质客户邀请贷", "双基联动优农贷", "金融e站商户贷", "社保贷", "公积金贷",
            "代发工资贷"} <= names
    assert any(p["family"] == "counter" for p in ans["products"])
    sjld = next(p for p in ans["products"] if p["code"] == "SJLD")
    assert sjld["rate_label"] == "年化利率（单利）4.35%" and "bullet" in sjld["methods"]


def test_quote_reproduces_the_reference_schedule(term: SimTerminal) -> None:
    ans = ok(term.post("/v1/loans/quote", {"product_code": "SJLD", "amount": "50000",
                                           "months": 12, "method": "equal-installment",
                                           "start_date": "2025-03-21"}), m.QuoteResponse)
    assert ans["installments"][0]["payment"] == "4265.50"
    assert ans["installments"][-1]["payment"] == "4265.44"
    assert ans["total_interest"] == "1185.94" and ans["apr_simple"] == "0.043500"
    r = term.post("/v1/loans/quote", {"product_code": "SJLD", "amount": "50000", "months": 7,
                                      "method": "bullet"})
    assert r.status_code == 422 and r.json()["code"] == "HOST-PRODUCT-RULE"


def test_credit_line_and_signing(term: SimTerminal, signature_png: str) -> None:
    line = ok(term.get("/v1/customers/C0002/credit-line"), m.CreditLine)
    assert line["signed"] is False and line["available"] == "80000.00"
    body = {"customer_id": "C0002", "pan": LI_PAN, "pin_block": term.pin_block(PIN, LI_PAN),
            "signature_png_base64": signature_png,
            "contract_version": "SD-2026.1", "consents": {"credit_query": True}}
    for picture, why in ((base64.b64encode(b"\x89PNG fake strokes").decode(), "not a PNG"),
                         (base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 40).decode(), "damaged"),
                         (signature_png_picture(blank=True), "no ink"),
                         (base64.b64encode(b"GIF89a not a png").decode(), "not a PNG"),
                         ("%%% not base64", "not base64")):
        r = term.money(f"/v1/credit-lines/{line['line_id']}/sign",
                       {**body, "signature_png_base64": picture})
        assert r.status_code == 400 and r.json()["code"] == "HOST-FORMAT", why
        assert why in r.json()["detail"], r.json()
    unsigned = ok(term.get("/v1/customers/C0002/credit-line"), m.CreditLine)
    assert unsigned["signed"] is False  # a refused picture signs nothing
    unmacd = term.post(f"/v1/credit-lines/{line['line_id']}/sign", body)
    assert unmacd.status_code == 400, unmacd.text  # a signing is MAC'd: no key, no MAC
    assert unmacd.json()["code"] == "HOST-IDEMPOTENCY-KEY-MISSING"
    signed = ok(term.money(f"/v1/credit-lines/{line['line_id']}/sign", body), m.CreditLine)
    assert signed["signed"] is True and signed["contract_no"].startswith("ED")
    again = term.money(f"/v1/credit-lines/{line['line_id']}/sign", body)
    assert again.status_code == 409 and again.json()["code"] == "HOST-LINE-ALREADY-SIGNED"
    r = term.get("/v1/customers/C0004/credit-line")
    assert r.status_code == 404 and r.json()["code"] == "HOST-LINE-NOT-FOUND"


def _staff_auth(term: SimTerminal, customer: str, action: str, amount: str | None) -> str:
    s = ok(term.post("/v1/staff/sign-in", {"staff_id": "S1001", "password": "246810"}),
           m.StaffSignInResponse)
    assert s["role"] == "assistant"
    a = ok(term.post("/v1/authorizations", {
        "staff_id": "S1001", "session_token": s["session_token"], "customer_id": customer,
        "action": action, "amount": amount}), m.AuthorizationResponse)
    return str(a["authorization_id"])


def test_drawdown_loans_schedule_and_repayment_flow(term: SimTerminal) -> None:
    before = ok(term.get("/v1/customers/C0001/credit-line"), m.CreditLine)
    body = {"customer_id": "C0001", "line_id": "L0001", "amount": "10000.00", "months": 12,
            "method": "equal-principal", "pan": ZHANG_PAN,
            "pin_block": term.pin_block(PIN, ZHANG_PAN), "terminal_time": "2026-03-16T10:01:00"}
    dd = ok(term.money("/v1/drawdowns", body), m.DrawdownResponse)
    assert dd["status"] == "CONFIRMED" and dd["account_masked"] == "621799*********4561"
    assert Decimal(dd["line_available"]) == Decimal(before["available"]) - 10000
    assert dd["first_due_date"] == "2026-04-21"  # fixed day 21: 36-day first period

    loans = ok(term.get("/v1/customers/C0001/loans"), m.LoanList)
    assert {ln["loan_id"] for ln in loans["loans"]} >= {dd["loan_id"], "JJ202510100001"}
    sched = ok(term.get(f"/v1/loans/{dd['loan_id']}/schedule"), m.ScheduleResponse)
    assert sum(Decimal(r["principal"]) for r in sched["rows"]) == Decimal("10000.00")

    q = ok(term.post("/v1/repayments/quote", {"loan_id": "JJ202510100001", "kind": "due"}),
           m.RepaymentQuoteResponse)
    assert q["amount"] == "4265.50"
    rep = ok(term.money("/v1/repayments", {
        "customer_id": "C0001", "loan_id": "JJ202510100001", "kind": "due",
        "amount": q["amount"], "pan": ZHANG_PAN, "pin_block": term.pin_block(PIN, ZHANG_PAN)}),
        m.RepaymentResponse)
    assert rep["breakdown"]["total"] == "4265.50" and rep["next_due_date"] == "2026-04-21"
    hist = ok(term.get("/v1/loans/JJ202510100001/repayments"), m.RepaymentHistory)
    assert len(hist["repayments"]) == 5 and hist["repayments"][-1]["serial"] == rep["serial"]

    payoff = ok(term.post("/v1/repayments/quote", {"loan_id": dd["loan_id"], "kind": "payoff"}),
                m.RepaymentQuoteResponse)
    assert payoff["amount"] == "10000.00"  # disbursed today: no interest accrued yet
    partial = ok(term.post("/v1/repayments/quote", {
        "loan_id": "JJ202510100001", "kind": "partial", "amount": "5000.00",
        "option": "lower_installment"}), m.RepaymentQuoteResponse)
    assert partial["new_term"] == 7 and partial["new_installment"] is not None


def test_overdue_repayment_with_penalties_in_allocation_order(term: SimTerminal) -> None:
    q = ok(term.post("/v1/repayments/quote", {"loan_id": "JJ202509150001", "kind": "overdue"}),
           m.RepaymentQuoteResponse)
    assert q["overdue_days"] == 23
    assert Decimal(q["breakdown"]["penalty"]) > 0 and Decimal(q["breakdown"]["compound"]) > 0
    rep = ok(term.money("/v1/repayments", {
        "customer_id": "C0003", "loan_id": "JJ202509150001", "kind": "overdue",
        "amount": q["amount"], "pan": WANG_PAN, "pin_block": term.pin_block(PIN, WANG_PAN)}),
        m.RepaymentResponse)
    assert rep["breakdown"] == q["breakdown"] and rep["loan_status"] == "ACTIVE"
    ident = ok(term.post("/v1/customers/identify", {"id_number": "610425197501204015"}),
               m.IdentifyResponse)
    assert ident["classification"] == "正常"
    assert [r["kind"] for r in ident["reminders"]] == ["due_soon"]


def test_insufficient_funds_and_wrong_pin_are_declined(term: SimTerminal) -> None:
    q = ok(term.post("/v1/repayments/quote", {"loan_id": "JJ202509150001", "kind": "payoff"}),
           m.RepaymentQuoteResponse)
    body = {"customer_id": "C0003", "loan_id": "JJ202509150001", "kind": "payoff",
            "amount": q["amount"], "pan": WANG_PAN, "pin_block": term.pin_block(PIN, WANG_PAN)}
    r = term.money("/v1/repayments", body)
    assert r.status_code == 422 and r.json()["code"] == "HOST-INSUFFICIENT-FUNDS"
    body["pin_block"] = term.pin_block("654321", WANG_PAN)
    r = term.money("/v1/repayments", body)
    assert r.status_code == 403 and r.json()["code"] == "HOST-PIN-WRONG"
    assert r.json()["next_action"] == "reenter_pin"


def test_change_of_repayment_account_needs_staff_authorisation(term: SimTerminal) -> None:
    credit_pan = "6258991000008901232"
    body = {"customer_id": "C0001", "new_pan": credit_pan,
            "pin_block": term.pin_block(PIN, credit_pan), "authorization_id": "nope"}
    r = term.post("/v1/loans/JJ202510100001/repayment-account", body)
    assert r.status_code == 403 and r.json()["code"] == "HOST-AUTHORIZATION-REQUIRED"
    body["authorization_id"] = _staff_auth(term, "C0001", "repayment_account_change", None)
    ans = ok(term.post("/v1/loans/JJ202510100001/repayment-account", body),
             m.RepaymentAccountResponse)
    assert ans["repayment_account_masked"] == "625899*********1232"
    # an authorisation is used once
    r = term.post("/v1/loans/JJ202510100001/repayment-account", body)
    assert r.status_code == 403


def test_large_drawdown_needs_an_authorisation(term: SimTerminal) -> None:
    body = {"customer_id": "C0001", "line_id": "L0001", "amount": "55000.00", "months": 24,
            "method": "equal-installment", "pan": ZHANG_PAN,
            "pin_block": term.pin_block(PIN, ZHANG_PAN)}
    r = term.money("/v1/drawdowns", body)
    assert r.status_code == 403 and r.json()["code"] == "HOST-AUTHORIZATION-REQUIRED"
    body["authorization_id"] = _staff_auth(term, "C0001", "drawdown", "55000.00")
    assert ok(term.money("/v1/drawdowns", body), m.DrawdownResponse)["amount"] == "55000.00"
    body["amount"] = "99000.00"
    body["authorization_id"] = _staff_auth(term, "C0001", "drawdown", "99000.00")
    r = term.money("/v1/drawdowns", body)
    assert r.status_code == 422 and r.json()["code"] == "HOST-AMOUNT-OVER-LIMIT"


def test_staff_sign_in_refuses_a_wrong_password(term: SimTerminal) -> None:
    r = term.post("/v1/staff/sign-in", {"staff_id": "S1001", "password": "000000"})
    assert r.status_code == 403 and r.json()["code"] == "HOST-STAFF-AUTH-FAILED"


def test_application_progress_and_intention(term: SimTerminal) -> None:
    app_ = ok(term.post("/v1/applications", {
        "customer_id": "C0004", "product_code": "NHXE", "amount": "30000", "months": 12,
        "purpose": "购买化肥", "phone": "18091203344", "consent": True}), m.ApplicationResponse)
    assert app_["status"] == "SUBMITTED" and app_["masked_phone"] == "180****3344"
    got = ok(term.get(f"/v1/applications/{app_['application_id']}"), m.ApplicationResponse)
    assert got["steps"] == app_["steps"]
    r = term.get("/v1/applications/SQ0")
    assert r.status_code == 404 and r.json()["code"] == "HOST-APPLICATION-NOT-FOUND"
    it = ok(term.post("/v1/intentions", {
        "id_number": "610425195906116022", "phone": "18091203344", "village": "骏马镇马家村",
        "amount": "20000", "purpose": "养牛", "consent": True}), m.IntentionResponse)
    assert it["officer_name"] == "周明" and it["status"] == "RECORDED"
    r = term.post("/v1/intentions", {"phone": "18091203344", "amount": "1", "purpose": "x",
                                     "consent": False})
    assert r.status_code == 422 and r.json()["code"] == "HOST-CONSENT-REQUIRED"


def test_progress_lists_applications_and_intentions_from_every_channel(
        term: SimTerminal) -> None:
    made = ok(term.post("/v1/applications", {
        "customer_id": "C0004", "product_code": "NHXE", "amount": "8000", "months": 6,
        "purpose": "planting", "phone": "18091203344", "consent": True}), m.ApplicationResponse)
    ok(term.post("/v1/intentions", {  # no customer id: hers by the ID number
        "id_number": "610425195906116022", "phone": "18091203344", "amount": "5000",
        "purpose": "breeding", "consent": True}), m.IntentionResponse)
    ans = ok(term.get("/v1/customers/C0004/applications"), m.ProgressList)
    items = {i["id"]: i for i in ans["items"]}
    counter = items["SQ202603130901"]  # the scenario's: made at the branch counter on 3-13
    assert counter["channel"] == "counter" and counter["kind"] == "application"
    assert [s["state"] for s in counter["steps"]] == ["SUBMITTED", "UNDER_REVIEW", "FIELD_VISIT"]
    assert counter["status"] == "FIELD_VISIT" and counter["amount"] == "20000.00"
    here = items[made["application_id"]]
    assert here["channel"] == "terminal" and here["status"] == "SUBMITTED"
    intentions = [i for i in ans["items"] if i["kind"] == "intention"]
    assert intentions and intentions[0]["status"] == "ASSIGNED"
    assert intentions[0]["officer_name"] == "周明" and intentions[0]["product_code"] is None
    dates = [i["submitted"] for i in ans["items"]]
    assert dates == sorted(dates, reverse=True)  # newest first
    assert "18091203344" not in term.get("/v1/customers/C0004/applications").text
    r = term.get("/v1/customers/C9999/applications")
    assert r.status_code == 404


def test_errors_are_in_english_on_request(term: SimTerminal) -> None:
    r = term.get("/v1/applications/SQ0", headers={"Accept-Language": "en"})
    assert r.json()["farmer_message"] == "This application was not found."


def test_malformed_body_is_a_format_error(term: SimTerminal) -> None:
    r = term.post("/v1/loans/quote", {"product_code": "SJLD", "amount": "12.345"})
    assert r.status_code == 400 and r.json()["code"] == "HOST-FORMAT"


@pytest.mark.parametrize("terminal_id", [TERMINAL])
def test_transaction_status_of_an_unknown_key(term: SimTerminal, terminal_id: str) -> None:
    r = term.get(f"/v1/transactions/{terminal_id}-never-sent")
    assert r.status_code == 404 and r.json()["code"] == "HOST-TXN-NOT-FOUND"
