"""Broken-peer figures (issue 10 item 1): every stream-reading driver command against a broken
peer over TCP and a pty; per case the time to completion and the CPU time of the command's
thread, set against the bound the driver's own timeouts give; and the cancel latency under a
noise flood with 30 s timeouts.

Run as a script (the figures of the closing note):
``.venv/bin/python bench/bench_broken_peer.py [--json out.json]``
or through pytest-benchmark (one representative case, the KMY noise flood that used to spin):
``.venv/bin/python -m pytest bench/bench_broken_peer.py -q -p no:cacheprovider --benchmark-only``
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from devices.idcard.samv import SamvIdCardReader
from devices.pinpad.kmy import KmyPinPad
from tests.contract.broken_peer.rigs import (
    RIGS,
    CaseResult,
    cases,
    expected_end,
    run_case,
)

LONG = 30.0
MIN_TIMED = 0.1  # seconds: shorter cases (a refused open) say nothing about CPU share


def matrix() -> list[dict[str, Any]]:
    rows = []
    for driver, transport, behaviour, command in cases():
        rig = RIGS[driver]
        r = run_case(rig, transport, behaviour, command)
        ok = r.completion is not None and expected_end(rig, command, behaviour).holds(
            r.completion)
        rows.append({"driver": driver, "transport": transport, "behaviour": behaviour,
                     "command": command, "elapsed": r.elapsed, "cpu": r.cpu, "bound": r.bound,
                     "noise_bytes": r.noise_bytes, "peer_bytes": r.peer_bytes, "ok": ok,
                     "end": None if r.completion is None else r.completion.code.value})
    return rows


def cancel_latency() -> list[dict[str, Any]]:
    makers = {
        ("samv", "read_identity_wait"): lambda url: SamvIdCardReader(
            url=url, find_timeout=LONG, sam_timeout=LONG, read_timeout=LONG, exclusive=False),
        ("kmy", "version"): lambda url: KmyPinPad(url=url, reply_timeout=LONG),
        ("kmy", "get_pin"): lambda url: KmyPinPad(url=url, reply_timeout=LONG),
    }
    rows = []
    for (driver, command), make in makers.items():
        for transport in ("tcp", "pty"):
            for behaviour in ("noise_flood", "silence"):
                cancel_at = 0.3
                r: CaseResult = run_case(RIGS[driver], transport, behaviour, command,
                                         cancel_after=cancel_at, make=make)
                rows.append({"driver": driver, "command": command, "transport": transport,
                             "behaviour": behaviour, "after_cancel": r.elapsed - cancel_at,
                             "cpu": r.cpu, "end": None if r.completion is None
                             else r.completion.code.value})
    return rows


def summary(rows: list[dict[str, Any]], cancels: list[dict[str, Any]]) -> dict[str, Any]:
    by: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by[row["driver"]].append(row)
    out: dict[str, Any] = {"cases": len(rows), "right_end": sum(r["ok"] for r in rows),
                           "drivers": {}}
    for driver, rs in by.items():
        worst = max(rs, key=lambda r: r["elapsed"] / r["bound"])
        # CPU share of the command's wall time, over cases long enough to mean something
        timed = [r for r in rs if r["elapsed"] >= MIN_TIMED]
        cpu_rate = [r["cpu"] / r["elapsed"] for r in timed]
        flood = [r for r in timed if r["behaviour"] == "noise_flood"]
        out["drivers"][driver] = {
            "cases": len(rs),
            "longest_s": round(max(r["elapsed"] for r in rs), 3),
            "longest_case": max(rs, key=lambda r: r["elapsed"])["command"],
            "worst_fraction_of_bound": round(worst["elapsed"] / worst["bound"], 3),
            "cpu_max_s": round(max(r["cpu"] for r in rs), 4),
            "timed_cases": len(timed),
            "cpu_share_median": round(statistics.median(cpu_rate), 3) if timed else None,
            "cpu_share_max": round(max(cpu_rate), 3) if timed else None,
            "noise_flood_cpu_share_max": round(max(r["cpu"] / r["elapsed"] for r in flood), 3)
            if flood else None,
            "noise_bytes_max": max(r["noise_bytes"] for r in rs),
        }
    out["cancel"] = {
        "cases": len(cancels),
        "canceled": sum(c["end"] == "canceled" for c in cancels),
        "after_cancel_max_ms": round(1000 * max(c["after_cancel"] for c in cancels), 1),
        "after_cancel_median_ms": round(
            1000 * statistics.median(c["after_cancel"] for c in cancels), 1),
    }
    return out


def from_file(path: Path) -> dict[str, Any]:
    """The summary of a saved ``--json`` run."""
    saved = json.loads(path.read_text())
    return summary(saved["cases"], saved["cancels"])


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--json", type=Path, help="write every case and the summary here")
    args = p.parse_args()
    t0 = time.monotonic()
    rows = matrix()
    cancels = cancel_latency()
    result = summary(rows, cancels)
    result["wall_s"] = round(time.monotonic() - t0, 1)
    print(json.dumps(result, indent=1))
    if args.json:
        args.json.write_text(json.dumps({"summary": result, "cases": rows,
                                         "cancels": cancels}, indent=1))
    return 0 if result["right_end"] == result["cases"] else 1


def test_kmy_version_under_a_noise_flood(benchmark: Any) -> None:
    """Time to the noAnswer completion of one KMY command while the peer floods noise."""
    def once() -> CaseResult:
        return run_case(RIGS["kmy"], "tcp", "noise_flood", "version")

    result = benchmark.pedantic(once, rounds=5, iterations=1)
    assert result.completion is not None and not result.completion.ok


if __name__ == "__main__":
    sys.exit(main())
