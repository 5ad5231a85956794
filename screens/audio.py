"""The audio-guided mode (无障碍): every journey by ear and by the PIN pad's keys.

A farmer who cannot read the screen presses the PIN pad's 确认 key on the home screen (the
home's voice loop says so; ``accessibility.enter_key``). From then on, for the farmer's
session, the voice reads each screen's choices with a number each and the farmer answers on
the PIN pad: a digit chooses, 0 repeats the whole screen, 确认 takes the screen's main action,
取消 cancels (on the home: leaves the mode), 更正 deletes the last figure (or goes back).
Figures are typed on the PIN pad's digits and read back; 确认 reads the whole figure back
once more, a second 确认 accepts it. The PIN stays the PIN pad's own function: while a journey
uses the pad (PIN entry) or waits for the host or the printer, the guide does not listen and
adds nothing to the journey's own prompts. The screen follows along (the real buttons are
pressed) and a strip on top shows the numbers for a helper.

Generic: the guide reads what the screen offers (:func:`describe`), so a journey gets the mode
with no code of its own when its screens follow the shell's conventions (docs/journeys.md,
"By ear and by keys"): choices are visible, enabled buttons with a text (``make_button``,
``ChoiceTile``); the cancel button is named ``cancel`` and the back button ``back``; the
screen's main action is the one ``primary`` button; figures are typed on a
:class:`screens.widgets.keypad.NumberKeypad` and shown in a label named ``value``. A view that
offers choices another way declares them: ``audio_choices() -> list[AudioChoice]``,
``audio_entry() -> NumberKeypad | None``, ``audio_details() -> list[str]`` (what 0 reads
besides the heading and the body).

Keys come from the PIN pad in plain mode (``pinpad.listen``: digits with their value, never a
PIN), in slices of ``accessibility.listen_seconds`` so that other users of the pad and its
status probe get their turn.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget

from devices.base import Completion, CompletionCode, Key, KeyPressed
from kiosk.shell import theme
from kiosk.voice import digit_words
from screens.widgets.keypad import NumberKeypad

if TYPE_CHECKING:
    from kiosk.i18n import Translator
    from screens.runner import JourneyRunner

log = logging.getLogger(__name__)

#: buttons that are never numbered choices (the 重听 and 求助 buttons have their own keys)
SKIPPED = frozenset({"repeat", "help"})
CANCEL, BACK = "cancel", "back"
_DIGIT_GROUPS = re.compile(r"\d+( \d+)+")  # 138 1234 5678 (a number, not an amount)
RECORDED = 200  # keys and choices kept for tests and the autopilot


@dataclass(frozen=True)
class AudioChoice:
    """One thing the farmer can choose: what the voice calls it and what choosing it does.
    ``name`` identifies it (the button's object name; tests and the autopilot)."""

    label: str
    activate: Callable[[], None]
    name: str = ""


@dataclass
class AudioScreen:
    """What a screen offers by ear (see :func:`describe`)."""

    heading: str = ""
    body: str = ""
    details: list[str] = field(default_factory=list)
    choices: list[AudioChoice] = field(default_factory=list)
    confirm: AudioChoice | None = None  # 确认: the main action
    cancel: AudioChoice | None = None  # 取消
    back: AudioChoice | None = None  # 更正 when there is no figure to correct
    unavailable: list[str] = field(default_factory=list)  # tiles that cannot be chosen now
    entry: Any = None  # a NumberKeypad (press(key), text)
    value: QLabel | None = None  # the figure as shown (with its unit)


def _label_of(button: QAbstractButton) -> str:
    text = button.text().strip()
    if text:
        return text
    title = getattr(button, "title", None)  # a ChoiceTile
    if isinstance(title, QLabel) and title.text().strip():
        return title.text().strip()
    for label in button.findChildren(QLabel):
        if label.isVisibleTo(button) and label.text().strip():
            return label.text().strip()
    return button.accessibleName().strip()


def _position(widget: QWidget, page: QWidget) -> tuple[int, int]:
    """Reading order: top to bottom in rows of a touch target's height, left to right."""
    at = widget.mapTo(page, QPoint(0, 0))
    return (at.y() + widget.height() // 2) // theme.TOUCH_MIN_PX, at.x()


def _in_keypad(widget: QWidget, page: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None and parent is not page:
        if isinstance(parent, NumberKeypad):
            return True
        parent = parent.parentWidget()
    return False


def _click(button: QAbstractButton) -> Callable[[], None]:
    def activate() -> None:
        if button.isVisible() and button.isEnabled():
            button.click()
    return activate


def describe(page: QWidget | None) -> AudioScreen:
    """What ``page`` offers by ear: its own declarations where it has them, else what its
    visible widgets show (buttons, keypad, labels) in reading order."""
    screen = AudioScreen()
    if page is None:
        return screen
    heading = getattr(page, "heading", None)
    body = getattr(page, "body", None)
    if isinstance(heading, QLabel) and heading.isVisibleTo(page):
        screen.heading = _plain(heading.text())
    if isinstance(body, QLabel) and body.isVisibleTo(page):
        screen.body = _plain(body.text())
    keypads = [k for k in page.findChildren(NumberKeypad) if k.isVisibleTo(page)]
    declared_entry = getattr(page, "audio_entry", None)
    screen.entry = declared_entry() if callable(declared_entry) else (
        keypads[0] if keypads else None)
    value = page.findChild(QLabel, "value")
    if value is None or not value.isVisibleTo(page):  # else the figure shown as an amount
        value = next((lb for lb in page.findChildren(QLabel) if lb.property("role") == "amount"
                      and lb.isVisibleTo(page) and lb.text().strip()), None)
    screen.value = value if screen.entry is not None else None

    buttons = sorted(
        (b for b in page.findChildren(QAbstractButton)
         if b.isVisibleTo(page) and b.isEnabled() and b.objectName() not in SKIPPED
         and not _in_keypad(b, page) and _label_of(b)),
        key=lambda b: _position(b, page))
    screen.unavailable = [_label_of(b) for b in page.findChildren(QAbstractButton)
                          if b.property("tile") and b.isVisibleTo(page) and not b.isEnabled()
                          and _label_of(b)]
    declared = getattr(page, "audio_choices", None)
    if callable(declared):
        choices = list(declared())
    else:
        choices = [AudioChoice(_label_of(b), _click(b), b.objectName()) for b in buttons]
    for b in buttons:
        choice = AudioChoice(_label_of(b), _click(b), b.objectName())
        if b.objectName() == CANCEL:
            screen.cancel = choice
        elif b.objectName() == BACK:
            screen.back = choice
    primaries = [b for b in buttons if b.property("role") == "primary"
                 and not b.property("tile") and b.objectName() != CANCEL]
    screen.choices = [c for c in choices if c.name != CANCEL]
    if len(primaries) == 1:
        screen.confirm = AudioChoice(_label_of(primaries[0]), _click(primaries[0]),
                                     primaries[0].objectName())
    elif len(screen.choices) == 1 and screen.entry is None:
        screen.confirm = screen.choices[0]

    declared_details = getattr(page, "audio_details", None)
    if callable(declared_details):
        screen.details = [t for t in declared_details() if t]
    else:
        screen.details = _details(page, {heading, body, page.findChild(QLabel, "countdown")})
    return screen


def _details(page: QWidget, skip: set[Any]) -> list[str]:
    """Every visible label in reading order (top to bottom, then left to right); a widget
    with ``audio_lines()`` (a table: one line per row) speaks for the labels inside it."""
    providers = [w for w in page.findChildren(QWidget)
                 if callable(getattr(w, "audio_lines", None)) and w.isVisibleTo(page)]

    def inside(widget: QWidget) -> bool:
        return any(p.isAncestorOf(widget) for p in providers)

    items: list[tuple[tuple[int, int], list[str]]] = [
        (_text_position(w, page), list(w.audio_lines())) for w in providers]
    items += [(_text_position(lb, page), [lb.text()]) for lb in page.findChildren(QLabel)
              if lb not in skip and lb.isVisibleTo(page) and lb.text().strip()
              and not isinstance(lb.parentWidget(), QAbstractButton) and not inside(lb)]
    items.sort(key=lambda item: item[0])
    return [_plain(text) for _, lines in items for text in lines if text.strip()]


def _text_position(widget: QWidget, page: QWidget) -> tuple[int, int]:
    at = widget.mapTo(page, QPoint(0, 0))
    return at.y() // 16, at.x()


def said_figure(shown: str, lang: str = "zh_CN") -> str:
    """A keyed figure as read back: as shown (30,000 元 is said 三万元), but a number in digit
    groups (a phone number: 139 9123 4567) digit by digit, in the language spoken; "" when the
    label shows no figure yet (a placeholder such as — or 还没有输入)."""
    shown = _plain(shown)
    if not any(c.isdigit() for c in shown):
        return ""
    if _DIGIT_GROUPS.fullmatch(shown):
        if lang.startswith("zh"):
            return "，".join(digit_words(group) for group in shown.split())
        return ", ".join(" ".join(group) for group in shown.split())
    return shown


#: signs a label shows that are not said: a warning, layout dots, a step passed (✓) or to come
#: (○, ●) -- the words beside them say it
_UNSAID = str.maketrans({c: " " for c in "⚠…✓✔○●"})


def _plain(text: str) -> str:
    """A label's text as said: no warning signs or layout characters."""
    return " ".join(text.translate(_UNSAID).split())


class AudioBanner(QLabel):
    """While the mode is on, a strip over the staff's status strip (nothing of the farmer's
    screen is covered): the numbers the voice said, for a helper standing by."""

    def __init__(self, host: QWidget) -> None:
        super().__init__(host)
        self.setObjectName("audio-banner")
        self.setWordWrap(False)
        self.setAlignment(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.setStyleSheet(
            f"#audio-banner {{ background: {theme.PRIMARY}; color: {theme.ON_PRIMARY};"
            f" padding: 2px 16px; font-size: {theme.STATUS_PX + 4}px; }}")
        host.installEventFilter(self)
        self.hide()

    def show_text(self, text: str) -> None:
        self.setText(text)
        self._place()
        self.show()
        self.raise_()

    def _place(self) -> None:
        host = self.parentWidget()
        if host is not None:
            self.setGeometry(0, 0, host.width(), host.height())

    def eventFilter(self, watched: QObject, event: Any) -> bool:
        if watched is self.parentWidget() and event.type() == event.Type.Resize:
            self._place()
        return False


class AudioGuide(QObject):
    """Listens to the PIN pad, reads each screen's choices, presses what the farmer chose.

    ``mode_changed(bool)``; ``keys`` and ``said`` record the keys heard and the choices read
    (the last ``RECORDED`` of each: tests, the autopilot's summary)."""

    mode_changed = Signal(bool)
    announced = Signal(str)

    def __init__(self, shell: Any, runner: JourneyRunner, settings: Any, translator: Translator,
                 *, home_screens: Callable[[], tuple[QWidget, ...]] = tuple,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.shell = shell
        self.runner = runner
        self.voice: Any = runner.voice
        self.requests = runner.requests
        self.terminal = runner.terminal
        self.settings = settings
        self._home_tr = translator
        self._home_screens = home_screens
        self.active = False
        self._closed = False
        self.keys: list[str] = []
        self.key_count = 0  # keys heard since start
        self.last_choices = ("", "")  # (screen name, the choices last read out there)
        self.said: list[str] = []
        self._listen: Any = None
        self._paused_until_hold = False
        self._last_event: Any = None
        self._own_count = -1
        self._announced_page: Any = None
        self._full = False
        self._confirming = False  # 确认 once on a figure: it was read back
        self._owe_choices = False  # a prompt was said while the journey waited
        self.banner = AudioBanner(getattr(shell, "status_strip", shell.screen_area))
        self._announce_timer = self._timer(0, self._announce)
        self._retry = self._timer(1000, self.refresh)
        self._staff_pause = self._timer(1000, self._end_staff_pause)
        self._home_idle = self._timer(max(1, round(
            float(runner.timeouts.idle) * 1000)), self._on_home_idle)
        self._loop = self._timer(max(1, round(float(settings.announce_seconds) * 1000)),
                                 self._on_loop)
        shell.screen_shown.connect(self._on_screen)
        runner.journey_finished.connect(self._on_session_ended)
        runner.idle_warning_shown.connect(self._on_idle_warning)
        runner.audio = self
        self.terminal.add_listener(self.refresh)
        terminal, refresh = self.terminal, self.refresh
        self.destroyed.connect(lambda *_: terminal.remove_listener(refresh))

    def _timer(self, ms: int, slot: Callable[[], None]) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(ms)
        timer.timeout.connect(slot)
        return timer

    @property
    def texts(self) -> Translator:
        session = self.runner.session
        return session.translator if session is not None else self._home_tr

    # --- the mode -------------------------------------------------------------------------------

    def activate(self) -> None:
        if self.active:
            return
        self.active = True
        self._announced_page = None
        self.voice.set_output(self.headset)  # from "on" to "off": the farmer's ears only
        log.info("audio-guided mode on")
        self.mode_changed.emit(True)
        self._say(self.texts("audio.on"))
        self._full = False
        self._schedule()
        self._home_idle.start()
        self.refresh()

    def deactivate(self) -> None:
        if not self.active:
            return
        self.active = False
        self._confirming = False
        self.banner.hide()
        self._home_idle.stop()
        log.info("audio-guided mode off")
        self._say(self._home_tr("audio.off"))  # still in the headset (asked for with it)
        self.voice.set_output(None)
        self.mode_changed.emit(False)
        self.refresh()
        self.start_attract_loop()

    def close(self) -> None:
        """The kiosk is shutting down: no timer, listener or PIN-pad listen outlives it (a
        timer firing after the shell is gone touched a deleted widget)."""
        self._closed = True
        for timer in (self._announce_timer, self._retry, self._staff_pause, self._home_idle,
                      self._loop):
            timer.stop()
        self.terminal.remove_listener(self.refresh)
        if self._listen is not None:
            self._listen.cancel()
            self._listen = None

    def start_attract_loop(self) -> None:
        """The home screen says now and then how to start the mode (announce_seconds)."""
        if not self._closed and self.settings.enabled and self.settings.announce_seconds > 0:
            self._loop.start()

    def attract_hint(self) -> str:
        """The sentence the home screen's voice adds (empty when there is no mode to enter)."""
        if not self.settings.enabled or "pinpad" not in self.requests.workers:
            return ""
        hint = self._home_tr(f"audio.attract.{self.settings.enter_key}"
                             if self.settings.enter_key == "enter" else "audio.attract.digit",
                             key=self.settings.enter_key)
        return hint + self._home_tr("audio.attract.headset") if self.headset else hint

    @property
    def headset(self) -> str | None:
        """The headset jack's ALSA device (``accessibility.audio_device``): the mode's voice
        plays there, not on the loudspeaker; None: the loudspeaker."""
        return getattr(self.settings, "audio_device", None) or None

    # --- listening to the PIN pad -----------------------------------------------------------

    def _on_home(self) -> bool:
        current = self.shell.current_screen()
        return current is self.shell.attract or current in self._home_screens()

    def wants_keys(self) -> bool:
        worker = self.requests.workers.get("pinpad")
        if (not self.settings.enabled or worker is None or not getattr(worker, "running", True)
                or self._paused_until_hold or self._staff_pause.isActive()):
            return False
        if self.active:
            return not self.journey_waits() and (self.runner.active or self._on_home())
        return (self.runner.session is None and self.terminal.accepting_journeys
                and self.shell.current_screen() is self.shell.attract)

    def refresh(self, *_: Any) -> None:
        """Start or stop listening as the screen, the journey and the terminal say."""
        if self._closed:
            return
        listening = self._listen is not None and self._listen.in_flight
        wants = self.wants_keys()
        log.debug("audio guide: refresh listening=%s wants=%s retry=%s screen=%s", listening,
                  wants, self._retry.isActive(),
                  getattr(self.shell.current_screen(), "name", "?"))
        if wants:
            if not listening and not self._retry.isActive():
                seconds = float(self.settings.listen_seconds)
                self._listen = self.requests.submit(
                    "pinpad", "listen", seconds, timeout=seconds + 5.0, safe=True,
                    on_done=self._listened, on_event=self._on_key)
        elif listening:
            # a key the pad still sends before the worker has stopped it comes through
            # _on_key, which takes it when the guide wants keys by then (the next screen)
            self._listen.cancel(keep_events=True)
            self._listen = None

    def requests_changed(self) -> None:
        self.refresh()
        if self.active and self._owe_choices and not self.journey_waits():
            self._schedule()  # the wait is over: the choices said after the prompt

    def _listened(self, completion: Completion[Any]) -> None:
        self._listen = None
        if not completion.ok and completion.code is not CompletionCode.CANCELED:
            log.info("audio guide: pinpad listen ended with %s", completion.code.value)
            self._retry.start()  # a pad that fails is not asked again at once
            return
        self.refresh()

    def hold_started(self) -> None:
        """A press on the staff corner: the pad is the staff's entry code's now."""
        self._paused_until_hold = True
        self.refresh()

    def hold_ended(self, held: bool, seconds: float) -> None:
        self._paused_until_hold = False
        self._staff_pause.start(max(1, round((seconds if held else 0.5) * 1000)))
        self.refresh()

    def _end_staff_pause(self) -> None:
        self.refresh()

    # --- keys -----------------------------------------------------------------------------------

    def _record(self, log: list[str], item: str) -> None:
        log.append(item)
        del log[:-RECORDED]
        if log is self.keys:
            self.key_count += 1

    def _on_key(self, event: Any) -> None:
        if not isinstance(event, KeyPressed) or event is self._last_event:
            return  # the bridge hands a solicited event to two routes
        self._last_event = event
        key = event.value if event.key is Key.DIGIT else event.key.value
        if not key or not self.wants_keys():
            return  # a key of a listening stopped because the journey waits now
        if not self.active:
            if key == self.settings.enter_key and self._on_home():
                self.activate()
                self._record(self.keys, key)
            return
        self._record(self.keys, key)
        self.runner.user_activity()
        if self.runner.session is None:
            self._home_idle.start()
        self.press(key)

    def press(self, key: str) -> None:
        """One PIN pad key in the mode: '0'..'9', enter, cancel, backspace, clear."""
        screen = describe(self.shell.current_screen())
        if screen.entry is not None and (key.isdigit() or key in ("backspace", "clear", "enter")):
            self._entry_key(screen, key)
            return
        self._confirming = False
        if key == "0":
            self._full = True
            self._schedule()
        elif key.isdigit():
            n = int(key)
            if 1 <= n <= len(screen.choices):
                self._choose(screen.choices[n - 1])
            else:
                self._say(self.texts("audio.no_choice", n=n) + self._choices_text(screen))
        elif key == "enter":
            if screen.confirm is not None:
                self._choose(screen.confirm)
            else:
                self._say(self.texts("audio.choose") + self._choices_text(screen))
        elif key == "cancel":
            self._cancel(screen)
        elif key in ("backspace", "clear"):
            if screen.back is not None:
                self._choose(screen.back)
            else:
                self._say(self._choices_text(screen))

    def _cancel(self, screen: AudioScreen) -> None:
        if screen.cancel is not None:
            self._choose(screen.cancel)
        elif screen.back is not None:
            self._choose(screen.back)
        elif self.runner.active and not self.runner.between_journeys:
            self.runner.cancel()
        elif self.runner.between_journeys:
            self.runner.end_between()
        else:
            self.deactivate()

    def _choose(self, choice: AudioChoice) -> None:
        self._record(self.said, f"> {choice.label}")
        before = self.shell.current_screen()
        choice.activate()
        if self.shell.current_screen() is before:
            self._full = True  # same screen, new content (a page turned, a figure printed)
            self._schedule()

    def _entry_key(self, screen: AudioScreen, key: str) -> None:
        pad = screen.entry
        before = pad.text
        if key.isdigit():
            self._confirming = False
            pad.press(key)
            self._say(self._figure(screen) if pad.text != before
                      else self.texts("audio.entry.full", figure=self._figure(screen)))
        elif key in ("backspace", "clear"):
            self._confirming = False
            if not before:
                if screen.back is not None:
                    self._choose(screen.back)
                return
            pad.press("back" if key == "backspace" or "clear" not in pad.keys else "clear")
            self._say(self._figure(screen) if pad.text else self.texts("audio.entry.empty"))
        elif key == "enter":
            if screen.confirm is None:
                self._say(self.texts("audio.entry.empty"))
            elif not self._confirming:
                self._confirming = True
                self._say(self.texts("audio.entry.check", figure=self._figure(screen)))
            else:
                self._confirming = False
                self._choose(screen.confirm)

    def _figure(self, screen: AudioScreen) -> str:
        if screen.value is not None:
            said = said_figure(screen.value.text(), self.texts.lang)
            if said:
                return said
        return screen.entry.text or self.texts("audio.entry.nothing")

    # --- what is said -------------------------------------------------------------------------

    def journey_waits(self) -> bool:
        """The journey does not wait for the farmer now: it has the PIN pad, waits for work
        that must finish (host, printer, money), or shows a screen that waits for something
        else (shown with ``idle=False``: reading a card, paying)."""
        runner = self.runner
        return runner.pad_in_use() or (runner.active and not runner.between_journeys
                                       and not runner.waits_for_farmer
                                       and not self._returning_cards())

    def _returning_cards(self) -> bool:
        return self.runner.session is not None and not self.runner._frames

    def pin_entry(self) -> bool:
        """The journey has the PIN pad (a PIN being typed in the pad's own mode)."""
        return any(r.in_flight and r.device == "pinpad" for r in self.runner._owned)

    def prompted(self) -> None:
        """A journey spoke: its prompt comes first, then the choices again."""
        if self.active:
            self._schedule()

    def _on_screen(self, _name: str) -> None:
        self._confirming = False
        self.refresh()
        if self.active:
            page = self.shell.current_screen()
            if page is not None and page.layout() is not None:
                page.layout().activate()  # the new page's geometry: the reading order
            self.banner.show_text(self._banner_text(describe(page)))  # at once, for a helper
            self._schedule()
        elif self.shell.current_screen() is self.shell.attract and self.runner.session is None:
            self.start_attract_loop()

    def _schedule(self) -> None:
        self._announce_timer.start()

    def _announce(self) -> None:
        if not self.active:
            return
        if self.pin_entry():
            return  # the PIN: the journey's own prompts, nothing of ours
        page = self.shell.current_screen()
        screen = describe(page)
        parts: list[str] = []
        new_prompt = self.voice.count != self._own_count and self.voice.last_text
        if new_prompt:
            parts.append(self.voice.last_text or "")
        elif page is not self._announced_page or self._full:
            parts += [screen.heading, screen.body]
        if self._full:
            parts += screen.details
        self._full = False
        self._announced_page = page
        waiting = self.journey_waits()
        self._owe_choices = waiting
        choices = "" if waiting and parts else self._choices_text(screen)
        self.banner.show_text(self._banner_text(screen))
        if new_prompt and not choices and parts == [self.voice.last_text]:
            self._own_count = self.voice.count  # the journey's prompt, just said: not twice
            return
        self._say(self._sentences(parts) + choices, msgid=self.voice.last_msgid or "audio.screen")
        self._record(self.said, choices)
        if choices:
            self.last_choices = (self.shell.current_name(), choices)
        self.announced.emit(choices)

    def _sentences(self, parts: list[str]) -> str:
        """The heading, body, details, a prompt: one sentence each, ended the language's way
        (。 in Chinese; ". " in English, where the choices then begin with a capital)."""
        end = self.texts("audio.end").strip() or "。"
        gap = "" if end == "。" else " "
        text = (end + gap).join(p.strip().rstrip("。.：:") for p in parts if p.strip())
        return text + end + gap if text else ""

    def _choices_text(self, screen: AudioScreen) -> str:
        tr = self.texts
        if self.journey_waits():
            return tr("audio.wait")
        out: list[str] = []
        if screen.entry is not None:
            out.append(tr("audio.entry.how", figure=self._figure(screen)))
        else:
            out += [tr("audio.choice", n=i, label=c.label)
                    for i, c in enumerate(screen.choices[:9], start=1)]
            if screen.unavailable:
                out.append(tr("audio.unavailable",
                              labels=tr("shell.reason.separator").join(screen.unavailable)))
        if screen.confirm is not None and screen.entry is None:
            out.append(tr("audio.confirm", label=screen.confirm.label))
        if screen.cancel is not None:
            out.append(tr("audio.cancel", label=screen.cancel.label))
        out.append(tr("audio.repeat") if screen.entry is None else "")
        text = tr("audio.separator").join(t for t in out if t) + tr("audio.end")
        return text[:1].upper() + text[1:]  # a sentence of its own (Press 1 for ...)

    def _banner_text(self, screen: AudioScreen) -> str:
        tr = self.texts
        items = [tr("audio.banner.title")]
        if screen.entry is not None:
            items.append(tr("audio.banner.entry"))
        else:
            items += [f"{i} {c.label}" for i, c in enumerate(screen.choices[:9], start=1)]
            items.append(tr("audio.banner.repeat"))
        if screen.confirm is not None:
            items.append(tr("audio.banner.confirm", label=screen.confirm.label))
        if screen.cancel is not None:
            items.append(tr("audio.banner.cancel", label=screen.cancel.label))
        return "   ".join(items)

    def _say(self, text: str, msgid: str = "audio.screen") -> None:
        if text:
            self.voice.speak_text(text, self.texts.lang, msgid=msgid)
            self._own_count = self.voice.count

    # --- timers ---------------------------------------------------------------------------------

    def _on_home_idle(self) -> None:
        if self.active and self.runner.session is None and self._on_home():
            self.deactivate()

    def _on_session_ended(self, _outcome: Any) -> None:
        if self.active:
            self._home_idle.start()  # a while on the home for the next service, then off

    def _on_loop(self) -> None:
        if self._closed:
            return
        if (not self.active and self.runner.session is None
                and self.shell.current_screen() is self.shell.attract):
            hint = self.attract_hint()
            if hint and self.terminal.accepting_journeys:
                self.voice.speak_text(hint, self._home_tr.lang, msgid="audio.attract")
        self.start_attract_loop()

    def _on_idle_warning(self, seconds: int) -> None:
        """The idle warning asks for a touch: in the mode any key on the pad will do."""
        if self.active:
            self._say(self.texts("audio.keep_going", seconds=seconds))
