"""PIN pad speed: ``get_pin`` from the Enter key to the PIN block in hand against the wire time
of the frames involved, and MACs over a 1 KiB message per second.

The simulator runs with ``--pace --baud 9600``: every byte leaves at the line rate and a reply
starts only after its request would have crossed the line. After Enter the bytes on the wire
are the Enter echo (1), read PIN block (request 4, reply 12) and keypad close (5 + 4):
26 bytes = 27.1 ms at 9600 8N1. The overhead is measured from the simulator's Enter key
(its log timestamp, CLOCK_MONOTONIC like ours) to ``get_pin`` returning. Goal: <= 1.2x.

MAC throughput is measured in :mod:`devices.crypto` (what the host does for every message)
for 1 KiB, and through the pad (unpaced, 240 bytes, the largest frame the driver sends).

Run: ``.venv/bin/python -m pytest bench/bench_pinpad.py -q -p no:cacheprovider
--benchmark-only --benchmark-columns=min,median,mean,max,ops,rounds``
or as a script for a plain summary: ``.venv/bin/python bench/bench_pinpad.py``.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from devices.base import CancelToken
from devices.crypto import Algorithm, MacMethod, encrypt_key_under, kcv, mac
from devices.pinpad.kmy import KmyPinPad
from kiosk.simcontrol.pinpad import over_http
from peripherals_sim.process import SimulatorProcess

BAUD = 9600
PAN = "6217991000001234561"
AFTER_ENTER_BYTES = 1 + 4 + 12 + 5 + 4
WIRE_S = AFTER_ENTER_BYTES * 10 / BAUD
MESSAGE = os.urandom(1024)


def Sim(*args: str) -> SimulatorProcess:
    return SimulatorProcess("pinpad", args,
                            state_dir=tempfile.mkdtemp(prefix="bench-pinpad-")).start()


def _sign_in(pad: KmyPinPad, control: Any) -> None:
    comps = control.scenario()["terminals"][0]["tmk_3des_components"]
    tmk = bytes(a ^ b for a, b in zip(*(bytes.fromhex(c) for c in comps), strict=True))
    pik, mak = os.urandom(16), os.urandom(16)
    a = Algorithm.TDES
    pad.load_working_keys(encrypt_key_under(tmk, pik, a), kcv(pik, a),
                          encrypt_key_under(tmk, mak, a), kcv(mak, a), a)


def one_pin_entry(pad: KmyPinPad, control: Any) -> float:
    """Seconds from the simulator's Enter key to the PIN block in hand."""
    result: dict[str, float] = {}

    def run() -> None:
        pad.get_pin(PAN, timeout=20, events=lambda e: None, cancel=CancelToken())
        result["done"] = time.monotonic()

    t = threading.Thread(target=run)
    t.start()
    assert control.wait_for_mode("pin", 10)
    control.press("123456E")
    t.join(30)
    enter = [e["t"] for e in control.log() if e.get("echo") == "enter"][-1]
    return result["done"] - enter


@pytest.fixture(scope="module", params=["pty", "socket"])
def paced(request: pytest.FixtureRequest) -> Iterator[tuple[KmyPinPad, Any]]:
    where = ["--pty"] if request.param == "pty" else ["--listen", "tcp://127.0.0.1:0"]
    sim = Sim(*where, "--pace", "--baud", str(BAUD))
    pad = KmyPinPad(url=sim.ready["url"], baud=BAUD)
    pad.open()
    control = over_http(sim.ready["control"])
    _sign_in(pad, control)
    yield pad, control
    pad.close()
    sim.stop()


def test_get_pin_enter_to_block_vs_wire_time(benchmark: Any, paced: Any) -> None:
    pad, control = paced
    samples: list[float] = []
    benchmark.pedantic(lambda: samples.append(one_pin_entry(pad, control)), rounds=10,
                       iterations=1)
    ratio = statistics.median(samples) / WIRE_S
    benchmark.extra_info.update({"wire_ms": round(WIRE_S * 1000, 1),
                                 "enter_to_block_median_ms":
                                     round(statistics.median(samples) * 1000, 1),
                                 "ratio": round(ratio, 3)})


@pytest.mark.parametrize("method", [MacMethod.X9_9, MacMethod.X9_19, MacMethod.PBOC_3DES,
                                    MacMethod.SM4])
def test_mac_1kib_per_second_in_software(benchmark: Any, method: MacMethod) -> None:
    key = os.urandom(16)
    benchmark(mac, key, MESSAGE, method)


@pytest.fixture(scope="module")
def unpaced() -> Iterator[KmyPinPad]:
    sim = Sim("--listen", "tcp://127.0.0.1:0")
    pad = KmyPinPad(url=sim.ready["url"])
    pad.open()
    _sign_in(pad, over_http(sim.ready["control"]))
    yield pad
    pad.close()
    sim.stop()


def test_mac_through_the_pad_240_bytes(benchmark: Any, unpaced: KmyPinPad) -> None:
    benchmark(unpaced.mac, MESSAGE[:240])


def main() -> int:
    print(f"wire time after Enter: {AFTER_ENTER_BYTES} bytes at {BAUD} baud = "
          f"{WIRE_S * 1000:.1f} ms")
    for where in (["--pty"], ["--listen", "tcp://127.0.0.1:0"]):
        sim = Sim(*where, "--pace", "--baud", str(BAUD))
        try:
            pad = KmyPinPad(url=sim.ready["url"], baud=BAUD)
            pad.open()
            control = over_http(sim.ready["control"])
            _sign_in(pad, control)
            samples = [one_pin_entry(pad, control) for _ in range(15)]
            pad.close()
        finally:
            sim.stop()
        med = statistics.median(samples)
        print(f"{where[0]:>8}: Enter -> PIN block median {med * 1000:.1f} ms "
              f"(min {min(samples) * 1000:.1f}, max {max(samples) * 1000:.1f}), "
              f"ratio {med / WIRE_S:.3f}")
    for method in (MacMethod.X9_9, MacMethod.X9_19, MacMethod.PBOC_3DES, MacMethod.SM4):
        key = os.urandom(16)
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < 1.0:
            mac(key, MESSAGE, method)
            n += 1
        print(f"MAC {method.value:>9} over 1 KiB: {n / (time.perf_counter() - start):,.0f}/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
