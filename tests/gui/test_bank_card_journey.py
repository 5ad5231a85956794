"""The whole identify journey with the bank card: the real GUI, real worker threads, the fake
ID card reader, bank card reader and PIN pad (real keys, real PIN blocks), and the bank host
simulator as a real process over HTTPS with mutual TLS. The kiosk signs in at start-up, so the
PIN pad holds the host's PIK and the host verifies the PIN from the PIN block.

Every exit path ends on the attract screen with the session wiped (identity, PAN, answer)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
from PySide6.QtWidgets import QLabel

from devices.iccard.fake import FakeIcCardReader
from devices.idcard.fake import FakeIdCardReader
from devices.pinpad.fake import FakePinPad
from devices.voice.fake import RecordingVoice
from kiosk.receipts.capitals import amount_in_capitals
from kiosk.voice import speakable_amount
from peripherals_sim.bank_host.process import HostProcess
from screens.chart import Outcome
from screens.journeys.identify.presenter import bank_step_available

from .conftest import TODAY, Rig, kiosk_config
from .test_runner import STARTED, probe_journeys  # noqa: F401 (fixture)

TERMINAL = "ZN610425001"
PIN_TIMEOUT = 1.5  # the PIN-timeout test only
# Every other test types its keys long before this, however loaded the machine is.
PIN_TIMEOUT_UNHURRIED = 30.0


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostProcess]:
    with HostProcess(tmp_path_factory.mktemp("bank-host")) as sim:
        yield sim


class BankRig(Rig):
    def __init__(self, *args: Any, bank: FakeIcCardReader, pad: FakePinPad,
                 host: HostProcess) -> None:
        super().__init__(*args)
        self.bank = bank
        self.pad = pad
        self.host = host

    def welcome(self, pid: str) -> Any:
        self.reader.remove()
        self.start()
        session = self.runner.session
        self.reader.insert(self.person(pid))
        self.wait_screen("welcome")
        assert self.identify.welcome_view.finish_button.text() == "下一步"
        self.click(self.identify.welcome_view.finish_button)
        self.wait_screen("insert_bank")
        return session

    def to_pin(self, pid: str, card: str) -> Any:
        session = self.welcome(pid)
        self.bank.insert(card)
        self.wait_screen("enter_pin")
        self.qtbot.waitUntil(lambda: self.pad.state()["mode"] == "pin", timeout=5000)
        return session

    def type_pin(self, keys: str) -> None:
        dots = self.identify.pin_view.dots
        for key in keys:
            before = dots.count
            self.pad.press(key)
            if key.isdigit():
                self.qtbot.waitUntil(lambda b=before: dots.count == b + 1, timeout=3000)

    def take_cards(self) -> Any:
        """The farmer ends the session (结束办理 when back on the home between journeys) and
        takes both cards."""
        if self.runner.between_journeys:
            assert self.shell.attract.end_button.isVisible()
            self.click(self.shell.attract.end_button)
        self.wait_screen("remove_id")
        self.reader.remove()
        self.bank.remove()
        return self.wait_home()

    def sim(self, method: str, path: str, body: Any = None) -> Any:
        with requests.Session() as s:
            s.trust_env = False
            r = s.request(method, self.host.control + path, json=body, timeout=10)
        r.raise_for_status()
        return r.json()


@pytest.fixture()
def bank_rig(qtbot: Any, state_dir: Path, demo_scenario: dict[str, Any],
             host: HostProcess) -> Iterator[BankRig]:
    yield from make_bank_rig(qtbot, state_dir, demo_scenario, host)


def make_bank_rig(qtbot: Any, state_dir: Path, demo_scenario: dict[str, Any],
                  host: HostProcess, *, read_timeout: float = 10.0,
                  settings: dict[str, Any] | None = None, **devices: Any) -> Iterator[BankRig]:
    """The kiosk with the fake card readers and PIN pad, the host simulator over mTLS, and
    ``devices`` besides (a printer); ``settings``: more config overrides (``money.…``),
    ``read_timeout``: the host clients' (a test of a host that answers too late)."""
    from kiosk.app import Kiosk, make_qt_app
    from kiosk.host import HostClient, HostSettings

    make_qt_app("zh_CN")
    t = host.ready["terminals"][TERMINAL]
    client = HostClient(HostSettings(
        url=host.url, terminal_id=TERMINAL, ca_file=Path(host.ready["ca_file"]),
        cert_file=Path(t["cert_file"]), key_file=Path(t["key_file"]),
        connect_timeout=3.0, read_timeout=read_timeout, retry_backoff=0.05))
    reader, bank, pad = FakeIdCardReader(), FakeIcCardReader(), FakePinPad(preload=False)
    voice = RecordingVoice()
    voice.open()
    config = kiosk_config(state_dir, **{"timeouts.idle_seconds": 6.0,
                                        "timeouts.idle_warning_seconds": 2.0,
                                        **(settings or {})})
    kiosk = Kiosk(config, devices={"idcard": reader, "iccard": bank, "pinpad": pad,
                                   "host": client, **devices},
                  voice_device=voice, remove_prompt=0.2, pin_timeout=PIN_TIMEOUT_UNHURRIED,
                  today=lambda: TODAY)
    qtbot.addWidget(kiosk.shell)
    kiosk.modes.settle()
    kiosk.start(show=True)
    try:
        rig = BankRig(kiosk, reader, voice, demo_scenario, qtbot, bank=bank, pad=pad, host=host)
        qtbot.waitUntil(lambda: kiosk.host_signed_in, timeout=15000)
        yield rig
    finally:
        kiosk.shutdown()


def all_texts(widget: Any) -> str:
    return "\n".join(label.text() for label in widget.findChildren(QLabel))


def assert_wiped(rig: Rig, session: Any) -> None:
    assert rig.runner.session is None
    assert session.identity is None and not session.active
    assert session.account is None
    assert rig.screen() == "attract"


def test_sign_in_loaded_the_hosts_working_keys_into_the_pin_pad(bank_rig: BankRig) -> None:
    slots = bank_rig.pad.state()["slots"]
    assert "0/1" in slots and "0/2" in slots  # PIK and MAK, from the host, KCVs checked
    assert bank_rig.kiosk.host_status.signed_in


def test_zhang_weiguo_pin_123456_welcome_then_installment_reminder_then_home(
        bank_rig: BankRig) -> None:
    rig = bank_rig
    session = rig.to_pin("zhang_weiguo", "zhang_debit")
    assert "密码键盘" in rig.spoken_texts()[-1]
    assert session.account.pan == "6217991000001234561"
    dots = rig.identify.pin_view.dots
    assert dots.count == 0 and dots.max_len == 6
    rig.type_pin("123")
    assert dots.count == 3
    shown = all_texts(rig.shell)
    assert "123" not in shown and "6217991000001234561" not in shown
    rig.type_pin("456E")
    rig.wait_screen("reminder", timeout=15000)
    assert not session.holds_pin_block  # handed to the host once, not kept
    customer = session.customer
    assert customer.pin_verified and customer.card_verified
    due = [r for r in customer.reminders if r.kind == "due_soon"]
    assert due, customer.reminders
    amount = Decimal(str(due[0].amount))
    view = rig.identify.reminder_view
    text = view.page_text()
    assert f"{amount:,.2f}" in view.amount_label.text()  # at heading size
    assert view.amount_label.property("role") == "amount"
    assert amount_in_capitals(amount) in text
    assert "张*国" in view.body.text()
    spoken = rig.spoken_texts()[-1]
    assert speakable_amount(amount).rstrip("元") in spoken or speakable_amount(amount) in spoken
    rig.click(view.ack_button)
    rig.wait_screen("identified")
    assert "张*国" in rig.identify.identified_view.name_label.text()
    assert "张卫国" not in all_texts(rig.shell)
    rig.click(rig.identify.identified_view.finish_button)
    # identified once: the farmer is back on the home to pick a service, greeted by name
    rig.wait_screen("attract")
    assert rig.runner.between_journeys and rig.runner.session is session
    assert "张*国" in rig.shell.attract.heading.text()
    assert rig.kiosk.home.can_start("credit_line")  # no cards asked again
    rig.click(rig.shell.attract.end_button)  # 结束办理
    rig.wait_screen("remove_id")
    assert "银行卡" in rig.runner.remove_view.heading.text()
    assert "银行卡" in rig.spoken_texts()[-1]
    assert rig.take_cards() is Outcome.DONE
    assert_wiped(rig, session)


def test_wang_jianjun_hears_the_overdue_reminder(bank_rig: BankRig) -> None:
    rig = bank_rig
    session = rig.to_pin("wang_jianjun", "wang_debit")
    rig.type_pin("123456E")
    rig.wait_screen("reminder", timeout=15000)
    reminders = session.customer.reminders
    overdue = next(r for r in reminders if r.kind == "overdue")
    view = rig.identify.reminder_view
    assert view.heading.text().startswith("⚠")
    assert "逾期" in view.page_text()
    assert amount_in_capitals(Decimal(str(overdue.amount))) in view.page_text()
    spoken = rig.spoken_texts()[-1]
    assert "逾期" in spoken and "天" in spoken
    rig.click(view.ack_button)
    rig.wait_screen("identified")
    rig.runner.finish()
    assert rig.take_cards() is Outcome.DONE
    assert_wiped(rig, session)


def test_wrong_pin_is_refused_by_the_host_spoken_and_may_be_typed_again(
        bank_rig: BankRig) -> None:
    rig = bank_rig
    session = rig.to_pin("zhang_weiguo", "zhang_debit")
    rig.type_pin("654321E")
    rig.wait_screen("error", timeout=15000)
    assert rig.runner.last_error.code == "HOST-PIN-WRONG"
    view = rig.identify.error_view
    # not a failure screen: how many tries are left, in plain words; the code only small
    assert view.heading.text() == "密码不对" and view.heading.property("role") == "heading"
    assert "还可以再试 2 次" in view.body.text() and "HOST" not in view.body.text()
    assert view.code_label.text() == "HOST-PIN-WRONG"
    assert view.code_label.property("role") == "staff-code"
    assert "还可以再试" in rig.spoken_texts()[-1]
    retry = rig.identify.error_view.retry_button
    assert retry.isVisible()
    rig.click(retry)
    rig.wait_screen("enter_pin")
    rig.qtbot.waitUntil(lambda: rig.pad.state()["mode"] == "pin", timeout=5000)
    assert rig.identify.pin_view.dots.count == 0
    rig.type_pin("123456E")
    rig.wait_screen("reminder", timeout=15000)  # the right PIN resets the host's try counter
    rig.runner.cancel()
    assert rig.take_cards() is Outcome.CANCELED
    assert_wiped(rig, session)


def test_cancel_on_the_pin_pad_ends_the_journey_and_returns_the_cards(
        bank_rig: BankRig) -> None:
    rig = bank_rig
    session = rig.to_pin("zhang_weiguo", "zhang_debit")
    rig.type_pin("12X")
    assert rig.take_cards() is Outcome.CANCELED
    assert_wiped(rig, session)


def test_pin_entry_times_out_with_voice_and_may_be_retried_or_ended(
        bank_rig: BankRig) -> None:
    rig = bank_rig
    rig.runner.timeouts = dataclasses.replace(rig.runner.timeouts,
                                                  pin_entry=PIN_TIMEOUT)
    session = rig.to_pin("zhang_weiguo", "zhang_debit")
    rig.wait_screen("error", timeout=int((PIN_TIMEOUT + 5) * 1000))
    assert rig.runner.last_error.code == "PIN-TIMEOUT"
    assert rig.voice.spoken[-1][1]  # the timeout was spoken
    assert rig.kiosk.voice.last_msgid == "error.PIN-TIMEOUT.voice"
    assert rig.identify.error_view.retry_button.isVisible()
    rig.click(rig.identify.error_view.finish_button)
    assert rig.take_cards() is Outcome.FAILED
    assert_wiped(rig, session)


def test_card_pulled_mid_read_asks_again_then_goes_on(bank_rig: BankRig) -> None:
    rig = bank_rig
    session = rig.welcome("zhang_weiguo")
    rig.bank.set_fault("remove_during_read")
    rig.bank.insert("zhang_debit")
    rig.qtbot.waitUntil(rig.identify.insert_bank_view.notice.isVisible, timeout=5000)
    assert rig.screen() == "insert_bank"
    assert "拔" in rig.identify.insert_bank_view.notice.text()
    assert "拔" in rig.spoken_texts()[-1] and "请插入银行卡" in rig.spoken_texts()[-1]
    rig.bank.clear_fault()
    rig.bank.insert("zhang_debit")
    rig.wait_screen("enter_pin")
    assert not rig.identify.insert_bank_view.notice.isVisible()
    rig.click(rig.identify.pin_view.cancel_button)
    assert rig.take_cards() is Outcome.CANCELED
    assert_wiped(rig, session)


def test_card_taken_out_during_pin_entry_is_noticed_and_asked_again(bank_rig: BankRig) -> None:
    rig = bank_rig
    session = rig.to_pin("zhang_weiguo", "zhang_debit")
    rig.bank.remove()
    rig.wait_screen("insert_bank")
    assert rig.identify.insert_bank_view.notice.isVisible()
    rig.qtbot.waitUntil(lambda: rig.pad.state()["mode"] == "off", timeout=5000)
    rig.runner.cancel()
    assert rig.take_cards() is Outcome.CANCELED
    assert_wiped(rig, session)


def test_two_accounts_on_one_chip_are_offered_as_choices(bank_rig: BankRig) -> None:
    rig = bank_rig
    session = rig.welcome("wang_jianjun")
    rig.bank.insert("wang_dual")
    rig.wait_screen("choose_account")
    choices = rig.identify.choose_view.visible_choices()
    assert len(choices) == 2  # debit and credit; e-cash is not an account
    assert "借记卡" in choices[0] and "信用卡" in choices[1]
    rig.click(rig.identify.choose_view.choice_buttons[1])
    rig.wait_screen("enter_pin")
    assert session.account.aid == "A000000333010102"
    rig.type_pin("X")
    assert rig.take_cards() is Outcome.CANCELED
    assert_wiped(rig, session)


def test_expired_bank_card_is_a_spoken_error_then_both_cards_back(bank_rig: BankRig) -> None:
    rig = bank_rig
    session = rig.welcome("zhang_weiguo")
    rig.bank.insert("expired_debit")
    rig.wait_screen("error")
    assert rig.runner.last_error.code == "ICC-EXPIRED"
    assert rig.kiosk.voice.last_msgid == "error.ICC-EXPIRED.voice"
    assert not rig.identify.error_view.retry_button.isVisible()
    rig.click(rig.identify.error_view.finish_button)
    assert rig.take_cards() is Outcome.FAILED
    assert_wiped(rig, session)


def test_host_unreachable_is_a_plain_spoken_error_then_home(bank_rig: BankRig) -> None:
    rig = bank_rig
    session = rig.to_pin("zhang_weiguo", "zhang_debit")
    rig.sim("POST", "/sim/fault", {"kind": "reset", "rate": 1.0,
                                   "paths": ["/v1/customers/identify"]})
    try:
        rig.type_pin("123456E")
        rig.wait_screen("error", timeout=20000)
    finally:
        rig.sim("DELETE", "/sim/fault")
    code = rig.runner.last_error.code
    assert code in ("HOST-CONNECTION", "HOST-TIMEOUT", "HOST-UNAVAILABLE"), code
    assert rig.kiosk.voice.last_msgid == f"error.{code}.voice"
    assert not rig.identify.error_view.retry_button.isVisible()
    rig.click(rig.identify.error_view.finish_button)
    assert rig.take_cards() is Outcome.FAILED
    assert_wiped(rig, session)



def test_host_down_at_start_the_journey_ends_after_the_id_card(
        qtbot: Any, state_dir: Path, demo_scenario: dict[str, Any], host: HostProcess) -> None:
    """No bank card and PIN asked in vain: with the host unreachable the welcome finishes."""
    import socket

    from kiosk.app import Kiosk, make_qt_app
    from kiosk.host import HostClient, HostSettings

    make_qt_app("zh_CN")
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t = host.ready["terminals"][TERMINAL]
    client = HostClient(HostSettings(
        url=f"https://127.0.0.1:{port}", terminal_id=TERMINAL,
        ca_file=Path(host.ready["ca_file"]), cert_file=Path(t["cert_file"]),
        key_file=Path(t["key_file"]), connect_timeout=1.0, read_timeout=1.0,
        retry_backoff=0.01, get_retries=0))
    reader = FakeIdCardReader()
    voice = RecordingVoice()
    voice.open()
    kiosk = Kiosk(kiosk_config(state_dir), devices={
        "idcard": reader, "iccard": FakeIcCardReader(), "pinpad": FakePinPad(preload=False),
        "host": client}, voice_device=voice, remove_prompt=0.2, today=lambda: TODAY)
    qtbot.addWidget(kiosk.shell)
    kiosk.modes.settle()
    kiosk.start(show=True)
    try:
        rig = Rig(kiosk, reader, voice, demo_scenario, qtbot)
        qtbot.waitUntil(lambda: kiosk.terminal.host_status is not None
                        and not kiosk.terminal.host_ready, timeout=15000)
        assert not bank_step_available(kiosk.runner)
        rig.start()
        session = rig.runner.session
        rig.reader.insert(rig.person("zhang_weiguo"))
        rig.wait_screen("welcome")
        assert rig.identify.welcome_view.finish_button.text() == "完成"
        rig.click(rig.identify.welcome_view.finish_button)
        rig.wait_screen("remove_id")
        rig.reader.remove()
        assert rig.wait_home() is Outcome.DONE
        assert_wiped(rig, session)
    finally:
        kiosk.shutdown()


def test_a_whole_journey_leaves_no_pan_name_id_number_or_pin_block_in_the_logs(
        bank_rig: BankRig, state_dir: Path) -> None:
    import io

    from devices.pinpad.contract import PinBlock
    from kiosk.logs import setup_logging, teardown_logging

    rig = bank_rig
    blocks: list[str] = []

    def keep_block(completion: Any) -> None:
        if isinstance(completion.data, PinBlock):
            blocks.append(completion.data.hex())

    rig.kiosk.bridge.completed.connect(keep_block)
    stream = io.StringIO()
    setup_logging(state_dir, "DEBUG", stream=stream)
    try:
        rig.to_pin("zhang_weiguo", "zhang_debit")
        rig.type_pin("123456E")
        rig.wait_screen("reminder", timeout=15000)
        rig.runner.cancel()
        rig.take_cards()
    finally:
        teardown_logging()
    text = stream.getvalue()
    zhang = rig.person("zhang_weiguo")
    assert "session ended" in text
    assert "6217991000001234561" not in text
    assert zhang["name"] not in text and zhang["id_number"] not in text
    assert len(blocks) == 1
    assert blocks[0] not in text and blocks[0].lower() not in text


@pytest.mark.usefixtures("probe_journeys")
def test_a_journey_needing_identification_runs_the_identify_step_first(
        bank_rig: BankRig) -> None:
    rig = bank_rig
    rig.reader.remove()
    assert rig.runner.start("probe_identified")
    rig.wait_screen("insert_id")
    session = rig.runner.session
    rig.reader.insert(rig.person("li_xiuying"))
    rig.wait_screen("welcome")
    rig.click(rig.identify.welcome_view.finish_button)
    rig.wait_screen("insert_bank")
    card = next(c for c in rig.scenario["customers"] if c["person"] == "li_xiuying")["cards"][0]
    pin = next(c for c in rig.scenario["cards"] if c["id"] == card)["pin"]
    rig.bank.insert(card)
    rig.wait_screen("enter_pin")
    rig.qtbot.waitUntil(lambda: rig.pad.state()["mode"] == "pin", timeout=5000)
    assert not STARTED
    rig.type_pin(pin + "E")
    rig.wait_screen("identified", timeout=15000)
    assert session.identified and rig.identify.identified_view.finish_button.isVisible()
    rig.click(rig.identify.identified_view.finish_button)
    rig.wait_screen("probe")
    assert len(STARTED) == 1 and rig.runner.current == "probe_identified"
    assert rig.runner.session is session and session.identified  # no second identification
    rig.runner.end(Outcome.DONE)
    assert rig.take_cards() is Outcome.DONE  # both cards asked back at the end
    assert_wiped(rig, session)
