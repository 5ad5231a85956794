"""Bank host simulator throughput: twenty terminals on loopback, mutual TLS, full journeys.

Each of ``TERMINALS`` threads is one terminal with its own client certificate (a bench scenario
adds terminals ZN6104259001.. with the demo TMK) and runs ``JOURNEYS`` journeys of six requests:
sign-in, identify (card + PIN block), loan quote, drawdown (idempotency key + MAC), payoff quote
and repayment (key + MAC). The payoff on the drawdown day repays exactly the 5,000 drawn, so
the demo customer's revolving line (raised to 300,000 in the bench scenario so that all
terminals may draw at once) is the same after every journey. Each terminal keeps its
TLS connection alive like the kiosk's ``requests.Session``. Measured: requests per second over
the whole run and the p50/p99 latency of single requests as the terminals see them.

``--latency N`` measures instead the latency of N sequential single requests on one
keep-alive connection, one terminal, nothing else running: a 404 and ``GET /sim/clock`` on the
plain control port, a 404 and ``GET /v1/products`` and a loan quote over mutual TLS. This is
where a missing TCP_NODELAY shows (Nagle holding the body back until the client's delayed ACK,
~40 ms on Linux loopback), whatever the load.

Run: ``.venv/bin/python bench/bench_host.py [--terminals 20] [--journeys 10]``,
``.venv/bin/python bench/bench_host.py --latency 200``
or ``.venv/bin/python -m pytest bench/bench_host.py -q -p no:cacheprovider --benchmark-only``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from peripherals_sim.bank_host.process import HostProcess, SimTerminal
from peripherals_sim.scenario import load_scenario

PAN, PIN, ID_NUMBER = "6217991000001234561", "123456", "61042519680315301X"


def bench_scenario(directory: Path, terminals: int) -> tuple[Path, list[str]]:
    sc = load_scenario()
    base = sc["terminals"][0]
    ids = [f"ZN61042590{n:02d}" for n in range(1, terminals + 1)]
    sc["terminals"] = [base, *({**base, "id": tid} for tid in ids)]
    # room on the demo customer's line for every terminal's drawdown at once
    next(c for c in sc["customers"] if c["id"] == "C0001")["credit_line"]["limit"] = "300000.00"
    path = directory / "bench-scenario.yaml"
    path.write_text(yaml.safe_dump(sc, allow_unicode=True), encoding="utf-8")
    return path, ids


def _server_ms(r: Any) -> float:
    return float(r.headers.get("server-timing", "app;dur=0").split("dur=", 1)[1])


def journey(t: SimTerminal, timings: list[float], server: list[float]) -> None:
    def timed(fn: Any, *a: Any, **kw: Any) -> Any:
        t0 = time.perf_counter()
        r = fn(*a, **kw)
        timings.append(time.perf_counter() - t0)
        server.append(_server_ms(r) / 1000)
        if r.status_code != 200:
            raise RuntimeError(f"{r.request.path_url}: {r.status_code} {r.text[:200]}")
        return r.json()

    t0 = time.perf_counter()
    t.sign_in()  # includes unwrapping the keys and checking their KCVs, as a terminal does
    timings.append(time.perf_counter() - t0)
    assert t.last_sign_in is not None
    server.append(_server_ms(t.last_sign_in) / 1000)
    timed(t.post, "/v1/customers/identify",
          {"id_number": ID_NUMBER, "pan": PAN, "pin_block": t.pin_block(PIN, PAN)})
    timed(t.post, "/v1/loans/quote", {"product_code": "SJLD", "amount": "5000", "months": 12,
                                      "method": "equal-installment"})
    dd = timed(t.money, "/v1/drawdowns", {
        "customer_id": "C0001", "line_id": "L0001", "amount": "5000", "months": 12,
        "method": "equal-installment", "pan": PAN, "pin_block": t.pin_block(PIN, PAN)})
    q = timed(t.post, "/v1/repayments/quote", {"loan_id": dd["loan_id"], "kind": "payoff"})
    timed(t.money, "/v1/repayments", {
        "customer_id": "C0001", "loan_id": dd["loan_id"], "kind": "payoff", "amount": q["amount"],
        "pan": PAN, "pin_block": t.pin_block(PIN, PAN)})


def _terminal_group(host_ready: dict[str, Any], scenario_file: str, ids: list[str],
                    journeys: int, barrier: Any, out: Any) -> None:
    """One client process: a thread per terminal (clients spread over processes so that the
    client side's GIL does not cap what the simulator is measured at)."""
    scenario = load_scenario(scenario_file)
    host = HostProcess(Path("."))
    host.ready = host_ready
    clients = [SimTerminal.for_host(host, scenario, tid) for tid in ids]
    timings: list[list[float]] = [[] for _ in ids]
    server: list[list[float]] = [[] for _ in ids]
    errors: list[str] = []

    def worker(i: int) -> None:
        try:
            for _ in range(journeys):
                journey(clients[i], timings[i], server[i])
        except Exception as exc:  # reported to the parent
            errors.append(repr(exc))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(ids))]
    barrier.wait()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    for c in clients:
        c.close()
    out.put(([x for ts in timings for x in ts], [x for ts in server for x in ts], errors))


def run(terminals: int = 20, journeys: int = 10, processes: int = 4) -> dict[str, float]:
    ctx = multiprocessing.get_context("fork")
    with tempfile.TemporaryDirectory() as d:
        scenario_file, ids = bench_scenario(Path(d), terminals)
        with HostProcess(Path(d) / "state", "--scenario", str(scenario_file)) as host:
            barrier = ctx.Barrier(processes + 1)
            out = ctx.Queue()
            groups = [ids[i::processes] for i in range(processes)]
            procs = [ctx.Process(target=_terminal_group,
                                 args=(host.ready, str(scenario_file), g, journeys, barrier, out))
                     for g in groups]
            for p in procs:
                p.start()
            barrier.wait()
            start = time.perf_counter()
            results = [out.get() for _ in procs]
            elapsed = time.perf_counter() - start
            for p in procs:
                p.join()
    errors = [e for _, _, errs in results for e in errs]
    if errors:
        raise RuntimeError(f"{len(errors)} terminals failed: {errors[0]}")
    lat = sorted(x for ts, _, _ in results for x in ts)
    srv = sorted(x for _, ss, _ in results for x in ss)
    q = statistics.quantiles(lat, n=100, method="inclusive")
    qs = statistics.quantiles(srv, n=100, method="inclusive")
    return {"terminals": terminals, "journeys": journeys, "requests": len(lat),
            "seconds": elapsed, "requests_per_s": len(lat) / elapsed,
            "p50_ms": q[49] * 1000, "p99_ms": q[98] * 1000, "max_ms": lat[-1] * 1000,
            "server_p50_ms": qs[49] * 1000, "server_p99_ms": qs[98] * 1000}


def latency(n: int = 200) -> dict[str, dict[str, float]]:
    """p50/p99/max in ms of ``n`` sequential requests of each kind on a kept-alive connection."""
    with tempfile.TemporaryDirectory() as d, HostProcess(Path(d) / "state") as host:
        t = SimTerminal.for_host(host, load_scenario())
        t.sign_in()
        import requests

        ctl = requests.Session()
        ctl.trust_env = False
        quote = {"product_code": "SJLD", "amount": "5000", "months": 12,
                 "method": "equal-installment"}
        kinds: dict[str, Any] = {
            "control 404": lambda: ctl.get(host.control + "/no-such-path", timeout=10),
            "control GET /sim/clock": lambda: ctl.get(host.control + "/sim/clock", timeout=10),
            "mTLS 404": lambda: t.get("/no-such-path"),
            "mTLS GET /v1/products": lambda: t.get("/v1/products"),
            "mTLS POST /v1/loans/quote": lambda: t.post("/v1/loans/quote", quote),
        }
        out: dict[str, dict[str, float]] = {}
        for name, fn in kinds.items():
            fn()  # connection set up outside the measurement
            lat = []
            for _ in range(n):
                t0 = time.perf_counter()
                r = fn()
                lat.append(time.perf_counter() - t0)
                r.content  # noqa: B018 - the whole body is read
            lat.sort()
            q = statistics.quantiles(lat, n=100, method="inclusive")
            out[name] = {"p50_ms": q[49] * 1000, "p99_ms": q[98] * 1000,
                         "max_ms": lat[-1] * 1000}
        ctl.close()
        t.close()
    return out


def test_bench_twenty_terminals(benchmark: Any) -> None:
    result: dict[str, float] = {}

    def once() -> None:
        result.update(run(20, 5))

    benchmark.pedantic(once, rounds=1, iterations=1)
    benchmark.extra_info.update(result)
    assert result["requests"] == 20 * 5 * 6


def test_bench_latency(benchmark: Any) -> None:
    result: dict[str, dict[str, float]] = {}

    def once() -> None:
        result.update(latency(50))

    benchmark.pedantic(once, rounds=1, iterations=1)
    benchmark.extra_info.update({f"{k} p50_ms": v["p50_ms"] for k, v in result.items()})
    assert len(result) == 5


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--terminals", type=int, default=20)
    p.add_argument("--journeys", type=int, default=10)
    p.add_argument("--processes", type=int, default=4, help="client processes")
    p.add_argument("--latency", type=int, metavar="N",
                   help="per-request latency of N sequential requests of each kind instead")
    a = p.parse_args(argv)
    if a.latency:
        for name, v in latency(a.latency).items():
            print(f"{name:28s} p50 {v['p50_ms']:6.2f} ms  p99 {v['p99_ms']:6.2f} ms  "
                  f"max {v['max_ms']:6.2f} ms  (n={a.latency})")
        return 0
    r = run(a.terminals, a.journeys, a.processes)
    print(f"{r['terminals']} terminals x {r['journeys']} journeys = {r['requests']} requests "
          f"in {r['seconds']:.2f} s: {r['requests_per_s']:.1f} requests/s, "
          f"p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, max {r['max_ms']:.1f} ms; "
          f"time inside the host p50 {r['server_p50_ms']:.2f} ms, "
          f"p99 {r['server_p99_ms']:.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
