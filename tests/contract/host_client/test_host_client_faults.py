"""Reliability of the client against the simulator's fault injection (``POST /sim/fault``):
POSTs are never retried, GETs are, timeouts and lost connections are mapped, TLS is enforced.
"""

from __future__ import annotations

import datetime as dt
import socket
import time
from decimal import Decimal
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from devices.base import CompletionCode
from kiosk.errors import code_for_completion
from kiosk.host import HostCallError, HostClient, HostErrorCode, new_idempotency_key
from kiosk.host.worker import host_worker
from tests.contract.host_client.conftest import TERMINAL, ZHANG_PAN


def loan_ids(host) -> set[str]:
    return {loan["loan_id"] for loan in host.sim("GET", "/sim/ledger")["loans"]}


def draw(terminal, key: str, amount: str = "6000"):
    return terminal.client.drawdown(key, "C0001", "L0001", amount, 6, "equal-installment",
                                    ZHANG_PAN, terminal.pin_block())


def test_post_is_not_retried_after_a_connection_reset(terminal, host):
    """One reset before the host applies it: a retry would have gone through (the fault
    clears after one hit) and booked a loan. None is booked and the key is unknown."""
    key = new_idempotency_key(TERMINAL)
    before = loan_ids(host)
    with (host.fault(kind="reset", when="before", paths=["/v1/drawdowns"], count=1,
                     delay_ms=1),
          pytest.raises(HostCallError) as caught):
        draw(terminal, key)
    err = caught.value
    assert err.host_code is HostErrorCode.CONNECTION and err.outcome_unknown
    assert err.code is CompletionCode.DEVICE_NOT_READY
    assert loan_ids(host) == before
    with pytest.raises(HostCallError) as status:
        terminal.client.transaction(key)
    assert status.value.host_code is HostErrorCode.TXN_NOT_FOUND
    # never applied: resending with the same key is safe and books it once
    answer = draw(terminal, key)
    assert loan_ids(host) == before | {answer.loan_id}


def test_reset_after_the_host_applied_is_resolved_by_status_query_not_a_new_request(
        terminal, host):
    key = new_idempotency_key(TERMINAL)
    before = loan_ids(host)
    with (host.fault(kind="reset", when="after", paths=["/v1/drawdowns"], count=1),
          pytest.raises(HostCallError) as caught):
        draw(terminal, key)
    assert caught.value.host_code is HostErrorCode.CONNECTION
    booked = loan_ids(host) - before
    assert len(booked) == 1  # the host applied the one request it received, once
    status = terminal.client.transaction(key)
    assert status.status == "CONFIRMED" and status.result["loan_id"] in booked
    assert draw(terminal, key).loan_id in booked  # the replay answers the first result
    assert loan_ids(host) - before == booked


def test_post_answered_503_is_not_retried(terminal, host):
    with host.fault(kind="error_5xx", paths=["/v1/loans/quote"], count=1):
        with pytest.raises(HostCallError) as caught:
            terminal.client.quote_loan("SJLD", Decimal("10000"), 12, "equal-installment")
        err = caught.value
        assert err.host_code is HostErrorCode.UNAVAILABLE
        assert err.info.http_status == 503 and err.info.retryable
        assert err.info.next_action.value == "retry"
        # the single injection was used by the single attempt: the next call goes through
        assert terminal.client.quote_loan("SJLD", Decimal("10000"), 12,
                                          "equal-installment").months == 12


def test_get_is_retried_after_503s(terminal, host):
    with host.fault(kind="error_5xx", paths=["/v1/products"], count=2):
        assert terminal.client.products().products  # attempts 1 and 2 got 503, 3 got through


def test_get_gives_up_after_its_retries(terminal, host):
    with host.fault(kind="error_5xx", paths=["/v1/products"], count=3):
        with pytest.raises(HostCallError) as caught:
            terminal.client.products()
        assert caught.value.host_code is HostErrorCode.UNAVAILABLE
        # exactly 1 + 2 retries used the 3 injections: a client without retries now passes
        plain = HostClient(host.settings(get_retries=0))
        try:
            assert plain.products().products
        finally:
            plain.close()


def test_get_is_retried_after_a_reset(terminal, host):
    with host.fault(kind="reset", when="before", paths=["/v1/products"], count=1, delay_ms=1):
        assert terminal.client.products().products


def test_read_timeout_of_a_post_is_host_timeout_with_unknown_outcome(host):
    client = HostClient(host.settings(read_timeout=0.5))
    try:
        with (host.fault(kind="timeout", paths=["/v1/loans/quote"], count=1, delay_ms=2500),
              pytest.raises(HostCallError) as caught):
            client.quote_loan("SJLD", Decimal("10000"), 12, "equal-installment")
        err = caught.value
        assert err.host_code is HostErrorCode.TIMEOUT
        assert err.code is CompletionCode.TIMEOUT and err.outcome_unknown
        assert err.info.http_status is None
    finally:
        client.close()


def test_read_timeouts_of_a_get_are_retried_then_host_timeout(host):
    client = HostClient(host.settings(read_timeout=0.4, get_retries=1))
    try:
        with host.fault(kind="timeout", paths=["/v1/products"], count=1, delay_ms=2000):
            assert client.products().products  # the retry got through
        with (host.fault(kind="timeout", paths=["/v1/products"], count=2, delay_ms=2000),
              pytest.raises(HostCallError) as caught):
            client.products()
        assert caught.value.host_code is HostErrorCode.TIMEOUT
    finally:
        client.close()


def test_refused_connection_is_host_connection(host):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = HostClient(host.settings(url=f"https://127.0.0.1:{port}", get_retries=0))
    with pytest.raises(HostCallError) as caught:
        client.products()
    assert caught.value.host_code is HostErrorCode.CONNECTION
    assert caught.value.info.http_status is None


def _foreign_certificate(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, TERMINAL)])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30)).sign(key, hashes.SHA256()))
    cert_file, key_file = directory / "foreign.pem", directory / "foreign.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def test_a_certificate_from_another_ca_is_refused(host, tmp_path):
    cert_file, key_file = _foreign_certificate(tmp_path)
    client = HostClient(host.settings(cert_file=cert_file, key_file=key_file, get_retries=0))
    with pytest.raises(HostCallError) as caught:
        client.products()
    # TLS 1.3 checks the client certificate after the handshake: the host just drops the
    # connection, which the terminal cannot tell from a network fault
    assert caught.value.host_code is HostErrorCode.CONNECTION
    assert caught.value.info.http_status is None


def test_a_server_outside_our_ca_is_refused(host, tmp_path):
    cert_file, _key = _foreign_certificate(tmp_path)
    client = HostClient(host.settings(ca_file=cert_file, get_retries=0))
    with pytest.raises(HostCallError) as caught:
        client.products()
    assert caught.value.host_code is HostErrorCode.TLS
    assert caught.value.code is CompletionCode.DEVICE_NOT_READY


def test_missing_client_certificate_fails_open_with_host_tls(host, tmp_path):
    from devices.base import DeviceInitError

    client = HostClient(host.settings(cert_file=tmp_path / "absent.pem"))
    with pytest.raises(DeviceInitError) as caught:
        client.open()
    assert caught.value.error is HostErrorCode.TLS


def test_a_bad_mac_is_refused_with_sign_in_as_next_action(terminal, host):
    client = HostClient(host.settings(), mac_provider=lambda data: bytes(8))
    try:
        with pytest.raises(HostCallError) as caught:
            client.drawdown(new_idempotency_key(TERMINAL), "C0001", "L0001", "6000", 6,
                            "equal-installment", ZHANG_PAN, terminal.pin_block())
        assert caught.value.host_code is HostErrorCode.MAC_INVALID
        assert caught.value.info.next_action.value == "sign_in"
        assert caught.value.code is CompletionCode.SEQUENCE_ERROR
    finally:
        client.close()


def test_environment_proxies_and_ca_bundles_are_ignored(host, monkeypatch, tmp_path):
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "nope.pem"))
    monkeypatch.setenv("CURL_CA_BUNDLE", str(tmp_path / "nope.pem"))
    client = HostClient(host.settings(get_retries=0))
    try:
        assert client.products().products
    finally:
        client.close()


def test_host_calls_run_in_a_worker_and_complete_with_the_unified_codes(terminal, host):
    out: list = []
    bad = HostClient(host.settings(heartbeat_interval=600), mac_provider=lambda d: bytes(8))
    worker = host_worker(bad, out.append)
    worker.start()
    try:
        ok = worker.call("products", timeout=30)
        assert ok.ok and ok.data.products and ok.device == "host"
        failed = worker.call("drawdown", new_idempotency_key(TERMINAL), "C0001", "L0001",
                             "6000", 6, "equal-installment", ZHANG_PAN, terminal.pin_block(),
                             timeout=30)
        assert not failed.ok
        assert failed.error is HostErrorCode.MAC_INVALID
        assert failed.code is CompletionCode.SEQUENCE_ERROR
        assert code_for_completion(failed) == "HOST-MAC-INVALID"  # the unified error table
        assert failed.to_json()["error"] == "mac_invalid"
        statuses = [o for o in out if type(o).__name__ == "StatusChanged"]
        assert statuses and statuses[0].new.device.value == "online"
        assert ok in out and failed in out  # completions went to the sink (the Qt bridge)
    finally:
        worker.stop()


def test_status_goes_offline_on_lost_connections_and_back_online(host):
    out: list = []
    client = HostClient(host.settings(heartbeat_interval=600, get_retries=1))
    worker = host_worker(client, out.append)
    worker.start()
    try:
        assert worker.call("products", timeout=30).ok
        with host.fault(kind="reset", when="before", paths=["/v1/"], delay_ms=1):
            lost = worker.call("products", timeout=30)
            assert lost.error is HostErrorCode.CONNECTION
            deadline = time.monotonic() + 10  # the worker probes right after a command
            while worker.status.device.value != "offline":
                assert time.monotonic() < deadline, worker.status
                time.sleep(0.05)
            assert worker.status.last_error == "HOST-CONNECTION"
        assert worker.call("products", timeout=30).ok
        deadline = time.monotonic() + 10
        while worker.status.device.value != "online":
            assert time.monotonic() < deadline, worker.status
            time.sleep(0.05)
        assert worker.status.last_error is None
        changes = [o.new.device.value for o in out if type(o).__name__ == "StatusChanged"]
        assert changes[:3] == ["online", "offline", "online"]
    finally:
        worker.stop()
