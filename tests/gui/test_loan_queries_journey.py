"""Loan queries (journey 7) through the real GUI: the farmer identifies (ID card, bank card,
PIN on the pad), the bank host simulator over mutual TLS answers with his loans, the schedule
and the repayment history; the schedule prints on the printer simulator over TCP. A farmer
with two loans picks one first (看这笔 / 下一笔), then its choices, 换还款卡 among them."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from devices.printer.escpos_driver import EscposReceiptPrinter
from kiosk.simcontrol.printer import HttpPrinterControl
from peripherals_sim.bank_host.process import HostProcess
from peripherals_sim.process import SimulatorProcess
from screens.chart import Outcome

from .test_bank_card_journey import BankRig, all_texts, host, make_bank_rig  # noqa: F401
from .test_calculator_journey import printer_sim  # noqa: F401
from .test_credit_line_journey import identify_for, past_reminders


@pytest.fixture()
def loan_rig(qtbot: Any, state_dir: Path, demo_scenario: dict[str, Any],
        host: HostProcess, printer_sim: SimulatorProcess) -> Iterator[BankRig]:  # noqa: F811
    HttpPrinterControl(printer_sim.control).clear_fault()
    yield from make_bank_rig(qtbot, state_dir, demo_scenario, host,
                             printer=EscposReceiptPrinter(printer_sim.url))


def test_zhang_weiguo_loan_schedule_chart_print_and_history(
        loan_rig: BankRig, printer_sim: SimulatorProcess) -> None:  # noqa: F811
    rig, control = loan_rig, HttpPrinterControl(printer_sim.control)
    session = identify_for(rig, "loan_queries", "zhang_weiguo", "zhang_debit")
    past_reminders(rig, "loan_queries_loan")
    v = rig.runner.views_of("loan_queries")
    loan = v.loan_view
    # C0001: one 50,000 loan over 12 months, 4 installments paid, the 5th due on 3月21日
    assert loan.heading.text() == "双基联动优农贷"
    assert loan.due.text().startswith("3月21日 要还 ") and loan.due.text().endswith("元")
    assert "HT********0001" in all_texts(loan) and "HT202510100001" not in all_texts(loan)
    assert not loan.next_button.isVisible()  # one loan: no 下一笔
    assert "三月二十一日要还" in rig.spoken_texts()[-1]

    rig.click(loan.schedule_button)
    rig.wait_screen("loan_queries_chart")
    chart = v.chart_view
    assert chart.body.text() == "共12期：已还4期，还没到期8期。"
    assert chart.body.text().replace("4", "四").replace("12", "十二").replace(
        "8", "八") == rig.spoken_texts()[-1]
    assert set(chart.chart.bars) == {"paid", "future"}
    rig.click(chart.table_button)
    rig.wait_screen("loan_queries_schedule")
    table = v.schedule_view.table
    assert v.schedule_view.body.text() == "第1页，共3页"
    assert table.row_texts(0)[3] == "✓ 已还清" and table.row_texts(4)[:2] == ("5", "3月21日")
    assert table.row_texts(4)[3] == "○ 还没到期"
    rig.click(v.schedule_view.next_button)
    assert table.row_texts(0)[0] == "6" and v.schedule_view.body.text() == "第2页，共3页"
    rig.click(v.schedule_view.back_button)
    rig.wait_screen("loan_queries_chart")

    before = len(control.receipts())
    rig.click(chart.print_button)
    rig.qtbot.waitUntil(lambda: len(control.receipts()) > before, timeout=15000)
    paper = (printer_sim.paper_dir / control.receipts()[-1]["text"]).read_text("utf-8")
    assert "还款计划" in paper and "HT********0001" in paper and "HT202510100001" not in paper
    assert "第5期 3月21日" in paper and "第4期" not in paper  # paid periods counted, not listed
    assert "33,647.25" in paper
    rig.qtbot.waitUntil(chart.print_button.isEnabled, timeout=15000)
    assert "请取走" in rig.spoken_texts()[-1]

    rig.click(chart.back_button)
    rig.wait_screen("loan_queries_loan")
    rig.click(loan.history_button)
    rig.wait_screen("loan_queries_history")
    history = v.history_view.table
    newest = history.row_texts(0)
    assert newest[0] == "2月21日" and history.row_texts(3)[0] == "2025年11月21日"
    assert history.row_texts(4) == ("",) * 5  # four repayments on file
    assert newest[1] + "元" == loan.due.text().split(" ")[2]  # the same installment each month
    assert newest[4] == "0.00"
    assert "一共还过四次，最近一次是二月二十一日" in rig.spoken_texts()[-1]
    rig.click(v.history_view.back_button)
    rig.wait_screen("loan_queries_loan")
    rig.click(loan.finish_button)
    rig.wait_screen("attract")  # home: the farmer stays identified for another service
    assert rig.runner.session is session and session.customer is not None


def test_wang_jianjun_overdue_installment_in_words(loan_rig: BankRig) -> None:
    rig = loan_rig
    identify_for(rig, "loan_queries", "wang_jianjun", "wang_debit")
    past_reminders(rig, "loan_queries_loan")
    v = rig.runner.views_of("loan_queries")
    assert v.loan_view.due.text().startswith("逾期23天，要还 ")
    spoken = rig.spoken_texts()[-1]
    assert "逾期二十三天" in spoken and "信贷员" in spoken
    rig.click(v.loan_view.schedule_button)
    rig.wait_screen("loan_queries_chart")
    assert "逾期1期" in v.chart_view.body.text()
    assert "overdue" in v.chart_view.chart.bars
    rig.click(v.chart_view.table_button)
    rig.wait_screen("loan_queries_schedule")
    assert v.schedule_view.table.row_texts(4)[3] == "⚠ 逾期23天"
    rig.click(v.schedule_view.back_button)
    rig.wait_screen("loan_queries_chart")


def test_host_error_on_the_schedule_is_a_plain_spoken_message(loan_rig: BankRig) -> None:
    rig = loan_rig
    identify_for(rig, "loan_queries", "wang_jianjun", "wang_debit")
    past_reminders(rig, "loan_queries_loan")
    v = rig.runner.views_of("loan_queries")
    rig.sim("POST", "/sim/fault", {"kind": "error_5xx", "rate": 1.0,
                                   "paths": ["/v1/loans/JJ202509150001/schedule"]})
    try:
        rig.click(v.loan_view.schedule_button)
        rig.wait_screen("loan_queries_unavailable", timeout=15000)
    finally:
        rig.sim("DELETE", "/sim/fault")
    assert v.unavailable_view.heading.text() == "现在查不到您的贷款"
    assert v.unavailable_view.body.text() and "HOST" not in all_texts(v.unavailable_view)
    rig.click(v.unavailable_view.finish_button)
    assert rig.wait_home() is Outcome.FAILED


@pytest.fixture(scope="module")
def two_loans_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostProcess]:
    """The demo scenario with a second loan for C0001 (张卫国), on the host simulator."""
    from peripherals_sim.scenario import DEFAULT_SCENARIO

    scenario = yaml.safe_load(DEFAULT_SCENARIO.read_text("utf-8"))
    zhang = next(c for c in scenario["customers"] if c["id"] == "C0001")
    second = copy.deepcopy(zhang["loans"][0])
    second.update(id="JJ202601100002", contract_no="HT202601100002", amount="20000.00",
                  months=6, start=dt.date(2026, 1, 10), paid_installments=1)
    zhang["loans"].append(second)
    folder = tmp_path_factory.mktemp("two-loans-host")
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump(scenario, allow_unicode=True), "utf-8")
    with HostProcess(folder / "state", "--scenario", str(path)) as sim:
        yield sim


def test_two_loans_pick_one_then_its_choices_and_the_change_of_card(
        qtbot: Any, state_dir: Path, demo_scenario: dict[str, Any],
        two_loans_host: HostProcess) -> None:
    """Several loans: 看这笔 / 下一笔 first (never more than three choices), then the chosen
    loan's 还款计划, 还款明细 and 换还款卡 (the change journey opens on that loan); 返回 goes
    back to the choosing, 看完了 ends; the repayment's 还这笔 / 下一笔 likewise."""
    rig_gen = make_bank_rig(qtbot, state_dir, demo_scenario, two_loans_host)
    rig = next(rig_gen)
    try:
        staff = rig.kiosk.staff
        staff._submit("S1001", "246810")  # 换还款卡 needs a signed-in member of staff
        rig.qtbot.waitUntil(lambda: staff.staff.current is not None, timeout=15000)
        staff.start_journey()
        identify_for(rig, "loan_queries", "zhang_weiguo", "zhang_debit")
        past_reminders(rig, "loan_queries_loan")
        loan = rig.runner.views_of("loan_queries").loan_view
        visible = lambda: {b.objectName() for b in (  # noqa: E731
            loan.pick_button, loan.next_button, loan.history_button, loan.schedule_button,
            loan.change_button) if b.isVisible()}
        assert visible() == {"pick-loan", "next-loan"}
        assert loan.pick_button.text() == "看这笔" and loan.finish_button.text() == "看完了"
        assert "第1笔，共2笔" in all_texts(loan)
        rig.click(loan.next_button)
        assert "HT********0002" in all_texts(loan) and "第2笔，共2笔" in all_texts(loan)
        rig.click(loan.pick_button)
        assert visible() == {"history", "schedule", "change-account"}
        assert loan.finish_button.text() == "返回"
        rig.click(loan.change_button)
        rig.wait_screen("account_change_loan", timeout=15000)
        change = rig.runner.views_of("account_change").loan_view
        assert "HT********0002" in all_texts(change)  # the loan chosen, not the first
        rig.click(change.finish_button)
        rig.wait_screen("loan_queries_loan", timeout=15000)  # the loans read again
        assert "HT********0002" in all_texts(loan) and loan.change_button.isVisible()
        rig.click(loan.finish_button)  # 返回: back to the choosing
        assert visible() == {"pick-loan", "next-loan"}
        rig.click(loan.finish_button)  # 看完了
        rig.wait_screen("attract")

        # the repayment walks the same two loans the same way (还这笔 / 下一笔 first)
        assert rig.runner.start("repay")
        rig.wait_screen("repay_loan", timeout=15000)
        pay = rig.runner.views_of("repay").loan_view
        shown = lambda: {b.objectName() for b in (  # noqa: E731
            pay.pick_button, pay.next_button, pay.due_button, pay.part_button,
            pay.all_button) if b.isVisible()}
        assert shown() == {"pick-loan", "next-loan"}
        rig.click(pay.next_button)
        assert "HT********0002" in all_texts(pay)
        rig.click(pay.pick_button)
        assert shown() == {"pay-due", "pay-part", "pay-all"}
        rig.click(pay.back_button)  # 返回: back to the choosing, not out
        assert shown() == {"pick-loan", "next-loan"} and rig.screen() == "repay_loan"
        rig.click(pay.back_button)
        rig.wait_screen("attract")
    finally:
        next(rig_gen, None)
