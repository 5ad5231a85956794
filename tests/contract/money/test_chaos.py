"""The chaos test: drawdowns and repayments through the transactions service against the host
simulator with faults at rate 0.3 and SIGKILLs at every step boundary and at random moments;
restart, recover; the host's ledger and the journal agree key for key (see chaos.py).

The default suite runs 15 trials; ``-m slow`` runs 200. The figures are printed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from peripherals_sim.bank_host.process import HostProcess
from tests.contract.money.chaos import KILL_POINTS, chaos_scenario, run_chaos


@pytest.fixture
def chaos_host(tmp_path: Path) -> Iterator[HostProcess]:
    scenario = chaos_scenario(tmp_path / "scenario.yaml")
    with HostProcess(tmp_path / "host", "--scenario", str(scenario),
                     stderr=tmp_path / "host.log", stop_timeout=15.0) as host:
        yield host


def _check(figures, rows, booked, trials, capsys) -> None:
    with capsys.disabled():
        print("\nchaos figures:\n  " + "\n  ".join(figures.lines()))
    assert figures.mismatched == []
    assert (figures.duplicates, figures.lost, figures.unresolved) == (0, 0, 0)
    assert figures.kills > 0 and figures.restarts > 1
    assert figures.rows <= trials and figures.rows == len(rows)
    assert all(r["state"] in ("CONFIRMED", "DECLINED") for r in rows)
    confirmed = {r["key"] for r in rows if r["state"] == "CONFIRMED"}
    assert confirmed == {k for k, e in booked.items() if e["state"] == "CONFIRMED"}
    assert len(confirmed) > 0


def test_chaos_short(chaos_host, tmp_path, capsys):
    trials = 15
    figures, rows, booked = run_chaos(chaos_host, tmp_path / "state", trials, seed=12)
    _check(figures, rows, booked, trials, capsys)


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_chaos_200_trials(chaos_host, tmp_path, capsys):
    trials = 200
    figures, rows, booked = run_chaos(chaos_host, tmp_path / "state", trials, seed=200)
    _check(figures, rows, booked, trials, capsys)
    assert set(figures.kills_at) >= set(KILL_POINTS) - {"resolved"}
