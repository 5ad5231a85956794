"""The PIN pad with the real bank host simulator: sign-in keys into the pad, the pad's PIN
block verified by the host, the pad's MAC accepted by the host (3DES and SM4)."""

from __future__ import annotations

import hashlib
import json
import threading
import uuid

import pytest

from devices.base import CancelToken
from devices.pinpad.kmy import KmyPinPad
from kiosk.simcontrol.pinpad import over_http
from peripherals_sim.bank_host.process import HostProcess, SimTerminal
from peripherals_sim.process import SimulatorProcess
from peripherals_sim.scenario import by_id


@pytest.fixture(scope="module")
def host(tmp_path_factory):
    with HostProcess(tmp_path_factory.mktemp("host")) as h:
        yield h


@pytest.mark.parametrize("algorithm", ["TDES", "SM4"])
def test_host_sign_in_keys_pin_block_and_mac_work_with_the_pad(host, demo_scenario, tmp_path,
                                                               algorithm):
    sm4 = algorithm == "SM4"
    sim = SimulatorProcess("pinpad", ["--pty", "--algorithm", "sm4" if sm4 else "3des"],
                           state_dir=tmp_path / "pad").start()
    terminal = SimTerminal.for_host(host, demo_scenario, sm4=sm4)
    pad = KmyPinPad(url=sim.ready["url"], algorithm="sm4" if sm4 else "3des")
    try:
        answer = terminal.sign_in(algorithm)
        keys = answer["keys"]
        pad.open()
        pad.load_working_keys(bytes.fromhex(keys["pik"]["under_tmk"]),
                              bytes.fromhex(keys["pik"]["kcv"]),
                              bytes.fromhex(keys["mak"]["under_tmk"]),
                              bytes.fromhex(keys["mak"]["kcv"]),
                              "sm4" if sm4 else "3des")

        card = by_id(demo_scenario["cards"], "zhang_debit")
        person = by_id(demo_scenario["people"], card["person"])
        control = over_http(sim.ready["control"])

        def farmer():
            assert control.wait_for_mode("pin", 10)
            control.press(card["pin"] + "E")

        threading.Thread(target=farmer, daemon=True).start()
        block = pad.get_pin(card["pan"], timeout=20, events=lambda e: None,
                            cancel=CancelToken())
        r = terminal.post("/v1/customers/identify", {
            "id_number": person["id_number"], "pan": card["pan"], "pin_block": block.hex()})
        assert r.status_code == 200, r.text
        assert r.json()["pin_verified"] is True

        # A well-formed drawdown for nobody: the MAC is checked before the business rules.
        path = "/v1/drawdowns"
        request = {"customer_id": "C-NOBODY", "line_id": "L-NONE", "amount": "100.00",
                   "months": 12, "method": "equal-installment", "pan": card["pan"],
                   "pin_block": block.hex()}
        body = json.dumps(request, ensure_ascii=False).encode("utf-8")
        results = {}
        for name in ("good", "bad"):
            key = f"ZN610425001-{uuid.uuid4().hex[:20]}"
            text = "\n".join(("POST", path, "ZN610425001", key,
                              hashlib.sha256(body).hexdigest())).encode()
            mac = pad.mac(text).hex().upper()
            if name == "bad":
                mac = ("0" if mac[0] != "0" else "1") + mac[1:]
            r = terminal.session.post(terminal.url + path, data=body, timeout=10, headers={
                "Content-Type": "application/json", "Idempotency-Key": key, "X-MAC": mac})
            results[name] = r.json().get("code")
        assert results["bad"] == "HOST-MAC-INVALID"
        assert results["good"] not in (None, "HOST-MAC-INVALID", "HOST-FORMAT")
    finally:
        pad.close()
        terminal.close()
        sim.stop()
