"""Online applications decided by the host's scorecard, over HTTPS with mutual TLS: the
scenario's applicants approved (a line to sign at once), referred (an intention for the loan
officer) and declined (reasons), with the inputs kept for audit."""

from __future__ import annotations

from typing import Any

from peripherals_sim.bank_host import models as m
from peripherals_sim.bank_host.process import HostProcess, SimTerminal
from tests.contract.host.conftest import control


def apply(term: SimTerminal, customer: str, product: str = "SJLD", amount: str = "50000",
          months: int = 12, consent: bool = True) -> Any:
    return term.post("/v1/applications", {
        "customer_id": customer, "product_code": product, "amount": amount, "months": months,
        "purpose": "种植", "phone": "13991234567", "consent": consent})


def ok(resp: Any) -> dict[str, Any]:
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    m.ApplicationResponse.model_validate(body)
    return body


def test_approved_applicant_gets_an_unsigned_line_to_sign(term: SimTerminal) -> None:
    ans = ok(apply(term, "C0005"))
    d = ans["decision"]
    assert ans["status"] == "APPROVED" and [s["state"] for s in ans["steps"]] == \
        ["SUBMITTED", "APPROVED"]
    # the reference's C3 profile, aged 37 (not 29): 625 and AA; the line binds on capacity
    assert (d["decision"], d["score"], d["grade"], d["line"]) == \
        ("APPROVE", 625, "AA", "67000.00")
    assert d["line_binding"] == "capacity" and d["apr_simple"] == "0.0435"
    assert "单利" in d["rate_label"] and "R06" not in d["points"]
    line = term.get("/v1/customers/C0005/credit-line").json()
    assert line["line_id"] == d["line_id"] and line["limit"] == "67000.00"
    assert line["signed"] is False
    # the progress query gives the same decision
    again = ok(term.get(f"/v1/applications/{ans['application_id']}"))
    assert again["decision"] == d
    # one line per customer: a second application is refused
    r = apply(term, "C0005")
    assert r.status_code == 422 and r.json()["code"] == "HOST-PRODUCT-RULE"


def test_referred_applicant_is_registered_for_the_officer(term: SimTerminal,
                                                          host: HostProcess) -> None:
    ans = ok(apply(term, "C0006", amount="80000"))
    d = ans["decision"]
    assert (d["decision"], d["score"], d["refer_triggers"]) == ("REFER", 570, ["F02"])
    assert d["reasons"] == ["R01", "R02"] and d["indicative_line"] == "27000.00"
    assert d["line"] is None and d["intention_id"].startswith("YX")
    assert ans["status"] == "SUBMITTED"
    book = control(host, "GET", "/sim/ledger")
    app_doc = next(a for a in book["applications"]
                   if a["application_id"] == ans["application_id"])
    assert app_doc["decision_record"]["inputs"]["history"] == "MINOR"
    assert app_doc["decision_record"]["consent"]["terminal_id"] == term.terminal_id
    r = term.get("/v1/customers/C0006/credit-line")
    assert r.status_code == 404


def test_declined_applicant_gets_specific_reasons_and_may_ask_for_review(
        term: SimTerminal) -> None:
    ans = ok(apply(term, "C0007", amount="100000"))
    d = ans["decision"]
    assert (d["decision"], d["score"]) == ("DECLINE", 475)
    assert d["reasons"] == ["R04", "R01", "R09", "R08"]
    assert ans["status"] == "REJECTED"
    review = term.post("/v1/intentions", {
        "customer_id": "C0007", "phone": "15191234567", "amount": "100000", "purpose": "种植",
        "consent": True, "application_id": ans["application_id"]})
    assert review.status_code == 200 and review.json()["officer_name"] == "周明"


def test_age_rule_declines_before_scoring(term: SimTerminal) -> None:
    d = ok(apply(term, "C0004", amount="20000"))["decision"]
    assert d["decision"] == "DECLINE" and d["knockouts"] == ["K01"] and d["score"] is None


def test_a_customer_with_a_line_and_no_consent(term: SimTerminal) -> None:
    r = apply(term, "C0001")
    assert r.status_code == 422 and r.json()["code"] == "HOST-PRODUCT-RULE"
    r = apply(term, "C0006", consent=False)
    assert r.status_code == 422 and r.json()["code"] == "HOST-CONSENT-REQUIRED"


def test_counter_product_goes_to_the_officer_without_a_score(term: SimTerminal) -> None:
    ans = ok(apply(term, "C0006", product="NHXE", amount="30000"))
    assert ans["decision"] is None and ans["status"] == "SUBMITTED"
