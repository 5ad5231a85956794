"""The first journey with the real GUI, a real worker thread and the fake ID card reader:
every exit path ends on the attract screen with the customer session wiped."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel

from devices.idcard.contract import IdCardError
from kiosk.i18n import Translator
from kiosk.masking import mask_name
from kiosk.modes import Mode
from screens.chart import Outcome

from .conftest import Rig


def all_texts(widget: Any) -> str:
    return "\n".join(label.text() for label in widget.findChildren(QLabel))


def assert_wiped(rig: Rig, session: Any) -> None:
    assert rig.runner.session is None
    assert session.identity is None and not session.active
    assert rig.screen() == "attract"


def test_valid_card_welcomes_with_masked_name_then_home_done(rig: Rig) -> None:
    rig.start()
    assert rig.spoken_texts()[-1] == "请插入身份证。请把身份证放在读卡区上。"
    session = rig.runner.session
    zhang = rig.person("zhang_weiguo")
    rig.reader.insert(zhang)
    rig.wait_screen("welcome")
    assert session.identity.name == "张卫国"
    shown = all_texts(rig.shell)
    assert "张*国" in rig.identify.welcome_view.name_label.text()
    assert "张卫国" not in shown and zhang["id_number"] not in shown
    assert "张先生" in rig.spoken_texts()[-1] or "张" in rig.spoken_texts()[-1]
    rig.click(rig.identify.welcome_view.finish_button)
    rig.wait_screen("remove_id")
    assert "取走" in rig.spoken_texts()[-1]
    assert rig.wait_home() is Outcome.DONE
    assert_wiped(rig, session)


def test_every_scenario_person_gets_the_right_ending(rig: Rig) -> None:
    for person in rig.scenario["people"]:
        rig.reader.remove()
        rig.start()
        rig.reader.insert(person)
        expired = person["id"] == "chen_deming"
        rig.wait_screen("error" if expired else "welcome")
        if not expired:
            assert mask_name(person["name"]) in rig.identify.welcome_view.name_label.text()
        rig.runner.finish()
        outcome = rig.wait_home()
        assert outcome is (Outcome.FAILED if expired else Outcome.DONE), person["id"]


def test_expired_card_says_and_shows_expired_then_home_failed(rig: Rig) -> None:
    rig.start()
    session = rig.runner.session
    rig.reader.insert(rig.person("chen_deming"))
    rig.wait_screen("error")
    view = rig.identify.error_view
    assert "身份证已过期" in view.body.text()
    assert "IDC-EXPIRED" in view.code_label.text()
    assert "身份证已过期" in rig.spoken_texts()[-1]
    rig.click(view.finish_button)
    assert rig.wait_home() is Outcome.FAILED
    assert_wiped(rig, session)


def test_idle_on_insert_screen_counts_down_speaks_then_times_out(rig: Rig) -> None:
    rig.start()
    session = rig.runner.session
    warning = rig.runner.idle_warning
    rig.qtbot.waitUntil(warning.isVisible, timeout=3000)
    assert "秒" in warning.seconds.text()
    assert rig.spoken_texts()[-1].startswith("您还在吗")
    assert rig.wait_home(timeout=3000) is Outcome.TIMED_OUT
    assert not warning.isVisible()
    assert_wiped(rig, session)
    # the read was cancelled: a card put down now is not read by anybody
    rig.reader.insert(rig.person("zhang_weiguo"))
    rig.qtbot.wait(300)
    assert rig.reader.reads == 0


def test_touch_during_countdown_keeps_the_session(rig: Rig) -> None:
    rig.start()
    warning = rig.runner.idle_warning
    rig.qtbot.waitUntil(warning.isVisible, timeout=3000)
    rig.click(warning.button)
    assert not warning.isVisible()
    rig.qtbot.wait(800)  # past the original deadline
    assert rig.screen() == "insert_id" and rig.runner.active
    assert rig.wait_home(timeout=3000) is Outcome.TIMED_OUT


def test_cancel_while_waiting_for_the_card(rig: Rig) -> None:
    rig.start()
    session = rig.runner.session
    rig.click(rig.identify.insert_view.cancel_button)
    assert rig.wait_home() is Outcome.CANCELED
    assert_wiped(rig, session)


def test_cancel_on_welcome_asks_for_the_card_then_home(rig: Rig) -> None:
    rig.start()
    session = rig.runner.session
    rig.reader.insert(rig.person("li_xiuying"))
    rig.wait_screen("welcome")
    rig.click(rig.identify.welcome_view.cancel_button)
    rig.wait_screen("remove_id")
    assert rig.wait_home() is Outcome.CANCELED
    assert_wiped(rig, session)


def test_welcome_then_no_touch_counts_down_then_card_prompt_then_home(rig: Rig) -> None:
    rig.start()
    session = rig.runner.session
    rig.reader.insert(rig.person("wang_jianjun"))
    rig.wait_screen("welcome")
    rig.qtbot.waitUntil(rig.runner.idle_warning.isVisible, timeout=3000)
    rig.wait_screen("remove_id", timeout=3000)
    assert rig.wait_home() is Outcome.TIMED_OUT
    assert_wiped(rig, session)


def test_read_failure_shows_its_error_and_ends_failed(rig: Rig) -> None:
    rig.start()
    session = rig.runner.session
    rig.reader.set_fault(IdCardError.READ_FAILED)
    rig.reader.insert(rig.person("zhang_weiguo"))
    rig.wait_screen("error")
    assert rig.runner.last_error.code == "IDC-READ-FAILED"
    assert rig.identify.error_view.body.text()
    rig.reader.set_fault(None)
    rig.runner.finish()
    assert rig.wait_home() is Outcome.FAILED
    assert_wiped(rig, session)


def test_repeat_button_speaks_the_prompt_again(rig: Rig) -> None:
    rig.start()
    before = len(rig.voice.spoken)
    rig.click(rig.identify.insert_view.repeat_button)
    assert len(rig.voice.spoken) == before + 1
    assert rig.voice.spoken[-1] == rig.voice.spoken[-2]
    rig.runner.cancel()
    rig.wait_home()


def test_attract_touch_speaks_what_the_terminal_does(rig: Rig) -> None:
    from PySide6.QtCore import QPoint, Qt

    rig.qtbot.mouseClick(rig.shell.attract, Qt.MouseButton.LeftButton, pos=QPoint(10, 10))
    assert rig.spoken_texts()[-1].startswith("您好，这里是助农服务终端")


def test_reader_fault_takes_the_terminal_out_of_service_with_a_reason(rig: Rig) -> None:
    home = rig.kiosk.home
    rig.qtbot.waitUntil(lambda: home.can_start("identify"), timeout=5000)
    rig.reader.set_fault(IdCardError.SAM_SELF_TEST_FAILED)
    worker = rig.kiosk.workers["idcard"]
    worker.probe_interval = 0.05
    worker.submit("sam_id")  # the worker probes right after a command
    rig.qtbot.waitUntil(lambda: rig.kiosk.modes.mode is Mode.OUT_OF_SERVICE, timeout=10000)
    attract = rig.shell.attract
    tile = attract.tile("group:repay")  # identify shares 还钱 with the loan queries
    rig.qtbot.waitUntil(lambda: not tile.isEnabled(), timeout=5000)
    assert not home.can_start("identify")
    why = Translator("zh_CN")("terminal.why.id_reader_down")
    assert "身份证" in why  # a group tile lists its services; the banner says why (below)
    assert "暂停服务" in attract.banner.text() and "身份证" in attract.banner.text()
    idcard = rig.shell.status_strip.devices["idcard"]
    rig.qtbot.waitUntil(lambda: "身份证✗" in idcard.text(), timeout=3000)  # once laid out
    rig.reader.set_fault(None)
    worker.submit("sam_id")
    rig.qtbot.waitUntil(tile.isEnabled, timeout=10000)


def test_logs_carry_the_session_and_never_the_name(rig: Rig, state_dir: Any) -> None:
    import io
    import json
    import logging

    from kiosk.logs import current_session, setup_logging, teardown_logging

    stream = io.StringIO()
    setup_logging(state_dir, "INFO", stream=stream)
    try:
        rig.start()
        session_id = rig.runner.session.id
        anna = rig.person("anna_smith")
        rig.reader.insert(anna)
        rig.wait_screen("welcome")
        logging.getLogger("test").info("serving %s / %s", anna["name"], anna["english_name"])
        rig.runner.finish()
        rig.wait_home()
    finally:
        teardown_logging()
    assert current_session() is None
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    text = stream.getvalue()
    assert anna["name"] not in text and anna["english_name"] not in text
    assert anna["id_number"] not in text
    serving = next(x for x in lines if x["msg"].startswith("serving"))
    assert serving["session_id"] == session_id
    assert any(x["msg"] == "session ended" and x["session_id"] == session_id for x in lines)


def test_a_foreign_name_is_not_split_into_surname_and_title(rig: Rig) -> None:
    rig.reader.remove()
    rig.start()
    person = rig.person("hans_mueller")
    rig.reader.insert(person)
    rig.wait_screen("welcome")
    spoken = rig.spoken_texts()[-1]
    assert "先生" not in spoken and "女士" not in spoken
    assert mask_name(person["name"]) in rig.identify.welcome_view.name_label.text()
    rig.runner.finish()
    rig.wait_screen("remove_id")
    rig.reader.remove()
    rig.wait_home()
