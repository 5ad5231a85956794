"""The simulator panel: a second window where a trainer or developer plays the farmer.

Pick a scenario person and put the ID card on the pad or take it away; insert or take out a
bank card; press keys on a drawn PIN pad; see the last receipt; inject each device's faults.
Each section appears when its device has a control object (``kiosk.simcontrol``), in-process
over a fake or over HTTP to a simulator, so the panel works the same whichever backend runs.
Control calls run on one background thread (an HTTP call must not stall the kiosk's GUI) and
their results come back through the bridge.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from kiosk.masking import mask_pan

log = logging.getLogger(__name__)

PANEL_STYLE = """
QWidget { font-size: 16px; }
QLabel { font-size: 16px; }
QPushButton { min-height: 36px; min-width: 48px; padding: 4px 12px; border-radius: 4px;
              border: 2px solid #1A1A1A; }
QGroupBox { font-weight: bold; margin-top: 12px; }
"""

PIN_KEYS = (("1", "2", "3"), ("4", "5", "6"), ("7", "8", "9"), ("C", "0", "B"), ("X", "E"))



class NoWheelComboBox(QComboBox):
    """A choice box that a scroll wheel passing over it does not change (the wheel scrolls
    the panel instead): only a click and a choice change it."""

    def wheelEvent(self, event: Any) -> None:
        event.ignore()


class SimPanel(QWidget):
    """The panel for one running kiosk (``kiosk.controls()`` gives the control objects)."""

    def __init__(self, kiosk: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kiosk = kiosk
        tr = kiosk.translator
        self._tr = tr
        self.setWindowTitle(tr("panel.title"))
        # closing the kiosk window ends the app even while the panel is open
        self.setAttribute(Qt.WidgetAttribute.WA_QuitOnClose, False)
        self.setStyleSheet(PANEL_STYLE)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sim-panel")
        self.controls: dict[str, Any] = kiosk.controls()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        # collapsible: folded, the panel is a small tab over the status strip's corner and
        # covers none of the kiosk's buttons
        self.fold_button = QPushButton(tr("panel.fold"))
        self.fold_button.setObjectName("panel-fold")
        self.fold_button.clicked.connect(self.toggle_folded)
        outer.addWidget(self.fold_button)
        scroll = QScrollArea()
        self.scroll = scroll
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer.addWidget(scroll)
        body = QWidget()
        scroll.setWidget(body)
        layout = QVBoxLayout(body)
        self.result = QLabel(tr("panel.ready"))
        self.result.setObjectName("panel-result")
        self.result.setWordWrap(True)
        builders = {
            "idcard": self._idcard_box,
            "iccard": self._iccard_box,
            "pinpad": self._pinpad_box,
            "printer": self._printer_box,
        }
        for kind, build in builders.items():
            control = self.controls.get(kind)
            if control is not None:
                layout.addWidget(build(control))
        if not self.controls:
            layout.addWidget(QLabel(tr("panel.no_controls")))
        layout.addWidget(self.result)
        layout.addStretch(1)
        self.resize(440, 700)
        screen = self.screen().availableGeometry()
        self.move(screen.right() - 440, screen.top())  # beside the kiosk, not on its buttons
        self.folded = False

    def toggle_folded(self) -> None:
        """Fold to a small tab at the top right (over the clock), or unfold."""
        self.folded = not self.folded
        self.scroll.setVisible(not self.folded)
        self.fold_button.setText(self._tr("panel.unfold" if self.folded else "panel.fold"))
        screen = self.screen().availableGeometry()
        width, height = (160, 40) if self.folded else (440, 700)
        self.setMinimumSize(0, 0)
        self.resize(width, height)
        self.move(screen.right() - width, screen.top())

    # --- running control calls off the GUI thread ---------------------------------------------

    def run(self, label: str, fn: Callable[[], Any], then: Callable[[Any], None] | None = None
            ) -> None:
        """Call ``fn`` on the panel's thread; show the outcome; ``then(result)`` on success."""
        self.result.setText(self._tr("panel.running", action=label))

        def job() -> None:
            try:
                value = fn()
            except Exception as exc:  # shown to the operator, never raised into Qt
                log.warning("panel action %s failed: %s", label, exc)
                self.kiosk.bridge.call_soon(_Done(self, label, None, str(exc)))
                return
            self.kiosk.bridge.call_soon(_Done(self, label, value, None, then))

        self._pool.submit(job)

    def finished(self, label: str, value: Any, error: str | None,
                 then: Callable[[Any], None] | None) -> None:
        if error is not None:
            self.result.setText(self._tr("panel.failed", action=label, error=error))
            return
        self.result.setText(self._tr("panel.done", action=label))
        if then is not None:
            then(value)

    def closeEvent(self, event: Any) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        super().closeEvent(event)

    # --- sections -----------------------------------------------------------------------------

    def _faults_row(self, control: Any) -> QHBoxLayout:
        row = QHBoxLayout()
        combo = NoWheelComboBox()
        try:
            combo.addItems(list(control.fault_kinds()))
        except Exception as exc:
            log.warning("fault kinds of %s: %s", control.kind, exc)
        inject = QPushButton(self._tr("panel.fault.set"))
        clear = QPushButton(self._tr("panel.fault.clear"))
        inject.clicked.connect(_Call(self._set_fault, control, combo))
        clear.clicked.connect(_Call(self._clear_fault, control))
        row.addWidget(QLabel(self._tr("panel.fault")))
        row.addWidget(combo, 1)
        row.addWidget(inject)
        row.addWidget(clear)
        return row

    def _set_fault(self, control: Any, combo: QComboBox) -> None:
        kind = combo.currentText()
        if kind:
            self.run(f"{control.kind} fault {kind}", _Call(control.set_fault, kind))

    def _clear_fault(self, control: Any) -> None:
        self.run(f"{control.kind} fault clear", control.clear_fault)

    def _idcard_box(self, control: Any) -> QGroupBox:
        box = QGroupBox(self._tr("panel.idcard"))
        v = QVBoxLayout(box)
        self.people = NoWheelComboBox()
        self.people.setObjectName("people")
        try:
            for person in control.people():
                self.people.addItem(f"{person.get('name', '')}  ({person.get('id')})",
                                    person.get("id"))
        except Exception as exc:
            log.warning("people: %s", exc)
        v.addWidget(self.people)
        row = QHBoxLayout()
        insert = QPushButton(self._tr("panel.idcard.insert"))
        insert.setObjectName("idcard-insert")
        remove = QPushButton(self._tr("panel.idcard.remove"))
        remove.setObjectName("idcard-remove")
        insert.clicked.connect(_Call(self._insert_id, control))
        remove.clicked.connect(_Call(self.run, "idcard remove", control.remove))
        row.addWidget(insert)
        row.addWidget(remove)
        v.addLayout(row)
        v.addLayout(self._faults_row(control))
        return box

    def _insert_id(self, control: Any) -> None:
        person = self.people.currentData()
        if person:
            self.run(f"idcard insert {person}", _Call(control.insert, person))

    def _iccard_box(self, control: Any) -> QGroupBox:
        box = QGroupBox(self._tr("panel.iccard"))
        v = QVBoxLayout(box)
        self.cards = NoWheelComboBox()
        try:
            for card in control.cards():
                self.cards.addItem(f"{card.get('id')}  {mask_pan(str(card.get('pan', '')))}",
                                   card.get("id"))
        except Exception as exc:
            log.warning("cards: %s", exc)
        v.addWidget(self.cards)
        row = QHBoxLayout()
        insert = QPushButton(self._tr("panel.iccard.insert"))
        remove = QPushButton(self._tr("panel.iccard.remove"))
        insert.clicked.connect(_Call(self._insert_card, control))
        remove.clicked.connect(_Call(self.run, "iccard remove", control.remove))
        row.addWidget(insert)
        row.addWidget(remove)
        v.addLayout(row)
        v.addLayout(self._faults_row(control))
        return box

    def _insert_card(self, control: Any) -> None:
        card = self.cards.currentData()
        if card:
            self.run(f"iccard insert {card}", _Call(control.insert, card))

    def _pinpad_box(self, control: Any) -> QGroupBox:
        box = QGroupBox(self._tr("panel.pinpad"))
        v = QVBoxLayout(box)
        grid = QGridLayout()
        names = {"C": "panel.pinpad.clear", "B": "panel.pinpad.back",
                 "E": "panel.pinpad.enter", "X": "panel.pinpad.cancel"}
        for r, keys in enumerate(PIN_KEYS):
            for c, key in enumerate(keys):
                text = self._tr(names[key]) if key in names else key
                button = QPushButton(text)
                button.setObjectName(f"pin-{key}")
                button.clicked.connect(_Call(self.run, "pinpad key", _Call(control.press, key)))
                grid.addWidget(button, r, c)
        v.addLayout(grid)
        v.addLayout(self._faults_row(control))
        return box

    def _printer_box(self, control: Any) -> QGroupBox:
        box = QGroupBox(self._tr("panel.printer"))
        v = QVBoxLayout(box)
        self.receipt = QPlainTextEdit()
        self.receipt.setReadOnly(True)
        self.receipt.setMinimumHeight(160)
        refresh = QPushButton(self._tr("panel.printer.last"))
        refresh.clicked.connect(_Call(self.run, "printer last receipt",
                                      _Call(_last_receipt, control), self._show_receipt))
        v.addWidget(refresh)
        v.addWidget(self.receipt)
        v.addLayout(self._faults_row(control))
        return box

    def _show_receipt(self, text: Any) -> None:
        self.receipt.setPlainText(str(text or self._tr("panel.printer.none")))


def _last_receipt(control: Any) -> str:
    receipts = list(control.receipts())
    if not receipts:
        return ""
    last = receipts[-1]
    n = last.get("n", len(receipts)) if isinstance(last, dict) else last
    return str(control.receipt_text(int(n)))


class _Call:
    """A picklable, lambda-free partial (slots must not be lambdas capturing widgets)."""

    __slots__ = ("args", "fn")

    def __init__(self, fn: Callable[..., Any], *args: Any) -> None:
        self.fn = fn
        self.args = args

    def __call__(self, *_ignored: Any) -> Any:
        return self.fn(*self.args)


class _Done:
    """Posted back to the GUI thread through the bridge."""

    __slots__ = ("error", "label", "panel", "then", "value")

    def __init__(self, panel: SimPanel, label: str, value: Any, error: str | None,
                 then: Callable[[Any], None] | None = None) -> None:
        self.panel, self.label, self.value, self.error, self.then = (
            panel, label, value, error, then)

    def __call__(self) -> None:
        self.panel.finished(self.label, self.value, self.error, self.then)
