"""Repayment (journey 6) and the reminders that lead into it (journey 9) through the real GUI:
the farmer identifies (ID card, bank card, PIN on the pad), the bank host simulator over mutual
TLS quotes and books the repayment through the kiosk's transactions service (journal, key,
MAC), the receipt prints on the printer simulator over TCP and is read back from its paper."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from devices.printer.escpos_driver import EscposReceiptPrinter
from kiosk.simcontrol.printer import HttpPrinterControl
from peripherals_sim.bank_host.process import HostProcess
from peripherals_sim.process import SimulatorProcess
from screens.chart import Outcome

from .test_bank_card_journey import BankRig, all_texts, host, make_bank_rig  # noqa: F401
from .test_calculator_journey import printer_sim  # noqa: F401
from .test_credit_line_journey import identify_for, past_reminders


@pytest.fixture()
def repay_rig(qtbot: Any, state_dir: Path, demo_scenario: dict[str, Any],
              host: HostProcess, printer_sim: SimulatorProcess) -> Iterator[BankRig]:  # noqa: F811
    HttpPrinterControl(printer_sim.control).clear_fault()
    yield from make_bank_rig(qtbot, state_dir, demo_scenario, host,
                             printer=EscposReceiptPrinter(printer_sim.url))


def views(rig: BankRig) -> Any:
    return rig.runner.views_of("repay")


def pay_with_pin(rig: BankRig, timeout: int = 20000) -> None:
    """确认还款, the PIN on the pad, and the result."""
    v = views(rig)
    rig.click(v.confirm_view.confirm_button)
    rig.wait_screen("repay_pin")
    rig.qtbot.waitUntil(lambda: rig.pad.state()["mode"] == "pin", timeout=5000)
    dots = v.pin_view.dots
    for key in "123456":
        before = dots.count
        rig.pad.press(key)
        rig.qtbot.waitUntil(lambda b=before: dots.count == b + 1, timeout=3000)
    rig.pad.press("E")
    rig.wait_screen("repay_result", timeout=timeout)


def printed(rig: BankRig, printer_sim: SimulatorProcess, before: int) -> str:  # noqa: F811
    control = HttpPrinterControl(printer_sim.control)
    rig.qtbot.waitUntil(lambda: len(control.receipts()) > before, timeout=15000)
    return (printer_sim.paper_dir / control.receipts()[-1]["text"]).read_text("utf-8")


def receipts(printer_sim: SimulatorProcess) -> int:  # noqa: F811
    return len(HttpPrinterControl(printer_sim.control).receipts())


def again(rig: BankRig) -> None:
    """完成, back on the home still identified, and 还贷款 again (no cards asked)."""
    rig.click(views(rig).result_view.finish_button)
    rig.wait_screen("attract")
    assert rig.runner.between_journeys
    rig.start("repay")
    rig.wait_screen("repay_loan", timeout=15000)


def test_overdue_reminder_leads_into_the_repayment_the_references_lines_then_payoff(
        repay_rig: BankRig, printer_sim: SimulatorProcess) -> None:  # noqa: F811
    rig = repay_rig
    # C0008 on 2026-02-20: installment 2 of the reference's 50,000 / 12 / 4.35% schedule is
    # 30 days overdue (lending_rules.md §2.1)
    rig.sim("POST", "/sim/clock", {"date": "2026-02-20", "force": True})
    try:
        identify_for(rig, "repay", "ma_xiulan", "ma_debit")
        rig.wait_screen("reminder", timeout=15000)
        reminder = rig.identify.reminder_view
        assert reminder.pay_button.isVisible() and reminder.pay_button.text() == "现在还款"
        assert "征信" in reminder.notice.text() and "029-35561234" in reminder.notice.text()
        spoken = rig.spoken_texts()[-1]
        assert "信贷员" in spoken and "现在还款" in spoken
        for word in ("催", "法律", "起诉", "后果"):  # respectful: no threats
            assert word not in reminder.notice.text() and word not in spoken
        rig.click(reminder.pay_button)  # 现在还款: straight into the repayment of that loan
        rig.wait_screen("repay_loan", timeout=15000)
        v = views(rig)
        assert v.loan_view.due.text().startswith("⚠ 逾期30天")
        assert "HT********0001" in all_texts(v.loan_view)
        assert v.loan_view.due_button.text() == "还上逾期的钱"
        rig.click(v.loan_view.due_button)
        rig.wait_screen("repay_confirm", timeout=15000)
        # the reference's worked example to the fen, as the farmer sees it
        assert v.confirm_view.line_texts() == {
            "principal": "本金 4,099.06元", "interest": "利息 166.44元",
            "penalty": "罚息 22.29元", "compound": "复利 0.91元"}
        assert v.confirm_view.figures.text() == "4,288.70元"
        assert v.confirm_view.capitals.text() == "肆仟贰佰捌拾捌元柒角"
        assert "逾期的本金、利息多算的利息" in v.confirm_view.explain.text()
        assert "621799*********3451" in v.confirm_view.account.text()
        assert "还完后还欠本金 41,816.69元" in v.confirm_view.account.text()
        spoken = rig.spoken_texts()[-1]
        assert "罚息" in spoken and "复利" in spoken and "尾号三四五一" in spoken
        assert "罚息是逾期本金多算的利息" in spoken  # the voice explains in full
        assert "四千二百八十八元七角" in spoken
        before = receipts(printer_sim)
        pay_with_pin(rig)
        result = v.result_view
        assert "还款成功" in result.heading.text()
        assert "下次 2月21日 要还 4,265.50元" in result.all_text()
        paper = printed(rig, printer_sim, before)
        assert "4,288.70" in paper and "肆仟贰佰捌拾捌元柒角" in paper
        assert "2026-02-21" in paper and "4,265.50" in paper and "成功" in paper
        # 罚息 and 复利 on lines of their own, as on the screen
        assert re.search(r"罚息：\s*￥22\.29\n", paper) and re.search(r"复利：\s*￥0\.91\n", paper)
        assert "HT202511210001" in paper  # the contract number is printed in full
        assert "6217991000009123451" not in paper and "马秀兰" not in paper

        # the same day, the rest of the loan: the payoff to the day (30 days of interest)
        again(rig)
        rig.click(v.loan_view.all_button)
        rig.wait_screen("repay_confirm", timeout=15000)
        assert v.confirm_view.line_texts() == {"principal": "本金 41,816.69元",
                                               "interest": "利息 151.59元"}
        assert v.confirm_view.figures.text() == "41,968.28元"
        assert v.confirm_view.account.text().endswith("还完后这笔贷款就还清了")
        before = receipts(printer_sim)
        pay_with_pin(rig)
        assert "这笔贷款已经全部还清了" in result.all_text()
        paper = printed(rig, printer_sim, before)
        assert "41,968.28" in paper and "提前" in paper
        ledger = rig.sim("GET", "/sim/ledger")
        mine = [t for t in ledger["transactions"] if t["kind"] == "repayment"
                and t["state"] == "CONFIRMED" and t["amount"] in ("4288.70", "41968.28")]
        assert len(mine) == 2
    finally:
        rig.sim("POST", "/sim/clock", {"date": "2026-03-16"})


def test_due_installment_early_partial_both_ways_a_reset_after_apply_and_a_wrong_host(
        repay_rig: BankRig, printer_sim: SimulatorProcess) -> None:  # noqa: F811
    rig = repay_rig
    identify_for(rig, "repay", "zhang_weiguo", "zhang_debit")
    rig.wait_screen("reminder", timeout=15000)
    assert rig.identify.reminder_view.pay_button.isVisible()
    assert not rig.identify.reminder_view.notice.isVisible()  # due soon: no overdue words
    past_reminders(rig, "repay_loan")
    v = views(rig)
    assert v.loan_view.due_button.text() == "还这一期"
    assert v.loan_view.due.text() == "3月21日 要还 4,265.50元"
    rig.click(v.loan_view.due_button)
    rig.wait_screen("repay_confirm", timeout=15000)
    lines = v.confirm_view.line_texts()
    assert set(lines) == {"principal", "interest"}
    assert v.confirm_view.figures.text() == "4,265.50元"
    before = receipts(printer_sim)
    pay_with_pin(rig)
    assert "下次 4月21日 要还 4,265.50元" in v.result_view.all_text()
    assert "2026-04-21" in printed(rig, printer_sim, before)

    # early, part: 3,000 with fewer months, then 2,000 with a lower installment
    for amount, option, kind_word in (("3000", "shorter_term", "少还几期"),
                                      ("2000", "lower_installment", "每月少还")):
        again(rig)
        rig.click(v.loan_view.part_button)
        rig.wait_screen("repay_amount")
        v.amount_view.keypad.type_text(amount)
        assert v.amount_view.capitals.text() == {"3000": "叁仟元整", "2000": "贰仟元整"}[amount]
        rig.click(v.amount_view.next_button)
        rig.wait_screen("repay_options", timeout=15000)
        texts = {k: label.text() for k, (_, label) in v.options_view.options.items()}
        assert all("-" not in t for t in texts.values()), texts  # never 少付 -3.37
        assert "少付利息" in texts["shorter_term"]
        if amount == "2000":  # 7 equal payments cost more than 6 and a short last one
            assert "利息反而多付 3.37元" in texts["lower_installment"], texts
        assert "4,265.50" in texts["shorter_term"]  # the installment stays
        assert "4,265.50" not in texts["lower_installment"]
        if option == "lower_installment":  # the host applies it, the answer is lost
            rig.sim("POST", "/sim/fault", {"kind": "reset", "when": "after", "count": 1,
                                           "paths": ["/v1/repayments"]})
        button, _ = v.options_view.options[option]
        rig.click(button)
        rig.wait_screen("repay_confirm", timeout=15000)
        assert kind_word in v.confirm_view.heading.text()
        assert v.confirm_view.figures.text() == f"{int(amount):,}.00元"
        pay_with_pin(rig)
        assert "还款成功" in v.result_view.heading.text(), v.result_view.all_text()
    rig.sim("DELETE", "/sim/fault")
    ledger = rig.sim("GET", "/sim/ledger")
    keys = [t["key"] for t in ledger["transactions"] if t["kind"] == "repayment"
            and t["amount"] == "2000.00"]
    assert len(keys) == 1  # the reset after apply: confirmed by the status query, not doubled
    journal = rig.kiosk.transactions.journal
    row = next(r for r in journal.rows() if r.key == keys[0])
    assert row.state.name == "CONFIRMED"

    # a host off by one fen: the kiosk's engine refuses, nothing is paid
    again(rig)
    rig.sim("POST", "/sim/quote-skew", {"bucket": "interest", "fen": 1})
    try:
        booked = len(rig.sim("GET", "/sim/ledger")["transactions"])
        rig.click(v.loan_view.all_button)
        rig.wait_screen("repay_mismatch", timeout=15000)
    finally:
        rig.sim("POST", "/sim/quote-skew", {})
    assert "对不上" in v.mismatch_view.heading.text()
    assert "工作人员" in rig.spoken_texts()[-1]
    assert rig.runner.last_error is not None
    assert rig.runner.last_error.code == "REPAY-QUOTE-MISMATCH"
    assert "interest" in rig.runner.last_error.staff
    assert len(rig.sim("GET", "/sim/ledger")["transactions"]) == booked
    rig.click(v.mismatch_view.finish_button)
    assert rig.take_cards() is Outcome.FAILED


def test_overdue_paid_then_a_payoff_the_account_cannot_cover(
        repay_rig: BankRig, printer_sim: SimulatorProcess) -> None:  # noqa: F811
    rig = repay_rig
    identify_for(rig, "repay", "wang_jianjun", "wang_debit")
    past_reminders(rig, "repay_loan")
    v = views(rig)
    rig.click(v.loan_view.due_button)
    rig.wait_screen("repay_confirm", timeout=15000)
    lines = v.confirm_view.line_texts()
    assert set(lines) == {"principal", "interest", "penalty", "compound"}
    pay_with_pin(rig)
    assert "还款成功" in v.result_view.heading.text()
    again(rig)
    assert not v.loan_view.due.text().startswith("⚠")
    rig.click(v.loan_view.all_button)
    rig.wait_screen("repay_confirm", timeout=15000)
    total = Decimal(v.confirm_view.figures.text().rstrip("元").replace(",", ""))
    assert total > Decimal("3000")
    before = receipts(printer_sim)
    pay_with_pin(rig)
    result = v.result_view
    assert result.heading.text() == "没有还上"
    assert "卡里的钱不够" in result.all_text() and "HOST" not in result.all_text()
    assert "卡里的钱不够" in rig.spoken_texts()[-1]
    assert receipts(printer_sim) == before  # nothing paid, no receipt
    rig.click(result.finish_button)
    assert rig.take_cards() is Outcome.FAILED


@pytest.fixture()
def slow_answer_rig(qtbot: Any, state_dir: Path, demo_scenario: dict[str, Any],
                    host: HostProcess, printer_sim: SimulatorProcess,  # noqa: F811
                    ) -> Iterator[BankRig]:
    """Host answers awaited 3 s; the money service looks again every second."""
    HttpPrinterControl(printer_sim.control).clear_fault()
    yield from make_bank_rig(qtbot, state_dir, demo_scenario, host, read_timeout=3.0,
                             settings={"money.resolve_seconds": 1.0},
                             printer=EscposReceiptPrinter(printer_sim.url))


def test_an_answer_lost_after_apply_is_pending_with_a_slip_then_confirmed_once(
        slow_answer_rig: BankRig, printer_sim: SimulatorProcess) -> None:  # noqa: F811
    """The host books the repayment but neither its answer nor the status queries come back
    in time: 处理中 (spoken, with the serial), the slip prints; 再查一次 while the host is silent
    shows 处理中 again (no second slip); once the host answers, 再查一次 confirms it by its key:
    成功, the receipt, booked once."""
    rig = slow_answer_rig
    identify_for(rig, "repay", "zhang_weiguo", "zhang_debit")
    past_reminders(rig, "repay_loan")
    v = views(rig)
    rig.click(v.loan_view.part_button)
    rig.wait_screen("repay_amount")
    v.amount_view.keypad.type_text("1000")
    rig.click(v.amount_view.next_button)
    rig.wait_screen("repay_options", timeout=15000)
    rig.click(v.options_view.options["shorter_term"][0])
    rig.wait_screen("repay_confirm", timeout=15000)
    before = receipts(printer_sim)
    rig.sim("POST", "/sim/fault", {"kind": "timeout", "when": "after", "delay_ms": 8000,
                                   "paths": ["/v1/repayments", "/v1/transactions"]})
    try:
        pay_with_pin(rig)
        result = v.result_view
        assert "处理中" in result.heading.text(), result.all_text()
        journal = rig.kiosk.transactions.journal
        row = journal.rows()[-1]
        assert row.state.name in ("UNKNOWN", "SENT")
        assert f"流水号：{row.key}" in result.all_text()
        # said with the result (the receipt's "printed" may already follow it)
        assert "不会多扣钱" in result.all_text()
        assert any("请勿重复操作" in t for t in rig.spoken_texts()[-3:])
        paper = printed(rig, printer_sim, before)
        # 再查一次 while the host still does not answer: 处理中 again, no second slip
        assert result.check_button.isVisible() and result.check_button.text() == "再查一次"
        rig.click(result.check_button)
        rig.qtbot.waitUntil(lambda: rig.runner.presenter.flow.state.name == "RESULT",
                            timeout=30000)
        assert "处理中" in result.heading.text() and result.check_button.isVisible()
        assert receipts(printer_sim) == before + 1
    finally:
        rig.sim("DELETE", "/sim/fault")
    assert "处理中" in paper and row.key in paper and "壹仟元整" in paper
    # the host answers again: 再查一次 settles the row by its key (never paid twice), 成功 and
    # the receipt after the slip
    rig.click(result.check_button)
    rig.qtbot.waitUntil(lambda: "还款成功" in result.heading.text(), timeout=30000)
    assert journal.get(row.serial).state.name == "CONFIRMED"
    assert not result.check_button.isVisible()
    assert "下次" in result.all_text() and "全部还清" not in result.all_text()  # host's figures
    rig.qtbot.waitUntil(lambda: receipts(printer_sim) == before + 2, timeout=15000)
    receipt = printed(rig, printer_sim, before + 1)
    assert "处理中" not in receipt and "成功" in receipt and "壹仟元整" in receipt
    booked = [t for t in rig.sim("GET", "/sim/ledger")["transactions"] if t["key"] == row.key]
    assert len(booked) == 1 and booked[0]["amount"] == "1000.00"
    rig.click(result.finish_button)
    assert rig.take_cards() is Outcome.DONE
