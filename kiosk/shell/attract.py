"""The attract (home) screen: at most three big choices (groups of services, or a service
itself), each with one plain line under it (what it needs, or why it is not available now), and
the service status. Touching the screen outside a choice speaks what it offers (``touched``).

The choices come from outside (``set_choices``): the home presenter builds them from the
journey registry and the terminal service (screens/home.py); the shell knows nothing of
journeys. Between two journeys of one farmer the same screen greets the farmer by the masked
name and offers 结束办理 (``end_requested``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QMouseEvent, QResizeEvent
from PySide6.QtWidgets import QBoxLayout, QPushButton, QSizePolicy, QWidget

from kiosk.i18n import Translator
from kiosk.modes import Mode
from kiosk.shell import theme
from kiosk.shell.page import ScreenPage, make_button, make_label

MAX_CHOICES = 3


@dataclass(frozen=True)
class HomeChoice:
    """One big choice: ``key`` is what ``chosen`` reports; ``note`` the plain line under it."""

    key: str
    title: str
    note: str = ""
    enabled: bool = True


class ChoiceTile(QPushButton):
    """A tall touch tile: the title in heading size and one wrapped line under it."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setProperty("role", "primary")
        self.setProperty("tile", True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        # tiles grow into the panel's height: the home is never half empty
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        layout = QBoxLayout(QBoxLayout.Direction.TopToBottom, self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.setSpacing(8)
        self.title = make_label("tile-title", name=f"{name}-title")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.note = make_label("tile-note", name=f"{name}-note")
        self.note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        for label in (self.title, self.note):
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
            layout.addWidget(label)
        layout.addStretch(1)
        self.box = layout

    def set_wide(self, wide: bool) -> None:
        """A wide tile (one of a column, in the elderly mode): the title left, its note beside
        it, so the larger text needs fewer lines."""
        self.box.setDirection(QBoxLayout.Direction.LeftToRight if wide
                              else QBoxLayout.Direction.TopToBottom)
        left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        self.title.setAlignment(left if wide else Qt.AlignmentFlag.AlignCenter)
        self.note.setAlignment(left if wide else Qt.AlignmentFlag.AlignCenter)
        self.box.setStretch(1, 1 if wide else 0)  # the note takes the width
        self.box.setStretch(2, 0 if wide else 1)  # the spacer: below the texts only
        self.note.setSizePolicy(QSizePolicy.Policy.Expanding if wide
                                else QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.box.setContentsMargins(*((16, 4, 16, 4) if wide else (20, 16, 20, 16)))
        self.box.setSpacing(16 if wide else 8)
        self.setProperty("wide", wide)  # the style sheet's tile min-height is for a column
        self.style().unpolish(self)
        self.style().polish(self)
        self.setMinimumHeight(theme.TOUCH_MIN_PX if wide else theme.TILE_MIN_PX)
        self._fit()

    # A QPushButton sizes itself by its own text; a tile grows to the labels it holds (their
    # wrapped height at the tile's width), re-checked whenever its width or texts change.
    def _fit(self) -> None:
        layout = self.layout()
        wide = isinstance(layout, QBoxLayout) and (
            layout.direction() == QBoxLayout.Direction.LeftToRight)
        narrowest = theme.TILE_MIN_PX * (3 if wide else 1)
        if layout is None or not self.isVisible() or self.width() < narrowest:
            return  # not laid out yet: a transient narrow width would ask for a huge height
        needed = max(theme.TOUCH_MIN_PX if wide else theme.TILE_MIN_PX,
                     layout.totalHeightForWidth(self.width()))
        if needed != self.minimumHeight():
            self.setMinimumHeight(needed)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if event.type() == QEvent.Type.LayoutRequest:
            self._fit()  # a label's text or font changed (e.g. the elderly mode)
        return handled

    def show_choice(self, choice: HomeChoice) -> None:
        self.setProperty("key", choice.key)
        self.title.setText(choice.title)
        self.note.setText(choice.note)
        self.note.setVisible(bool(choice.note))
        self.setEnabled(choice.enabled)
        self.setProperty("role", "primary" if choice.enabled else "secondary")
        for w in (self, self.title, self.note):
            w.setProperty("off", not choice.enabled)
            w.style().unpolish(w)
            w.style().polish(w)
        self._fit()


class TileRow(QBoxLayout):
    """Up to three tiles side by side; in the elderly mode one under the other, each wide
    (title and note on one line), so the larger text fits 1024x768."""

    def __init__(self) -> None:
        super().__init__(QBoxLayout.Direction.LeftToRight)
        self.setSpacing(theme.GAP_PX * 2)
        self.tiles: list[ChoiceTile] = []
        theme.on_care_mode(self._arrange)

    def add_tile(self, tile: ChoiceTile) -> ChoiceTile:
        self.addWidget(tile, 1)
        self.tiles.append(tile)
        tile.set_wide(theme.care_mode())
        if theme.care_mode():
            self.setDirection(QBoxLayout.Direction.TopToBottom)
        return tile

    def _arrange(self, on: bool) -> None:
        self.setDirection(QBoxLayout.Direction.TopToBottom if on
                          else QBoxLayout.Direction.LeftToRight)
        self.setSpacing(theme.GAP_PX)
        for tile in self.tiles:
            tile.set_wide(on)


class AttractScreen(ScreenPage):
    """Signals: ``chosen(key)``, ``end_requested`` (结束办理 between journeys),
    ``touched`` (speak the description)."""

    chosen = Signal(str)
    end_requested = Signal()
    touched = Signal()
    care_toggled = Signal(bool)  # 关怀模式: larger text, slower speech

    def __init__(self, translator: Translator, parent: QWidget | None = None) -> None:
        super().__init__("attract", parent)
        self._tr = translator
        self.banner = make_label("alert", name="banner")
        self._reason = ""
        self.banner.hide()
        self.content.addWidget(self.banner)
        row = TileRow()
        self.tiles: list[ChoiceTile] = []
        for i in range(MAX_CHOICES):
            tile = row.add_tile(ChoiceTile(f"choice-{i + 1}"))
            tile.clicked.connect(self._on_tile)
            tile.hide()
            self.tiles.append(tile)
        self.content.addLayout(row, 1)
        # 关怀模式 (elderly mode): a switch in the footer beside 重听 and 求助
        self.care_button = make_button(name="care")
        self.care_button.setMinimumSize(theme.TOUCH_MIN_PX, theme.TOUCH_MIN_PX)
        self.care_button.setProperty("care", True)
        self.care_button.setCheckable(True)
        self.care_button.toggled.connect(self.care_toggled)
        self.footer.insertWidget(2, self.care_button)
        self.end_button = self.add_action(make_button(name="cancel"))
        self.end_button.clicked.connect(self.end_requested)
        self.end_button.hide()
        self.greeting = ""
        self.mode = Mode.STARTING
        self._choices: tuple[HomeChoice, ...] = ()
        self.retranslate(translator)

    # --- choices ------------------------------------------------------------------------------

    def set_choices(self, choices: Sequence[HomeChoice]) -> None:
        """At most three choices (the 适老化 rule); more is a bug in the grouping."""
        if len(choices) > MAX_CHOICES:
            raise ValueError(f"{len(choices)} choices on the home screen (at most 3)")
        self._choices = tuple(choices)
        for tile, choice in zip(self.tiles, self._choices, strict=False):
            tile.show_choice(choice)
            tile.show()
        for tile in self.tiles[len(self._choices):]:
            tile.hide()

    @property
    def choices(self) -> tuple[HomeChoice, ...]:
        return self._choices

    def tile(self, key: str) -> ChoiceTile | None:
        for tile, choice in zip(self.tiles, self._choices, strict=False):
            if choice.key == key:
                return tile
        return None

    def _on_tile(self) -> None:
        tile = self.sender()
        if isinstance(tile, ChoiceTile) and tile.isEnabled():
            self.chosen.emit(str(tile.property("key")))

    # --- texts and status ---------------------------------------------------------------------

    def set_greeting(self, masked_name: str | None) -> None:
        """Between two journeys of one farmer: 您好，张*国 and 结束办理; None: nobody."""
        self.greeting = masked_name or ""
        self.end_button.setVisible(masked_name is not None)
        self.retranslate(self._tr)

    def retranslate(self, tr: Translator) -> None:
        self._tr = tr
        if self.end_button.isVisibleTo(self):
            self.heading.setText(tr("screen.home.session_title", name=self.greeting))
            self.body.setText(tr("screen.home.session_body"))
        else:
            self.heading.setText(tr("screen.attract.title"))
            self.body.setText(tr("screen.home.body"))
        self.end_button.setText(tr("screen.home.end"))
        self.care_button.setText(tr("care.switch"))
        self.set_help_text(tr("screen.common.help"))
        self.repeat_button.setText(tr("screen.common.repeat"))
        self.set_mode(self.mode, self._reason)

    def set_care(self, on: bool) -> None:
        """Show the switch's state without emitting ``care_toggled``."""
        self.care_button.blockSignals(True)
        self.care_button.setChecked(on)
        self.care_button.blockSignals(False)

    def set_mode(self, mode: Mode, reason: str = "") -> None:
        """The service status: one plain line when something is down (the details are in the
        staff's status strip)."""
        self.mode = mode
        self._reason = reason
        if mode is Mode.OUT_OF_SERVICE:
            self.banner.setText("⚠ " + self._tr("label.out_of_service", reason=reason))
            self.banner.show()
        elif mode is Mode.DEGRADED:
            self.banner.setText("⚠ " + self._tr("label.degraded", reason=reason))
            self.banner.show()
        elif mode is Mode.STARTING:
            self.banner.setText("… " + self._tr("screen.attract.starting"))
            self.banner.show()
        else:
            self.banner.hide()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.touched.emit()
        super().mousePressEvent(event)
