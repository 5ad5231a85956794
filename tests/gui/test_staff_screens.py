"""Every staff and technician screen at 1280x800 and 1024x768, filled as in use: text never
under 24 px, touch targets at least 64 x 64 px, nothing clipped or outside the window.
With ``KIOSK_STAFF_SCREENSHOTS=DIR`` each screen is also saved as a PNG to look at."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QWidget

from kiosk.receipts.samples import sample_receipts
from kiosk.receipts.store import PrintOutcome, ReceiptStore
from offline_queue.journal import Journal, TxState
from screens.staff import style

from .conftest import Rig
from .test_ux_rules import SIZES, rect_in, settle, visible

SHOTS = os.environ.get("KIOSK_STAFF_SCREENSHOTS")


def fill(rig: Rig) -> list[tuple[str, QWidget]]:
    staff = rig.kiosk.staff
    state = Path(rig.kiosk.config.state_dir)
    store = ReceiptStore(state)
    samples = sample_receipts()
    for name in ("drawdown", "repayment", "intention"):
        store.record(samples[name], "zh_CN", PrintOutcome.PRINTED)
    journal = Journal.open(state, "ZN610425001")
    try:
        row = journal.prepare("repayment", "C0003", "4453.45", "ab" * 32)
        journal.move(row.serial, TxState.SENT, sent=True)
        journal.move(row.serial, TxState.UNKNOWN, reason="timeout")
        journal.prepare("drawdown", "C0001", "60000.00", "ab" * 32)
    finally:
        journal.close()
    tr = rig.kiosk.translator
    staff.sign_in_view.reset()
    staff.sign_in_view.staff_id.setText("S1001")
    staff.sign_in_view.password.setText("246810")
    staff.sign_in_view.show_message(tr("staff.signin.locked", minutes=5))
    staff.staff_home.heading.setText(tr("staff.home.title", name="孙*"))
    staff.staff_home.show_message(tr("staff.day_summary.printed"), "success")
    staff.show_reprints()
    staff.show_unresolved()
    staff.calls.append((dt.datetime(2026, 11, 28, 10, 15), "identify"))
    staff.show_calls()
    staff.auth_view.ask(tr("staff.auth.what.reprint", serial="20261128000101"))
    staff.auth_view.show_message(tr("staff.signin.wrong", tries=2))
    staff.tech_home.heading.setText(tr("staff.tech.title", name="韩*"))
    staff.tech_home.show_message(tr("staff.tech.out_of_service_now"), "warning")
    cv = staff.ceremony_view  # the key ceremony after the first custodian's component
    cv.set_algorithm("3des", changeable=False)
    cv.ask(tr("staff.ceremony.step", n=2), tr("staff.ceremony.part_kcv", n=1,
                                              kcv="08D7B4FB629D0885"), True, False)
    cv.custodian.setText("S1002")
    cv.component.setText("0" * 32)
    cv.show_message(tr("staff.ceremony.part_added", n=1, kcv="08D7B4FB629D0885"), "success")
    staff.selftest()
    rig.qtbot.waitUntil(lambda: staff.selftest_view.table.rowCount() > 0, timeout=10000)
    return [("technician_selftest", staff.selftest_view),
            ("technician_key_ceremony", staff.ceremony_view),
            ("staff_sign_in", staff.sign_in_view), ("staff_home", staff.staff_home),
            ("staff_reprint", staff.reprint_view), ("staff_unresolved", staff.unresolved_view),
            ("staff_calls", staff.calls_view),
            ("staff_authorize", staff.auth_view), ("technician_home", staff.tech_home)]


def check_staff_page(page: QWidget, name: str) -> None:
    for label in visible(page, QLabel):
        if not label.text():
            continue
        assert label.font().pixelSize() >= style.TEXT_PX, (name, label.text())
        if label.wordWrap():
            assert label.heightForWidth(label.width()) <= label.height() + 1, (name, label.text())
        else:
            assert label.sizeHint().width() <= label.width() + 1, (name, label.text())
        assert page.rect().contains(rect_in(page, label)), (name, label.text())
    for b in visible(page, QPushButton):
        assert b.width() >= style.TARGET_PX and b.height() >= style.TARGET_PX, (name, b.text())
        assert b.font().pixelSize() >= style.TEXT_PX, (name, b.text())
        assert b.sizeHint().width() <= b.width() + 1, (name, b.text())
        assert page.rect().contains(rect_in(page, b)), (name, b.text())
    for field in visible(page, QLineEdit):
        assert field.height() >= style.TARGET_PX, (name, field.objectName())


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_staff_and_technician_screen_follows_the_staff_rules(
        rig: Rig, size: tuple[int, int]) -> None:
    w, h = size
    rig.shell.resize(w, h)
    for name, page in fill(rig):
        rig.shell.show_screen(page)
        settle()
        assert rig.shell.width() == w and rig.shell.height() == h, name
        check_staff_page(page, name)
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            rig.shell.grab().save(str(Path(SHOTS) / f"{name}-{w}x{h}.png"))


def test_the_password_is_never_shown_in_clear(rig: Rig) -> Any:
    staff = rig.kiosk.staff
    for field in (staff.sign_in_view.password, staff.auth_view.password):
        assert field.echoMode() is QLineEdit.EchoMode.Password
    assert dt.date.today()  # the screens above use today's journal rows
