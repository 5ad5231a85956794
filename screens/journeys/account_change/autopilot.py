"""Autopilot journey of the change of repayment account (development tool; the product never
imports this module): the assistant signs in by the hidden gesture and starts a supervised
session; 张卫国 (C0001) identifies, opens his loan, touches 换还款卡, takes the old card out,
inserts the same card (refused: already the account), then his new card; the assistant
authorises with her own password; the new card's PIN on the pad; 换好了 with a receipt; the
loan shows the new account; the assistant signs out."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kiosk.autopilot import Journey, JourneyFailed, Pilot

#: The farmer and his cards (demo scenario): the one he identifies with, the new one.
FARMER, OLD_CARD, NEW_CARD = "C0001", "zhang_debit", "zhang_new"


def _staff_home(pilot: Pilot) -> Any:
    """Back to the staff functions while signed in (hold the corner: no entry code)."""
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    staff = pilot.kiosk.staff
    area = pilot.shell.screen_area
    QTest.mousePress(area, Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0), QPoint(20, 20))
    pilot.wait_screen("staff_home", 15.0)
    QTest.mouseRelease(area, Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0), QPoint(20, 20))
    return staff


def supervised_session(pilot: Pilot) -> tuple[str, str]:
    """The assistant signs in and starts a supervised session (为客户办理): the change of
    repayment account needs her authorisation. Her (id, password)."""
    from screens.staff.autopilot import _person, _sign_in

    pilot.wait_until(lambda: pilot.kiosk.host_signed_in, 30.0, "the host sign-in")
    who = _person(pilot.scenario, "assistant")
    staff = pilot.kiosk.staff
    # the sign-in screen the hidden gesture opens (the gesture itself: staff-reprint-authorised)
    staff.show_sign_in()
    pilot.wait_screen("staff_sign_in")
    _sign_in(pilot, staff, who)
    pilot.wait_screen("staff_home", 15.0)
    pilot.click(staff.staff_home.buttons["start_journey"])  # 为客户办理: supervised
    pilot.wait_screen("attract")
    return who


def change_zhang_weiguo(pilot: Pilot, params: dict[str, Any]) -> str:
    from screens.journeys.sign_line.autopilot import _identified_to
    from screens.staff.autopilot import _type

    who = supervised_session(pilot)
    staff = pilot.kiosk.staff
    _identified_to(pilot, "loan_queries", params["person"], OLD_CARD, "loan_queries_loan")
    loan_view = pilot.runner.views_of("loan_queries").loan_view
    if not loan_view.change_button.isVisible():
        raise JourneyFailed("the loan does not offer 换还款卡")
    pilot.click(loan_view.change_button)
    v = pilot.runner.views_of("account_change")
    pilot.wait_screen("account_change_loan", 20.0)
    old = v.loan_view.account.text()
    pilot.click(v.loan_view.choose_button)
    pilot.wait_screen("account_change_remove_old")
    pilot.remove_bank_card()
    pilot.wait_screen("insert_bank", 20.0)
    pilot.insert_bank_card(OLD_CARD)  # the card the loan already uses
    pilot.wait_screen("account_change_card_problem", 20.0)
    pilot.capture("same_card_refused")
    pilot.click(v.problem_again)
    pilot.wait_screen("account_change_remove_old")
    pilot.remove_bank_card()
    pilot.wait_screen("insert_bank", 20.0)
    pilot.insert_bank_card(NEW_CARD)
    pilot.wait_screen("account_change_confirm", 20.0)
    pilot.capture("old_and_new")
    pilot.click(v.confirm_view.confirm_button)
    pilot.wait_screen("staff_authorize", 15.0)
    _type(pilot, staff.auth_view.keyboard, who[1])
    pilot.capture("authorise")
    pilot.click(staff.auth_view.confirm_button)
    pilot.wait_screen("account_change_pin", 20.0)
    pilot.press_pin_keys(params["pin"] + "E")
    pilot.wait_until(lambda: pilot.shell.current_name() in (
        "account_change_success", "account_change_pending", "account_change_failed"), 60.0,
        "the account change")
    result = pilot.shell.current_name()
    if result != "account_change_success":
        code = pilot.runner.last_error.code if pilot.runner.last_error else ""
        raise JourneyFailed(f"account change ended on {result} {code}")
    pilot.click(v.success_view.finish_button)
    pilot.wait_screen("loan_queries_loan", 20.0)
    now = loan_view.lines["account"].text()
    if now[-4:] == old[-4:]:
        raise JourneyFailed(f"the loan still shows {now!r}")
    pilot.click(loan_view.finish_button)
    pilot.wait_screen("attract")
    pilot.click(pilot.shell.attract.end_button)
    pilot.wait_screen("remove_id")
    pilot.take_cards()
    pilot.expect_outcome("done")
    home = _staff_home(pilot)
    pilot.click(home.staff_home.sign_out_button)
    pilot.wait_screen("attract")
    return (f"same card refused, {old[-4:]} -> {now[-4:]}, authorised by {who[0]}, "
            "换好了, receipt, loan read again, done")


def journeys(scenario: dict[str, Any]) -> Iterable[Journey]:
    from peripherals_sim.scenario import by_id

    customers = {c.get("id"): c for c in scenario.get("customers") or []}
    customer = customers.get(FARMER)
    if customer is None or NEW_CARD not in (customer.get("cards") or []):
        return []
    pin = str(by_id(scenario.get("cards") or [], NEW_CARD)["pin"])
    return [Journey("account_change-zhang_weiguo", change_zhang_weiguo,
                    {"person": str(customer["person"]), "pin": pin},
                    "张卫国 moves his loan's repayments to his new card: staff authorisation, "
                    "the new card's PIN, receipt")]
