"""Animation frames vs. the GUI thread (issue 18): the longest gap between two frames of the
pictures (the turning ring and the bank card going into its slot) while the ID card reader
works — the real samv driver against the paced simulator over a pty, one ``read_identity``
after another on the reader's worker — and, interleaved A B A B, the same with no device
command. Goal: longest gap <= 50 ms. Also the resident memory with every screen's
illustrations built and painted once.

    .venv/bin/python bench/bench_animation.py [--rounds 4] [--seconds 3]

A development tool (not a test): prints one JSON line per phase and a summary.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

BAUD = 115200


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


class FrameClock:
    """Timestamps of every frame of the watched animations (valueChanged runs on the GUI
    thread, so a stalled GUI thread shows as a gap)."""

    def __init__(self, animations: list[Any]) -> None:
        self.stamps: list[float] = []
        for animation in animations:
            animation.valueChanged.connect(self._tick)

    def _tick(self, _value: Any) -> None:
        self.stamps.append(time.perf_counter())

    def gaps_ms(self, since: float) -> list[float]:
        s = [t for t in self.stamps if t >= since]
        return [(b - a) * 1000 for a, b in itertools.pairwise(s)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=3.0)
    args = ap.parse_args(argv)

    from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer

    from devices.idcard.samv import SamvIdCardReader
    from devices.voice.fake import RecordingVoice
    from kiosk.app import Kiosk, make_qt_app
    from kiosk.config import load_config
    from kiosk.i18n import Translator
    from kiosk.simcontrol.idcard import HttpIdCardControl
    from peripherals_sim.process import SimulatorProcess

    app = make_qt_app("zh_CN")
    sim = SimulatorProcess("idcard", ["--pty", "--pace", "--baud", str(BAUD)]).start()
    control = HttpIdCardControl(sim.control)
    control.insert("zhang_weiguo")
    reader = SamvIdCardReader(url=sim.url, baud=BAUD)
    with tempfile.TemporaryDirectory() as tmp:
        config = load_config(None, env={}, overrides={
            "sim": False, "state_dir": tmp, "language": "zh_CN", "voice.backend": "fake",
            "ui.fullscreen": False, "ui.width": 1280, "ui.height": 800})
        voice = RecordingVoice()
        voice.open()
        kiosk = Kiosk(config, devices={"idcard": reader}, voice_device=voice,
                      today=lambda: dt.date(2026, 11, 28))
        kiosk.modes.settle()
        kiosk.start(show=True)

        def spin(seconds: float) -> None:
            loop = QEventLoop()
            QTimer.singleShot(int(seconds * 1000), loop.quit)
            loop.exec()

        spin(0.5)
        rss_before = rss_mb()
        # every screen built and shown once: all illustrations created and painted
        from screens.samples import sample_pages

        pages = sample_pages(kiosk, "zh_CN")
        for _name, page in pages:
            kiosk.shell.show_screen(page)
            QCoreApplication.processEvents()
            kiosk.shell.grab()
        rss_after = rss_mb()

        views = kiosk.runner.views_of("identify")
        tr = Translator("zh_CN")
        views.insert_bank_view.show_texts(tr)
        page = views.insert_bank_view
        page.show_waiting(tr("wait.idcard"))  # the ring and the card picture on one screen
        kiosk.shell.show_screen(page)
        clock = FrameClock([page.picture.animation, page.waiting.spinner.animation])

        reads = {"n": 0, "busy": False, "errors": 0}

        def submit() -> None:
            if not reads["busy"]:
                return
            kiosk.requests.submit("idcard", "read_identity", on_done=done, wait=False)

        def reinsert_then_submit() -> None:
            try:
                control.remove()
                control.insert("zhang_weiguo")
            finally:
                kiosk.bridge.call_soon(submit)

        def done(completion: Any) -> None:
            reads["n"] += 1
            if not completion.ok:
                reads["errors"] += 1
            threading.Thread(target=reinsert_then_submit, daemon=True).start()

        results: dict[str, list[dict[str, float]]] = {"idle": [], "device": []}
        for _ in range(args.rounds):
            for phase in ("idle", "device"):
                reads["busy"] = phase == "device"
                n0 = reads["n"]
                if reads["busy"]:
                    submit()
                spin(0.3)  # settle into the phase
                start = time.perf_counter()
                spin(args.seconds)
                gaps = clock.gaps_ms(start)
                reads["busy"] = False
                row = {"max_gap_ms": round(max(gaps), 1),
                       "p99_gap_ms": round(sorted(gaps)[int(len(gaps) * 0.99) - 1], 1),
                       "median_gap_ms": round(statistics.median(gaps), 1),
                       "frames": len(gaps) + 1, "reads": reads["n"] - n0}
                results[phase].append(row)
                print(json.dumps({"phase": phase, **row}))
                spin(0.5)  # let the last read finish
        summary = {
            phase: {"longest_gap_ms": max(r["max_gap_ms"] for r in rows),
                    "median_of_max_gap_ms": statistics.median(r["max_gap_ms"] for r in rows),
                    "median_gap_ms": statistics.median(r["median_gap_ms"] for r in rows),
                    "reads": sum(r["reads"] for r in rows)}
            for phase, rows in results.items()}
        summary["read_errors"] = reads["errors"]
        summary["rss_mb"] = {"before_illustrations": round(rss_before, 1),
                             "all_screens_painted": round(rss_after, 1),
                             "screens": len(pages)}
        summary["goal_max_gap_ms"] = 50
        print(json.dumps(summary, ensure_ascii=False))
        kiosk.shutdown()
    sim.stop()
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
