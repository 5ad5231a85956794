"""Bank card reader speed on the real PC/SC stack (our pcscd + vpcd + ``kiosk-sim iccard``).

1. ``read_account`` (connect, PPSE, SELECT AID, GPO, READ RECORDs, checks, disconnect) against
   raw pyscard ``SCardTransmit`` of the *same* APDU sequence (recorded from the driver in the
   same run), also with connect and disconnect. Goal: at most 1.2x. Interleaved A/B rounds so
   both see the same machine load. Also the APDU phase alone on one open connection.
2. APDU round-trip time through pcscd + vpcd (one READ RECORD, T=1 card).

Run: ``.venv/bin/python bench/bench_iccard.py`` (plain summary; ``--rounds N``)
or ``.venv/bin/python -m pytest bench/bench_iccard.py -q -p no:cacheprovider --benchmark-only
--benchmark-columns=min,median,mean,max,rounds``.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from smartcard import scard

from devices.iccard.emv import PbocCardSession
from devices.iccard.pcsc import PcscIcCardReader, _CardConnection
from kiosk.simcontrol.iccard import HttpIcCardControl
from peripherals_sim.iccard.pcscd import Pcscd, PcscdLock
from peripherals_sim.process import SimulatorProcess

READER = "Virtual PCD 00 00"


def _free_port_pair() -> int:
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        try:
            with socket.socket() as a, socket.socket() as b:
                a.bind(("0.0.0.0", port))
                b.bind(("0.0.0.0", port + 1))
        except OSError:
            continue
        return port
    raise RuntimeError("no free port pair")


class Rig:
    """Our own pcscd (under the pcscd lock) and simulator with one card in the reader."""

    def __init__(self, card: str = "li_debit") -> None:
        self.work = Path(tempfile.mkdtemp(prefix="bench-iccard-"))
        self.lock = PcscdLock()
        self.lock.acquire(timeout=900)
        port = _free_port_pair()
        self.pcscd = Pcscd(self.work / "pcscd", port)
        self.pcscd.start()
        self.sim = SimulatorProcess("iccard", ["--pcscd", "no", "--vpcd", f"127.0.0.1:{port}"],
                                    state_dir=self.work / "sim", ready_timeout=20).start()
        self.control = HttpIcCardControl(self.sim.control)
        self.reader = PcscIcCardReader(READER, selection="priority")
        self.reader.open()
        self.insert(card)

    def insert(self, card: str) -> None:
        self.control.remove()
        self.reader.wait_for_removal()
        self.control.insert(card)
        self.reader.read_account(wait=True)  # warm: the card is seen and powered

    def stop(self) -> None:
        self.reader.close()
        self.sim.stop()
        self.pcscd.stop()
        self.lock.release()

    # the two contenders ---------------------------------------------------------------

    def record_sequence(self) -> list[bytes]:
        self.reader.trace = []
        self.reader.read_account(wait=False)
        seq = [c for c, _ in self.reader.trace]
        self.reader.trace = None
        return seq

    def read_account(self) -> None:
        self.reader.read_account(wait=False)

    def raw_sequence(self, seq: list[bytes]) -> Callable[[], None]:
        ctx = self.reader._watcher.context

        def run() -> None:
            hr, card, proto = scard.SCardConnect(
                ctx, READER, scard.SCARD_SHARE_SHARED,
                scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
            assert hr == scard.SCARD_S_SUCCESS
            pci = scard.SCARD_PCI_T0 if proto == scard.SCARD_PROTOCOL_T0 else scard.SCARD_PCI_T1
            for apdu in seq:
                hr, resp = scard.SCardTransmit(card, pci, list(apdu))
                assert hr == scard.SCARD_S_SUCCESS and len(resp) >= 2
            scard.SCardDisconnect(card, scard.SCARD_LEAVE_CARD)

        return run

    def open_connection(self) -> _CardConnection:
        ctx = self.reader._watcher.context
        assert ctx is not None
        return _CardConnection(ctx, READER)

    def session_phase(self, conn: _CardConnection) -> Callable[[], None]:
        def run() -> None:
            PbocCardSession(lambda apdu: self.reader._transmit(conn, apdu, _NO_CANCEL),
                            self.reader.settings).read_account()

        return run

    def raw_phase(self, conn: _CardConnection, seq: list[bytes]) -> Callable[[], None]:
        def run() -> None:
            for apdu in seq:
                hr, _resp = scard.SCardTransmit(conn.handle, conn.pci, list(apdu))
                assert hr == scard.SCARD_S_SUCCESS

        return run


class _Never:
    def raise_if_cancelled(self) -> None:
        return None


_NO_CANCEL: Any = _Never()


def _interleaved(a: Callable[[], None], b: Callable[[], None], rounds: int
                 ) -> tuple[list[float], list[float]]:
    ta: list[float] = []
    tb: list[float] = []
    for _ in range(rounds):
        for fn, out in ((a, ta), (b, tb)):
            t = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t)
    return ta, tb


def _logic_alone(rig: Rig, n: int) -> float:
    """Median seconds of the read flow's own work: the same card answers, replayed from a
    recorded trace with no I/O at all."""
    rig.reader.trace = []
    rig.reader.read_account(wait=False)
    answers = [r for _, r in rig.reader.trace]
    rig.reader.trace = None
    times = []
    for _ in range(n):
        it = iter(answers)

        def replay(apdu: bytes, it: Iterator[bytes] = it) -> tuple[bytes, int]:
            raw = next(it)
            return raw[:-2], (raw[-2] << 8) | raw[-1]

        t = time.perf_counter()
        PbocCardSession(replay, rig.reader.settings).read_account()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _ms(xs: list[float]) -> str:
    xs = sorted(xs)
    p95 = xs[int(len(xs) * 0.95) - 1]
    return f"median {statistics.median(xs) * 1e3:7.3f} ms  p95 {p95 * 1e3:7.3f} ms  n={len(xs)}"


def summary(rounds: int) -> None:
    for card in ("li_debit", "wang_debit", "zhao_pse_t0"):
        rig = Rig(card)
        try:
            seq = rig.record_sequence()
            ours, raw = _interleaved(rig.read_account, rig.raw_sequence(seq), rounds)
            ratio = statistics.median(ours) / statistics.median(raw)
            print(f"{card} ({len(seq)} APDUs incl. connect/disconnect)")
            print(f"  read_account      {_ms(ours)}")
            print(f"  raw pyscard       {_ms(raw)}")
            print(f"  ratio (median)    {ratio:.3f}x")
            conn = rig.open_connection()
            try:
                s_ours, s_raw = _interleaved(rig.session_phase(conn),
                                             rig.raw_phase(conn, seq), rounds)
            finally:
                conn.close()
            print(f"  APDU phase only:  ours {statistics.median(s_ours) * 1e3:.3f} ms, raw "
                  f"{statistics.median(s_raw) * 1e3:.3f} ms, ratio "
                  f"{statistics.median(s_ours) / statistics.median(s_raw):.3f}x")
            print(f"  read logic alone (replayed answers, no I/O): "
                  f"{_logic_alone(rig, rounds * 5) * 1e6:.0f} us per read")
            if card == "li_debit":
                conn = rig.open_connection()
                try:
                    rtt = []
                    sel = bytes.fromhex("00A404000E325041592E5359532E444446303100")
                    for _ in range(rounds * 5):
                        t = time.perf_counter()
                        scard.SCardTransmit(conn.handle, conn.pci, list(sel))
                        rtt.append(time.perf_counter() - t)
                finally:
                    conn.close()
                print(f"  APDU round trip (SELECT PPSE, pcscd+vpcd, T=1): {_ms(rtt)}")
        finally:
            rig.stop()


# --- pytest-benchmark -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rig() -> Iterator[Rig]:
    r = Rig("li_debit")
    try:
        yield r
    finally:
        r.stop()


def test_read_account(benchmark: Any, rig: Rig) -> None:
    benchmark.pedantic(rig.read_account, rounds=100, warmup_rounds=5)


def test_raw_pyscard_same_sequence(benchmark: Any, rig: Rig) -> None:
    run = rig.raw_sequence(rig.record_sequence())
    benchmark.pedantic(run, rounds=100, warmup_rounds=5)


def test_apdu_round_trip(benchmark: Any, rig: Rig) -> None:
    conn = rig.open_connection()
    sel = list(bytes.fromhex("00A404000E325041592E5359532E444446303100"))
    try:
        benchmark.pedantic(lambda: scard.SCardTransmit(conn.handle, conn.pci, sel),
                           rounds=500, warmup_rounds=20)
    finally:
        conn.close()


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=200)
    summary(p.parse_args().rounds)
