"""``kiosk diag pinpad``: status, the key ceremony and the plain-mode key test."""

from __future__ import annotations

import io
import json
import os
import threading

import pytest

from devices.crypto import Algorithm, kcv, xor_components
from kiosk.audit import audit_log
from kiosk.diag import main as diag_main
from kiosk.simcontrol.pinpad import over_http
from peripherals_sim.process import SimulatorProcess


@pytest.fixture()
def sim(tmp_path):
    proc = SimulatorProcess("pinpad", ["--listen", "tcp://127.0.0.1:0"],
                            state_dir=tmp_path / "sim").start()
    yield proc
    proc.stop()


def _json(capsys):
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_status_of_the_fake_pad(capsys):
    assert diag_main(["pinpad", "status", "--backend", "fake", "--json"]) == 0
    out = _json(capsys)
    assert out["device"] == "online" and out["backend"] == "fake"


def test_load_keys_ceremony_loads_the_xor_of_two_components_into_the_pad(
        sim, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("KIOSK_STATE_DIR", str(tmp_path / "state"))
    c1, c2 = os.urandom(16), os.urandom(16)
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{c1.hex()}\n{c2.hex().upper()}\n"))
    code = diag_main(["pinpad", "load-keys", "--url", sim.ready["url"], "--json",
                      "--algorithm", "sm4"])
    assert code == 0
    out = _json(capsys)
    expected = kcv(xor_components(c1, c2), Algorithm.SM4).hex().upper()
    assert out["kcv"] == expected
    assert out["component_kcvs"] == [kcv(c, Algorithm.SM4).hex().upper() for c in (c1, c2)]
    assert over_http(sim.ready["control"]).state()["slots"]["0"] == {
        "algorithm": "sm4", "kcv": expected}
    # The components appear nowhere in what the tool printed.
    printed = capsys.readouterr()
    assert c1.hex().upper() not in printed.out + printed.err
    # The ceremony is in the tamper-evident audit log: started, then loaded with its KCV.
    log = audit_log(tmp_path / "state")
    assert log.verify() == (True, None)
    records = [json.loads(line) for line in log.path.read_text().splitlines()]
    assert [r["action"] for r in records] == ["pinpad.key_ceremony.start",
                                              "pinpad.key_ceremony.part",
                                              "pinpad.key_ceremony.part",
                                              "pinpad.key_ceremony.loaded"]
    assert [r["detail"]["kcv"] for r in records[1:3]] == out["component_kcvs"]
    assert records[3]["detail"]["kcv"] == expected
    assert records[3]["detail"]["kcvs"] == out["component_kcvs"]
    text = log.path.read_text().upper()
    assert c1.hex().upper() not in text and c2.hex().upper() not in text


def test_no_key_ceremony_without_an_audit_record(sim, capsys, monkeypatch, tmp_path):
    blocked = tmp_path / "state"
    blocked.mkdir()
    (blocked / "audit").write_text("a file where the audit folder should be")
    monkeypatch.setenv("KIOSK_STATE_DIR", str(blocked))
    before = over_http(sim.ready["control"]).state()["slots"]
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{'11' * 16}\n{'22' * 16}\n"))
    assert diag_main(["pinpad", "load-keys", "--url", sim.ready["url"], "--json"]) == 2
    assert _json(capsys)["detail"].startswith("audit log not writable")
    assert over_http(sim.ready["control"]).state()["slots"] == before


def test_load_keys_refuses_a_malformed_component(sim, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("12345\n"))
    assert diag_main(["pinpad", "load-keys", "--url", sim.ready["url"]]) == 64


def test_keytest_lists_key_names_in_plain_mode(sim, capsys):
    control = over_http(sim.ready["control"])

    def technician():
        assert control.wait_for_mode("plain", 10)
        control.press("07E")

    threading.Thread(target=technician, daemon=True).start()
    assert diag_main(["pinpad", "keytest", "--url", sim.ready["url"], "--json",
                      "--timeout", "10"]) == 0
    assert _json(capsys) == {"keys": ["0", "7", "enter"]}


def test_a_silent_port_exits_2_with_the_failure_json(sim, capsys):
    over_http(sim.ready["control"]).set_fault("no_answer")
    code = diag_main(["pinpad", "status", "--url", sim.ready["url"], "--json"])
    assert code == 2
    out = _json(capsys)
    assert out["completion"] == "deviceNotReady"
