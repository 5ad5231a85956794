"""``kiosk journal recover`` against the host simulator: exit 0 when nothing is left
unresolved, 2 otherwise."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from kiosk.transactions import MoneySettings, Outcome
from tests.contract.host_client.conftest import ZHANG_PAN
from tests.contract.money.conftest import ledger, make_service


def recover(host, state, url=None, env=None):
    s = host.settings()
    return subprocess.run(
        [sys.executable, "-m", "kiosk", "journal", "recover", "--json", "--state-dir",
         str(state), "--url", url or host.url, "--ca", str(s.ca_file), "--cert",
         str(s.cert_file), "--key", str(s.key_file), "--wait", "3"],
        capture_output=True, text=True, timeout=60, env={**os.environ, **(env or {})})


def test_recover_confirms_what_the_host_booked_and_exits_0(tmp_path, host, terminal):
    state = tmp_path / "state"
    quick = MoneySettings(resolve_seconds=0.01, backoff=(0.01,), in_flight_seconds=60)
    svc = make_service(state, host, terminal, quick, read_timeout=0.3)
    # Every answer (the drawdown's and the status queries') comes too late.
    with host.fault(kind="timeout", when="after", delay_ms=1500,
                    paths=["/v1/drawdowns", "/v1/transactions"]):
        result = svc.drawdown(customer_id="C0001", line_id="L0001", amount="5000.00",
                              months=12, method="equal-installment", pan=ZHANG_PAN,
                              pin_block=terminal.pin_block())
    svc.close()
    assert result.outcome is Outcome.PENDING
    assert ledger(host)[result.key]["state"] == "CONFIRMED"  # booked; the terminal unsure
    # The host is unreachable: nothing can be settled -> exit 2, the row listed.
    down = recover(host, state, url="https://127.0.0.1:9")
    assert down.returncode == 2, down.stderr
    assert [r["key"] for r in json.loads(down.stdout)["unresolved"]] == [result.key]
    done = recover(host, state)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert [r["state"] for r in answer["resolved"]] == ["CONFIRMED"]
    assert answer["resolved"][0]["host_ref"] == ledger(host)[result.key]["host_ref"]
    assert answer["unresolved"] == [] and [r["key"] for r in answer["reprint"]] == [result.key]
