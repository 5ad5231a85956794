"""docs/host-api.yaml (the contract) and the simulator's served schema agree."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polib
import yaml

from kiosk.errors import load_error_table
from peripherals_sim.bank_host.errors import ERRORS
from peripherals_sim.bank_host.process import HostProcess, SimTerminal

DOC = Path(__file__).resolve().parents[3] / "docs" / "host-api.yaml"
LOCALE = Path(__file__).resolve().parents[3] / "kiosk" / "locale"
METHODS = ("get", "post", "put", "patch", "delete")


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = schema["components"]["schemas"][name]
    return node


def _shape(schema: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    out = {}
    for path, item in schema["paths"].items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            params = sorted((p["in"], p["name"]) for p in op.get("parameters", [])
                            if p.get("required"))
            body_required: list[str] = []
            if "requestBody" in op:
                body = op["requestBody"]["content"]["application/json"]["schema"]
                body_required = sorted(_resolve(schema, body).get("required", []))
            resp = op["responses"]["200"]["content"]["application/json"]["schema"]
            out[(path, method)] = {"params": params, "body": body_required,
                                   "response": sorted(_resolve(schema, resp).get("required", []))}
    return out


def test_served_schema_and_document_agree(host: HostProcess, scenario: dict[str, Any]) -> None:
    t = SimTerminal.for_host(host, scenario)
    served = t.get("/openapi.json").json()
    t.close()
    doc = yaml.safe_load(DOC.read_text(encoding="utf-8"))
    assert doc["openapi"].startswith("3.1")
    assert _shape(served) == _shape(doc)
    assert set(doc["components"]["schemas"]) == set(served["components"]["schemas"])


def test_every_endpoint_of_the_interface_is_documented() -> None:
    doc = yaml.safe_load(DOC.read_text(encoding="utf-8"))
    wanted = {
        ("post", "/v1/terminal/sign-in"), ("post", "/v1/terminal/sign-out"),
        ("post", "/v1/terminal/heartbeat"), ("post", "/v1/customers/identify"),
        ("get", "/v1/products"), ("get", "/v1/customers/{customer_id}/credit-line"),
        ("post", "/v1/credit-lines/{line_id}/sign"), ("post", "/v1/loans/quote"),
        ("post", "/v1/drawdowns"), ("get", "/v1/customers/{customer_id}/loans"),
        ("get", "/v1/loans/{loan_id}/schedule"), ("get", "/v1/loans/{loan_id}/repayments"),
        ("post", "/v1/repayments/quote"), ("post", "/v1/repayments"),
        ("get", "/v1/transactions/{idempotency_key}"),
        ("post", "/v1/loans/{loan_id}/repayment-account"), ("post", "/v1/applications"),
        ("get", "/v1/applications/{application_id}"), ("post", "/v1/intentions"),
        ("get", "/v1/customers/{customer_id}/applications"),
        ("post", "/v1/staff/sign-in"), ("post", "/v1/authorizations"),
        ("get", "/v1/terminal/audit-anchors")}
    have = {(m, p) for p, item in doc["paths"].items() for m in item if m in METHODS}
    assert have == wanted
    for path in ("/v1/drawdowns", "/v1/repayments"):
        names = {p["name"] for p in doc["paths"][path]["post"]["parameters"]}
        assert {"Idempotency-Key", "X-MAC", "X-Terminal-Id"} <= names
    assert doc["components"]["securitySchemes"]["terminalCertificate"]["type"] == "mutualTLS"
    assert "SHA-256 of the exact request body bytes" in doc["info"]["description"]


def test_every_host_error_code_is_in_the_kiosk_table_and_catalogs() -> None:
    table = load_error_table()
    for lang in ("zh_CN", "en"):
        po = {e.msgid: e.msgstr for e in polib.pofile(str(LOCALE / lang / "LC_MESSAGES" /
                                                          "host.po"))}
        for code, spec in ERRORS.items():
            entry = table.by_code(code)
            assert entry is not None and entry.retryable == spec.retryable, code
            for kind in ("farmer", "staff", "voice"):
                assert po.get(f"error.{code}.{kind}"), (lang, code, kind)
