"""The journey runner: screen switches (a farmer's touch -> the next screen painted) through the
runner for the calculator and the identify journey, and resident memory after 500 identify
journeys against after 50 (issue 11: switch median <= 16 ms; RSS growth reported).

Run as a script (the figures for the report)::

    .venv/bin/python bench/bench_runner.py [--journeys 500] [--switch-rounds 30]

or under pytest-benchmark (``make bench``). Offscreen, 1280x800, the real kiosk (runner,
bridge, workers) with the in-process fake ID card reader and the recording voice.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class RunnerBench:
    def __init__(self) -> None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtCore import QEvent, QObject

        from devices.idcard.fake import FakeIdCardReader
        from devices.voice.fake import RecordingVoice
        from kiosk.app import Kiosk, make_qt_app
        from kiosk.config import load_config
        from peripherals_sim.scenario import by_id, load_scenario

        self.app = make_qt_app("zh_CN")
        self.tmp = tempfile.TemporaryDirectory(prefix="bench-runner-")
        config = load_config(None, env={}, overrides={
            "sim": False, "state_dir": self.tmp.name, "voice.backend": "fake",
            "ui.fullscreen": False, "ui.width": 1280, "ui.height": 800,
            "timeouts.idle_seconds": 60, "timeouts.idle_warning_seconds": 15})
        self.reader = FakeIdCardReader()
        self.voice = RecordingVoice()
        self.voice.open()
        self.kiosk = Kiosk(config, devices={"idcard": self.reader}, voice_device=self.voice,
                           remove_prompt=0.0)
        self.kiosk.modes.settle()
        self.kiosk.start(show=True)
        self.runner = self.kiosk.runner
        self.person = by_id(load_scenario()["people"], "zhang_weiguo")
        self.painted: set[str] = set()
        bench = self

        class PaintProbe(QObject):
            def eventFilter(self, watched: Any, event: Any) -> bool:
                if event.type() == QEvent.Type.Paint:
                    bench.painted.add(str(getattr(watched, "name", "")))
                return False

        self.probe = PaintProbe()
        pages = [self.kiosk.shell.attract, self.runner.remove_view]
        for name in ("identify", "calculator"):
            pages += self.runner.views_of(name).pages()
        for page in pages:
            page.installEventFilter(self.probe)
        self.samples: dict[str, list[float]] = {}
        self.cpu: dict[str, list[float]] = {}
        self._until(lambda: self.kiosk.home.can_start("identify"), "ready")

    def _until(self, predicate: Any, what: str, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise RuntimeError(f"timed out waiting for {what}")
            self.app.processEvents()

    def touch(self, button: Any, screen: str, label: str) -> None:
        """Click ``button`` and time until ``screen`` is painted."""
        self.painted.discard(screen)
        start, cpu = time.perf_counter(), time.thread_time()
        button.click()
        self._until(lambda: screen in self.painted, screen)
        self.samples.setdefault(label, []).append((time.perf_counter() - start) * 1000)
        # the GUI thread's own CPU for the switch: holds up on a loaded machine
        self.cpu.setdefault(label, []).append((time.thread_time() - cpu) * 1000)

    def calculator(self) -> None:
        home = self.kiosk.home
        v = self.runner.views_of("calculator")
        self.touch(home.tile("journey:calculator"), "calc_amount", "home->amount")
        for ch in "30000":
            v.amount_view.keypad.press(ch)
        self.touch(v.amount_view.next_button, "calc_term", "amount->term")
        for ch in "12":
            v.term_view.keypad.press(ch)
        self.touch(v.term_view.next_button, "calc_rate", "term->rate")
        self.touch(v.rate_view.next_button, "calc_method", "rate->method")
        self.touch(v.method_view.tile("equal-installment"), "calc_result",
                   "method->result (schedule, chart)")
        self.touch(v.result_view.schedule_button, "calc_schedule", "result->schedule")
        self.touch(v.schedule_view.back_button, "calc_result", "schedule->result")
        self.touch(v.result_view.finish_button, "attract", "result->home")

    def identify(self, timed: bool = True) -> None:
        home = self.kiosk.home
        v = self.runner.views_of("identify")
        self.reader.remove()
        self._until(lambda: home.can_start("identify"), "home")
        if timed:
            self.touch(home.tile("journey:identify"), "insert_id", "home->insert_id")
        else:
            home.tile("journey:identify").click()
            self._until(lambda: self.kiosk.shell.current_name() == "insert_id", "insert_id")
        self.reader.insert(self.person)
        self._until(lambda: self.kiosk.shell.current_name() == "welcome", "welcome")
        if timed:
            self.touch(v.welcome_view.finish_button, "remove_id", "welcome->remove_id")
        else:
            v.welcome_view.finish_button.click()
        self.reader.remove()
        self._until(lambda: self.kiosk.shell.current_name() == "attract"
                    and self.runner.session is None, "home again")

    def switches(self, rounds: int) -> dict[str, Any]:
        for _ in range(3):  # warm-up: first views, pyqtgraph import, the error tables
            self.calculator()
            self.identify()
        self.samples.clear()
        self.cpu.clear()
        for _ in range(rounds):
            self.calculator()
            self.identify()
        every = [x for v in self.samples.values() for x in v]
        cpu = [x for v in self.cpu.values() for x in v]
        return {
            "switches": len(every),
            "median_ms": round(statistics.median(every), 2),
            "p90_ms": round(sorted(every)[int(len(every) * 0.9)], 2),
            "cpu_median_ms": round(statistics.median(cpu), 2),
            "cpu_p90_ms": round(sorted(cpu)[int(len(cpu) * 0.9)], 2),
            "per_switch_median_ms": {k: round(statistics.median(v), 2)
                                     for k, v in self.samples.items()},
            "per_switch_cpu_median_ms": {k: round(statistics.median(v), 2)
                                         for k, v in self.cpu.items()},
        }

    def memory(self, journeys: int, early: int = 50) -> dict[str, Any]:
        """RSS after ``early`` identify journeys and after ``journeys`` (growth between)."""
        marks: dict[int, float] = {}
        for i in range(1, journeys + 1):
            self.identify(timed=False)
            if i % 50 == 0:
                self.voice.spoken.clear()  # the recording fake keeps every utterance
                self.voice.results.clear()
                gc.collect()
                marks[i] = round(rss_mb(), 1)
        return {"journeys": journeys, "rss_mb": marks,
                "growth_mb": round(marks[journeys] - marks[early], 1),
                "growth_kb_per_journey": round((marks[journeys] - marks[early]) * 1024
                                               / (journeys - early), 2)}

    def close(self) -> None:
        self.kiosk.shutdown()
        self.tmp.cleanup()


def test_runner_screen_switch_and_memory(benchmark: Any) -> None:
    bench = RunnerBench()
    try:
        result = benchmark.pedantic(lambda: bench.switches(5), rounds=1, iterations=1)
        result["memory"] = bench.memory(150)
        benchmark.extra_info.update(result)
    finally:
        bench.close()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--journeys", type=int, default=500, help="identify journeys for RSS")
    p.add_argument("--switch-rounds", type=int, default=30,
                   help="calculator + identify journeys timed")
    args = p.parse_args()
    bench = RunnerBench()
    try:
        out = {"switch": bench.switches(args.switch_rounds),
               "memory": bench.memory(args.journeys),
               "load_average": os.getloadavg()}
    finally:
        bench.close()
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
