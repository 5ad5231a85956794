"""What the client does with answers the simulator never sends: a peer on loopback (plain
HTTP, port 0) that answers what each test scripts and records what it received."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from devices.base import CompletionCode
from devices.crypto import MacMethod, mac
from kiosk.host import HostCallError, HostClient, HostErrorCode, HostSettings, mac_input
from kiosk.host.client import NO_RETRY, _TimeoutRequiredAdapter, get_retry

MAK = bytes.fromhex("33333333333333334444444444444444")


class Peer:
    """Scripted answers ``(status, body bytes, content type)``; received requests."""

    def __init__(self) -> None:
        self.script: list[tuple[int, bytes, str]] = []
        self.received: list[dict[str, Any]] = []
        peer = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                peer.received.append({"method": self.command, "path": self.path,
                                      "headers": dict(self.headers), "body": body})
                status, payload, ctype = (peer.script.pop(0) if peer.script
                                          else (500, b"", "text/plain"))
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _answer

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def answer(self, status: int, body: Any, ctype: str = "application/json") -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.script.append((status, raw, ctype))

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def peer() -> Iterator[Peer]:
    p = Peer()
    try:
        yield p
    finally:
        p.close()


def client_for(peer: Peer, **changes: Any) -> HostClient:
    settings = HostSettings(peer.url, "ZN610425001", read_timeout=5, retry_backoff=0,
                            **changes)
    return HostClient(settings, mac_provider=lambda data: mac(MAK, data, MacMethod.X9_19))


CLOCK = {"business_date": "2026-03-16", "acct_date": "2026-03-16",
         "host_datetime": "2026-03-16T10:00:00"}


def test_an_answer_missing_fields_is_reported_as_invalid_not_used(peer):
    peer.answer(200, {"products": [{"code": "SJLD", "name": "双基联动优农贷"}]})
    with pytest.raises(HostCallError) as caught:
        client_for(peer).products()
    err = caught.value
    assert err.response_invalid and err.host_code is HostErrorCode.INTERNAL
    assert err.code is CompletionCode.INTERNAL_ERROR
    assert "failed validation" in err.detail and "products.0" in err.detail
    assert err.outcome_unknown  # for a money request: query by key, never resend blindly


def test_money_as_a_float_is_invalid(peer):
    peer.answer(200, {**CLOCK, "loan_id": "JJ1", "outstanding_principal": 100.5, "rows": []})
    with pytest.raises(HostCallError) as caught:
        client_for(peer).schedule("JJ1")
    assert caught.value.response_invalid
    assert "outstanding_principal" in caught.value.detail


def test_a_non_json_502_is_retried_for_a_get_then_reported(peer):
    for _ in range(3):
        peer.answer(502, b"<html>Bad Gateway</html>", "text/html")
    with pytest.raises(HostCallError) as caught:
        client_for(peer).products()
    assert caught.value.host_code is HostErrorCode.INTERNAL
    assert caught.value.info.http_status == 502
    assert len(peer.received) == 3  # one try and two retries


def test_a_post_answered_502_is_sent_once(peer):
    peer.answer(502, b"", "text/plain")
    with pytest.raises(HostCallError):
        client_for(peer).quote_loan("SJLD", "10000", 12, "equal-installment")
    assert len(peer.received) == 1


def test_an_unknown_error_code_is_kept_for_staff_and_handled_as_internal(peer):
    peer.answer(409, {"code": "HOST-NEW-RULE", "farmer_message": "请稍候",
                      "staff_message": "new rule", "retryable": False, "next_action": "stop"})
    with pytest.raises(HostCallError) as caught:
        client_for(peer).products()
    err = caught.value
    assert err.host_code is HostErrorCode.INTERNAL
    assert err.info.host_code == "HOST-NEW-RULE" and err.info.farmer_message == "请稍候"
    assert err.info.next_action.value == "stop" and not err.retryable


def test_a_4xx_without_an_error_body_is_a_format_error(peer):
    peer.answer(400, b"bad", "text/plain")
    with pytest.raises(HostCallError) as caught:
        client_for(peer).identify("61042519680315301X")
    assert caught.value.host_code is HostErrorCode.FORMAT
    assert caught.value.info.http_status == 400


def test_money_request_carries_key_and_the_mac_of_the_canonical_input(peer):
    peer.answer(500, {"code": "HOST-INTERNAL", "farmer_message": "f", "staff_message": "s",
                      "retryable": True, "next_action": "query_status"})
    with pytest.raises(HostCallError):
        client_for(peer).repay("ZN610425001-000042", "C0001", "JJ1", "due", "4265.50",
                               "6217991000001234561", "0123456789ABCDEF")
    (request,) = peer.received  # a POST: sent once, even after a 500
    headers, body = request["headers"], request["body"]
    assert request["path"] == "/v1/repayments"
    assert headers["Idempotency-Key"] == "ZN610425001-000042"
    assert headers["X-Terminal-Id"] == "ZN610425001"
    assert headers["Content-Type"] == "application/json"
    expected_input = ("POST\n/v1/repayments\nZN610425001\nZN610425001-000042\n"
                      + hashlib.sha256(body).hexdigest()).encode()
    assert mac_input("/v1/repayments", "ZN610425001", "ZN610425001-000042",
                     body) == expected_input
    assert headers["X-MAC"] == mac(MAK, expected_input, MacMethod.X9_19).hex().upper()
    sent = json.loads(body)
    assert sent["amount"] == "4265.50" and sent["pin_block"] == "0123456789ABCDEF"


def test_non_money_requests_carry_no_key_and_no_mac(peer):
    peer.answer(200, {"products": []})
    client_for(peer).products()
    headers = peer.received[0]["headers"]
    assert "Idempotency-Key" not in headers and "X-MAC" not in headers
    assert headers["Accept-Language"] == "zh-CN"


def test_a_money_request_without_a_key_is_refused_before_sending(peer):
    with pytest.raises(ValueError, match="idempotency key"):
        client_for(peer).drawdown("", "C0001", "L0001", "6000", 6, "equal-installment",
                                  "6217991000001234561", "00")
    assert peer.received == []


def test_every_request_has_a_timeout_the_adapter_refuses_none(peer):
    adapter = _TimeoutRequiredAdapter()
    prepared = requests.Request("GET", peer.url + "/v1/products").prepare()
    with pytest.raises(ValueError, match="timeout"):
        adapter.send(prepared, timeout=None)
    assert peer.received == []


def test_retry_policies_get_only_for_reads_none_for_posts():
    policy = get_retry(HostSettings("https://h", "ZN610425001", get_retries=2))
    assert policy.allowed_methods == frozenset({"GET"})
    assert policy.total == 2 and 503 in policy.status_forcelist
    assert NO_RETRY.total == 0 and NO_RETRY.connect == 0 and NO_RETRY.read is False


def test_every_client_code_has_a_row_in_the_unified_error_table_and_texts():
    from kiosk.errors import error_table
    from kiosk.i18n import catalog

    rows = {e.code: e for e in error_table().entries if e.area == "host"}
    assert {c.code for c in HostErrorCode} == set(rows)
    for code in HostErrorCode:
        assert rows[code.code].error == code.value  # what the table matches a completion by
        for lang in ("zh_CN", "en"):
            for kind in ("farmer", "staff", "voice"):
                assert f"error.{code.code}.{kind}" in catalog(lang)


def test_settings_come_from_the_configuration(tmp_path):
    from kiosk.config import load_config

    config = load_config(None, env={}, overrides={
        "host.url": "https://bank.example:8443/", "host.ca_file": str(tmp_path / "ca.pem"),
        "host.connect_timeout": 2.5, "host.read_timeout": 12})
    settings = HostSettings.from_config(config)
    assert settings.url == "https://bank.example:8443"
    assert settings.timeout == (2.5, 12.0)
    assert settings.terminal_id == config.terminal.id
    assert settings.ca_file == tmp_path / "ca.pem"
    with pytest.raises(ValueError, match="no host URL"):
        HostSettings.from_config(load_config(None, env={}, overrides={"host.url": None}))
