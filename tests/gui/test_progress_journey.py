"""Application progress (申请进度) and the ways to it, through the real GUI: the farmer
identifies (ID card, bank card, PIN on the pad); with no credit line the credit line screen
offers 查申请进度 and 登记贷款意向; the bank host simulator over mutual TLS lists what was
applied for at any channel; the progress prints on the printer simulator over TCP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devices.printer.escpos_driver import EscposReceiptPrinter
from kiosk.simcontrol.printer import HttpPrinterControl
from peripherals_sim.bank_host.process import HostProcess
from peripherals_sim.process import SimulatorProcess

from .test_apply_journey import fill_in
from .test_bank_card_journey import BankRig, all_texts, host, make_bank_rig  # noqa: F401
from .test_calculator_journey import printer_sim  # noqa: F401
from .test_credit_line_journey import identify_for, past_reminders


@pytest.fixture()
def rig(qtbot: Any, state_dir: Path, demo_scenario: dict[str, Any],
        host: HostProcess, printer_sim: SimulatorProcess) -> Iterator[BankRig]:  # noqa: F811
    HttpPrinterControl(printer_sim.control).clear_fault()
    yield from make_bank_rig(qtbot, state_dir, demo_scenario, host,
                             printer=EscposReceiptPrinter(printer_sim.url))


def test_no_line_leads_to_the_counter_applications_progress_spoken_and_printed(
        rig: BankRig, printer_sim: SimulatorProcess) -> None:  # noqa: F811
    control = HttpPrinterControl(printer_sim.control)
    session = identify_for(rig, "credit_line", "zhao_guilan", "zhao_debit")
    past_reminders(rig, "credit_line_none")
    views = rig.runner.views_of("credit_line")
    assert views.no_line_progress.text() == "申请进度"
    assert views.no_line_intention.text() == "找信贷员"
    rig.click(views.no_line_progress)
    rig.wait_screen("progress_item", timeout=15000)
    item = rig.runner.views_of("progress").item_view
    # C0004: an application for the counter product made at the branch counter on 3月13日
    assert item.heading.text() == "信贷员上门了解过了，正在审批"
    texts = all_texts(item)
    assert "贷款申请，3月13日在网点柜台办理" in texts and "申请 20,000.00元，12个月" in texts
    assert "✓ 3月15日 信贷员上门　○ 下一步：批准" in texts
    spoken = rig.spoken_texts()[-1]
    assert spoken.startswith("您有一条申请。第一条：三月十三日在网点柜台办理的贷款申请，两万元。")
    assert spoken.endswith("现在：信贷员上门了解过了，正在审批。")

    before = len(control.receipts())
    rig.click(item.print_button)
    rig.qtbot.waitUntil(lambda: len(control.receipts()) > before, timeout=15000)
    paper = (printer_sim.paper_dir / control.receipts()[-1]["text"]).read_text("utf-8")
    assert "申请进度" in paper and "SQ202603130901" in paper and "贰万元整" in paper
    assert "赵*兰" in paper and "赵桂兰" not in paper and "6217991000004567892" not in paper
    assert "3月15日 信贷员上门" in paper and "029-35561234" in paper
    rig.qtbot.waitUntil(item.print_button.isEnabled, timeout=15000)
    assert "请取走" in rig.spoken_texts()[-1]

    rig.click(item.finish_button)
    rig.wait_screen("attract")  # home: still identified for another service
    assert rig.runner.session is session and session.customer is not None

    # 找信贷员 on the same no-line screen: the intention registration, with the visit time
    rig.start("credit_line")
    rig.wait_screen("credit_line_none", timeout=15000)
    rig.click(views.no_line_intention)
    v = rig.runner.views_of("intention")
    fill_in(rig, v, purpose="breeding", amount="30000", phone="18091203344", months=None,
            visit="afternoon")
    assert "上门：下午" in all_texts(v.consent_view)
    rig.click(v.consent_view.agree_button)
    rig.wait_screen("apply_recorded", timeout=15000)
    assert "YX" in all_texts(v.recorded_view)  # the host answered: its number
    rig.click(v.recorded_view.finish_button)
    rig.wait_screen("attract")
    rig.start("credit_line")
    rig.wait_screen("credit_line_none", timeout=15000)
    rig.click(views.no_line_progress)
    rig.wait_screen("progress_item", timeout=15000)
    # newest first: the intention just registered, for the officer, with the visit time
    assert item.heading.text() == "信贷员周明会在3天内和您联系"
    texts = all_texts(item)
    assert "贷款意向登记" in texts and "希望下午上门" in texts
    assert item.next_button.text() == "下一条 1/2"  # which one of how many, as the reminder's
    rig.click(item.next_button)
    assert item.heading.text() == "信贷员上门了解过了，正在审批"
