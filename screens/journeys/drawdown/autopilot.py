"""Autopilot journeys of the drawdown (development tool; the product never imports this
module): 张卫国 (C0001, a signed line) opens 借款 from the home screen, keys 30,000 on the
keypad, chooses 一年 and 每月还一样多, hears the host's quote (checked by the kiosk's engine),
confirms, types his PIN on the PIN pad and gets 借款成功 with a receipt. The summary records
the spoken cost disclosure (amount, total interest, annual rate) of each drawdown."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kiosk.autopilot import Journey, JourneyFailed, Pilot


def _tile(pilot: Pilot, view: Any, key: str) -> None:
    for _ in range(4):
        tile = view.tile(key)
        if tile is not None:
            pilot.click(tile)
            return
        pilot.click(view.more_button)
    raise JourneyFailed(f"no choice {key} on {view.name}")


def draw(pilot: Pilot, params: dict[str, Any]) -> str:
    from screens.journeys.sign_line.autopilot import _identified_to

    _identified_to(pilot, "drawdown", params["person"], params["card"], "drawdown_amount")
    v = pilot.runner.views_of("drawdown")
    for digit in params["amount"]:
        pilot.click(v.amount_view.keypad.keys[digit])
    pilot.click(v.amount_view.next_button)
    pilot.wait_screen("drawdown_term")
    _tile(pilot, v.term_view, str(params["months"]))
    pilot.wait_screen("drawdown_method")
    _tile(pilot, v.method_view, params["method"])
    pilot.wait_until(lambda: pilot.shell.current_name() in (
        "drawdown_quote", "drawdown_mismatch", "drawdown_unavailable"), 30.0, "the quote")
    if pilot.shell.current_name() != "drawdown_quote":
        raise JourneyFailed(f"no quote: {pilot.shell.current_name()}")
    presenter = pilot.runner.presenter
    disclosure = dict(getattr(presenter, "disclosure", {}) or {})
    if not disclosure.get("spoken"):
        raise JourneyFailed("the quote was not spoken")
    if pilot.result is not None:
        pilot.result.disclosures.append(disclosure)
    pilot.click(v.quote_view.confirm_button)
    staff_member = params.get("staff")
    if staff_member is not None:  # above the self-service amount: the staff's own password
        staff = pilot.kiosk.staff
        pilot.wait_screen("staff_authorize")
        for char in staff_member[1]:
            pilot.click(staff.auth_view.keyboard.keys[char])
        pilot.capture("authorise")
        pilot.click(staff.auth_view.confirm_button)
    pilot.wait_screen("enter_pin")
    pilot.press_pin_keys(params["pin"] + "E")
    pilot.wait_until(lambda: pilot.shell.current_name() in (
        "drawdown_success", "drawdown_pending", "drawdown_failed", "drawdown_unavailable"),
        60.0, "the drawdown")
    result = pilot.shell.current_name()
    if result != "drawdown_success":
        code = pilot.runner.last_error.code if pilot.runner.last_error else ""
        raise JourneyFailed(f"drawdown ended on {result} {code}")
    pilot.wait_until(lambda: v.success_view.note.isVisible(), 30.0, "the receipt")
    pilot.click(v.success_view.finish_button)
    pilot.wait_screen("attract", 20.0)
    pilot.click(pilot.shell.attract.end_button)
    pilot.wait_screen("remove_id")
    pilot.take_cards()
    pilot.expect_outcome("done")
    return (f"quote {disclosure['amount']} interest {disclosure['total_interest']} "
            f"rate {disclosure['apr_simple']} spoken, PIN, 借款成功, receipt, done")


def supervised_draw(pilot: Pilot, params: dict[str, Any]) -> str:
    """The assistant signs in by the hidden gesture, starts 为客户办理, and authorises 张卫国's
    60,000 (above the self-service amount) with her own password; then she signs out."""
    from screens.staff.autopilot import _enter, _person, _sign_in

    pilot.wait_until(lambda: pilot.kiosk.host_signed_in, 30.0, "the host sign-in")
    who = _person(pilot.scenario, "assistant")
    staff = _enter(pilot)
    _sign_in(pilot, staff, who)
    pilot.wait_screen("staff_home")
    staff.start_journey()  # 为客户办理: the farmer's journey next, supervised
    said = draw(pilot, {**params, "staff": who})
    if staff.staff.current is not None:
        staff.staff.sign_out()
    return f"authorised by {who[0]}; {said}"


def journeys(scenario: dict[str, Any]) -> Iterable[Journey]:
    from peripherals_sim.scenario import by_id

    customers = {c.get("id"): c for c in scenario.get("customers") or []}
    customer = customers.get("C0001")
    if customer is None or not customer.get("cards"):
        return []
    card = str(customer["cards"][0])
    pin = str(by_id(scenario.get("cards") or [], card)["pin"])
    return [Journey("drawdown-zhang_weiguo", draw,
                    {"person": str(customer["person"]), "card": card, "pin": pin,
                     "amount": "30000", "months": 12, "method": "equal-installment"},
                    "张卫国 borrows 30,000 from his signed line: quote spoken, PIN, receipt"),
            Journey("staff-drawdown-authorised", supervised_draw,
                    {"person": str(customer["person"]), "card": card, "pin": pin,
                     "amount": "60000", "months": 24, "method": "equal-principal"},
                    "the assistant authorises 张卫国's 60,000 drawdown with her own password")]
