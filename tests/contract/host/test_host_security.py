"""Terminal authentication by client certificate, MAC verification and PIN tries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from peripherals_sim.bank_host import tls
from peripherals_sim.bank_host.process import HostProcess, SimTerminal
from tests.contract.host.conftest import PIN, TERMINAL, ZHANG_ID, ZHANG_PAN


def _identify(url: str, ca: str, cert: tuple[str, str] | None,
              terminal_id: str = TERMINAL) -> requests.Response:
    with requests.Session() as s:
        s.trust_env = False
        return s.post(url + "/v1/customers/identify", json={"id_number": ZHANG_ID},
                      headers={"X-Terminal-Id": terminal_id}, verify=ca, cert=cert, timeout=10)


def _pair(tmp: Path, name: str, cert: x509.Certificate, key: Any) -> tuple[str, str]:
    cp, kp = tmp / f"{name}.pem", tmp / f"{name}.key"
    tls.write_pair(cert, key, cp, kp)
    return str(cp), str(kp)


def test_the_terminal_certificate_is_accepted(host: HostProcess) -> None:
    r = _identify(host.url, host.ready["ca_file"], host.cert(TERMINAL))
    assert r.status_code == 200 and r.json()["customer_id"] == "C0001"


def test_no_client_certificate_is_refused_in_the_handshake(host: HostProcess) -> None:
    with pytest.raises(requests.exceptions.RequestException):
        _identify(host.url, host.ready["ca_file"], None)


def test_a_certificate_from_another_ca_is_refused(host: HostProcess, tmp_path: Path) -> None:
    rogue_ca, rogue_key = tls.issue("Rogue CA", None, None)
    cert, key = tls.issue(TERMINAL, rogue_ca, rogue_key, client=True)
    with pytest.raises(requests.exceptions.RequestException):
        _identify(host.url, host.ready["ca_file"], _pair(tmp_path, "rogue", cert, key))


def test_a_certificate_of_another_terminal_cannot_speak_for_this_one(
        host: HostProcess, tmp_path: Path) -> None:
    d = Path(host.ready["state_dir"]) / "tls"
    ca = x509.load_pem_x509_certificate((d / "ca.pem").read_bytes())
    ca_key = serialization.load_pem_private_key((d / "ca.key").read_bytes(), None)
    cert, key = tls.issue("ZN610425999", ca, ca_key, client=True)  # type: ignore[arg-type]
    pair = _pair(tmp_path, "other", cert, key)
    r = _identify(host.url, host.ready["ca_file"], pair)  # header says ZN610425001
    assert r.status_code == 403 and r.json()["code"] == "HOST-TERMINAL-UNKNOWN"
    r = _identify(host.url, host.ready["ca_file"], pair, "ZN610425999")  # not registered
    assert r.status_code == 403 and r.json()["code"] == "HOST-TERMINAL-UNKNOWN"


def test_the_server_certificate_names_loopback(host: HostProcess) -> None:
    cert = x509.load_pem_x509_certificate(
        (Path(host.ready["state_dir"]) / "tls" / "server.pem").read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in san.get_values_for_type(x509.DNSName)
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]


def _repayment(term: SimTerminal, pin: str = PIN) -> dict[str, Any]:
    return {"customer_id": "C0001", "loan_id": "JJ202510100001", "kind": "due",
            "amount": "4265.50", "pan": ZHANG_PAN, "pin_block": term.pin_block(pin, ZHANG_PAN)}


def test_a_bad_mac_is_refused_and_nothing_is_booked(term: SimTerminal) -> None:
    r = term.money("/v1/repayments", _repayment(term), key="ZN610425001-badmac-1",
                   mac="0123456789ABCDEF")
    assert r.status_code == 401 and r.json()["code"] == "HOST-MAC-INVALID"
    assert r.json()["next_action"] == "sign_in"
    status = term.get("/v1/transactions/ZN610425001-badmac-1")
    assert status.status_code == 404  # never applied: the same key may be sent again


def test_a_mac_over_another_body_is_refused(term: SimTerminal) -> None:
    body = _repayment(term)
    import json
    other = json.dumps({**body, "amount": "1.00"}).encode()
    key = "ZN610425001-tamper-1"
    r = term.money("/v1/repayments", body, key=key, mac=term.mac("/v1/repayments", key, other))
    assert r.status_code == 401 and r.json()["code"] == "HOST-MAC-INVALID"


def test_a_missing_mac_or_key_is_refused(term: SimTerminal) -> None:
    r = term.post("/v1/repayments", _repayment(term), headers={"Idempotency-Key": "ZN-nomac-01"})
    assert r.status_code == 401 and r.json()["code"] == "HOST-MAC-INVALID"
    r = term.post("/v1/repayments", _repayment(term), headers={"X-MAC": "00" * 8})
    assert r.status_code == 400 and r.json()["code"] == "HOST-IDEMPOTENCY-KEY-MISSING"


def test_pin_tries_are_counted_and_lock_the_card(host: HostProcess,
                                                 scenario: dict[str, Any]) -> None:
    t = SimTerminal.for_host(host, scenario)
    t.sign_in()
    pan = "6217991000004567892"  # 赵桂兰's card: no loan to disturb
    codes = []
    for _ in range(3):
        body = {"id_number": "610425195906116022", "pan": pan,
                "pin_block": t.pin_block("999999", pan)}
        codes.append(t.post("/v1/customers/identify", body).json()["code"])
    assert codes == ["HOST-PIN-WRONG", "HOST-PIN-WRONG", "HOST-PIN-LOCKED"]
    body["pin_block"] = t.pin_block(PIN, pan)
    assert t.post("/v1/customers/identify", body).json()["code"] == "HOST-PIN-LOCKED"
    t.close()
