"""见证签约 at the host: ``POST /v1/credit-lines/{id}/sign`` with a witness record instead of a
picture (a farmer who cannot see or cannot write; a staff member witnessed and authorised it,
the farmer's PIN is the farmer's act). Either a picture or a witness, never neither; the MAC
covers the witness fields. Own host process: the scenario has one unsigned line (C0002)."""

from __future__ import annotations

import json
from typing import Any

import requests

from peripherals_sim.bank_host import models as m
from peripherals_sim.bank_host.process import HostProcess, SimTerminal
from tests.contract.host.conftest import LI_PAN, PIN, control

PATH = "/v1/credit-lines/L0002/sign"


def _auth(term: SimTerminal, staff_id: str, password: str, customer: str, action: str) -> str:
    s = term.post("/v1/staff/sign-in", {"staff_id": staff_id, "password": password}).json()
    r = term.post("/v1/authorizations", {
        "staff_id": staff_id, "session_token": s["session_token"], "customer_id": customer,
        "action": action})
    assert r.status_code == 200, r.text
    return str(r.json()["authorization_id"])


def _refused(r: requests.Response, code: str, detail: str = "") -> None:
    assert r.status_code >= 400, r.text
    assert r.json()["code"] == code, r.text
    assert detail in (r.json().get("detail") or ""), r.text


def _line(host: HostProcess) -> dict[str, Any]:
    customers = control(host, "GET", "/sim/customers")["customers"]
    line: dict[str, Any] = next(c for c in customers
                                if c["customer_id"] == "C0002")["credit_line"]
    return line


def test_a_witness_record_signs_without_a_picture_and_the_mac_covers_it(
        host: HostProcess, term: SimTerminal, signature_png: str) -> None:
    body: dict[str, Any] = {
        "customer_id": "C0002", "pan": LI_PAN, "pin_block": term.pin_block(PIN, LI_PAN),
        "contract_version": "SD-ED-2026.1",
        "consents": {"contract_terms": True, "credit_reporting": True}}
    sign_auth = _auth(term, "S1001", "246810", "C0002", "line_sign")
    witness = {"method": "witnessed", "staff_id": "S1001", "mode": "audio_guided",
               "authorization_id": sign_auth}

    # neither a picture nor a witness; both at once
    _refused(term.money(PATH, body), "HOST-FORMAT", "signature_png_base64 or a witness")
    _refused(term.money(PATH, {**body, "witness": witness,
                               "signature_png_base64": signature_png}),
             "HOST-FORMAT", "not both")
    # a witness without a staff id, of another mode, of another method
    for bad in ({**witness, "staff_id": ""}, {**witness, "mode": "asked_nicely"},
                {**witness, "method": "drawn"}):
        _refused(term.money(PATH, {**body, "witness": bad}), "HOST-FORMAT")
    # the authorisation must be a line_sign one of this customer, by the witness
    other = _auth(term, "S1001", "246810", "C0002", "repayment_account_change")
    _refused(term.money(PATH, {**body, "witness": {**witness, "authorization_id": other}}),
             "HOST-AUTHORIZATION-REQUIRED")
    _refused(term.money(PATH, {**body, "witness": {**witness, "staff_id": "S1002"}}),
             "HOST-AUTHORIZATION-REQUIRED", "not the staff member who authorised")
    # the MAC covers the witness: one computed over S1001's record does not pass S1002's
    key = "ZN610425001-WITNESS-000001"
    macd = json.dumps({**body, "witness": witness}, ensure_ascii=False).encode("utf-8")
    swapped = {**body, "witness": {**witness, "staff_id": "S1002"}}
    _refused(term.money(PATH, swapped, key=key, mac=term.mac(PATH, key, macd)),
             "HOST-MAC-INVALID")
    # no MAC at all
    _refused(term.post(PATH, {**body, "witness": witness}), "HOST-IDEMPOTENCY-KEY-MISSING")
    assert _line(host)["signed"] is False  # nothing refused signed anything

    signed = term.money(PATH, {**body, "witness": witness})
    assert signed.status_code == 200, signed.text
    m.CreditLine.model_validate(signed.json())
    assert signed.json()["signed"] is True and signed.json()["contract_no"].startswith("ED")
    line = _line(host)
    assert line["witness"] == witness
    auths = {a["authorization_id"]: a for a in control(host, "GET", "/sim/ledger")
             ["authorizations"]}
    assert auths[sign_auth]["used_by"] == "L0002:sign"
    assert auths[other]["used_by"] is None
