"""The simulator panel plays the farmer through the same control objects as the autopilot."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QPushButton

from devices.idcard.contract import IdCardError
from kiosk.sim_panel.window import SimPanel

from .conftest import Rig


def button(panel: SimPanel, name: str) -> QPushButton:
    found = panel.findChild(QPushButton, name)
    assert found is not None, name
    return found


def test_panel_places_the_chosen_person_on_the_reader_and_drives_the_journey(rig: Rig) -> None:
    panel = SimPanel(rig.kiosk)
    rig.qtbot.addWidget(panel)
    panel.show()
    people = panel.findChild(QComboBox, "people")
    ids = [people.itemData(i) for i in range(people.count())]
    assert "zhang_weiguo" in ids and "chen_deming" in ids
    rig.start()
    people.setCurrentIndex(ids.index("zhang_weiguo"))
    rig.click(button(panel, "idcard-insert"))
    rig.wait_screen("welcome")
    assert "张*国" in rig.identify.welcome_view.name_label.text()
    rig.qtbot.waitUntil(lambda: "完成" in panel.result.text(), timeout=3000)
    rig.click(button(panel, "idcard-remove"))
    rig.qtbot.waitUntil(lambda: rig.reader.card is None, timeout=3000)
    rig.runner.finish()
    rig.wait_home()


def test_panel_injects_and_clears_a_reader_fault(rig: Rig) -> None:
    panel = SimPanel(rig.kiosk)
    rig.qtbot.addWidget(panel)
    fault_combo = next(c for c in panel.findChildren(QComboBox) if c.objectName() != "people")
    kinds = [fault_combo.itemText(i) for i in range(fault_combo.count())]
    fault_combo.setCurrentIndex(kinds.index("read_fail"))
    inject = next(b for b in panel.findChildren(QPushButton) if b.text() == "注入")
    clear = next(b for b in panel.findChildren(QPushButton) if b.text() == "清除"
                 and b.objectName() == "")
    rig.click(inject)
    rig.qtbot.waitUntil(lambda: rig.reader.fault is IdCardError.READ_FAILED, timeout=3000)
    rig.click(clear)
    rig.qtbot.waitUntil(lambda: rig.reader.fault is None, timeout=3000)


def test_the_wheel_over_a_choice_box_changes_nothing_and_the_panel_folds_away(rig: Rig) -> None:
    from PySide6.QtCore import QPoint, QPointF, Qt
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    panel = SimPanel(rig.kiosk)
    rig.qtbot.addWidget(panel)
    panel.show()
    people = panel.findChild(QComboBox, "people")
    before = people.currentIndex()
    wheel = QWheelEvent(QPointF(10, 10), QPointF(people.mapToGlobal(QPoint(10, 10))),
                        QPoint(0, 0), QPoint(0, -120), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(people, wheel)
    assert people.currentIndex() == before
    full = panel.size()
    rig.click(button(panel, "panel-fold"))
    assert panel.folded and panel.width() < full.width() // 2 and panel.height() <= 60
    rig.click(button(panel, "panel-fold"))
    assert not panel.folded and panel.scroll.isVisible()
