"""The autopilot's calculator journey (development tool; the product never imports this)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kiosk.autopilot import Journey, JourneyFailed, Pilot


def calculator(pilot: Pilot, params: dict[str, Any]) -> str:
    """Home -> 30,000 yuan, 12 months, the rate offered, 每月还一样多 -> result (chart, spoken
    summary) -> each installment -> print when there is a printer -> 算完了 -> home."""
    views = pilot.runner.views_of("calculator")
    pilot.start_journey("calculator")
    for screen, view, keys in (("calc_amount", views.amount_view, "30000"),
                               ("calc_term", views.term_view, "12"),
                               ("calc_rate", views.rate_view, "")):
        pilot.wait_screen(screen)
        for key in keys:
            pilot.click(view.keypad.keys[key])
        pilot.click(view.next_button)
    pilot.wait_screen("calc_method")
    pilot.click(views.method_view.tile(params.get("method", "equal-installment")))
    pilot.wait_screen("calc_result")
    result = views.result_view
    if "利息" not in result.interest.text() and "Interest" not in result.interest.text():
        raise JourneyFailed(f"no total interest shown: {result.interest.text()!r}")
    if pilot.kiosk.voice.last_msgid != "voice.calc.summary":
        raise JourneyFailed("the summary was not spoken")
    seen = [result.payment.text(), result.interest.text()]
    pilot.click(result.schedule_button)
    pilot.wait_screen("calc_schedule")
    pilot.click(views.schedule_view.back_button)
    pilot.wait_screen("calc_result")
    if result.print_button.isVisible():
        pilot.click(result.print_button)
        pilot.wait_until(result.print_button.isEnabled, 20.0, "the estimate to print")
        seen.append("printed")
    pilot.click(result.finish_button)
    pilot.expect_outcome("done")
    return ", ".join(seen)


def journeys(scenario: dict[str, Any]) -> Iterable[Journey]:
    yield Journey("calculator", calculator, {},
                  "loan calculator: keypad, method, result with chart, schedule, print")
    yield Journey("calculator-equal-principal", calculator, {"method": "equal-principal"},
                  "loan calculator with 先多后少")
