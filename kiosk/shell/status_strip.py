"""The header along the top: the brand (its icon and 助农E终端) and the service point for the
farmer; terminal id, clock, host link, device states and staff on duty for the staff. States
are words plus a symbol (✓ ✗ …), never colour alone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QWidget

from devices.base import DeviceState
from kiosk.i18n import Translator
from kiosk.shell import theme

UP = frozenset({DeviceState.ONLINE, DeviceState.BUSY})


class ElidedLabel(QLabel):
    """A one-line label that ends in … when it is too narrow (never cut mid-character)."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setText(text)

    def setText(self, text: str) -> None:
        self._full = text
        self._elide()

    def full_text(self) -> str:
        return self._full

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        width = self.fontMetrics().horizontalAdvance(self._full) + 2 * self.margin() + 2
        return QSize(width, hint.height())

    def _elide(self) -> None:
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight,
                                              max(0, self.width()))
        QLabel.setText(self, shown)


class StatusStrip(QWidget):
    """One row of short facts for staff and technicians."""

    def __init__(
        self,
        translator: Translator,
        terminal_id: str,
        service_point: str,
        devices: Sequence[str],
        *,
        now: Callable[[], dt.datetime] = dt.datetime.now,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("status-strip")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self._tr = translator
        self._now = now
        layout = QHBoxLayout(self)
        layout.setContentsMargins(theme.GAP_PX, 2, theme.GAP_PX, 6)  # 4 px accent rule below
        layout.setSpacing(theme.GAP_PX)
        from kiosk.shell import icons

        self.logo = QLabel()
        self.logo.setObjectName("logo")
        self.logo.setFixedSize(32, 32)
        layout.addWidget(self.logo)
        icons.when_loaded(self._show_logo)
        self.brand = QLabel(translator("shell.brand"))
        self.brand.setObjectName("brand")
        layout.addWidget(self.brand)
        self.place = ElidedLabel(f"{service_point}  {terminal_id}")
        self.place.setObjectName("place")
        self.place.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.place.setMinimumWidth(120)
        layout.addWidget(self.place, 1)
        self.devices: dict[str, ElidedLabel] = {}
        self._states: dict[str, DeviceState] = {}
        for kind in devices:
            label = ElidedLabel()
            label.setObjectName(f"device-{kind}")
            self.devices[kind] = label
            layout.addWidget(label)
            self.set_device_state(kind, DeviceState.UNKNOWN)
        self.host = ElidedLabel()
        self.host.setObjectName("host")
        layout.addWidget(self.host)
        self.set_host_online(None)
        self.staff = ElidedLabel()
        self.staff.setObjectName("staff")
        layout.addWidget(self.staff)
        self.set_staff(None)
        self.help = QLabel()
        self.help.setObjectName("help")
        self.help.hide()
        layout.addWidget(self.help)
        self.clock = QLabel()
        self.clock.setObjectName("clock")
        layout.addWidget(self.clock)
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self.update_clock)
        self._timer.start()
        self.update_clock()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_brand()

    def _fit_brand(self) -> None:
        """The brand's name gives way first when the strip is narrow (1024 px in English):
        the staff's facts stay whole, the logo stays."""
        layout = self.layout()
        if layout is None:
            return
        facts = [w for w in (*self.devices.values(), self.host, self.staff, self.help,
                             self.clock, self.logo) if not w.isHidden()]
        m = layout.contentsMargins()
        needed = (sum(w.sizeHint().width() for w in facts) + self.place.minimumWidth()
                  + self.brand.sizeHint().width() + layout.spacing() * (len(facts) + 1)
                  + m.left() + m.right())
        self.brand.setVisible(self.width() >= needed)

    def _show_logo(self) -> None:
        from kiosk.shell import icons

        self.logo.setPixmap(icons.icon("brand", theme.ACCENT).pixmap(32, 32))

    def update_clock(self) -> None:
        text = self._now().strftime("%H:%M")
        if self.clock.text() != text:
            self.clock.setText(text)

    def _device_name(self, kind: str) -> str:
        names = {
            "idcard": self._tr("shell.device.idcard"),
            "iccard": self._tr("shell.device.iccard"),
            "pinpad": self._tr("shell.device.pinpad"),
            "printer": self._tr("shell.device.printer"),
        }
        return names.get(kind, kind)

    def _state_mark(self, state: DeviceState) -> str:
        if state in UP:
            return "✓"
        if state is DeviceState.UNKNOWN:
            return "…"
        return "✗"

    def set_device_state(self, kind: str, state: DeviceState) -> None:
        label: ElidedLabel | None = self.devices.get(kind)
        if label is None:
            return
        self._states[kind] = state
        label.setText(f"{self._device_name(kind)}{self._state_mark(state)}")
        word = {"✓": "shell.state.ok", "…": "shell.state.checking", "✗": "shell.state.fault"}
        label.setToolTip(f"{self._tr(word[self._state_mark(state)])} ({state.value})")

    def device_state(self, kind: str) -> DeviceState:
        return self._states.get(kind, DeviceState.UNKNOWN)

    def set_host_online(self, online: bool | None) -> None:
        if online is None:
            text = self._tr("shell.host.unknown")
        elif online:
            text = self._tr("shell.host.online")
        else:
            text = self._tr("shell.host.offline")
        self.host.setText(text)

    def set_help(self, asked: bool) -> None:
        """The farmer pressed 呼叫工作人员 (shown until the session ends)."""
        self.help.setText("‼ " + self._tr("shell.help_asked") if asked else "")
        self.help.setVisible(asked)

    def set_staff(self, name: str | None, technician: bool = False) -> None:
        """Who is signed in (masked name): 协理员 beside the farmer, or the technician."""
        if name:
            self.staff.setText(self._tr("shell.staff.technician_on_duty" if technician
                                        else "shell.staff.on_duty", name=name))
        else:
            self.staff.setText(self._tr("shell.staff.none"))
