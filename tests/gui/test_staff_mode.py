"""Staff and technician modes in the real GUI: the hidden gesture and the entry code on the PIN
pad, sign-in checked by the bank host simulator (mutual TLS), lockout shown, supervised
journey start, no PIN on any staff screen, the reprint authorisation (granted, refused, staff
signed out mid-way), the reprint and the day summary read back from the printer simulator,
and the technician self-test with a device faulted in its simulator."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit

from devices.iccard.fake import FakeIcCardReader
from devices.idcard.fake import FakeIdCardReader
from devices.pinpad.fake import FakePinPad
from devices.printer.escpos_driver import EscposReceiptPrinter
from devices.voice.fake import RecordingVoice
from kiosk.authorization import Outcome
from kiosk.receipts.samples import sample_receipts
from kiosk.receipts.store import PrintOutcome, ReceiptStore
from kiosk.simcontrol.printer import HttpPrinterControl
from kiosk.staff import SignOutReason
from kiosk.terminal import TerminalMode
from offline_queue.journal import Journal, TxState
from offline_queue.outbox import Outbox
from peripherals_sim.bank_host.process import HostProcess
from peripherals_sim.process import SimulatorProcess
from screens.staff import style
from screens.widgets.pin_dots import PinDots

from .conftest import TODAY, kiosk_config, sim_host_client

TERMINAL = "ZN610425001"


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostProcess]:
    with HostProcess(tmp_path_factory.mktemp("staff-bank-host")) as sim:
        yield sim


@pytest.fixture(scope="module")
def printer_sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatorProcess]:
    out = tmp_path_factory.mktemp("staff-printer")
    with SimulatorProcess("printer", ["--listen", "tcp://127.0.0.1:0", "--out", str(out),
                                      "--control", "0"]) as sim:
        yield sim


class StaffRig:
    def __init__(self, kiosk: Any, staff: Any, pad: FakePinPad, voice: RecordingVoice,
                 printer: HttpPrinterControl, host: HostProcess, qtbot: Any) -> None:
        self.kiosk, self.staff, self.pad, self.voice = kiosk, staff, pad, voice
        self.printer, self.host, self.qtbot = printer, host, qtbot
        self.shell = kiosk.shell

    def screen(self) -> str:
        return str(self.shell.current_name())

    def wait_screen(self, name: str, timeout: int = 8000) -> None:
        self.qtbot.waitUntil(lambda: self.screen() == name, timeout=timeout)

    def click(self, button: Any) -> None:
        self.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    def hold_corner(self) -> None:
        attract = self.shell.attract
        QTest.mousePress(attract, Qt.MouseButton.LeftButton, pos=QPoint(20, 20))
        self.qtbot.waitUntil(lambda: not self.staff.hold.pending, timeout=5000)
        QTest.mouseRelease(attract, Qt.MouseButton.LeftButton, pos=QPoint(20, 20))

    def enter(self, code: str = "BCBE") -> None:
        self.hold_corner()
        self.qtbot.waitUntil(lambda: self.pad.state()["mode"] == "plain", timeout=5000)
        self.pad.press(code)

    def type(self, keyboard: Any, text: str) -> None:
        for char in text:
            self.click(keyboard.keys[char])

    def sign_in(self, staff_id: str, password: str, technician: bool = False) -> None:
        view = self.staff.sign_in_view
        if technician:
            self.click(view.tech_mode)
        self.click(view.staff_id)
        self.type(view.keyboard, staff_id)
        self.click(view.password)
        self.type(view.keyboard, password)
        self.click(view.submit_button)

    def audit_actions(self) -> list[str]:
        path = Path(self.kiosk.config.state_dir) / "audit" / "audit.jsonl"
        return [json.loads(x)["action"] for x in path.read_text("utf-8").splitlines()]

    def receipt_texts(self) -> list[str]:
        return [self.printer.receipt_text(r["n"]) for r in self.printer.receipts()]

    def wait_receipts(self, count: int) -> list[str]:
        self.qtbot.waitUntil(lambda: len(self.printer.receipts()) >= count, timeout=10000)
        return self.receipt_texts()

    def sim(self, method: str, path: str, body: Any = None) -> Any:
        with requests.Session() as s:
            s.trust_env = False
            r = s.request(method, self.host.control + path, json=body, timeout=10)
        r.raise_for_status()
        return r.json()


@pytest.fixture()
def rig(qtbot: Any, state_dir: Path, host: HostProcess,
        printer_sim: SimulatorProcess) -> Iterator[StaffRig]:
    from kiosk.app import Kiosk, make_qt_app

    make_qt_app("zh_CN")
    client = sim_host_client(host, TERMINAL)
    control = HttpPrinterControl(printer_sim.control)
    control.clear_fault()
    printer = EscposReceiptPrinter(printer_sim.url)
    pad = FakePinPad(preload=False)
    voice = RecordingVoice()
    voice.open()
    config = kiosk_config(state_dir, **{"timeouts.idle_seconds": 30.0,
                                        "timeouts.idle_warning_seconds": 5.0,
                                        "staff.entry_hold_seconds": 1.0,
                                        "staff.max_failures": 2})
    kiosk = Kiosk(config, devices={"idcard": FakeIdCardReader(), "iccard": FakeIcCardReader(),
                                   "pinpad": pad, "printer": printer, "host": client},
                  voice_device=voice, remove_prompt=0.2, today=lambda: TODAY)
    qtbot.addWidget(kiosk.shell)
    kiosk.modes.settle()
    staff = kiosk.staff
    kiosk.start(show=True)
    try:
        qtbot.waitUntil(lambda: kiosk.host_signed_in, timeout=15000)
        yield StaffRig(kiosk, staff, pad, voice, control, host, qtbot)
    finally:
        kiosk.shutdown()
        control.clear_fault()


def test_gesture_code_and_sign_in_enter_supervised_mode(rig):
    rig.enter()
    rig.wait_screen("staff_sign_in")
    rig.sign_in("S1001", "246810")
    rig.wait_screen("staff_home")
    assert rig.staff.staff.current.staff_id == "S1001"
    assert "孙*" in rig.shell.status_strip.staff.full_text()
    assert "孙丽" not in rig.shell.status_strip.staff.full_text()
    assert rig.pad.state()["mode"] != "pin"
    rig.click(rig.staff.staff_home.sign_out_button)
    rig.wait_screen("attract")
    actions = rig.audit_actions()
    assert actions[:1] == ["staff.entry.gesture"]
    assert "staff.sign_in" in actions and actions[-1] == "staff.sign_out"


def test_a_short_touch_or_a_wrong_code_does_not_open_the_sign_in(rig):
    QTest.mouseClick(rig.shell.attract, Qt.MouseButton.LeftButton, pos=QPoint(20, 20))
    assert not rig.staff.hold.pending and rig.screen() == "attract"
    rig.enter("CCE")
    rig.qtbot.waitUntil(lambda: "staff.entry.code_wrong" in rig.audit_actions(), timeout=8000)
    assert rig.screen() == "attract"


def test_wrong_passwords_lock_the_sign_in_and_the_lock_is_shown(rig):
    rig.enter()
    rig.wait_screen("staff_sign_in")
    view = rig.staff.sign_in_view
    rig.sign_in("S1001", "111")
    rig.qtbot.waitUntil(lambda: "1" in view.message.text(), timeout=8000)
    assert view.message.text() == "\u00d7 工号或密码不对，还可以试 1 次"
    assert view.message_tone == "error"
    rig.sign_in("S1001", "222")
    rig.qtbot.waitUntil(lambda: "锁定" in view.message.text(), timeout=8000)
    assert not view.submit_button.isEnabled()
    assert rig.audit_actions().count("staff.lockout") == 1
    rig.click(view.cancel_button)
    rig.wait_screen("attract")
    rig.enter()  # coming back does not unlock
    rig.wait_screen("staff_sign_in")
    assert "锁定" in view.message.text() and not view.submit_button.isEnabled()


def _signed_in_staff(rig, staff_id="S1001", password="246810"):
    rig.enter()
    rig.wait_screen("staff_sign_in")
    rig.sign_in(staff_id, password)
    rig.wait_screen("staff_home")


def test_supervised_journey_start_and_no_pin_on_any_staff_screen(rig):
    _signed_in_staff(rig)
    staff_views = [rig.staff.sign_in_view, rig.staff.staff_home, rig.staff.tech_home,
                   rig.staff.reprint_view, rig.staff.unresolved_view, rig.staff.auth_view]
    for view in staff_views:
        assert not view.findChildren(PinDots), view.name
        names = [e.objectName() for e in view.findChildren(QLineEdit)]
        assert not [n for n in names if "pin" in n.lower()], (view.name, names)
    rig.click(rig.staff.staff_home.buttons["start_journey"])
    rig.wait_screen("attract")  # the farmer's home, the staff member still signed in
    terminal = rig.kiosk.terminal
    assert terminal.mode is TerminalMode.ATTRACT and terminal.staff == "孙*"
    assert rig.audit_actions()[-1] == "staff.start_journey"
    assert rig.kiosk.start_journey("identify")
    assert terminal.mode is TerminalMode.SUPERVISED
    assert "孙*" in rig.shell.status_strip.staff.full_text()
    assert rig.pad.state()["mode"] != "pin"


def test_staff_functions_asked_for_mid_journey_wait_for_the_safe_point(rig):
    _signed_in_staff(rig)
    rig.click(rig.staff.staff_home.buttons["start_journey"])
    rig.wait_screen("attract")
    runner = rig.kiosk.runner
    assert rig.kiosk.start_journey("identify")
    rig.qtbot.waitUntil(lambda: runner.session is not None, timeout=5000)
    # a host request that must finish is in flight (held by a slow host)
    rig.sim("POST", "/sim/fault", {"kind": "slow", "rate": 1.0, "paths": ["/v1/products"]})
    try:
        runner.request("host", "products", on_done=lambda c: None)
        assert runner.work_in_flight()
        rig.hold_corner()  # the staff member asks for the staff functions
        assert "mode:staff" in rig.kiosk.terminal.pending
        assert rig.screen() != "staff_home" and runner.session is not None
        rig.qtbot.waitUntil(lambda: not runner.work_in_flight(), timeout=20000)
    finally:
        rig.sim("DELETE", "/sim/fault")
    rig.wait_screen("staff_home", timeout=10000)  # granted once nothing was in flight
    assert runner.session is None  # the journey ended (cards back, session wiped) first
    assert rig.kiosk.terminal.mode is TerminalMode.STAFF
    assert "staff.functions.requested" in rig.audit_actions()


def _reprint_ready(rig):
    store = ReceiptStore(Path(rig.kiosk.config.state_dir))
    store.record(sample_receipts()["drawdown"], "zh_CN", PrintOutcome.PRINTED)
    _signed_in_staff(rig)
    rig.click(rig.staff.staff_home.buttons["reprint"])
    rig.wait_screen("staff_reprint")
    assert rig.staff.reprint_view.table.item(0, 0).text() == "20261128000101"
    rig.click(rig.staff.reprint_go)
    rig.wait_screen("staff_authorize")


def test_a_reprint_authorised_by_the_staff_member_prints_marked_补打(rig):
    before = len(rig.printer.receipts())
    _reprint_ready(rig)
    view = rig.staff.auth_view
    rig.type(view.keyboard, "246810")
    rig.click(view.confirm_button)
    texts = rig.wait_receipts(before + 1)
    assert "※ 补打 ※" in texts[-1] and "张*国" in texts[-1] and "张卫国" not in texts[-1]
    rig.wait_screen("staff_reprint")
    auths = rig.sim("GET", "/sim/ledger")["authorizations"]
    assert auths[-1]["action"] == "receipt_reprint" and auths[-1]["staff_id"] == "S1001"
    actions = rig.audit_actions()
    assert "authorization.granted" in actions and actions[-1] == "staff.reprint.list"
    assert "staff.reprint" in actions


def test_a_refused_reprint_prints_nothing_and_the_farmer_hears_why(rig):
    before = len(rig.printer.receipts())
    _reprint_ready(rig)
    rig.click(rig.staff.auth_view.refuse_button)
    rig.wait_screen("staff_reprint")
    assert "STAFF-AUTH-REFUSED" in rig.staff.reprint_view.message.text()
    assert rig.voice.spoken and "工作人员没有同意" in rig.voice.spoken[-1][1]
    assert len(rig.printer.receipts()) == before
    assert "authorization.refused" in rig.audit_actions()


def test_staff_signed_out_mid_way_cannot_continue(rig):
    before = len(rig.printer.receipts())
    _reprint_ready(rig)
    ticket = rig.staff._ticket
    rig.staff.staff.sign_out(SignOutReason.IDLE)  # the idle timer fired
    rig.wait_screen("attract")
    assert ticket.result.outcome is Outcome.STAFF_SIGNED_OUT
    assert "authorization.void" in rig.audit_actions()
    assert len(rig.printer.receipts()) == before
    assert rig.shell.status_strip.staff.full_text() != "孙*"


def test_the_day_summary_is_printed_and_reads_back_from_the_printer(rig):
    journal = Journal.open(Path(rig.kiosk.config.state_dir), TERMINAL)
    try:
        for amount in ("60000.00", "1500.50"):
            row = journal.prepare("drawdown", "C0001", amount, "ef" * 32)
            journal.move(row.serial, TxState.SENT, sent=True)
            journal.move(row.serial, TxState.CONFIRMED, host_ref=f"HR{row.serial}",
                         business_date=dt.date.today().isoformat())
        journal.prepare("repayment", "C0002", "300.00", "ef" * 32)  # unresolved
        outbox = Outbox(journal)
        for n in range(3):  # three messages still waiting for the host, one delivered
            outbox.enqueue("intention", {"n": n})
        outbox.delivered(outbox.enqueue("intention", {"n": 3}).id, {"ok": True})
    finally:
        journal.close()
    before = len(rig.printer.receipts())
    _signed_in_staff(rig)
    rig.click(rig.staff.staff_home.buttons["day_summary"])
    text = rig.wait_receipts(before + 1)[-1]
    assert "日终汇总" in text and "61,500.50" in text
    assert "S1001" in text
    outbox_line = next(line for line in text.splitlines() if "待发送" in line)
    assert "3笔" in outbox_line  # the outbox's real depth (pending only)
    home = rig.staff.staff_home
    rig.qtbot.waitUntil(lambda: "已打印" in home.message.text(), timeout=5000)
    # success reads as success: green with a tick, not the red of an error
    assert home.message_tone == "success" and home.message.text().startswith("\u2713")
    assert home.message.palette().windowText().color().name().upper() == style.SUCCESS_TEXT


def test_technician_self_test_names_the_device_faulted_in_its_simulator(rig):
    rig.printer.set_fault("paper_out")
    rig.enter()
    rig.wait_screen("staff_sign_in")
    rig.sign_in("T3001", "314159", technician=True)
    rig.wait_screen("technician_home")
    assert rig.shell.status_strip.staff.full_text() == "技术员：韩*"
    rig.click(rig.staff.tech_home.buttons["selftest"])
    rig.wait_screen("technician_selftest")
    view = rig.staff.selftest_view
    rig.qtbot.waitUntil(lambda: view.table.rowCount() == 5, timeout=15000)
    report = rig.staff.last_selftest
    assert report.failed == ["printer"] and report.source == "app"
    printer = next(c for c in report.checks if c.device == "printer")
    assert printer.problem == "paper_out"
    # one localized row per device: name, result, state, error code, version, time
    cells = [[view.table.item(r, c).text() for c in range(6)] for r in range(5)]
    by_name = {row[0]: row for row in cells}
    assert set(by_name) == {"身份证阅读器", "银行卡读卡器", "密码键盘", "凭条打印机", "银行主机"}
    assert by_name["凭条打印机"][1] == "\u00d7 故障" and by_name["凭条打印机"][3] == "PRN-PAPER-OUT"
    assert all(row[1] == "\u2713 正常" and row[3] == "" for name, row in by_name.items()
               if name != "凭条打印机")
    assert "1 项故障" in view.heading.text()
    # the failed device is selected: its code and the staff text in full, as an error
    assert view.message_tone == "error"
    assert "PRN-PAPER-OUT" in view.message.text() and "凭条打印机" in view.message.text()
    assert "FAIL" not in view.message.text() and "paper_out " not in view.heading.text()
    rig.printer.clear_fault()
    assert rig.audit_actions()[-1] == "diag.selftest"
    rig.click(rig.staff.selftest_again)  # the fault cleared: all pass now
    rig.qtbot.waitUntil(lambda: rig.staff.last_selftest is not report
                        and rig.staff.last_selftest.ok, timeout=15000)
    assert "全部正常" in view.heading.text() and view.message_tone == "success"
    rig.click(view.back_button)
    rig.wait_screen("technician_home")
    # the sign-in after the technician's is the staff's again (not left on 技术员)
    rig.staff.staff.sign_out()
    rig.staff.show_sign_in()
    assert not rig.staff.sign_in_view.technician
    assert rig.staff.sign_in_view.heading.text() == rig.kiosk.translator("staff.signin.title_staff")


def test_a_technician_cannot_enter_staff_mode(rig):
    rig.enter()
    rig.wait_screen("staff_sign_in")
    rig.sign_in("T3001", "314159")  # staff mode chosen
    view = rig.staff.sign_in_view
    rig.qtbot.waitUntil(lambda: "STAFF-ROLE" in view.message.text(), timeout=8000)
    assert rig.screen() == "staff_sign_in"


def test_the_farmers_help_calls_are_listed_for_the_staff(rig):
    assert rig.kiosk.start_journey("identify")
    rig.qtbot.waitUntil(lambda: rig.kiosk.runner.session is not None, timeout=5000)
    rig.kiosk.runner.ask_for_help()  # 呼叫工作人员
    rig.kiosk.runner.cancel()
    rig.qtbot.waitUntil(lambda: rig.kiosk.runner.session is None, timeout=10000)
    rig.wait_screen("attract")
    _signed_in_staff(rig)
    rig.click(rig.staff.staff_home.buttons["calls"])
    rig.wait_screen("staff_calls")
    table = rig.staff.calls_view.table
    assert table.rowCount() == 1 and table.item(0, 1).text()
    assert "staff.help_call" in rig.audit_actions()


def test_technician_test_reads_are_masked_until_an_audited_reveal_and_keys_never_pin(
        rig, demo_scenario):
    from peripherals_sim.scenario import by_id

    rig.enter()
    rig.wait_screen("staff_sign_in")
    rig.sign_in("T3001", "314159", technician=True)
    rig.wait_screen("technician_home")
    tech = rig.staff.tech_home
    person = dict(by_id(demo_scenario["people"], demo_scenario["people"][0]["id"]))
    rig.kiosk.devices["idcard"].insert(person)
    rig.click(tech.buttons["idcard_read"])
    rig.qtbot.waitUntil(lambda: "id_number" in tech.output.toPlainText(), timeout=10000)
    masked = tech.output.toPlainText()
    assert person["id_number"] not in masked and person["name"] not in masked
    rig.click(tech.buttons["reveal"])
    assert person["id_number"] in tech.output.toPlainText()
    assert rig.audit_actions()[-1] == "diag.reveal"
    rig.click(tech.buttons["keytest"])
    rig.qtbot.waitUntil(lambda: rig.pad.state()["mode"] == "plain", timeout=5000)
    rig.pad.press("12E")
    rig.qtbot.waitUntil(lambda: "enter" in tech.output.toPlainText(), timeout=10000)
    assert rig.staff.last_keys == ["1", "2", "enter"]
    assert rig.pad.state()["mode"] != "pin"
