"""Change of repayment account (还款账号变更, journey 8) through the real GUI: a staff member
signs in (the host checks), the farmer identifies (ID card, bank card, PIN on the pad), opens
his loan, takes the old card out, inserts the same card (refused: already the account), then
the new one; the old and the new account side by side; the staff member authorises with their
own password; the new card's PIN on the pad; the transactions service and the bank host
simulator over mutual TLS record it; the receipt is read back from the printer simulator; the
loan shows the new account."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devices.printer.escpos_driver import EscposReceiptPrinter
from kiosk.simcontrol.printer import HttpPrinterControl
from peripherals_sim.bank_host.process import HostProcess
from peripherals_sim.process import SimulatorProcess

from .test_bank_card_journey import BankRig, all_texts, host, make_bank_rig  # noqa: F401
from .test_calculator_journey import printer_sim  # noqa: F401
from .test_credit_line_journey import identify_for, past_reminders


@pytest.fixture()
def rig(qtbot: Any, state_dir: Path, demo_scenario: dict[str, Any],
        host: HostProcess, printer_sim: SimulatorProcess) -> Iterator[BankRig]:  # noqa: F811
    HttpPrinterControl(printer_sim.control).clear_fault()
    yield from make_bank_rig(qtbot, state_dir, demo_scenario, host,
                             printer=EscposReceiptPrinter(printer_sim.url))


def test_zhang_weiguo_moves_his_loan_to_his_new_card_with_staff_authorisation(
        rig: BankRig, printer_sim: SimulatorProcess) -> None:  # noqa: F811
    staff = rig.kiosk.staff
    staff._submit("S1001", "246810")  # the sign-in screen's submit: checked by the host
    rig.qtbot.waitUntil(lambda: staff.staff.current is not None, timeout=15000)
    staff.start_journey()  # 为客户办理: supervised, back to the home
    identify_for(rig, "loan_queries", "zhang_weiguo", "zhang_debit")
    past_reminders(rig, "loan_queries_loan")
    loan_view = rig.runner.views_of("loan_queries").loan_view
    assert loan_view.change_button.isVisible() and loan_view.change_button.text() == "换还款卡"
    rig.click(loan_view.change_button)

    v = rig.runner.views_of("account_change")
    rig.wait_screen("account_change_loan", timeout=15000)
    assert v.loan_view.account.text() == "现在的还款卡：621799*********4561"
    assert "尾号四五六一" in rig.spoken_texts()[-1]
    rig.click(v.loan_view.choose_button)
    rig.wait_screen("account_change_remove_old")
    assert "请先取走原来的银行卡" in rig.spoken_texts()[-1]
    rig.bank.remove()
    rig.wait_screen("insert_bank")
    assert rig.identify.insert_bank_view.heading.text() == "请插入新的银行卡"
    rig.bank.insert("zhang_debit")  # the card the loan already uses: refused, said why
    rig.wait_screen("account_change_card_problem", timeout=15000)
    assert v.problem_view.heading.text() == "这张卡就是现在的还款卡"
    rig.click(v.problem_again)
    rig.wait_screen("account_change_remove_old")
    rig.bank.remove()
    rig.wait_screen("insert_bank")
    rig.bank.insert("zhang_new")
    rig.wait_screen("account_change_confirm", timeout=15000)
    texts = all_texts(v.confirm_view)
    assert "原来的卡：621799*********4561" in texts and "新的卡：621799*********6546" in texts
    assert "6217991000009876546" not in texts
    assert "尾号四五六一" in rig.spoken_texts()[-1] and "尾号六五四六" in rig.spoken_texts()[-1]
    rig.click(v.confirm_view.confirm_button)

    rig.wait_screen("staff_authorize")
    assert "621799*********6546" in staff.auth_view.what.text()
    staff.auth_view.password.setText("246810")  # the staff member's own password
    rig.click(staff.auth_view.confirm_button)
    rig.wait_screen("account_change_pin", timeout=15000)
    assert v.pin_view.heading.text() == "请输入新卡的密码"
    rig.qtbot.waitUntil(lambda: rig.pad.state()["mode"] == "pin", timeout=5000)
    for key in "654321":
        before = v.pin_view.dots.count
        rig.pad.press(key)
        rig.qtbot.waitUntil(lambda b=before: v.pin_view.dots.count == b + 1, timeout=3000)
    control = HttpPrinterControl(printer_sim.control)
    before = len(control.receipts())
    rig.pad.press("E")
    rig.wait_screen("account_change_success", timeout=20000)
    assert v.success_view.heading.text() == "换好了"
    assert "尾号六五四六" in rig.spoken_texts()[-1] and "回单" in rig.spoken_texts()[-1]
    rig.qtbot.waitUntil(lambda: len(control.receipts()) > before, timeout=15000)
    paper = (printer_sim.paper_dir / control.receipts()[-1]["text"]).read_text("utf-8")
    lines = {line.split("：")[0].strip(): line.split("：", 1)[1].strip()
             for line in paper.splitlines() if "：" in line}
    assert "还款账户变更回单" in paper and lines["交易结果"] == "成功"
    assert lines["原还款账户"] == "621799*********4561"
    assert lines["新还款账户"] == "621799*********6546" and lines["协理员"] == "S1001"
    assert lines["合同号"] == "HT202510100001" and lines["客户姓名"] == "张*国"
    assert "6217991000009876546" not in paper and "张*国" in paper

    rig.click(v.success_view.finish_button)
    rig.wait_screen("loan_queries_loan", timeout=15000)  # the loan read again
    assert "621799*********6546" in loan_view.lines["account"].text()
    authorizations = rig.sim("GET", "/sim/ledger")["authorizations"]
    assert any(a["action"] == "repayment_account_change" and a["staff_id"] == "S1001"
               and a["used_by"] == "JJ202510100001:account" for a in authorizations)
