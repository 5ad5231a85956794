"""The technician's key ceremony screen against the real KMY driver and the PIN pad simulator
(TCP, real wire protocol), sign-in checked by the bank host simulator over mutual TLS: two
custodians' components (hidden), each check value shown, the loaded key's check value equal to
the simulator's slot; no component on the screen or in the audit log; refusals (one person
twice, a malformed component), a cancelled ceremony leaves the pad as it was, audited."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QLineEdit

from devices.crypto import Algorithm, kcv, xor_components
from devices.iccard.fake import FakeIcCardReader
from devices.idcard.fake import FakeIdCardReader
from devices.pinpad.kmy import KmyPinPad
from devices.voice.fake import RecordingVoice
from kiosk.audit import audit_log
from kiosk.simcontrol.pinpad import over_http
from peripherals_sim.bank_host.process import HostProcess
from peripherals_sim.process import SimulatorProcess

from .conftest import TODAY, kiosk_config, sim_host_client

TERMINAL = "ZN610425001"


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostProcess]:
    with HostProcess(tmp_path_factory.mktemp("ceremony-host")) as sim:
        yield sim


@pytest.fixture(scope="module")
def pad_sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatorProcess]:
    with SimulatorProcess("pinpad", ["--listen", "tcp://127.0.0.1:0"],
                          state_dir=tmp_path_factory.mktemp("ceremony-pad")) as sim:
        yield sim


@pytest.fixture()
def kiosk(qtbot: Any, state_dir: Path, host: HostProcess,
          pad_sim: SimulatorProcess) -> Iterator[Any]:
    from kiosk.app import Kiosk, make_qt_app

    make_qt_app("zh_CN")
    client = sim_host_client(host, TERMINAL)
    voice = RecordingVoice()
    voice.open()
    config = kiosk_config(state_dir, **{"timeouts.idle_seconds": 60.0,
                                        "staff.entry_hold_seconds": 1.0,
                                        "accessibility.enabled": False})
    k = Kiosk(config, devices={"idcard": FakeIdCardReader(), "iccard": FakeIcCardReader(),
                               "pinpad": KmyPinPad(url=pad_sim.ready["url"],
                                                   reply_timeout=0.4),
                               "host": client},
              voice_device=voice, remove_prompt=0.2, today=lambda: TODAY)
    qtbot.addWidget(k.shell)
    k.modes.settle()
    k.start(show=True)
    try:
        yield k
    finally:
        k.shutdown()


def test_two_custodians_load_the_master_key_and_only_check_values_are_shown(
        kiosk: Any, qtbot: Any, pad_sim: SimulatorProcess) -> None:
    pad = over_http(pad_sim.ready["control"])
    staff = kiosk.staff

    def click(button: Any) -> None:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    def type_on(keyboard: Any, field: QLineEdit, text: str) -> None:
        click(field)
        for ch in text:
            click(keyboard.keys[ch])

    def screen() -> str:
        return str(kiosk.shell.current_name())

    # the technician comes in: corner hold, the entry code on the pad's keys, sign-in
    qtbot.waitUntil(lambda: kiosk.workers.get("pinpad") is not None
                    and kiosk.workers["pinpad"].running, timeout=15000)
    attract = kiosk.shell.attract
    QTest.mousePress(attract, Qt.MouseButton.LeftButton, pos=QPoint(20, 20))
    qtbot.waitUntil(lambda: not staff.hold.pending, timeout=5000)
    QTest.mouseRelease(attract, Qt.MouseButton.LeftButton, pos=QPoint(20, 20))
    assert pad.wait_for_mode("plain", 10)
    pad.press("BCBE")
    qtbot.waitUntil(lambda: screen() == "staff_sign_in", timeout=10000)
    view = staff.sign_in_view
    click(view.tech_mode)
    type_on(view.keyboard, view.staff_id, "T3001")
    type_on(view.keyboard, view.password, "314159")
    click(view.submit_button)
    qtbot.waitUntil(lambda: screen() == "technician_home", timeout=10000)

    click(staff.tech_home.buttons["key_ceremony"])
    assert screen() == "technician_key_ceremony"
    cv = staff.ceremony_view
    assert not cv.load_button.isEnabled() and "第 1 位保管员" in cv.step.text()
    click(cv.algorithm_buttons["sm4"])
    c1, c2 = os.urandom(16).hex().upper(), os.urandom(16).hex().upper()

    def add(custodian: str, component: str) -> None:
        if custodian:
            type_on(cv.keyboard, cv.custodian, custodian)
        type_on(cv.keyboard, cv.component, component)
        assert cv.component.echoMode() is QLineEdit.EchoMode.Password
        click(cv.add_button)

    add("S1001", "12345")  # not a component: refused, nothing kept
    assert cv.message_tone == "error" and "32 位" in cv.message.text()
    assert cv.component.text() == "" and cv.custodian.text() == "S1001"
    add("", c1)  # the component again; the custodian's number stays
    kcv1 = kcv(bytes.fromhex(c1), Algorithm.SM4).hex().upper()
    assert cv.message_tone == "success" and kcv1 in cv.message.text()
    assert "第 2 位保管员" in cv.step.text() and kcv1 in cv.checks.text()
    assert not cv.algorithm_buttons["3des"].isEnabled()  # fixed once a component is in
    add("S1001", c2)  # the same person again: refused
    assert cv.message_tone == "warning" and "不同的保管员" in cv.message.text()
    add("S1002", c2)
    kcv2 = kcv(bytes.fromhex(c2), Algorithm.SM4).hex().upper()
    assert kcv2 in cv.checks.text() and cv.load_button.isEnabled()
    assert not cv.add_button.isEnabled()
    click(cv.load_button)
    expected = kcv(xor_components(bytes.fromhex(c1), bytes.fromhex(c2)),
                   Algorithm.SM4).hex().upper()
    qtbot.waitUntil(lambda: "已灌注" in cv.message.text(), timeout=10000)
    assert cv.message_tone == "success" and expected in cv.message.text()
    assert pad.state()["slots"]["0"] == {"algorithm": "sm4", "kcv": expected}
    assert pad.state()["mode"] != "pin"
    # nothing of the components on the screen, in the fields or in the audit log
    shown = " ".join(lab.text() for lab in cv.findChildren(QLabel))
    shown += " ".join(f.text() for f in cv.findChildren(QLineEdit))
    assert c1 not in shown.upper() and c2 not in shown.upper()
    log = audit_log(Path(kiosk.config.state_dir))
    assert log.verify() == (True, None)
    text = log.path.read_text(encoding="utf-8")
    assert c1 not in text.upper() and c2 not in text.upper()
    records = [json.loads(line) for line in text.splitlines()]
    ceremony = [r for r in records if r["action"].startswith("pinpad.key_ceremony")]
    assert [r["action"] for r in ceremony] == ["pinpad.key_ceremony.start",
                                               "pinpad.key_ceremony.part",
                                               "pinpad.key_ceremony.part",
                                               "pinpad.key_ceremony.loaded"]
    assert all(r["actor"] == "technician:T3001" for r in ceremony)
    assert ceremony[-1]["detail"]["kcv"] == expected
    assert ceremony[-1]["detail"]["kcvs"] == [kcv1, kcv2]
    assert ceremony[-1]["detail"]["custodians"] == ["S1001", "S1002"]

    # a second ceremony, cancelled after one component: the pad keeps its key, audited
    click(cv.cancel_button)
    assert screen() == "technician_home"
    click(staff.tech_home.buttons["key_ceremony"])
    add("S1003", os.urandom(16).hex().upper())
    click(cv.cancel_button)
    assert screen() == "technician_home" and staff.ceremony is None
    assert pad.state()["slots"]["0"]["kcv"] == expected
    last = json.loads(log.path.read_text(encoding="utf-8").splitlines()[-1])
    assert last["action"] == "pinpad.key_ceremony.aborted"
    assert last["detail"] == {"device": "pinpad", "reason": "cancelled", "entered": 1}
