"""The home screen's presenter: every registered service within two touches, at most three
choices per screen.

The home screen (the shell's attract screen) shows one tile per group of services (借钱 / 还钱
/ 算一算, :data:`screens.journeys.GROUPS`); a group with a single service shows that service
itself, so one touch starts it; a group with more opens the group screen (a second touch).
Each tile carries one plain line: what the service needs before it asks for it (身份证、
银行卡和密码), or why it cannot be done now (the terminal service's reason). A journey that is
not registered is not shown: there are no dead tiles.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from kiosk.i18n import Translator
from kiosk.shell import theme
from kiosk.shell.attract import MAX_CHOICES, AttractScreen, ChoiceTile, HomeChoice, TileRow
from kiosk.shell.page import ScreenPage, make_button
from kiosk.terminal import Need
from screens.journeys import JourneySpec, by_group, home_journeys

if TYPE_CHECKING:
    from screens.runner import JourneyRunner

log = logging.getLogger(__name__)

GROUP_PREFIX = "group:"
JOURNEY_PREFIX = "journey:"


class GroupView(ScreenPage):
    """The services of one group (at most three) and 返回."""

    chosen = Signal(str)
    back_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("home_group", parent)
        row = TileRow()
        self.tiles: list[ChoiceTile] = []
        for i in range(MAX_CHOICES):
            tile = row.add_tile(ChoiceTile(f"service-{i + 1}"))
            tile.clicked.connect(self._on_tile)
            tile.hide()
            self.tiles.append(tile)
        self.content.addLayout(row, 1)
        self.back_button = self.add_action(make_button(name="back"))
        self.back_button.clicked.connect(self.back_requested)
        self._choices: tuple[HomeChoice, ...] = ()

    def show_group(self, tr: Translator, title: str, choices: list[HomeChoice]) -> None:
        self._choices = tuple(choices[:MAX_CHOICES])
        self.heading.setText(title)
        self.body.setText(tr("screen.home.group_body"))
        for tile, choice in zip(self.tiles, self._choices, strict=False):
            tile.show_choice(choice)
            tile.show()
        for tile in self.tiles[len(self._choices):]:
            tile.hide()
        self.back_button.setText(tr("screen.common.back"))
        self.repeat_button.setText(tr("screen.common.repeat"))
        self.set_help_text(tr("screen.common.help"))

    def tile(self, key: str) -> ChoiceTile | None:
        for tile, choice in zip(self.tiles, self._choices, strict=False):
            if choice.key == key:
                return tile
        return None

    def _on_tile(self) -> None:
        tile = self.sender()
        if isinstance(tile, ChoiceTile) and tile.isEnabled():
            self.chosen.emit(str(tile.property("key")))


def needs_note(tr: Translator, spec: JourneySpec) -> str:
    """What a service needs, said before it asks for it."""
    if spec.hint:
        return tr(spec.hint)
    needs = spec.all_needs
    if Need.BANK_CARD in needs:
        return tr("home.needs.id_bank_pin")
    if Need.ID_CARD in needs:
        return tr("home.needs.id")
    return tr("home.needs.nothing")


class HomePresenter(QObject):
    """Builds the home choices from the registry and the terminal; starts journeys."""

    group_shown = Signal(str)

    def __init__(self, shell: Any, runner: JourneyRunner, translator: Translator,
                 idle_seconds: float, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.shell = shell
        self.attract: AttractScreen = shell.attract
        self.runner = runner
        self.terminal = runner.terminal
        self.tr = translator
        self.group_view = GroupView()
        shell.add_screen(self.group_view)
        self.group_view.chosen.connect(self.choose)
        self.group_view.back_requested.connect(self.back_home)
        self.group_view.repeat_requested.connect(self.speak_group)
        self.group_view.help_requested.connect(self.runner.ask_for_help)
        self.attract.help_requested.connect(self.runner.ask_for_help)
        self.attract.chosen.connect(self.choose)
        self.attract.end_requested.connect(self.end_session)
        self.attract.care_toggled.connect(self.set_care)
        self.runner.journey_started.connect(self._on_journey_started)
        # 关怀模式 switched on with nobody in a session: back to normal when left alone
        self._care_idle = QTimer(self)
        self._care_idle.setSingleShot(True)
        self._care_idle.setInterval(max(1, round(idle_seconds * 1000)))
        self._care_idle.timeout.connect(self._on_care_idle)
        self.runner.journey_finished.connect(self._on_session_ended)
        self.runner.awaiting_choice.connect(self._on_between_journeys)
        self.terminal.add_listener(self.refresh)
        self._group = ""
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.setInterval(max(1, round(idle_seconds * 1000)))
        self._idle.timeout.connect(self._on_group_idle)
        self.refresh()

    # --- what the farmer sees -----------------------------------------------------------------

    def _journey_choice(self, tr: Translator, spec: JourneySpec) -> HomeChoice:
        available = self.runner.availability(spec.name)
        if available.ok:
            note = needs_note(tr, spec)
        else:
            assert available.reason is not None
            note = tr("home.unavailable", reason=tr(available.reason.msgid))
        return HomeChoice(JOURNEY_PREFIX + spec.name, tr(spec.title), note, available.ok)

    def groups(self) -> dict[str, list[JourneySpec]]:
        return by_group(home_journeys())

    def choices(self) -> list[HomeChoice]:
        """The home screen's tiles: one per group (the service itself when it is alone)."""
        tr = self._translator()
        out: list[HomeChoice] = []
        for group, specs in self.groups().items():
            if len(specs) == 1:
                out.append(self._journey_choice(tr, specs[0]))
                continue
            inside = [self._journey_choice(tr, s) for s in specs]
            note = tr("shell.reason.separator").join(tr(s.title) for s in specs)
            out.append(HomeChoice(GROUP_PREFIX + group, tr(f"home.group.{group}"), note,
                                  any(c.enabled for c in inside)))
        return out

    def group_choices(self, group: str) -> list[HomeChoice]:
        tr = self._translator()
        return [self._journey_choice(tr, s) for s in self.groups().get(group, [])]

    def _translator(self) -> Translator:
        session = self.runner.session
        return session.translator if session is not None else self.tr

    def refresh(self) -> None:
        self.attract.set_choices(self.choices())
        if self._group and self.shell.current_screen() is self.group_view:
            self._show_group(self._group)

    # --- paths (tests and the autopilot follow them like a farmer) ----------------------------

    def path_to(self, name: str) -> list[str]:
        """The keys to touch from the home screen to start journey ``name``."""
        for group, specs in self.groups().items():
            if any(s.name == name for s in specs):
                key = JOURNEY_PREFIX + name
                return [key] if len(specs) == 1 else [GROUP_PREFIX + group, key]
        raise KeyError(name)

    def can_start(self, name: str) -> bool:
        return self.runner.availability(name).ok and self.terminal.accepting_journeys

    def tile(self, key: str) -> ChoiceTile | None:
        """The tile for ``key`` on the screen shown now (home or a group)."""
        if self.shell.current_screen() is self.group_view:
            return self.group_view.tile(key)
        return self.attract.tile(key)

    # --- touches ------------------------------------------------------------------------------

    def choose(self, key: str) -> None:
        self._idle.stop()
        if key.startswith(GROUP_PREFIX):
            self._show_group(key.removeprefix(GROUP_PREFIX))
            self.speak_group()
        elif key.startswith(JOURNEY_PREFIX):
            name = key.removeprefix(JOURNEY_PREFIX)
            if not self.runner.start(name):
                log.info("home: %s could not start", name)
                self.refresh()

    def _show_group(self, group: str) -> None:
        tr = self._translator()
        self._group = group
        self.group_view.show_group(tr, tr(f"home.group.{group}"), self.group_choices(group))
        self.shell.show_screen(self.group_view)
        if self.runner.session is None:
            self._idle.start()
        else:
            self.runner.user_activity()
        self.group_shown.emit(group)

    def speak_group(self) -> None:
        tr = self._translator()
        titles = tr("shell.reason.separator").join(c.title for c in self.group_view._choices)
        self.runner.voice.speak_text(tr("voice.home.group", services=titles), tr.lang,
                                     msgid="voice.home.group")

    def speak_home(self) -> None:
        tr = self._translator()
        titles = tr("shell.reason.separator").join(
            c.title for c in self.attract.choices if c.enabled)
        msgid = "voice.home.session" if self.runner.session is not None else "voice.attract"
        text = tr(msgid, services=titles)
        audio = self.runner.audio
        if audio is not None and self.runner.session is None and not audio.active:
            text += audio.attract_hint()  # how to start the audio-guided mode
        self.runner.voice.speak_text(text, tr.lang, msgid=msgid)

    def back_home(self) -> None:
        self._idle.stop()
        self._group = ""
        self.shell.show_screen(self.attract)
        if self.runner.session is not None:
            self.runner.user_activity()

    def end_session(self) -> None:
        """结束办理 between journeys: the cards back, the session wiped."""
        self.runner.end_between()

    def _on_group_idle(self) -> None:
        if self.runner.session is None and self.shell.current_screen() is self.group_view:
            self.back_home()

    def _on_between_journeys(self) -> None:
        session = self.runner.session
        self._group = ""
        self.attract.set_greeting(session.masked_name if session is not None else None)
        self.refresh()
        self.speak_home()

    # --- 关怀模式 (elderly mode) ------------------------------------------------------------------

    def set_care(self, on: bool) -> None:
        """Larger text (x1.25) and slower speech for this farmer; reset when the session
        ends (or, switched on with no session, when the home is left alone)."""
        theme.set_care_mode(on)
        self.runner.voice.set_slow(on)
        self.attract.set_care(on)
        if on and self.runner.session is None:
            self._care_idle.start()
        else:
            self._care_idle.stop()
        tr = self._translator()
        msgid = "care.on" if on else "care.off"
        self.runner.voice.speak_text(tr(msgid), tr.lang, msgid=msgid)

    @property
    def care(self) -> bool:
        return theme.care_mode()

    def _on_journey_started(self, name: str) -> None:
        self._care_idle.stop()

    def _on_care_idle(self) -> None:
        if self.runner.session is None and self.care:
            self._reset_care()

    def _reset_care(self) -> None:
        self._care_idle.stop()
        theme.set_care_mode(False)
        self.runner.voice.set_slow(False)
        self.attract.set_care(False)

    def _on_session_ended(self, outcome: Any) -> None:
        self._reset_care()  # the elderly mode is kept for one farmer's session only
        self._group = ""
        self.attract.set_greeting(None)
        self.refresh()

