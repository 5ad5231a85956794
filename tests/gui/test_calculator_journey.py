"""The loan calculator from the home screen (one touch), on the kiosk's real runner, with the
receipt printer driver against the printer simulator over TCP: keypad limits, method in plain
words, result with chart, schedule pages, spoken summary, the printed estimate, a paper-out
fault in plain words, and the session wiped on every way out."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy_financial as npf
import pytest

from devices.idcard.fake import FakeIdCardReader
from devices.printer.escpos_driver import EscposReceiptPrinter
from devices.voice.fake import RecordingVoice
from kiosk.simcontrol.printer import HttpPrinterControl
from peripherals_sim.process import SimulatorProcess
from screens.chart import Outcome

from .conftest import TODAY, Rig, kiosk_config


@pytest.fixture(scope="module")
def printer_sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatorProcess]:
    out = tmp_path_factory.mktemp("printer-sim")
    with SimulatorProcess("printer", ["--listen", "tcp://127.0.0.1:0", "--out", str(out),
                                      "--control", "0"]) as sim:
        sim.paper_dir = out  # type: ignore[attr-defined]
        yield sim


class CalcRig(Rig):
    printer: HttpPrinterControl
    paper_dir: Path

    def last_paper(self) -> str:
        """The text of the last receipt the simulator rendered."""
        return (self.paper_dir / self.printer.receipts()[-1]["text"]).read_text("utf-8")

    @property
    def calc(self) -> Any:
        return self.runner.views_of("calculator")

    def key(self, view: Any, text: str) -> None:
        for ch in text:
            self.click(view.keypad.keys[ch])

    def to_result(self, amount: str = "30000", months: str = "12", rate: str | None = None,
                  method: str = "equal-installment") -> None:
        self.start("calculator")
        self.wait_screen("calc_amount")
        self.key(self.calc.amount_view, amount)
        self.click(self.calc.amount_view.next_button)
        self.wait_screen("calc_term")
        self.key(self.calc.term_view, months)
        self.click(self.calc.term_view.next_button)
        self.wait_screen("calc_rate")
        if rate is not None:
            self.click(self.calc.rate_view.keypad.keys["back"])
            for _ in range(6):
                self.click(self.calc.rate_view.keypad.keys["back"])
            self.key(self.calc.rate_view, rate)
        self.click(self.calc.rate_view.next_button)
        self.wait_screen("calc_method")
        self.click(self.calc.method_view.tile(method))
        self.wait_screen("calc_result")


@pytest.fixture()
def calc_rig(qtbot: Any, state_dir: Path, demo_scenario: dict[str, Any],
             printer_sim: SimulatorProcess) -> Iterator[CalcRig]:
    from kiosk.app import Kiosk, make_qt_app

    make_qt_app("zh_CN")
    control = HttpPrinterControl(printer_sim.control)
    control.clear_fault()
    reader = FakeIdCardReader()
    printer = EscposReceiptPrinter(printer_sim.url)
    voice = RecordingVoice()
    voice.open()
    config = kiosk_config(state_dir, **{"timeouts.idle_seconds": 20.0,
                                        "timeouts.idle_warning_seconds": 5.0})
    kiosk = Kiosk(config, devices={"idcard": reader, "printer": printer}, voice_device=voice,
                  remove_prompt=0.2, today=lambda: TODAY)
    qtbot.addWidget(kiosk.shell)
    kiosk.modes.settle()
    kiosk.start(show=True)
    try:
        rig = CalcRig(kiosk, reader, voice, demo_scenario, qtbot)
        rig.printer = control
        rig.paper_dir = printer_sim.paper_dir  # type: ignore[attr-defined]
        yield rig
    finally:
        kiosk.shutdown()
        control.clear_fault()


def test_one_touch_from_home_then_the_answer_matches_the_annuity(calc_rig: CalcRig) -> None:
    rig = calc_rig
    path = rig.kiosk.home.path_to("calculator")
    assert len(path) <= 2 and path[-1] == "journey:calculator"  # at most two touches
    if path == ["journey:calculator"]:
        tile = rig.shell.attract.tile("journey:calculator")
        assert tile is not None and "不用插卡" in tile.note.text()  # said before it asks
    rig.to_result()
    session = rig.runner.session
    view = rig.calc.result_view
    pmt = Decimal(str(-npf.pmt(0.0435 / 12, 12, 30000))).quantize(Decimal("0.01"))
    assert f"{pmt:,.2f}" in view.payment.text() and "每月还" in view.payment.text()
    assert "利息一共" in view.interest.text()
    assert "单利 4.35%" in view.rates.text() and "复利 4.44%" in view.rates.text()
    assert view.chart is not None and len(view.chart.bars[0].opts["x"]) == 12
    spoken = rig.spoken_texts()[-1]
    assert "利息一共" in spoken and "年化利率" in spoken
    rig.click(view.schedule_button)
    rig.wait_screen("calc_schedule")
    sched = rig.calc.schedule_view
    assert sched.pages == 3 and sched.row_texts(0)[:2] == ("1", "12月28日")
    assert sched.row_texts(0)[2] == f"{pmt:,.2f}"  # 等额本息: the first is no different
    rig.click(sched.next_button)
    assert sched.row_texts(0)[:2] == ("6", "2027年5月28日")  # the year once it differs
    rig.click(sched.back_button)
    rig.wait_screen("calc_result")
    rig.click(view.finish_button)
    assert rig.wait_home() is Outcome.DONE
    assert not session.active and rig.runner.session is None


def test_amount_below_the_limit_is_said_in_plain_words(calc_rig: CalcRig) -> None:
    rig = calc_rig
    rig.start("calculator")
    view = rig.calc.amount_view
    assert "1,000" in view.limits.text() and "500,000" in view.limits.text()
    rig.key(view, "900")
    assert view.value.text() == "900 元"
    rig.click(view.next_button)
    assert rig.screen() == "calc_amount" and view.problem.isVisible()
    assert "太少了" in view.problem.text() and "太少了" in rig.spoken_texts()[-1]
    rig.click(view.keypad.keys["back"])
    rig.key(view, "00")
    assert view.value.text() == "9,000 元" and not view.problem.isVisible()
    rig.click(view.next_button)
    rig.wait_screen("calc_term")
    rig.click(rig.calc.term_view.back_button)  # 返回 keeps what was keyed
    rig.wait_screen("calc_amount")
    assert view.keypad.text == "9000"
    rig.click(view.cancel_button)
    assert rig.wait_home() is Outcome.CANCELED


def test_the_estimate_prints_on_the_printer(calc_rig: CalcRig) -> None:
    rig = calc_rig
    before = len(rig.printer.receipts())
    rig.to_result(amount="50000", months="24", rate="6", method="equal-principal")
    view = rig.calc.result_view
    rig.qtbot.waitUntil(view.print_button.isVisible, timeout=5000)
    rig.click(view.print_button)
    rig.qtbot.waitUntil(lambda: len(rig.printer.receipts()) > before, timeout=15000)
    rig.qtbot.waitUntil(lambda: rig.screen() == "calc_result"
                        and view.print_button.isEnabled(), timeout=15000)
    text = rig.last_paper()
    assert "贷款试算单" in text and "50,000" in text and "先多后少" in text
    assert "以上为估算" in text
    assert "纸条" in rig.spoken_texts()[-1]
    rig.click(view.finish_button)
    assert rig.wait_home() is Outcome.DONE


def test_paper_out_is_said_and_nothing_is_lost(calc_rig: CalcRig) -> None:
    rig = calc_rig
    rig.to_result()
    view = rig.calc.result_view
    rig.printer.set_fault("paper_out")
    rig.click(view.print_button)
    rig.qtbot.waitUntil(view.notice.isVisible, timeout=15000)
    assert "没有打印出来" in view.notice.text()
    assert rig.runner.last_error is not None and rig.runner.last_error.code.startswith("PRN")
    assert rig.runner.last_error.code not in view.notice.text()  # no code on a farmer screen
    assert rig.screen() == "calc_result" and "利息一共" in view.interest.text()
    rig.printer.clear_fault()
    rig.click(view.finish_button)
    assert rig.wait_home() is Outcome.DONE


def test_the_calculator_works_while_the_id_card_reader_is_down(calc_rig: CalcRig) -> None:
    from devices.idcard.contract import IdCardError

    rig = calc_rig
    rig.reader.set_fault(IdCardError.SAM_SELF_TEST_FAILED)
    worker = rig.kiosk.workers["idcard"]
    worker.probe_interval = 0.05
    worker.submit("sam_id")
    home = rig.kiosk.home
    rig.qtbot.waitUntil(lambda: not home.can_start("identify"), timeout=10000)
    assert home.can_start("calculator")
    rig.to_result()
    rig.click(rig.calc.result_view.finish_button)
    assert rig.wait_home() is Outcome.DONE
    rig.reader.set_fault(None)
