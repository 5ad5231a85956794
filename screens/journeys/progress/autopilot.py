"""Autopilot journey of the application progress (development tool; the product never
imports this module): 孙红梅 (C0006) applies online and is referred to the loan officer; from
the credit line's no-line screen she opens 申请进度 and hears that 周明 will contact her; the
progress is printed. 赵桂兰 (C0004) sees her application made at the branch counter."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kiosk.autopilot import Journey, JourneyFailed, Pilot


def _progress_from_no_line(pilot: Pilot) -> Any:
    views = pilot.runner.views_of("credit_line")
    pilot.wait_screen("credit_line_none", 20.0)
    pilot.click(views.no_line_progress)
    pilot.wait_screen("progress_item", 20.0)
    return pilot.runner.views_of("progress").item_view


def _end(pilot: Pilot) -> None:
    pilot.wait_screen("attract")
    pilot.click(pilot.shell.attract.end_button)
    pilot.wait_screen("remove_id")
    pilot.take_cards()
    pilot.expect_outcome("done")


def referred_then_progress(pilot: Pilot, params: dict[str, Any]) -> str:
    from screens.journeys.sign_line.autopilot import _identified_to

    _identified_to(pilot, "apply", params["person"], params["card"], "apply_purpose")
    v = pilot.runner.views_of("apply")
    for key, view in (("machinery", v.purpose_view),):
        tile = view.tile(key)
        while tile is None:
            pilot.click(view.more_button)
            tile = view.tile(key)
        pilot.click(tile)
    pilot.wait_screen("apply_amount")
    for digit in "30000":
        pilot.click(v.amount_view.keypad.keys[digit])
    pilot.click(v.amount_view.next_button)
    pilot.wait_screen("apply_term")
    pilot.click(v.term_view.tile("12") or v.term_view.tile(v.term_view.keys()[0]))
    pilot.wait_screen("apply_phone")
    for digit in params["phone"]:
        pilot.click(v.phone_view.keypad.keys[digit])
    pilot.click(v.phone_view.next_button)
    pilot.wait_screen("apply_consent")
    pilot.click(v.consent_view.agree_button)
    pilot.wait_until(lambda: pilot.shell.current_name() in (
        "apply_referred", "apply_approved", "apply_declined", "apply_unavailable"), 30.0,
        "the decision")
    if pilot.shell.current_name() != "apply_referred":
        raise JourneyFailed(f"the application ended on {pilot.shell.current_name()}")
    pilot.capture("referred")
    pilot.click(v.referred_view.finish_button)
    pilot.wait_screen("attract")
    pilot.start_journey("credit_line")
    item = _progress_from_no_line(pilot)
    heading = item.heading.text()
    if "周明" not in heading:
        raise JourneyFailed(f"the progress says {heading!r}")
    pilot.capture("progress")
    if item.print_button.isVisible():
        pilot.click(item.print_button)
        pilot.wait_until(item.print_button.isEnabled, 20.0, "the progress printed")
    pilot.click(item.finish_button)
    _end(pilot)
    return f"referred; 申请进度: {heading}"


def counter_application(pilot: Pilot, params: dict[str, Any]) -> str:
    from screens.journeys.sign_line.autopilot import _identified_to

    _identified_to(pilot, "credit_line", params["person"], params["card"], "credit_line_none")
    item = _progress_from_no_line(pilot)
    heading = item.heading.text()
    pilot.capture("counter_application")
    pilot.click(item.finish_button)
    _end(pilot)
    return f"申请进度: {heading}"


def journeys(scenario: dict[str, Any]) -> Iterable[Journey]:
    customers = {c.get("id"): c for c in scenario.get("customers") or []}
    out = []
    sun, zhao = customers.get("C0006"), customers.get("C0004")
    if sun and sun.get("cards"):
        out.append(Journey("progress-sun_hongmei", referred_then_progress,
                           {"person": str(sun["person"]), "card": str(sun["cards"][0]),
                            "phone": str(sun.get("phone") or "13709876543")},
                           "孙红梅 applies, is referred, then sees 申请进度 (周明 will call)"))
    if zhao and zhao.get("applications") and zhao.get("cards"):
        out.append(Journey("progress-zhao_guilan", counter_application,
                           {"person": str(zhao["person"]), "card": str(zhao["cards"][0])},
                           "赵桂兰 sees her application made at the branch counter"))
    return out
