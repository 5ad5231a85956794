"""Autopilot journeys of the signing (development tool; the product never imports this
module): 李秀英 (C0002, an unsigned pre-approved line) opens her credit line, touches 去签约,
hears the terms, presses 确认签名 on an empty pad (refused, spoken), writes her name, types her
PIN on the PIN pad, and gets 签约成功 with a receipt; her line then says 已签约.

``ear-sign-line``: the same line signed by ear and the PIN pad's keys alone (见证签约): the
staff member on duty is signed in; 李秀英 starts the audio-guided mode, hears the terms, calls
the staff member, who types their own password on the staff screen (the staff member's touch,
the only one); her PIN in the pad's own mode signs; the receipt says 见证签约 and the staff id."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kiosk.autopilot import Journey, JourneyFailed, Pilot

#: A name written in two strokes (pad coordinates): what the farmer's finger does.
NAME_STROKES = ([(60, 150), (120, 50), (180, 160), (240, 60), (300, 150)],
                [(340, 100), (440, 100)])


def draw(pad: Any, points: list[tuple[int, int]] | tuple[tuple[int, int], ...]) -> None:
    """One stroke on ``pad`` with the mouse: press, move through ``points``, release."""
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    none = Qt.KeyboardModifier.NoModifier
    QTest.mousePress(pad, Qt.MouseButton.LeftButton, none, QPoint(*points[0]))
    for x, y in points[1:]:
        QTest.mouseMove(pad, QPoint(x, y))
    QTest.mouseRelease(pad, Qt.MouseButton.LeftButton, none, QPoint(*points[-1]))


def write_name(pad: Any) -> None:
    for stroke in NAME_STROKES:
        draw(pad, stroke)


def _identified_to(pilot: Pilot, journey: str, person: str, card: str, target: str) -> None:
    """From the home screen through the identification to ``target`` (journey's screen)."""
    from kiosk.autopilot import _pin_of

    pilot.need_bank_step()
    pilot.take_cards()
    pilot.start_journey(journey)
    pilot.wait_screen("insert_id")
    pilot.insert_id(person)
    pilot.wait_screen("welcome")
    pilot.click(pilot.identify.welcome_view.finish_button)
    pilot.wait_screen("insert_bank")
    pilot.insert_bank_card(card)
    pilot.wait_screen("enter_pin")
    pilot.press_pin_keys(_pin_of(pilot, card) + "E")
    identify = pilot.identify

    def arrived() -> bool:
        name = pilot.shell.current_name()
        if name == target:  # e.g. "reminder": the farmer stops there
            return True
        if name == "reminder":
            pilot.click(identify.reminder_view.ack_button)
        elif name == "identified":
            pilot.click(identify.identified_view.finish_button)
        elif name == "error":
            code = pilot.runner.last_error.code if pilot.runner.last_error else "?"
            raise JourneyFailed(f"identification failed: {code}")
        return pilot.shell.current_name() == target

    pilot.wait_until(arrived, 30.0, target)


def sign_li_xiuying(pilot: Pilot, params: dict[str, Any]) -> str:
    _identified_to(pilot, "credit_line", params["person"], params["card"], "credit_line")
    line_view = pilot.runner.views_of("credit_line").line_view
    v = pilot.runner.views_of("sign_line")
    if not line_view.sign_button.isVisible():
        raise JourneyFailed("the unsigned line does not offer 去签约 (signed already, or "
                            "money not available)")
    pilot.click(line_view.sign_button)
    pilot.wait_screen("sign_line_terms", 20.0)
    pilot.click(v.terms_view.next_button)
    pilot.wait_screen("sign_line_terms_more")
    pilot.click(v.terms_more_view.next_button)
    pilot.wait_screen("sign_line_sign")
    pilot.click(v.sign_view.confirm_button)  # nothing written yet: refused, spoken
    if not v.sign_view.notice.isVisible() or pilot.kiosk.voice.last_msgid != "sign.pad.empty":
        raise JourneyFailed("an empty signature was not refused with a spoken reason")
    pilot.capture("signature_refused")
    write_name(v.sign_view.pad)
    pilot.capture("signature_written")
    pilot.click(v.sign_view.confirm_button)
    pilot.wait_screen("sign_line_pin")
    pilot.press_pin_keys(params["pin"] + "E")
    pilot.wait_until(lambda: pilot.shell.current_name() in (
        "sign_line_success", "sign_line_pending", "sign_line_failed"), 60.0, "the signing")
    result = pilot.shell.current_name()
    if result != "sign_line_success":
        code = pilot.runner.last_error.code if pilot.runner.last_error else ""
        raise JourneyFailed(f"signing ended on {result} {code}")
    pilot.click(v.success_view.finish_button)
    pilot.wait_screen("credit_line", 20.0)
    signed = line_view.lines["signed"].text()
    if "已签约" not in signed and "signed" not in signed.lower():
        raise JourneyFailed(f"after signing the line says {signed!r}")
    pilot.click(line_view.finish_button)
    pilot.wait_screen("attract")
    pilot.click(pilot.shell.attract.end_button)
    pilot.wait_screen("remove_id")
    pilot.take_cards()
    pilot.expect_outcome("done")
    return "terms, empty signature refused, signed, 成功, receipt, line 已签约, done"


def ear_sign_line(pilot: Pilot, params: dict[str, Any]) -> str:
    """By ear: (the staff member on duty signs in, 为客户办理) -> 确认 on the home -> 借钱 ->
    查额度 -> identification (PIN on the pad) -> 去签约 -> the terms said, 确认 twice -> 请叫
    工作人员过来见证签约 -> 确认 (开始见证) -> the staff member's password -> the PIN in
    the pad's PIN mode -> 签约成功 said -> 完成 -> the line 已签约 -> 看完了 -> 结束办理 ->
    cards back -> the mode ends; the staff member signs out."""
    from kiosk.autopilot_ear import _pin_of, end_by_ear, identified_by_ear
    from screens.journeys.account_change.autopilot import _staff_home, supervised_session
    from screens.staff.autopilot import _type

    who = supervised_session(pilot)  # the staff member on duty, signed in
    staff = pilot.kiosk.staff
    ear = identified_by_ear(pilot, "home.service.credit_line", "home.group.borrow",
                            params["person"], params["card"])
    ear.log.insert(0, f"staff {who[0]} signed in")
    pilot.wait_screen("credit_line", 30.0)
    ear.past_loading()
    ear.choose("line.sign")
    pilot.wait_screen("sign_line_terms", 30.0)
    ear.settle()
    ear.log.append(f"terms said: {ear.last_said()}")
    ear.press("E")
    pilot.wait_screen("sign_line_terms_more")
    ear.press("E")  # 去见证: no signature pad by ear
    pilot.wait_screen("sign_line_witness")
    ear.settle()
    ear.log.append(f"witness call said: {ear.last_said()}")
    ear.press("E", wait=False)  # 开始见证: the staff member's step next
    pilot.wait_screen("staff_authorize")
    _type(pilot, staff.auth_view.keyboard, who[1])  # the staff member's own password
    pilot.capture("witness_password")
    pilot.click(staff.auth_view.confirm_button)
    ear.log.append(f"staff {who[0]} witnessed with their own password")
    pilot.wait_until(ear.guide.pin_entry, 20.0, "the PIN step")
    pilot.press_pin_keys(_pin_of(pilot, params["card"]) + "E")
    ear.log.append("PIN typed in the pad's PIN mode")
    pilot.wait_until(lambda: pilot.shell.current_name() in (
        "sign_line_success", "sign_line_pending", "sign_line_failed",
        "sign_line_witness_refused"), 60.0, "the signing")
    if pilot.shell.current_name() != "sign_line_success":
        code = pilot.runner.last_error.code if pilot.runner.last_error else ""
        raise JourneyFailed(f"witnessed signing ended on {pilot.shell.current_name()} {code}")
    pilot.wait_until(lambda: not ear.guide.journey_waits(), 30.0, "the receipt")
    ear.settle()
    ear.log.append(f"result said: {ear.heard('voice.sign.success')}")
    printer = pilot.control("printer")
    pilot.wait_until(lambda: bool(printer.receipts()), 20.0, "the receipt")
    receipt = pilot.keep_receipt(printer.receipts()[-1]["n"], "receipt")
    witnessed = ear.words("receipt.sign_method.witnessed")[0]  # 见证签约, in the farmer's language
    if witnessed not in receipt or who[0] not in receipt:
        raise JourneyFailed(f"the receipt does not say {witnessed} and the staff id")
    ear.press("E")  # 完成: the line read again
    pilot.wait_screen("credit_line", 30.0)
    ear.past_loading()
    signed = pilot.runner.views_of("credit_line").line_view.lines["signed"].text()
    ear.log.append(f"line says: {signed}")
    if "已签约" not in signed and "signed" not in signed.lower():
        raise JourneyFailed(f"after signing the line says {signed!r}")
    ear.press("E")  # 看完了
    end_by_ear(ear)
    staff = _staff_home(pilot)  # the staff member signs out (holds the corner)
    pilot.click(staff.staff_home.sign_out_button)
    pilot.wait_screen("attract")
    return ear.done()


def journeys(scenario: dict[str, Any]) -> Iterable[Journey]:
    from peripherals_sim.scenario import by_id

    customers = {c.get("id"): c for c in scenario.get("customers") or []}
    customer = customers.get("C0002")
    if customer is None or not customer.get("cards"):
        return []
    card = str(customer["cards"][0])
    pin = str(by_id(scenario.get("cards") or [], card)["pin"])
    params = {"person": str(customer["person"]), "card": card, "pin": pin}
    return [Journey("sign_line-li_xiuying", sign_li_xiuying, params,
                    "李秀英 signs her pre-approved line: terms, signature, PIN, receipt"),
            Journey("ear-sign-line", ear_sign_line, dict(params),
                    "audio-guided mode: 李秀英 signs her line by ear and keys, a staff witness")]
