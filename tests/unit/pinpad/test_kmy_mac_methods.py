"""Every 3DES MAC method the KMY profile can select gives what devices.crypto computes."""

from __future__ import annotations

import os

import pytest

from devices.crypto import Algorithm, MacMethod, encrypt_key_under, kcv, verify_mac
from devices.pinpad.kmy import KmyPinPad
from kiosk.simcontrol.pinpad import over_http
from peripherals_sim.process import SimulatorProcess


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    proc = SimulatorProcess("pinpad", ["--listen", "tcp://127.0.0.1:0", "--reply-kcv"],
                            state_dir=tmp_path_factory.mktemp("sim")).start()
    yield proc
    proc.stop()


@pytest.mark.parametrize("method", [MacMethod.X9_9, MacMethod.X9_19, MacMethod.PBOC_3DES,
                                    MacMethod.UNIONPAY_ECB])
def test_pad_mac_matches_the_host_side_computation(sim, method):
    comps = over_http(sim.ready["control"]).scenario()["terminals"][0]["tmk_3des_components"]
    tmk = bytes(a ^ b for a, b in zip(*(bytes.fromhex(c) for c in comps), strict=True))
    pik, mak = os.urandom(16), os.urandom(16)
    a = Algorithm.TDES
    pad = KmyPinPad(url=sim.ready["url"], mac_method=method.value)
    pad.open()
    try:
        # --reply-kcv: the pad also answers key loads with check values; they must agree.
        pad.load_working_keys(encrypt_key_under(tmk, pik, a), kcv(pik, a),
                              encrypt_key_under(tmk, mak, a), kcv(mak, a), a)
        data = b"POST\n/v1/drawdowns\nZN610425001\nZN610425001-000001\n" + b"ab" * 32
        assert verify_mac(mak, data, pad.mac(data), method)
    finally:
        pad.close()
