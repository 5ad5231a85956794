"""额度签约 from the farmer's confirmation (the PIN block in hand) to the result: the
transactions service's ``sign_line`` (journal PREPARED and SENT fsynced, the PIN pad's MAC
through its worker, HTTPS with mutual TLS to the bank host simulator, which checks the PNG and
the PIN, the answer journaled), with the host on loopback and with 200 ms added to every host
answer (the simulator's ``slow`` fault), interleaved A B A B. Machine time, not farmer time.

A line can be signed once, so each sample gets a fresh host process (its own store) with
C0002's unsigned line; the host's start-up is not timed, the TLS session is up (the journey
read the line before), and a blank picture refused first has loaded the simulator's Pillow (a
one-off of about 160 ms per simulator process on this machine, not the kiosk's).

Run: ``.venv/bin/python bench/bench_sign_line.py [--rounds 4]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.contract.host.conftest import LI_PAN
from tests.contract.host_client.conftest import SimHost, Terminal
from tests.contract.money.conftest import make_service
from tests.pictures import signature_png

CONSENTS = {"contract_terms": True, "credit_reporting": True}


def one(work: Path, latency_ms: int, picture: str) -> float:
    (work / "host").mkdir(parents=True)
    with SimHost(work / "host") as host:
        terminal = Terminal(host)
        try:
            terminal.sign_in()
            service = make_service(work / "state", host, terminal, read_timeout=10.0)
            try:
                block = terminal.pin_block(LI_PAN)  # the farmer's PIN: not timed
                service.client.credit_line("C0002")  # the TLS session, as the journey's read
                warm = service.sign_line(line_id="L0002", customer_id="C0002", pan=LI_PAN,
                                         pin_block=block,
                                         signature_png_base64=signature_png(blank=True),
                                         contract_version="SD-ED-2026.1", consents=CONSENTS)
                assert warm.reason == "HOST-FORMAT", warm  # the host's Pillow is loaded
                if latency_ms:
                    host.sim("POST", "/sim/fault", {"kind": "slow", "delay_ms": latency_ms,
                                                    "paths": ["/v1/"]})
                t0 = time.perf_counter()
                result = service.sign_line(line_id="L0002", customer_id="C0002", pan=LI_PAN,
                                           pin_block=block, signature_png_base64=picture,
                                           contract_version="SD-ED-2026.1",
                                           consents=CONSENTS)
                elapsed = time.perf_counter() - t0
                assert result.outcome.value == "success", result
                return elapsed
            finally:
                service.close()
        finally:
            terminal.close()


def bench(rounds: int) -> dict[str, Any]:
    picture = signature_png()
    samples: dict[str, list[float]] = {"loopback": [], "200ms": []}
    with tempfile.TemporaryDirectory(prefix="bench-sign-") as tmp:
        one(Path(tmp) / "warm", 0, picture)  # imports, the page cache
        for i in range(rounds):
            for name, latency in (("loopback", 0), ("200ms", 200)):
                work = Path(tmp) / f"{i}-{name}"
                samples[name].append(one(work, latency, picture))
    return {"rounds": rounds, "picture_base64_bytes": len(picture),
            **{f"{k}_median_ms": round(statistics.median(v) * 1000, 1)
               for k, v in samples.items()},
            **{f"{k}_max_ms": round(max(v) * 1000, 1) for k, v in samples.items()}}


def test_sign_line_confirmation_to_result(benchmark: Any) -> None:
    benchmark.pedantic(bench, args=(1,), rounds=1, iterations=1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args(argv)
    print(json.dumps(bench(args.rounds), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
