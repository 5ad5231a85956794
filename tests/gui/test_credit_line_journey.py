"""Credit line (journey 3) through the real GUI: the farmer identifies (ID card, bank card,
PIN on the pad) and the bank host simulator over mutual TLS answers with his line."""

from __future__ import annotations

from typing import Any

from .test_bank_card_journey import BankRig, all_texts, bank_rig, host  # noqa: F401


def identify_for(rig: BankRig, journey: str, pid: str, card: str) -> Any:
    rig.reader.remove()
    rig.start(journey)
    rig.wait_screen("insert_id")
    session = rig.runner.session
    rig.reader.insert(rig.person(pid))
    rig.wait_screen("welcome")
    rig.click(rig.identify.welcome_view.finish_button)
    rig.wait_screen("insert_bank")
    rig.bank.insert(card)
    rig.wait_screen("enter_pin")
    rig.qtbot.waitUntil(lambda: rig.pad.state()["mode"] == "pin", timeout=5000)
    rig.type_pin("123456")
    rig.pad.press("E")
    return session


def past_reminders(rig: BankRig, target: str) -> None:
    def arrived() -> bool:
        if rig.screen() == "reminder":
            rig.click(rig.identify.reminder_view.ack_button)
        elif rig.screen() == "identified":
            rig.click(rig.identify.identified_view.finish_button)
        return rig.screen() == target
    rig.qtbot.waitUntil(arrived, timeout=15000)


def test_signed_line_in_figures_and_capitals_spoken(bank_rig: BankRig) -> None:  # noqa: F811
    rig = bank_rig
    identify_for(rig, "credit_line", "zhang_weiguo", "zhang_debit")
    past_reminders(rig, "credit_line")
    view = rig.runner.views_of("credit_line").line_view
    texts = all_texts(view)
    # C0001: a signed 100,000 line with one 50,000 loan in repayment
    assert "张*国" in view.heading.text()
    assert "壹拾万元整" in texts and "100,000.00" in texts
    assert "已签约" in view.lines["signed"].text()
    used = view.lines["used"].text()
    available = view.available.text()
    assert "元（" in used and available.startswith("还可以借") and available.endswith("元")
    assert view.available_capitals.text().endswith(("整", "分", "角"))
    spoken = rig.spoken_texts()[-1]
    assert "还可以借" in spoken and "十万元" in spoken
    rig.click(view.finish_button)
    rig.qtbot.waitUntil(lambda: rig.screen() in ("home", "remove_id", "attract"), timeout=5000)


def test_unsigned_line_says_sign_first(bank_rig: BankRig) -> None:  # noqa: F811
    rig = bank_rig
    identify_for(rig, "credit_line", "li_xiuying", "li_debit")
    past_reminders(rig, "credit_line")
    view = rig.runner.views_of("credit_line").line_view
    assert "还没有签约" in view.lines["signed"].text()
    assert "捌万元整" in all_texts(view)
    assert "还没有签约" in rig.spoken_texts()[-1]


def test_no_line_is_said_plainly(bank_rig: BankRig) -> None:  # noqa: F811
    rig = bank_rig
    identify_for(rig, "credit_line", "zhao_guilan", "zhao_debit")
    past_reminders(rig, "credit_line_none")
    views = rig.runner.views_of("credit_line")
    assert "还没有贷款额度" in views.no_line_view.heading.text()
    rig.click(views.no_line_view.finish_button)


def test_host_error_is_a_plain_spoken_message(bank_rig: BankRig) -> None:  # noqa: F811
    rig = bank_rig
    identify_for(rig, "credit_line", "zhang_weiguo", "zhang_debit")
    rig.sim("POST", "/sim/fault", {"kind": "error_5xx", "rate": 1.0,
                                   "paths": ["/v1/customers/C0001/credit-line"]})
    try:
        past_reminders(rig, "credit_line_unavailable")
    finally:
        rig.sim("DELETE", "/sim/fault")
    views = rig.runner.views_of("credit_line")
    assert views.unavailable_view.body.text()
    assert "HOST" not in all_texts(views.unavailable_view)  # no codes on a farmer screen
    rig.click(views.unavailable_view.finish_button)
