"""ID card reader speed: ``read_identity`` against the wire time at 115200 baud, decoder
throughput, and how fast a waiting read stops when cancelled.

The simulator runs with ``--pace`` (bytes leave at the line rate, a reply starts only after the
request would have crossed the line), so the physical limit of one read is the wire time of
every frame of find -> select -> read, both directions: 1359 bytes = 118.0 ms for text + photo,
2385 bytes = 207.0 ms with two fingerprint templates (10 bits per byte). Goal: <= 1.15x.

Run: ``.venv/bin/python -m pytest bench/bench_idcard.py -q -p no:cacheprovider
--benchmark-only --benchmark-columns=min,median,mean,max,rounds``
or as a script for a plain summary: ``.venv/bin/python bench/bench_idcard.py``.
"""

from __future__ import annotations

import contextlib
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from devices.base import CancelToken, DeviceCanceled
from devices.idcard.frames import ResponseDecoder, encode_frame, wire_time
from devices.idcard.samv import SamvIdCardReader
from kiosk.simcontrol.idcard import HttpIdCardControl
from peripherals_sim.process import SimulatorProcess

BAUD = 115200
REQUEST = 10
FIND_REPLY, SELECT_REPLY = 15, 19
READ_REPLY = {False: 1295, True: 2321}


def sequence_bytes(fingerprints: bool) -> int:
    return 3 * REQUEST + FIND_REPLY + SELECT_REPLY + READ_REPLY[fingerprints]


def sequence_wire_time(fingerprints: bool) -> float:
    return wire_time(sequence_bytes(fingerprints), BAUD)


class PacedRig:
    """A paced simulator, its control and an opened samv reader with production timeouts."""

    def __init__(self, transport: str) -> None:
        args = ["--pty"] if transport == "pty" else ["--listen", "tcp://127.0.0.1:0"]
        self.sim = SimulatorProcess("idcard", [*args, "--pace", "--baud", str(BAUD)]).start()
        self.control = HttpIdCardControl(self.sim.control)
        self.reader = SamvIdCardReader(url=self.sim.url, baud=BAUD)
        self.reader.open()

    def reinsert(self) -> None:
        self.control.remove()
        self.control.insert("zhang_weiguo")

    def read(self, fingerprints: bool) -> Any:
        return self.reader.read_identity(wait=False, fingerprints=fingerprints)

    def close(self) -> None:
        self.reader.close()
        self.sim.stop()


@pytest.fixture(scope="module", params=["pty", "tcp"])
def paced(request: pytest.FixtureRequest) -> Iterator[PacedRig]:
    rig = PacedRig(request.param)
    yield rig
    rig.close()


@pytest.mark.parametrize("fingerprints", [False, True], ids=["text+photo", "with-fingerprints"])
def test_read_identity_vs_wire_time(benchmark: Any, paced: PacedRig, fingerprints: bool) -> None:
    identity = benchmark.pedantic(
        paced.read, args=(fingerprints,), setup=paced.reinsert, rounds=15, warmup_rounds=1
    )
    assert identity.name == "张卫国"
    wire = sequence_wire_time(fingerprints)
    median = benchmark.stats.stats.median
    benchmark.extra_info.update(
        wire_time_ms=round(wire * 1000, 1), ratio_median=round(median / wire, 3)
    )


def _decoder_stream(n_frames: int) -> tuple[bytes, int]:
    small = encode_frame(bytes.fromhex("00009F"), bytes(4))
    large = encode_frame(bytes.fromhex("000090"), bytes(4) + bytes(range(256)) * 5)
    stream = b"".join(large if i % 4 == 0 else small for i in range(n_frames))
    return stream, n_frames


def decode_all(stream: bytes, chunk: int = 512) -> int:
    dec = ResponseDecoder()
    count = 0
    for i in range(0, len(stream), chunk):
        count += len(dec.feed(stream[i : i + chunk]))
    return count


def test_decoder_throughput(benchmark: Any) -> None:
    stream, n = _decoder_stream(400)
    assert benchmark(decode_all, stream) == n
    benchmark.extra_info.update(
        frames_per_round=n, frames_per_second=round(n / benchmark.stats.stats.mean)
    )


def cancel_latency(reader: SamvIdCardReader) -> float:
    """Seconds from cancel() to a waiting read_identity giving up."""
    token = CancelToken()
    done: list[float] = []

    def run() -> None:
        try:
            reader.read_identity(wait=True, cancel=token)
        except DeviceCanceled:
            done.append(time.monotonic())

    t = threading.Thread(target=run)
    t.start()
    time.sleep(0.35)
    start = time.monotonic()
    token.cancel()
    t.join(5)
    return done[0] - start


def _start_waiting_read(reader: SamvIdCardReader) -> tuple[tuple[Any, ...], dict[str, Any]]:
    token = CancelToken()

    def run() -> None:
        with contextlib.suppress(DeviceCanceled):
            reader.read_identity(wait=True, cancel=token)

    t = threading.Thread(target=run)
    t.start()
    time.sleep(0.3)  # polling find by now
    return (token, t), {}


def _cancel_and_join(token: CancelToken, t: threading.Thread) -> None:
    token.cancel()
    t.join(5)


def test_cancel_latency_of_a_waiting_read(benchmark: Any, paced: PacedRig) -> None:
    """Timed: from cancel() until the waiting read has returned (goal: within 100 ms)."""
    paced.control.remove()
    benchmark.pedantic(_cancel_and_join, setup=lambda: _start_waiting_read(paced.reader), rounds=8)
    benchmark.extra_info.update(goal_ms=100)


def main() -> None:
    for transport in ("pty", "tcp"):
        rig = PacedRig(transport)
        try:
            for fp in (False, True):
                times = []
                for _ in range(16):
                    rig.reinsert()
                    t0 = time.perf_counter()
                    rig.read(fp)
                    times.append(time.perf_counter() - t0)
                times = times[1:]
                wire = sequence_wire_time(fp)
                med = statistics.median(times)
                print(
                    f"{transport} {'with fingerprints' if fp else 'text+photo':<17} "
                    f"wire {wire * 1000:6.1f} ms  median {med * 1000:6.1f} ms  "
                    f"min {min(times) * 1000:6.1f} ms  max {max(times) * 1000:6.1f} ms  "
                    f"ratio {med / wire:.3f}"
                )
            rig.control.remove()
            lat = sorted(cancel_latency(rig.reader) for _ in range(5))
            print(
                f"{transport} cancel latency: median {lat[2] * 1000:.1f} ms, "
                f"max {lat[-1] * 1000:.1f} ms"
            )
        finally:
            rig.close()
    stream, n = _decoder_stream(400)
    rounds = 20
    t0 = time.perf_counter()
    for _ in range(rounds):
        decode_all(stream)
    elapsed = time.perf_counter() - t0
    mb_s = len(stream) * rounds / elapsed / 1e6
    print(f"decoder: {n * rounds / elapsed:,.0f} frames/s ({mb_s:.1f} MB/s)")


if __name__ == "__main__":
    main()
