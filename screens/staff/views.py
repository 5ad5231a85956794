"""The staff and technician screens (views only: the controller fills and wires them)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kiosk.i18n import Translator
from screens.staff import style
from screens.staff.keyboard import OnScreenKeyboard


class StaffPage(QWidget):
    """Base of every staff screen: heading, a message line, content, a footer of actions."""

    def __init__(self, name: str, tr: Translator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.tr = tr
        self.setObjectName("staffscreen")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(style.STYLE)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(20, 14, 20, 14)
        outer.setSpacing(style.GAP_PX)
        self.heading = style.label("heading", name="heading")
        self.message = style.label(name="message")
        outer.addWidget(self.heading)
        outer.addWidget(self.message)
        self.content = QVBoxLayout()
        self.content.setSpacing(style.GAP_PX)
        outer.addLayout(self.content, 1)
        self.footer = QHBoxLayout()
        self.footer.setSpacing(style.GAP_PX)
        outer.addLayout(self.footer)

    def add_action(self, text_id: str, name: str, primary: bool = False) -> QPushButton:
        b = style.button(self.tr(text_id), primary=primary, name=name)
        b.setStyleSheet(f"min-width: {style.FOOTER_BUTTON_PX - 14}px;")
        self.footer.addWidget(b)
        return b

    def show_message(self, text: str, tone: str = "info") -> None:
        """A one-line outcome: ``tone`` success, info, warning or error (colour + symbol)."""
        self.message_tone = tone
        style.set_tone(self.message, text, tone)


class _AttachOnPress(QObject):
    """Clicking a line edit makes it the keyboard's target."""

    def __init__(self, keyboard: OnScreenKeyboard, field: QLineEdit) -> None:
        super().__init__(field)
        self.keyboard, self.field = keyboard, field
        field.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.MouseButtonPress:
            self.keyboard.attach(self.field)
        return False


class SignInView(StaffPage):
    """Staff number + password on the on-screen keyboard; 员工 or 技术员 mode."""

    submitted = Signal(str, str)
    cancelled = Signal()

    def __init__(self, tr: Translator, parent: QWidget | None = None) -> None:
        super().__init__("staff_sign_in", tr, parent)
        self.technician = False
        self.staff_mode = style.button(tr("staff.signin.mode_staff"), name="mode-staff")
        self.tech_mode = style.button(tr("staff.signin.mode_technician"), name="mode-technician")
        self.staff_mode.clicked.connect(lambda: self.set_technician(False))
        self.tech_mode.clicked.connect(lambda: self.set_technician(True))
        self.footer.addWidget(self.staff_mode)  # the mode toggle, left in the footer
        self.footer.addWidget(self.tech_mode)
        fields = QGridLayout()
        fields.setSpacing(style.GAP_PX)
        self.staff_id = QLineEdit(objectName="staff-id")
        self.password = QLineEdit(objectName="password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        id_label = style.label()
        id_label.setText(tr("staff.signin.staff_id"))
        pw_label = style.label()
        pw_label.setText(tr("staff.signin.password"))
        fields.addWidget(id_label, 0, 0)
        fields.addWidget(self.staff_id, 0, 1)
        fields.addWidget(pw_label, 1, 0)
        fields.addWidget(self.password, 1, 1)
        self.content.addLayout(fields)
        self.keyboard = OnScreenKeyboard(tr)
        self.content.addWidget(self.keyboard)
        _AttachOnPress(self.keyboard, self.staff_id)
        _AttachOnPress(self.keyboard, self.password)
        self.keyboard.attach(self.staff_id)
        self.footer.addStretch(1)
        self.cancel_button = self.add_action("common.cancel", "cancel")
        self.submit_button = self.add_action("staff.signin.submit", "submit", primary=True)
        self.cancel_button.clicked.connect(self.cancelled)
        self.submit_button.clicked.connect(self._submit)
        self.set_technician(False)

    def set_technician(self, technician: bool) -> None:
        self.technician = technician
        self.heading.setText(self.tr("staff.signin.title_technician" if technician
                                     else "staff.signin.title_staff"))
        self.staff_mode.setProperty("role", "secondary" if technician else "primary")
        self.tech_mode.setProperty("role", "primary" if technician else "secondary")
        for b in (self.staff_mode, self.tech_mode):
            b.style().unpolish(b)
            b.style().polish(b)

    def reset(self) -> None:
        self.staff_id.clear()
        self.password.clear()
        self.keyboard.attach(self.staff_id)
        self.show_message("")
        self.set_busy(False)
        self.set_technician(False)  # the next person is staff unless they choose otherwise

    def set_busy(self, busy: bool) -> None:
        self.submit_button.setEnabled(not busy)

    def set_locked(self, locked: bool) -> None:
        self.submit_button.setEnabled(not locked)

    def _submit(self) -> None:
        self.submitted.emit(self.staff_id.text().strip(), self.password.text())
        self.password.clear()


class MenuView(StaffPage):
    """A grid of function buttons (staff home, technician home)."""

    def __init__(self, name: str, tr: Translator, items: Sequence[tuple[str, str]],
                 columns: int = 3, with_output: bool = True,
                 parent: QWidget | None = None) -> None:
        super().__init__(name, tr, parent)
        grid = QGridLayout()
        grid.setSpacing(style.GAP_PX)
        self.buttons: dict[str, QPushButton] = {}
        for i, (key, text_id) in enumerate(items):
            b = style.button(tr(text_id), name=key)
            grid.addWidget(b, i // columns, i % columns)
            self.buttons[key] = b
        self.content.addLayout(grid)
        self.output = QPlainTextEdit(objectName="output")
        self.output.setReadOnly(True)
        self.output.setStyleSheet(f"font-size: {style.TEXT_PX}px;")
        self.content.addWidget(self.output, 1)
        if not with_output:  # outcomes go to the message line; the grid keeps the space
            self.output.hide()
            self.content.addStretch(1)
        self.footer.addStretch(1)
        self.sign_out_button = self.add_action("staff.home.sign_out", "sign_out")


class TableView(StaffPage):
    """A list to pick from (reprints, unresolved transactions, device states)."""

    def __init__(self, name: str, tr: Translator, columns: Sequence[str],
                 parent: QWidget | None = None) -> None:
        super().__init__(name, tr, parent)
        self.table = QTableWidget(0, len(columns), objectName="table")
        self.table.setHorizontalHeaderLabels([tr(c) for c in columns])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setDefaultSectionSize(style.TARGET_PX)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.content.addWidget(self.table, 1)
        self.footer.addStretch(1)
        self.back_button = self.add_action("common.back", "back")

    def set_rows(self, rows: Sequence[Sequence[str]]) -> None:
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(text))
        if rows:
            self.table.selectRow(0)

    def mark_row(self, row: int, tone: str) -> None:
        """Colour a row's text by ``tone`` (its cells say it in words and a symbol too)."""
        from PySide6.QtGui import QBrush, QColor

        colour = QColor(style.TONES[tone][0])
        for c in range(self.table.columnCount()):
            item = self.table.item(row, c)
            if item is not None:
                item.setForeground(QBrush(colour))

    def selected_row(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else None


class AuthorizationView(StaffPage):
    """A step needs a second person: the signed-in staff member types their own password."""

    confirmed = Signal(str)
    refused = Signal()

    def __init__(self, tr: Translator, parent: QWidget | None = None) -> None:
        super().__init__("staff_authorize", tr, parent)
        self.heading.setText(tr("staff.auth.title"))
        self.what = style.label(name="what")
        self.content.addWidget(self.what)
        row = QHBoxLayout()
        pw_label = style.label()
        pw_label.setText(tr("staff.signin.password"))
        self.password = QLineEdit(objectName="password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        row.addWidget(pw_label)
        row.addWidget(self.password, 1)
        self.content.addLayout(row)
        self.keyboard = OnScreenKeyboard(tr)
        self.keyboard.attach(self.password)
        self.content.addWidget(self.keyboard)
        self.footer.addStretch(1)
        self.refuse_button = self.add_action("staff.auth.refuse", "refuse")
        self.confirm_button = self.add_action("staff.auth.confirm", "confirm", primary=True)
        self.refuse_button.clicked.connect(self.refused)
        self.confirm_button.clicked.connect(self._confirm)

    def ask(self, what: str) -> None:
        self.what.setText(what)
        self.password.clear()
        self.show_message("")
        self.confirm_button.setEnabled(True)

    def _confirm(self) -> None:
        self.confirm_button.setEnabled(False)
        password, _ = self.password.text(), self.password.clear()
        self.confirmed.emit(password)


class KeyCeremonyView(StaffPage):
    """密钥灌注 (technician mode): two custodians one after the other type their staff number
    and their component of the master key (hidden, never shown); each component's check value
    is shown to compare with the custodian's sheet, then 灌注 loads the key into the PIN pad
    and shows its check value. Only check values are ever on this screen."""

    add_requested = Signal(str, str)  # custodian, component
    load_requested = Signal()
    cancelled = Signal()
    algorithm_chosen = Signal(str)

    def __init__(self, tr: Translator, algorithms: Sequence[str],
                 parent: QWidget | None = None) -> None:
        super().__init__("technician_key_ceremony", tr, parent)
        self.heading.setText(tr("staff.ceremony.title"))
        self.step = style.label(name="step")
        self.content.addWidget(self.step)
        fields = QGridLayout()
        fields.setSpacing(style.GAP_PX)
        self.custodian = QLineEdit(objectName="custodian")
        self.component = QLineEdit(objectName="component")
        self.component.setEchoMode(QLineEdit.EchoMode.Password)
        self.component.setMaxLength(32)
        for col, (text_id, field) in enumerate((("staff.ceremony.custodian", self.custodian),
                                                ("staff.ceremony.component", self.component))):
            lab = style.label()
            lab.setWordWrap(False)
            lab.setText(tr(text_id))
            fields.addWidget(lab, 0, 2 * col)  # one row: the keyboard needs the height
            fields.addWidget(field, 0, 2 * col + 1)
        fields.setColumnStretch(1, 2)
        fields.setColumnStretch(3, 3)
        self.content.addLayout(fields)
        self.checks = style.label(name="checks")
        self.content.addWidget(self.checks)
        self.keyboard = OnScreenKeyboard(tr)
        self.content.addWidget(self.keyboard)
        _AttachOnPress(self.keyboard, self.custodian)
        _AttachOnPress(self.keyboard, self.component)
        self.algorithm_buttons: dict[str, QPushButton] = {}
        for name in algorithms:
            b = style.button(name.upper(), name=f"algorithm-{name}")
            b.clicked.connect(lambda _=False, n=name: self.algorithm_chosen.emit(n))
            self.footer.addWidget(b)
            self.algorithm_buttons[name] = b
        self.footer.addStretch(1)
        self.cancel_button = self.add_action("common.cancel", "cancel")
        self.add_button = self.add_action("staff.ceremony.add", "add")
        self.load_button = self.add_action("staff.ceremony.load", "load", primary=True)
        self.cancel_button.clicked.connect(self.cancelled)
        self.add_button.clicked.connect(self._add)
        self.load_button.clicked.connect(self.load_requested)

    def set_algorithm(self, name: str, changeable: bool) -> None:
        for key, b in self.algorithm_buttons.items():
            b.setProperty("role", "primary" if key == name else "secondary")
            b.setEnabled(changeable or key == name)
            b.style().unpolish(b)
            b.style().polish(b)

    def ask(self, step: str, checks: str, can_add: bool, can_load: bool) -> None:
        """The next step's instruction, the check values so far, what may be pressed."""
        self.step.setText(step)
        self.checks.setText(checks)
        self.custodian.clear()
        self.component.clear()
        self.custodian.setEnabled(can_add)
        self.component.setEnabled(can_add)
        self.keyboard.setEnabled(can_add)
        self.add_button.setEnabled(can_add)
        self.load_button.setEnabled(can_load)
        self.keyboard.attach(self.custodian)

    def _add(self) -> None:
        custodian, component = self.custodian.text().strip(), self.component.text()
        self.component.clear()  # typed once, gone from the screen at once
        self.add_requested.emit(custodian, component)
