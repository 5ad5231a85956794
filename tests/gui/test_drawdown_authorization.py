"""Drawdown above the self-service amount (journey 5, issue 14): the staff member signed in
beside the farmer (supervised) authorises with their own password on the staff screen; the host
simulator records the authorisation with both identities and the drawdown uses it once; the
receipt names the staff member. Its own module: its own host simulator (zhang_weiguo's line
has room for 60,000 only once)."""

from __future__ import annotations

from typing import Any

from kiosk.simcontrol.printer import HttpPrinterControl
from peripherals_sim.process import SimulatorProcess

from .test_bank_card_journey import BankRig, host  # noqa: F401
from .test_calculator_journey import printer_sim  # noqa: F401
from .test_credit_line_journey import identify_for, past_reminders
from .test_drawdown_journey import draw_rig, paper, to_quote  # noqa: F401


def supervised_to_authorization(rig: BankRig) -> Any:
    """The staff member signs in, starts a journey for the farmer; 张卫国 asks for 60,000 and
    confirms the quote: the staff's password screen."""
    staff = rig.kiosk.staff
    staff.show_sign_in()
    view = staff.sign_in_view
    for field, text in ((view.staff_id, "S1001"), (view.password, "246810")):
        rig.click(field)
        for char in text:
            rig.click(view.keyboard.keys[char])
    rig.click(view.submit_button)
    rig.wait_screen("staff_home")
    staff.start_journey()  # 为客户办理: supervised, the farmer's journey next
    identify_for(rig, "drawdown", "zhang_weiguo", "zhang_debit")
    past_reminders(rig, "drawdown_amount")
    v = to_quote(rig, "60000", 24, "equal-principal")  # above the 50,000 of self-service
    assert rig.screen() == "drawdown_quote"
    rig.click(v.quote_view.confirm_button)
    rig.wait_screen("staff_authorize")
    return v


def test_the_staff_member_signed_out_meanwhile_voids_it_and_the_farmer_hears_so(
        draw_rig: BankRig) -> None:  # noqa: F811
    rig = draw_rig
    v = supervised_to_authorization(rig)
    rig.kiosk.staff.sign_out()
    rig.wait_screen("drawdown_refused")
    assert "工作人员" in v.refused_view.texts()
    assert rig.runner.presenter is not None  # the journey goes on: 办完了 ends it
    rig.click(v.refused_view.finish_button)
    assert not [a for a in rig.sim("GET", "/sim/ledger")["authorizations"]
                if a["action"] == "drawdown"]


def test_above_the_threshold_the_staff_member_beside_the_farmer_authorises(
        draw_rig: BankRig, printer_sim: SimulatorProcess) -> None:  # noqa: F811
    rig, control = draw_rig, HttpPrinterControl(printer_sim.control)
    before = len(control.receipts())
    staff = rig.kiosk.staff
    v = supervised_to_authorization(rig)
    assert "陆万元整" in v.quote_view.texts() and "以后" in v.quote_view.texts()
    assert "60,000.00" in staff.auth_view.what.text() and "张*国" in staff.auth_view.what.text()
    assert "工作人员" in rig.spoken_texts()[-1]
    for char in "246810":
        rig.click(staff.auth_view.keyboard.keys[char])
    rig.click(staff.auth_view.confirm_button)
    rig.wait_screen("enter_pin")
    rig.qtbot.waitUntil(lambda: rig.pad.state()["mode"] == "pin", timeout=5000)
    rig.type_pin("123456")
    rig.pad.press("E")
    rig.qtbot.waitUntil(lambda: rig.screen() == "drawdown_success", timeout=15000)
    rig.qtbot.waitUntil(lambda: v.success_view.note.isVisible(), timeout=15000)
    rig.click(v.success_view.finish_button)
    receipt = paper(control, printer_sim, before + 1)
    assert "陆万元整" in receipt and "S1001" in receipt and "等额本金" in receipt
    ledger = rig.sim("GET", "/sim/ledger")
    auth = [a for a in ledger["authorizations"] if a["action"] == "drawdown"]
    assert len(auth) == 1 and auth[0]["staff_id"] == "S1001" and auth[0]["used_by"]
    assert auth[0]["amount"] == "60000.00"
