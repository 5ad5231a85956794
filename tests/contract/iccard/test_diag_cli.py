"""``kiosk diag iccard`` as a technician runs it: a real subprocess on the real PC/SC stack."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .conftest import CARDS, Harness, expected_account, make_harness

pytestmark = pytest.mark.pcsc


@pytest.fixture()
def pcsc(request: pytest.FixtureRequest):
    h = make_harness("pcsc", request)
    try:
        yield h
    finally:
        h.control.clear_fault()
        h.control.remove()
        h.device.close()


@pytest.fixture(autouse=True)
def _state_dir(tmp_path, monkeypatch):
    """Every diag run writes its audit records into this test's own state directory."""
    monkeypatch.setenv("KIOSK_STATE_DIR", str(tmp_path / "state"))
    return tmp_path / "state"


def diag(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kiosk", "diag", "iccard", *args],
                          capture_output=True, text=True, timeout=timeout)


def test_reveal_is_written_to_the_audit_log(pcsc: Harness, _state_dir):
    from kiosk.audit import verify

    pcsc.insert("zhang_debit")
    pcsc.wait_present(True)
    res = diag("read", "--reader", pcsc.stack.reader, "--json", "--reveal")
    assert res.returncode == 0 and json.loads(res.stdout)["pan"] == "6217991000001234561"
    audit = _state_dir / "audit" / "audit.jsonl"
    record = json.loads(audit.read_text().splitlines()[-1])
    assert (record["action"], record["detail"]["device"]) == ("diag.reveal", "iccard")
    assert "6217991000001234561" not in audit.read_text()
    assert verify(audit) == (True, None)


@pytest.mark.parametrize("card_id", [c for c in CARDS if c != "expired_debit"])
def test_diag_read_reveals_every_scenario_card(pcsc: Harness, card_id: str):
    pcsc.insert(card_id)
    pcsc.wait_present(True)
    res = diag("read", "--reader", pcsc.stack.reader, "--json", "--reveal")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    apps = out.pop("applications")
    assert out == expected_account(card_id)  # diag takes the application of highest priority
    chip = CARDS[card_id].get("chip") or {}
    assert [a["aid"] for a in apps] == [a["aid"] for a in chip["applications"]
                                        if not a["aid"].endswith("06")]


def test_diag_read_masks_by_default(pcsc: Harness):
    pcsc.insert("zhang_debit")
    pcsc.wait_present(True)
    res = diag("read", "--reader", pcsc.stack.reader, "--json")
    out = json.loads(res.stdout)
    assert res.returncode == 0
    assert out["pan"] == "621799*********4561" and out["cardholder_name"] == "张*国"
    assert "6217991000001234561" not in res.stdout + res.stderr


def test_diag_read_of_an_expired_card_exits_2_with_the_error(pcsc: Harness):
    pcsc.insert("expired_debit")
    pcsc.wait_present(True)
    res = diag("read", "--reader", pcsc.stack.reader, "--json")
    assert res.returncode == 2
    assert json.loads(res.stdout)["completion"] == "userError"
    assert json.loads(res.stdout)["error"] == "expired"


def test_diag_status_and_missing_reader(pcsc: Harness):
    pcsc.insert("li_debit")
    pcsc.wait_present(True)
    res = diag("status", "--reader", pcsc.stack.reader, "--json")
    assert res.returncode == 0
    assert json.loads(res.stdout) == {"backend": "pcsc", "device": "online",
                                      "media": "present", "reader": "Virtual PCD 00 00"}
    res = diag("status", "--reader", "No Such Reader", "--json")
    assert res.returncode == 2
    assert json.loads(res.stdout)["error"] == "no_reader"


def test_diag_read_without_a_card_times_out(pcsc: Harness):
    pcsc.remove()
    res = diag("read", "--reader", pcsc.stack.reader, "--json", "--timeout", "0.5")
    assert res.returncode == 2
    assert json.loads(res.stdout)["completion"] == "timeout"


def test_diag_read_on_the_fake_backend():
    res = diag("read", "--backend", "fake", "--card", "wang_dual", "--aid", "A000000333010102",
               "--json", "--reveal")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["pan"] == "6258991000009012344"


def test_diag_ports_lists_the_pcsc_reader_by_name(pcsc: Harness):
    """``kiosk diag ports`` shows the reader name ``[devices.iccard] reader`` must match."""
    res = subprocess.run([sys.executable, "-m", "kiosk", "diag", "ports", "--json"],
                         capture_output=True, text=True, timeout=30)
    assert res.returncode == 0, res.stderr
    assert pcsc.stack.reader in json.loads(res.stdout)["pcsc"]["readers"]
    res = subprocess.run([sys.executable, "-m", "kiosk", "diag", "ports"],
                         capture_output=True, text=True, timeout=30)
    assert f"PC/SC readers:\n  {pcsc.stack.reader}" in res.stdout
