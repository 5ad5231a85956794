"""Autopilot journeys of the staff and technician modes (development tool; the product never
imports this module): the reprint of a money receipt authorised by the staff member, the
technician self-test, and the staff sign-in lockout (last: the lock lasts ``lockout_seconds``).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kiosk.autopilot import Journey, JourneyFailed, Pilot

STAFF = ("S1001", "246810")
TECHNICIAN = ("T3001", "314159")


def _person(scenario: dict[str, Any], role: str) -> tuple[str, str]:
    for s in scenario.get("staff") or []:
        if s.get("role") == role:
            return str(s["id"]), str(s["password"])
    raise JourneyFailed(f"the scenario has no {role}")


def _enter(pilot: Pilot) -> Any:
    """The hidden gesture: hold the corner, then the entry code on the PIN pad."""
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    staff = pilot.kiosk.staff
    pilot.wait_screen("attract")
    area = pilot.shell.screen_area
    held: list[bool] = []
    staff.hold.held.connect(lambda: held.append(True))
    QTest.mousePress(area, Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0), QPoint(20, 20))
    pad = pilot.control("pinpad")
    worker = pilot.kiosk.workers["pinpad"]
    # the pad may already be in plain mode for the audio guide: wait for the entry code's own
    # read (the guide lets go of the pad once the corner is held)
    pilot.wait_until(lambda: bool(held) and worker.current_command == "keytest"
                     and pad.state().get("mode") == "plain", 15.0, "the entry code mode")
    QTest.mouseRelease(area, Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0), QPoint(20, 20))
    keys = {"backspace": "B", "clear": "C", "enter": "E"}
    pad.press("".join(keys[k] for k in pilot.kiosk.config.staff.entry_code))
    pilot.wait_screen("staff_sign_in")
    return staff


def _type(pilot: Pilot, keyboard: Any, text: str) -> None:
    for char in text:
        pilot.click(keyboard.keys[char])


def _sign_in(pilot: Pilot, staff: Any, who: tuple[str, str], technician: bool = False) -> None:
    view = staff.sign_in_view
    if technician:
        pilot.click(view.tech_mode)
    pilot.click(view.staff_id)
    _type(pilot, view.keyboard, who[0])
    pilot.click(view.password)
    _type(pilot, view.keyboard, who[1])
    pilot.capture("sign-in")
    pilot.click(view.submit_button)


def _sign_out(pilot: Pilot, view: Any) -> None:
    pilot.click(view.sign_out_button)
    pilot.wait_screen("attract")


def reprint_authorised(pilot: Pilot, params: dict[str, Any]) -> str:
    from kiosk.receipts.samples import sample_receipts
    from kiosk.receipts.store import PrintOutcome, ReceiptStore

    ReceiptStore(Path(pilot.kiosk.config.state_dir).expanduser()).record(
        sample_receipts()["drawdown"], "zh_CN", PrintOutcome.PRINTED)
    pilot.wait_until(lambda: pilot.kiosk.host_signed_in, 30.0, "the host sign-in")
    who = _person(pilot.scenario, "assistant")
    staff = _enter(pilot)
    _sign_in(pilot, staff, who)
    pilot.wait_screen("staff_home")
    pilot.click(staff.staff_home.buttons["reprint"])
    pilot.wait_screen("staff_reprint")
    pilot.click(staff.reprint_go)
    pilot.wait_screen("staff_authorize")
    _type(pilot, staff.auth_view.keyboard, who[1])
    pilot.capture("authorise")
    pilot.click(staff.auth_view.confirm_button)
    done = pilot.kiosk.translator("staff.reprint.done", serial="20261128000101")
    pilot.wait_until(lambda: bool(staff.reprint_view.message.text()), 20.0, "the reprint")
    if not staff.reprint_view.message.text().endswith(done):  # after the tone's symbol (✓)
        raise JourneyFailed(f"reprint: {staff.reprint_view.message.text()}")
    pilot.capture("reprinted")
    pilot.click(staff.reprint_view.back_button)
    _sign_out(pilot, staff.staff_home)
    return "reprint authorised and printed"


def technician_selftest(pilot: Pilot, params: dict[str, Any]) -> str:
    pilot.wait_until(lambda: pilot.kiosk.host_signed_in, 30.0, "the host sign-in")
    staff = _enter(pilot)
    _sign_in(pilot, staff, _person(pilot.scenario, "technician"), technician=True)
    pilot.wait_screen("technician_home")
    pilot.click(staff.tech_home.buttons["selftest"])
    pilot.wait_until(lambda: getattr(staff, "last_selftest", None) is not None, 30.0,
                     "the self-test")
    pilot.wait_screen("technician_selftest")
    pilot.capture("selftest")
    report = staff.last_selftest
    pilot.click(staff.selftest_view.back_button)
    pilot.wait_screen("technician_home")
    _sign_out(pilot, staff.tech_home)
    return f"self-test: {'all passed' if report.ok else 'failed ' + ','.join(report.failed)}"


def sign_in_lockout(pilot: Pilot, params: dict[str, Any]) -> str:
    staff = _enter(pilot)
    view = staff.sign_in_view
    who = _person(pilot.scenario, "assistant")
    for n in range(pilot.kiosk.config.staff.max_failures):
        _sign_in(pilot, staff, (who[0], f"{n}9"))
        pilot.wait_until(lambda: view.submit_button.isEnabled() or not staff.staff.tries_left,
                         15.0, "the answer")
        pilot.wait_until(lambda n=n: bool(view.message.text()), 15.0, "the refusal")
    if view.submit_button.isEnabled():
        raise JourneyFailed("the sign-in did not lock")
    pilot.capture("locked")
    pilot.click(view.cancel_button)
    pilot.wait_screen("attract")
    return "locked after the failures"


def journeys(scenario: dict[str, Any]) -> Iterable[Journey]:
    yield Journey("staff-reprint-authorised", reprint_authorised, {},
                  "staff sign-in by the hidden gesture, reprint of a money receipt authorised "
                  "with the staff member's own password, marked 补打")
    yield Journey("staff-technician-selftest", technician_selftest, {},
                  "technician sign-in, self-test of every device through the workers")
    yield Journey("staff-sign-in-lockout", sign_in_lockout, {},
                  "wrong passwords until the sign-in locks (run last: the lock lasts)")
