"""Receipt printer speed: render + send of a receipt against a raw socket send of the same bytes.

Both sides talk to the ESC/POS simulator process over loopback TCP (``--no-png``: the picture
of the paper is not drawn, so the simulator's work per job is the same for both) and both wait
until the printer has taken every byte:

- **raw**: ``sendall(bytes)`` of the already encoded receipt on an open socket, then one
  ``DLE EOT 4`` round trip (the simulator answers it only after parsing all bytes before it);
- **kiosk**: template -> ReceiptDoc (catalog texts, masking, capitals, QR payload) -> ESC/POS
  bytes (python-escpos + the Chinese text path) -> ``EscposReceiptPrinter.print_receipt``:
  status before, the receipt in segments with a paper check every ``status_check_lines``
  lines, status after the cut.

Goal: kiosk <= 1.3x raw. Reported twice: with the default profile, which asks the printer
for its status before every receipt (one more round trip than raw), and with
``status_reuse=2.0``, where the "ready" status read after the previous receipt stands in for
that question (the paper checks during the job and the status after the cut still run), so
both sides make the same single wait. Each is measured against the simulator on bare loopback
(where the raw send is about a millisecond and the fixed Python cost of rendering and
encoding, ~0.5 ms, dominates the ratio) and with the simulator paced at 115200 bit/s, the line
rate of a serial receipt printer (``--pace``). Render alone is reported too.

Run: ``.venv/bin/python -m pytest bench/bench_printer.py -q -p no:cacheprovider
--benchmark-only --benchmark-columns=min,median,mean,max,rounds``
or as a script for a plain summary with the ratio: ``.venv/bin/python bench/bench_printer.py``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from devices.printer.contract import PROFILES
from devices.printer.encoder import ReceiptEncoder
from devices.printer.escpos_driver import EscposReceiptPrinter
from kiosk.i18n import Translator
from kiosk.receipts.samples import sample_receipts
from kiosk.receipts.templates import render
from peripherals_sim.process import SimulatorProcess

RECEIPT = sample_receipts()["drawdown"]
PROFILE = PROFILES["generic_58mm"]
REUSE = dataclasses.replace(PROFILE, status_reuse=2.0)
PACE = 115200  # a serial receipt printer's line rate, bit/s


@contextlib.contextmanager
def simulator(pace: int = 0) -> Iterator[str]:
    out = tempfile.mkdtemp(prefix="bench-printer-")
    with SimulatorProcess("printer", ["--listen", "tcp://127.0.0.1:0", "--out", out,
                                      "--no-png", "--pace", str(pace)]) as sim:
        yield sim.url


def receipt_bytes() -> bytes:
    return ReceiptEncoder(PROFILE).encode(render(RECEIPT, Translator("zh_CN"))).data


class RawSender:
    """A bare socket: send the bytes, then one DLE EOT 4 round trip."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def send(self, data: bytes) -> None:
        self.sock.sendall(data + b"\x10\x04\x04")
        if len(self.sock.recv(1)) != 1:
            raise RuntimeError("no status reply")

    def close(self) -> None:
        self.sock.close()


def kiosk_print(printer: EscposReceiptPrinter, tr: Translator) -> None:
    result = printer.print_receipt(render(RECEIPT, tr))
    if not result.confirmed:
        raise RuntimeError("receipt not confirmed")


# --- pytest-benchmark -------------------------------------------------------------------------


@pytest.fixture(scope="module", params=[0, PACE], ids=["loopback", "paced-115200"])
def sim_url(request: pytest.FixtureRequest) -> Iterator[str]:
    with simulator(request.param) as url:
        yield url


def test_raw_socket_send(benchmark: Any, sim_url: str) -> None:
    data = receipt_bytes()
    raw = RawSender(sim_url)
    try:
        benchmark.pedantic(raw.send, args=(data,), rounds=60, warmup_rounds=5)
    finally:
        raw.close()


@pytest.mark.parametrize("profile", [PROFILE, REUSE], ids=["fresh-check", "status-reuse"])
def test_render_and_print(benchmark: Any, sim_url: str, profile: Any) -> None:
    printer = EscposReceiptPrinter(sim_url, profile=profile)
    printer.open()
    tr = Translator("zh_CN")
    try:
        benchmark.pedantic(kiosk_print, args=(printer, tr), rounds=60, warmup_rounds=5)
    finally:
        printer.close()


def test_render_only(benchmark: Any) -> None:
    encoder = ReceiptEncoder(PROFILE)
    tr = Translator("zh_CN")
    benchmark(lambda: encoder.encode(render(RECEIPT, tr)))


# --- script -----------------------------------------------------------------------------------


def _median_ms(fn: Callable[[], None], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def measure(url: str, rounds: int) -> dict[str, float]:
    """Median and min (ms) of raw, kiosk with a fresh check, kiosk with status reuse."""
    data = receipt_bytes()
    tr = Translator("zh_CN")
    raw = RawSender(url)
    checked = EscposReceiptPrinter(url, profile=PROFILE)
    reuse = EscposReceiptPrinter(url, profile=REUSE)
    checked.open()
    reuse.open()
    samples: dict[str, list[float]] = {"raw": [], "checked": [], "reuse": []}
    try:
        for _ in range(5):  # warm up both sides (glyph caches, catalogs)
            raw.send(data)
            kiosk_print(checked, tr)
        # interleaved, so that a load spike on the shared machine hits every variant
        for _ in range(rounds):
            for name, fn in (("raw", lambda: raw.send(data)),
                             ("checked", lambda: kiosk_print(checked, tr)),
                             ("reuse", lambda: kiosk_print(reuse, tr))):
                t0 = time.perf_counter()
                fn()
                samples[name].append((time.perf_counter() - t0) * 1000)
    finally:
        raw.close()
        checked.close()
        reuse.close()
    out: dict[str, float] = {}
    for name, values in samples.items():
        out[name] = statistics.median(values)
        out[name + "_min"] = min(values)
    return out


def report(title: str, r: dict[str, float]) -> None:
    print(title)
    print(f"  raw socket send + DLE EOT 4 round trip     median {r['raw']:8.3f} ms"
          f"   min {r['raw_min']:8.3f} ms")
    for key, label in (("checked", "render + print, fresh status check"),
                       ("reuse", "render + print, status reused")):
        print(f"  {label:<40} median {r[key]:8.3f} ms = {r[key] / r['raw']:.2f}x"
              f"   min {r[key + '_min']:8.3f} ms = {r[key + '_min'] / r['raw_min']:.2f}x")


def main(rounds: int = 200) -> None:
    tr = Translator("zh_CN")
    encoder = ReceiptEncoder(PROFILE)
    encoded = encoder.encode(render(RECEIPT, tr))
    print(f"receipt: {len(encoded.data)} bytes, {encoded.lines} lines")
    with simulator() as url:
        report("loopback simulator (no line delay):", measure(url, rounds))
    with simulator(PACE) as url:
        report(f"simulator paced at {PACE} bit/s (serial printer line rate):",
               measure(url, max(20, rounds // 4)))
    render_ms = _median_ms(lambda: encoder.encode(render(RECEIPT, tr)), rounds)
    print(f"render alone (template + encoder)            median {render_ms:8.3f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
