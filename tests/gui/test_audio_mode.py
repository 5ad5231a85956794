"""The audio-guided mode (无障碍) by the PIN pad's keys only: the real KMY driver against the PIN
pad simulator over TCP (real wire protocol, plain "system keyboard" mode), the kiosk's real
runner and home, the recording voice. Nothing is touched on the screen: every key goes through
the simulator's control API, and the test asserts what the farmer hears."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devices.idcard.fake import FakeIdCardReader
from devices.pinpad.kmy import KmyPinPad
from devices.voice.fake import RecordingVoice
from kiosk.simcontrol.pinpad import HttpPinPadControl, over_http
from peripherals_sim.process import SimulatorProcess
from screens.chart import Outcome

from .conftest import TODAY, Rig, kiosk_config
from .test_calculator_journey import printer_sim  # noqa: F401


@pytest.fixture(scope="module")
def pad_sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatorProcess]:
    with SimulatorProcess("pinpad", ["--listen", "tcp://127.0.0.1:0"],
                          state_dir=tmp_path_factory.mktemp("pinpad-sim")) as sim:
        yield sim


class EarRig(Rig):
    pad: HttpPinPadControl

    @property
    def guide(self) -> Any:
        return self.kiosk.audio

    def key(self, keys: str) -> None:
        """Press keys on the PIN pad, one at a time, each once the kiosk took the last."""
        for key in keys:
            heard = self.guide.key_count
            self.pad.press_plain(key, lambda ok: self.qtbot.waitUntil(ok, timeout=10000))
            self.qtbot.waitUntil(lambda h=heard: self.guide.key_count > h, timeout=5000)
            self.qtbot.wait(1)  # the announcement after the key (a zero timer)

    def heard(self) -> str:
        return self.voice.spoken[-1][1]

    def all_heard(self, since: int = 0) -> str:
        return "\n".join(self.spoken_texts()[since:])


@pytest.fixture()
def ear(qtbot: Any, state_dir: Path, demo_scenario: dict[str, Any],
        pad_sim: SimulatorProcess) -> Iterator[EarRig]:
    from kiosk.app import Kiosk, make_qt_app

    make_qt_app("zh_CN")
    voice = RecordingVoice()
    voice.open()
    pad = KmyPinPad(url=pad_sim.ready["url"], reply_timeout=0.4)
    config = kiosk_config(state_dir, **{"timeouts.idle_seconds": 30.0,
                                        "timeouts.idle_warning_seconds": 5.0,
                                        "accessibility.listen_seconds": 2.0,
                                        "accessibility.announce_seconds": 1.0})
    kiosk = Kiosk(config, devices={"idcard": FakeIdCardReader(), "pinpad": pad},
                  voice_device=voice, remove_prompt=0.2, today=lambda: TODAY)
    qtbot.addWidget(kiosk.shell)
    kiosk.modes.settle()
    kiosk.start(show=True)
    try:
        rig = EarRig(kiosk, kiosk.devices["idcard"], voice, demo_scenario, qtbot)
        rig.pad = over_http(pad_sim.ready["control"])
        yield rig
    finally:
        kiosk.shutdown()


def test_the_calculator_by_ear_and_pin_pad_keys_only(ear: EarRig) -> None:
    rig = ear
    hint = "看不清屏幕的朋友，请按密码键盘上的确认键，用语音和按键办理。"
    rig.qtbot.waitUntil(lambda: rig.spoken_texts()[-1:] == [hint], timeout=5000)  # the loop
    rig.kiosk.speak_attract()
    assert rig.heard().endswith(hint)  # and after the home's own words when touched

    # a terminal with a headset jack: the mode's voice plays there only, the rest on the
    # loudspeaker; the hint asks for the earphones first
    rig.guide.settings = rig.guide.settings.model_copy(
        update={"audio_device": "plughw:CARD=Headset,DEV=0"})
    headset = "按键以前，请先把耳机插进终端的耳机孔，声音只在耳机里。"
    assert rig.guide.attract_hint() == hint + headset
    before = len(rig.voice.outputs)
    rig.key("E")
    assert rig.guide.active
    said = rig.all_heard()
    assert "语音引导已打开" in said
    assert set(rig.voice.outputs[before:]) == {"plughw:CARD=Headset,DEV=0"}
    home = rig.heard()
    assert "按一，还钱；按二，算一算" in home  # the services, a number each
    assert "暂时不能办：借钱" in home  # no host here: said, not numbered
    rig.key(choice(rig, "算一算"))
    rig.wait_screen("home_group")
    rig.key(choice(rig, "算算利息"))
    rig.wait_screen("calc_amount")
    assert "请在密码键盘上输入数字" in rig.heard()

    rig.key("30000")
    assert rig.heard() == "三万元"  # read back: 30,000 元 on the screen
    rig.key("B")
    assert rig.heard() == "三千元"
    rig.key("0E")
    assert "您输入的是三万元" in rig.heard() and "再按确认键" in rig.heard()
    assert rig.screen() == "calc_amount"
    rig.key("E")
    rig.wait_screen("calc_term")
    rig.key("12EE")
    rig.wait_screen("calc_rate")
    rig.key("EE")  # the rate offered, as filled in
    rig.wait_screen("calc_method")
    method = rig.heard()
    assert "按一，每月还一样多" in method and "按取消键，取消" in method
    rig.key("1")
    rig.wait_screen("calc_result")
    result = rig.heard()
    assert "每月还" in result and "按确认键，算完了" in result
    assert rig.guide.banner.isVisible() and "语音引导中" in rig.guide.banner.text()
    rig.key("0")  # the whole screen again: the figures on it
    assert "利息" in rig.heard()
    rig.key("E")
    assert rig.wait_home() is Outcome.DONE
    assert rig.guide.active  # still on for the next service, until the home idles
    since = len(rig.spoken_texts())
    rig.key("X")  # 取消 on the home: the mode ends
    assert not rig.guide.active and "语音引导已关闭。" in rig.spoken_texts()[since:]
    assert not rig.guide.banner.isVisible()
    assert set(rig.voice.outputs[before:]) == {"plughw:CARD=Headset,DEV=0"}  # "off" too
    rig.kiosk.speak_attract()
    assert rig.voice.outputs[-1] is None  # the home speaks on the loudspeaker again


def _choices(rig: EarRig) -> list[str]:
    from screens.audio import describe

    return [c.label for c in describe(rig.shell.current_screen()).choices]


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from peripherals_sim.bank_host.process import HostProcess

    with HostProcess(tmp_path_factory.mktemp("bank-host")) as sim:
        yield sim


@pytest.fixture()
def bank_ear(qtbot: Any, state_dir: Path, demo_scenario: dict[str, Any],
             host: Any, pad_sim: SimulatorProcess,
             printer_sim: SimulatorProcess) -> Iterator[Any]:  # noqa: F811
    """The bank rig (card readers, host simulator over mTLS, the printer simulator over TCP)
    with the real KMY driver on the PIN pad simulator instead of the fake pad."""
    from devices.printer.escpos_driver import EscposReceiptPrinter

    from .test_bank_card_journey import make_bank_rig

    pad = KmyPinPad(url=pad_sim.ready["url"], reply_timeout=0.4)
    for rig in make_bank_rig(qtbot, state_dir, demo_scenario, host, pinpad=pad,
                             printer=EscposReceiptPrinter(printer_sim.url)):
        rig.__class__ = type("BankEarRig", (type(rig), EarRig), {})
        rig.pad = over_http(pad_sim.ready["control"])
        yield rig


def choice(rig: Any, words: str) -> str:
    """The key of the choice whose label holds ``words`` on the screen shown."""
    labels = _choices(rig)
    return str(labels.index(next(c for c in labels if words in c)) + 1)


def test_identify_with_the_pin_on_the_pad_then_the_credit_line_by_keys(bank_ear: Any) -> None:
    rig = bank_ear
    rig.key("E")
    rig.key(choice(rig, "借钱"))
    rig.wait_screen("home_group")
    assert "按一，" in rig.heard()
    rig.key(choice(rig, "额度"))
    rig.wait_screen("insert_id")
    assert "按取消键" in rig.heard()
    rig.reader.insert(rig.person("zhang_weiguo"))
    rig.wait_screen("welcome")
    assert "按确认键，下一步" in rig.heard()
    rig.key("E")
    rig.wait_screen("insert_bank")
    rig.bank.insert("zhang_debit")
    rig.wait_screen("enter_pin")
    pin_prompt = len(rig.spoken_texts())
    assert rig.pad.wait_for_mode("pin", 10)  # the pad's own PIN entry: not plain mode
    rig.pad.press("123456E")
    rig.wait_screen("reminder", timeout=15000)
    rig.qtbot.waitUntil(lambda: "按一，知道了" in rig.heard(), timeout=5000)  # its choice
    during_pin = rig.spoken_texts()[pin_prompt - 1:]
    assert during_pin[0] == "请在密码键盘上输入六位密码，输完按确认键。"  # the PIN's own prompt
    assert not any("按一" in t or "按零重听" in t for t in during_pin[:2])
    assert "1" not in rig.guide.keys[3:]  # the PIN digits never reached the guide
    rig.key(choice(rig, "知道了"))  # 确认 would be 现在还款
    rig.wait_screen("identified")
    rig.key("1")  # 完成
    rig.wait_screen("credit_line")
    line = rig.heard()
    assert line.startswith("您现在还可以借六万六千三百五十二元七角五分")
    assert "按确认键，看完了" in line
    rig.key("E")
    rig.qtbot.waitUntil(lambda: rig.runner.between_journeys, timeout=5000)
    assert "按取消键，结束办理" in rig.heard()
    rig.key("X")
    rig.wait_screen("remove_id")
    rig.reader.remove()
    rig.bank.remove()
    assert rig.wait_home() is Outcome.DONE


def host_line_of(rig: Any, customer: str = "C0002") -> Any:
    return next(c for c in rig.sim("GET", "/sim/customers")["customers"]
                if c["customer_id"] == customer)["credit_line"]


def staff_types_password(rig: Any, password: str = "246810") -> None:
    """The staff member (who can see) types their own password on the staff screen."""
    view = rig.kiosk.staff.auth_view
    for char in password:
        rig.click(view.keyboard.keys[char])
    rig.click(view.confirm_button)


def test_cannot_write_with_nobody_signed_in_to_witness_signs_nothing(bank_ear: Any) -> None:
    """Outside the audio mode, by touch: the pad's 不会写字，请人见证 -> the witness call ->
    开始见证 with no staff member signed in: told plainly (shown and spoken), nothing
    authorised, nothing signed; 再请工作人员 -> 返回 leads back to the pad."""
    from .test_credit_line_journey import identify_for, past_reminders

    rig = bank_ear
    identify_for(rig, "credit_line", "li_xiuying", "li_debit")
    past_reminders(rig, "credit_line")
    rig.click(rig.runner.views_of("credit_line").line_view.sign_button)
    v = rig.runner.views_of("sign_line")
    rig.wait_screen("sign_line_terms", timeout=15000)
    rig.click(v.terms_view.next_button)
    rig.wait_screen("sign_line_terms_more")
    rig.click(v.terms_more_view.next_button)
    rig.wait_screen("sign_line_sign")
    assert v.sign_view.witness_button.text() == "不会写字，请人见证"
    rig.click(v.sign_view.witness_button)
    rig.wait_screen("sign_line_witness")
    assert "请叫工作人员过来" in rig.spoken_texts()[-1]
    rig.click(v.witness_view.next_button)
    rig.wait_screen("sign_line_witness_refused")
    said = "现在没有工作人员在，没法见证签约。签约要工作人员在旁边见证。额度还没有签约"
    assert said in v.witness_refused_view.body.text() and said in rig.spoken_texts()[-1]
    assert not host_line_of(rig)["signed"]
    assert not [a for a in rig.sim("GET", "/sim/ledger")["authorizations"]
                if a["action"] == "line_sign"]
    rig.click(v.witness_again_button)
    rig.wait_screen("sign_line_witness")
    rig.click(v.witness_view.back_button)  # came from the pad: back to the pad
    rig.wait_screen("sign_line_sign")
    rig.click(v.sign_view.back_button)
    rig.wait_screen("sign_line_terms_more")


def test_li_xiuying_signs_her_credit_line_by_keys_with_a_staff_witness(
        bank_ear: Any, printer_sim: SimulatorProcess) -> None:  # noqa: F811
    """见证签约 by ear: the terms read aloud, no signature pad; the staff member signed in at
    the terminal witnesses with their own password (refused once: nothing signed, asked
    again); X on the pad during the PIN asks the witness again; then the PIN in the pad's own
    mode signs. The host records the witness, the receipt says 见证签约 and the staff id."""
    from kiosk.simcontrol.printer import HttpPrinterControl

    rig, staff = bank_ear, bank_ear.kiosk.staff
    printed = len(HttpPrinterControl(printer_sim.control).receipts())
    staff.show_sign_in()  # the staff member on duty signed in (the status strip says so)
    for field, text in ((staff.sign_in_view.staff_id, "S1001"),
                        (staff.sign_in_view.password, "246810")):
        rig.click(field)
        for char in text:
            rig.click(staff.sign_in_view.keyboard.keys[char])
    rig.click(staff.sign_in_view.submit_button)
    rig.wait_screen("staff_home")
    staff.start_journey()  # back to the home, still signed in
    rig.wait_screen("attract")

    rig.key("E")
    rig.key(choice(rig, "借钱"))
    rig.wait_screen("home_group")
    rig.key(choice(rig, "额度"))
    rig.wait_screen("insert_id")
    rig.reader.insert(rig.person("li_xiuying"))
    rig.wait_screen("welcome")
    rig.key("E")
    rig.wait_screen("insert_bank")
    rig.bank.insert("li_debit")
    rig.wait_screen("enter_pin")
    assert rig.pad.wait_for_mode("pin", 10)
    rig.pad.press("123456E")
    rig.qtbot.waitUntil(lambda: rig.screen() in ("reminder", "identified", "credit_line"),
                        timeout=15000)
    while (screen := rig.screen()) in ("reminder", "identified"):
        rig.qtbot.waitUntil(lambda: "按一，" in rig.heard(), timeout=5000)
        rig.key(choice(rig, "知道了") if screen == "reminder" else "1")  # 1: 完成
        rig.qtbot.waitUntil(lambda s=screen: rig.screen() != s, timeout=10000)
    rig.wait_screen("credit_line", timeout=15000)
    rig.qtbot.waitUntil(lambda: "去签约" in rig.heard(), timeout=5000)
    rig.key(choice(rig, "去签约"))

    rig.wait_screen("sign_line_terms", timeout=15000)
    rig.qtbot.waitUntil(lambda: "按确认键" in rig.heard(), timeout=5000)
    assert "八万元" in rig.all_heard(-3) and "百分之三点八五" in rig.all_heard(-3)
    rig.key("E")
    rig.wait_screen("sign_line_terms_more")
    rig.qtbot.waitUntil(lambda: "按确认键，去见证" in rig.heard(), timeout=5000)
    assert "请工作人员来见证签约" in rig.all_heard(-3)
    rig.key("E")  # no signature pad by ear: the witness
    rig.wait_screen("sign_line_witness")
    rig.qtbot.waitUntil(lambda: "按确认键，开始见证" in rig.heard(), timeout=5000)
    assert "请叫工作人员过来" in rig.all_heard(-3)

    # the staff member says no: plainly told, nothing signed, asked again by a key
    rig.key("E")
    rig.wait_screen("staff_authorize")
    what = staff.auth_view.what.text()
    assert "见证签约" in what and "李*英" in what and "80,000.00" in what and "看不清" in what
    assert "李秀英" not in what
    rig.click(staff.auth_view.refuse_button)
    rig.wait_screen("sign_line_witness_refused")
    rig.qtbot.waitUntil(lambda: "再请工作人员" in rig.heard(), timeout=5000)
    assert "工作人员没有确认见证。签约要工作人员在旁边见证。额度还没有签约" in rig.all_heard(-3)
    assert not host_line_of(rig)["signed"]
    rig.key(choice(rig, "再请工作人员"))
    rig.wait_screen("sign_line_witness")
    rig.key("E")
    rig.wait_screen("staff_authorize")
    staff_types_password(rig)
    rig.wait_screen("sign_line_pin", timeout=15000)
    assert rig.pad.wait_for_mode("pin", 10)  # the pad's own PIN mode
    rig.pad.press("12X")  # the farmer stops: X on the pad
    rig.wait_screen("sign_line_witness", timeout=10000)
    rig.qtbot.waitUntil(lambda: "按确认键，开始见证" in rig.heard(), timeout=5000)
    assert "您没有输密码，额度还没有签约" in rig.all_heard(-3)

    rig.key("E")
    rig.wait_screen("staff_authorize")
    staff_types_password(rig)
    rig.wait_screen("sign_line_pin", timeout=15000)
    assert rig.pad.wait_for_mode("pin", 10)
    rig.pad.press("123456E")
    rig.wait_screen("sign_line_success", timeout=20000)
    rig.qtbot.waitUntil(lambda: "签约成功" in rig.all_heard(-3), timeout=5000)
    rig.qtbot.waitUntil(lambda: "按确认键" in rig.heard(), timeout=5000)
    rig.key("E")
    rig.wait_screen("credit_line", timeout=15000)
    line_view = rig.runner.views_of("credit_line").line_view
    rig.qtbot.waitUntil(lambda: "已签约" in line_view.lines["signed"].text(), timeout=10000)

    host_line = host_line_of(rig)
    assert host_line["signed"] and host_line["witness"]["staff_id"] == "S1001"
    assert host_line["witness"]["mode"] == "audio_guided"
    auths = [a for a in rig.sim("GET", "/sim/ledger")["authorizations"]
             if a["action"] == "line_sign"]
    assert [a["used_by"] for a in auths] == [None, "L0002:sign"]  # the PIN-X one unused
    control = HttpPrinterControl(printer_sim.control)
    rig.qtbot.waitUntil(lambda: len(control.receipts()) > printed, timeout=15000)
    paper = (printer_sim.paper_dir / control.receipts()[-1]["text"]).read_text("utf-8")
    flat = paper.replace(" ", "")
    assert "额度签约回单" in flat and "签约方式：见证签约" in flat and "见证人：S1001" in flat
    assert "李秀英" not in paper and "6217991000002345671" not in paper
    audit = (rig.kiosk.staff.staff.audit.path).read_text("utf-8")
    record = json.loads(next(ln for ln in audit.splitlines() if "line_sign.witnessed" in ln))
    assert record["detail"]["staff_id"] == "S1001" and record["detail"]["method"] == "witnessed"
    assert record["detail"]["journal_key"] and record["detail"]["outcome"] == "success"
    assert "李" not in audit
