"""Issue 10 item 8: ``kiosk diag <device> status`` exits 2 when the device does not answer
(a silent or babbling peer), with the state in its output; never 0 for an offline device."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO
from tests.contract.broken_peer.peer import ESCPOS, KMY, SAMV, BrokenPeer

CASES = [("idcard", SAMV, "socket"), ("pinpad", KMY, "socket"), ("printer", ESCPOS, "tcp")]


@pytest.mark.parametrize("behaviour", ["silence", "noise_flood"])
@pytest.mark.parametrize(("device", "protocol", "scheme"), CASES, ids=[c[0] for c in CASES])
def test_status_of_a_device_that_does_not_answer_exits_2(device, protocol, scheme,
                                                         behaviour):
    peer = BrokenPeer(protocol, "tcp").start()
    try:
        peer.break_as(behaviour)
        proc = subprocess.run(
            [sys.executable, "-m", "kiosk", "diag", device, "status", "--url",
             peer.url(scheme), "--json"],
            cwd=REPO, capture_output=True, text=True, timeout=120)
    finally:
        peer.stop()
    assert proc.returncode == 2, proc.stdout + proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out.get("device") != "online" or out.get("completion"), out
    assert "Traceback" not in proc.stderr
