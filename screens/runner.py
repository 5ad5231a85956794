"""The journey runner: one generic driver for every farmer journey, on the GUI thread.

It owns what every journey shares: the customer session (one per farmer, wiped on every exit
path of the session), the QTimers (idle warning with a visible countdown, idle timeout, the
minimum time the "take your cards" prompt stays up), cancel / back / help, device and host
requests whose completions come back to the presenter that asked
(:class:`kiosk.requests.Requests`), nesting (a journey calls a sub-journey, e.g. the
identification step, and gets its outcome back), the card-return rule at the end, and the
safe-point handshake with the terminal service (:class:`kiosk.terminal.TerminalService`).

A journey is a folder ``screens/journeys/<name>/`` registered by name
(:mod:`screens.journeys`): a Qt-free chart, views, and a :class:`Presenter` that maps the
chart's states to views and device requests. See ``docs/journeys.md``.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QWidget

from devices.base import Completion, DeviceEvent
from kiosk.requests import Request, Requests
from kiosk.session import CustomerSession
from kiosk.shell.window import ShellWindow
from kiosk.terminal import Availability, TerminalService
from screens.chart import Outcome
from screens.journeys import JourneySpec, ViewCache, journey, journeys
from screens.widgets.countdown import IdleWarning

if TYPE_CHECKING:
    from kiosk.errors import ErrorInfo
    from screens.card_return import RemoveCardView

log = logging.getLogger(__name__)

ACTIVITY_EVENTS = frozenset({
    QEvent.Type.MouseButtonPress,
    QEvent.Type.TouchBegin,
    QEvent.Type.KeyPress,
})

#: The journey that identifies the farmer (ID card, bank card, PIN, host).
IDENTIFY = "identify"


class Voice(Protocol):
    """What the runner needs of kiosk.voice.VoiceGuide."""

    def speak(self, msgid: str, translator: Any, /, **fields: Any) -> Any: ...

    def speak_text(self, text: str, lang: str, *, msgid: str = "") -> None: ...

    def repeat(self) -> None: ...

    def stop(self) -> None: ...


@dataclass(frozen=True)
class Timeouts:
    """Seconds (fractions allowed in tests)."""

    idle: float = 60.0
    idle_warning: float = 15.0
    card_removal: float = 30.0
    remove_prompt: float = 3.0  # the "take your card" reminder stays at least this long
    pin_entry: float = 30.0  # the PIN pad's own entry timeout

    @classmethod
    def from_config(cls, timeouts: Any, remove_prompt: float = 3.0,
                    pin_entry: float = 30.0) -> Timeouts:
        return cls(
            idle=float(timeouts.idle_seconds),
            idle_warning=float(timeouts.idle_warning_seconds),
            card_removal=float(timeouts.card_removal_seconds),
            remove_prompt=remove_prompt,
            pin_entry=pin_entry,
        )


class Presenter:
    """Base of a journey's presenter: maps its chart's states to views and requests.

    The runner calls :meth:`start` once, then :meth:`cancel` (取消), :meth:`back` (返回),
    :meth:`idle_timeout`, :meth:`device_event` (unsolicited events: a card taken out) as they
    happen; the presenter ends its journey with ``runner.end(outcome)``. ``options`` are the
    keyword arguments the journey was started with (e.g. ``step=True``).
    """

    def __init__(self, runner: JourneyRunner, views: Any, **options: Any) -> None:
        self.runner = runner
        self.views = views
        self.options = options

    def start(self) -> None:
        raise NotImplementedError

    def cancel(self) -> None:
        self.runner.end(Outcome.CANCELED)

    def back(self) -> None:
        self.cancel()

    def finish(self) -> None:
        self.runner.end(Outcome.DONE)

    def idle_timeout(self) -> None:
        self.runner.end(Outcome.TIMED_OUT)

    def device_event(self, event: DeviceEvent) -> None:
        """An unsolicited device event (no request of ours asked for it)."""

    def stop(self) -> None:
        """The journey is over (any path): drop references; the views stay cached."""


class ChartPresenter(Presenter):
    """A presenter driven by one Qt-free chart (:class:`screens.chart.FlowChart`): the chart's
    ``START``, ``CANCEL``, ``BACK``, ``FINISH`` and ``IDLE_TIMEOUT`` events (those it has)
    answer the runner's hooks, a final state ends the journey with the chart's ``outcome``,
    and entering another state calls ``_enter_<state>()``. Signals connected with
    :meth:`connect` are disconnected when the journey stops (the views are cached)."""

    name = "journey"  # for the log

    def __init__(self, runner: JourneyRunner, views: Any, flow: Any, **options: Any) -> None:
        super().__init__(runner, views, **options)
        self.flow = flow
        self._events = type(next(iter(flow.transitions))[1])  # the chart's event enum
        self._connections: list[tuple[Any, Callable[..., Any]]] = []
        flow.add_listener(self._on_transition)

    def connect(self, pairs: list[tuple[Any, Callable[..., Any]]]) -> None:
        for signal, slot in pairs:
            signal.connect(slot)
            self._connections.append((signal, slot))

    def _send(self, name: str) -> bool:
        event = self._events.__members__.get(name)
        return event is not None and self.flow.send_if_allowed(event)

    def start(self) -> None:
        self.flow.send(self._events.__members__["START"])

    def stop(self) -> None:
        for signal, slot in self._connections:
            signal.disconnect(slot)
        self._connections = []

    def cancel(self) -> None:
        self._send("CANCEL")

    def back(self) -> None:
        if "BACK" in self._events.__members__:
            self._send("BACK")
        else:
            self.cancel()

    def finish(self) -> None:
        self._send("FINISH")

    def idle_timeout(self) -> None:
        self._send("IDLE_TIMEOUT")

    @property
    def _tr(self) -> Any:
        return self.runner.tr

    def show_host_error(self, view: Any, completion: Any, title_msgid: str, what: str) -> None:
        """The host did not answer a read (``completion`` failed): ``view`` (a MessageView)
        says so under ``title_msgid`` with the error code's farmer text, spoken; the code only
        for the staff (``runner.last_error``) and the log (``what`` was not read)."""
        from kiosk.errors import error_for_completion  # the tables load on the first error

        info = error_for_completion(completion, self._tr, "host")
        self.runner.show_error(info)
        log.warning("%s not read: %s (%s)", what, info.code, getattr(completion, "detail", ""))
        view.show_texts(self._tr, self._tr(title_msgid), info.farmer)
        self.runner.show(view)
        self.runner.speak_text(info.voice, msgid=f"error.{info.code}.voice")

    def _on_transition(self, source: Any, event: Any, target: Any) -> None:
        log.info("%s: %s --%s--> %s", self.name, source.name, event.name, target.name)
        if target in self.flow.final:
            self.runner.end(self.flow.outcome or Outcome.CANCELED)
            return
        self.enter(source, event, target)

    def enter(self, source: Any, event: Any, target: Any) -> None:
        """Entering ``target`` (not final): ``_enter_<target>()``."""
        getattr(self, f"_enter_{target.name.lower()}")()


@dataclass
class _Frame:
    spec: JourneySpec
    presenter: Presenter
    on_return: Callable[[Outcome], None] | None


class JourneyRunner(QObject):
    """Runs journeys by name. Signals: ``journey_finished(Outcome)`` when a farmer session
    ends (cards returned, session wiped, home shown), ``journey_started(str)``,
    ``awaiting_choice()`` (an identified farmer is back on the home screen between two
    journeys), ``state_entered(str)`` (a view's name), ``idle_warning_shown(int)``."""

    journey_finished = Signal(object)
    journey_started = Signal(str)
    awaiting_choice = Signal()  # between two journeys of an identified farmer: the home
    state_entered = Signal(str)
    idle_warning_shown = Signal(int)

    def __init__(
        self,
        shell: ShellWindow,
        bridge: Any,
        requests: Requests,
        terminal: TerminalService,
        voice: Voice,
        timeouts: Timeouts,
        language: str,
        *,
        today: Callable[[], dt.date] = dt.date.today,
        options: dict[str, Any] | None = None,
        config: Any = None,
        transactions: Callable[[], Any] | None = None,
        staff: Callable[[], Any] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.shell = shell
        self.requests = requests
        self.terminal = terminal
        self.voice = voice
        self.timeouts = timeouts
        self.language = language
        self.today = today
        #: the kiosk's configuration (journeys read their own section, e.g. ``calculator``)
        self.config = config
        #: the kiosk's transactions service (journal, money, the outbox) or None: a getter,
        #: as the service comes up on the bring-up thread after the runner exists
        self.transactions: Callable[[], Any] = transactions or (lambda: None)
        #: the staff controller (screens/staff: the signed-in staff member, a second-person
        #: authorisation with ``ask_authorization(need, what, on_result)``) or None: a getter,
        #: as it is built on first use after the runner
        self.staff: Callable[[], Any] = staff or (lambda: None)
        #: keyword arguments given to every presenter of a journey (tests: identity checks)
        self.options: dict[str, dict[str, Any]] = dict(options or {})
        self.session: CustomerSession | None = None
        self.last_outcome: Outcome | None = None
        self.last_error: ErrorInfo | None = None
        self.last_journey = ""
        self._frames: list[_Frame] = []
        self._owned: list[Request[Any]] = []
        self._views = ViewCache()
        self._remove_view: RemoveCardView | None = None
        self._returning = False
        self._removals_left = 0
        self._prompt_done = False
        self._ending: Outcome | None = None
        self._between = False  # an identified farmer on the home screen between journeys
        self.home: Callable[[], QWidget] | None = None  # the screen shown between sessions
        #: the audio-guided mode (screens/audio.py AudioGuide) when the app has one
        self.audio: Any = None
        from kiosk.i18n import Translator

        self._home_tr = Translator(language)

        self.idle_warning = IdleWarning(shell.screen_area)
        self.idle_warning.keep_going.connect(self.user_activity)
        self._warn_timer = self._single_shot(self._on_idle_warning)
        self._timeout_timer = self._single_shot(self._on_idle_timeout)
        self._prompt_timer = self._single_shot(self._on_prompt_elapsed)
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._on_tick)
        # the seconds left, on the screen itself, whenever it can time out
        self._count = QTimer(self)
        self._count.setInterval(1000)
        self._count.timeout.connect(self._show_seconds_left)
        self._counted: Any = None
        self._deadline = 0.0
        self._idle_on = False

        terminal.journey = self
        bridge.device_event.connect(self._on_device_event)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def _single_shot(self, slot: Callable[[], None]) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setTimerType(Qt.TimerType.PreciseTimer)  # coarse timers fire up to 5% early
        timer.timeout.connect(slot)
        return timer

    # --- what the runner offers ---------------------------------------------------------------

    @staticmethod
    def journeys() -> dict[str, JourneySpec]:
        return journeys()

    def availability(self, name: str) -> Availability:
        """Whether journey ``name`` can start now (and why not)."""
        spec = journey(name)
        needs = spec.all_needs
        if spec.identify and self.session is not None and self.session.identified:
            needs = spec.needs  # identified once in this session: no cards needed again
        return self.terminal.availability(needs)

    def views_of(self, name: str) -> Any:
        """The views bundle of journey ``name`` (built on first use, then kept)."""
        views = self._views.get(journey(name))
        for page in getattr(views, "pages", lambda: [])():
            self.shell.add_screen(page)
            page.repeat_requested.connect(self.repeat_prompt, Qt.ConnectionType.UniqueConnection)
            page.help_requested.connect(self.ask_for_help, Qt.ConnectionType.UniqueConnection)
        return views

    # --- starting and ending ------------------------------------------------------------------

    @property
    def active(self) -> bool:
        """A farmer session is running (a journey, or the cards being returned)."""
        return self.session is not None

    @property
    def presenter(self) -> Presenter | None:
        return self._frames[-1].presenter if self._frames else None

    @property
    def current(self) -> str:
        return self._frames[-1].spec.name if self._frames else ""

    def start(self, name: str, **options: Any) -> bool:
        """Start journey ``name`` (a new farmer session unless one is running between
        journeys); False when it cannot run now (availability) or one is running."""
        if self._frames or self._returning:
            return False
        spec = journey(name)
        if not self.terminal.accepting_journeys:
            log.info("journey %s refused: the terminal waits for a safe point", name)
            return False
        available = self.availability(name)
        if not available.ok:
            log.info("journey %s not available: %s", name,
                     ",".join(r.value for r in available.reasons))
            return False
        if self.session is None:
            self.session = CustomerSession(self.language)
            self.last_outcome = None
            self.last_error = None
            self.terminal.journey_started()
        self._between = False
        self._stop_idle()
        self.last_journey = name
        log.debug("journey %s started", name)
        self.journey_started.emit(name)
        if spec.identify and not self.session.identified:
            self._push(journey(IDENTIFY), _AfterIdentify(self, spec, options), step=True)
        else:
            self._push(spec, None, **options)
        return True

    def start_identify(self) -> None:
        """The identification journey on its own (the home screen's path)."""
        self.start(IDENTIFY)

    def call(self, name: str, on_return: Callable[[Outcome], None], **options: Any) -> None:
        """Run journey ``name`` as a sub-journey; ``on_return(outcome)`` when it ends."""
        self._push(journey(name), on_return, **options)

    def switch_to(self, name: str, **options: Any) -> bool:
        """The current journey hands the farmer over to journey ``name`` (e.g. a reminder's
        现在还款 opens the repayment of that loan): every running frame stops and ``name``
        runs as the session's journey, without identifying again. False (and nothing
        changes) when ``name`` cannot run now."""
        if not self._frames or self.session is None or not self.availability(name).ok:
            return False
        self._cancel_owned()
        self._stop_idle()
        while self._frames:
            self._frames.pop().presenter.stop()
        self.last_journey = name
        self.journey_started.emit(name)
        self._push(journey(name), None, **options)
        return True

    def _push(self, spec: JourneySpec, on_return: Callable[[Outcome], None] | None,
              **options: Any) -> None:
        views = self.views_of(spec.name)
        factory = spec.load_presenter()
        merged = {**self.options.get(spec.name, {}), **options}
        presenter = factory(self, views, **merged)
        self._frames.append(_Frame(spec, presenter, on_return))
        presenter.start()

    def end(self, outcome: Outcome) -> None:
        """The current journey ends. A sub-journey returns its outcome to its caller; the
        top journey ends the farmer session (cards returned, session wiped, home)."""
        if not self._frames:
            return
        frame = self._frames.pop()
        self._cancel_owned()
        self._stop_idle()
        frame.presenter.stop()
        log.debug("journey %s ended: %s", frame.spec.name, outcome.value)
        if frame.on_return is not None:
            frame.on_return(outcome)
            return
        while self._frames:  # a caller's frames go with it
            self._frames.pop().presenter.stop()
        if outcome is Outcome.DONE and self._offers_more():
            self._await_choice()
            return
        self.end_session(outcome)

    def _offers_more(self) -> bool:
        """An identified farmer stays in the session when a journey on the home screen needs
        identification (identified once per session; they pick the next service)."""
        return (self.session is not None and self.session.identified
                and any(s.identify and s.home for s in journeys().values()))

    def _await_choice(self) -> None:
        self._between = True
        self.shell.show_screen(self.home() if self.home is not None else self.shell.attract)
        self._idle_on = True
        self._restart_idle()
        self.awaiting_choice.emit()

    @property
    def between_journeys(self) -> bool:
        return self._between

    def end_between(self) -> None:
        """结束办理 on the home screen between journeys."""
        if self._between and not self._frames:
            self.end_session(Outcome.DONE)

    def end_session(self, outcome: Outcome) -> None:
        """The farmer session ends: the cards back first (the card-return rule), then wipe."""
        if self.session is None:
            return
        self._between = False
        self._ending = outcome
        kinds = [k for k in sorted(self.session.cards) if k in self.requests.workers]
        if kinds and not self._returning:
            self._return_cards(kinds)
            return
        self._finish(outcome)

    def _finish(self, outcome: Outcome) -> None:
        self._returning = False
        self._between = False
        self._ending = None
        self._stop_idle()
        self._prompt_timer.stop()
        self._cancel_owned()
        self.last_outcome = outcome
        if self.session is not None:
            self.session.wipe()
        self.session = None
        self.shell.show_screen(self.home() if self.home is not None else self.shell.attract)
        log.info("session ended: %s", outcome.value)
        self.terminal.journey_ended()
        self.journey_finished.emit(outcome)

    def cancel(self) -> None:
        """取消 (the journey decides what that means where it is)."""
        if self.presenter is not None:
            self.presenter.cancel()

    def back(self) -> None:
        """返回."""
        if self.presenter is not None:
            self.presenter.back()

    def finish(self) -> None:
        """完成 / 返回首页 where the journey offers it."""
        if self.presenter is not None:
            self.presenter.finish()

    def ask_for_help(self) -> None:
        """呼叫工作人员: the staff see it in the status strip; the farmer hears that they come."""
        self.user_activity()
        already = self.terminal.help_requested
        self.terminal.ask_for_help()
        page = self.shell.current_screen()
        tr = self.session.translator if self.session is not None else self._home_tr
        if hasattr(page, "set_help_text"):
            page.set_help_text(tr("screen.common.help_called"))
        if not already:
            self.voice.speak("voice.help_called", tr)

    def stop(self) -> None:
        """App shutdown: end any session quietly (no wait for the cards)."""
        if self._frames or self.session is not None:
            while self._frames:
                self._frames.pop().presenter.stop()
            self._finish(Outcome.CANCELED)
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    # --- the safe-point handshake (kiosk.terminal.JourneyHost) -------------------------------

    def journey_active(self) -> bool:
        return self.session is not None

    def work_in_flight(self) -> bool:
        """A request that must finish (host call, print) is running."""
        return any(r.in_flight and not r.safe for r in self._owned)

    def interrupt(self) -> None:
        """End the journey now (a mode change or shutdown waited for this safe point)."""
        if self._frames:
            while len(self._frames) > 1:
                self._frames.pop().presenter.stop()
            self.end(Outcome.CANCELED)
        elif self.session is not None and not self._returning:
            self.end_session(Outcome.CANCELED)

    # --- what presenters use ------------------------------------------------------------------

    @property
    def tr(self) -> Any:
        assert self.session is not None
        return self.session.translator

    def show(self, view: QWidget, *, idle: bool = True) -> None:
        """Show ``view``; ``idle``: the screen waits for the farmer (idle countdown runs)."""
        self._stop_idle()
        if hasattr(view, "set_help_text"):
            view.set_help_text(self.tr("screen.common.help_called" if self.terminal.help_requested
                                       else "screen.common.help"))
        self._idle_on = idle
        if idle:  # the seconds left are on the screen from its first paint
            self._restart_idle(view)
        self.shell.show_screen(view)
        self.state_entered.emit(str(getattr(view, "name", "")))

    def speak(self, msgid: str, **fields: Any) -> None:
        self.voice.speak(msgid, self.tr, **fields)
        if self.audio is not None:
            self.audio.prompted()

    def speak_text(self, text: str, msgid: str = "") -> None:
        self.voice.speak_text(text, self.tr.lang, msgid=msgid)
        if self.audio is not None:
            self.audio.prompted()

    def show_error(self, info: ErrorInfo) -> None:
        """Remember the error shown (autopilot, tests, staff view)."""
        self.last_error = info

    def request(self, kind: str, command: str, *args: Any,
                on_done: Callable[[Completion[Any]], None],
                on_event: Callable[[DeviceEvent], None] | None = None,
                timeout: float | None = None, safe: bool = False,
                **kwargs: Any) -> Request[Any]:
        """A device or host command for the current journey; cancelled when it ends."""
        request = self.requests.submit(kind, command, *args, on_done=_AfterRequest(self, on_done),
                                       on_event=on_event, timeout=timeout, safe=safe, **kwargs)
        self._owned = [r for r in self._owned if r.in_flight]
        self._owned.append(request)
        self._requests_changed()
        return request

    def run(self, name: str, fn: Callable[[], Any], *,
            on_done: Callable[[Completion[Any]], None]) -> Request[Any]:
        """A blocking call for the current journey (e.g. ``self.runner.transactions()
        .sign_line(...)``) on a short thread (:meth:`kiosk.requests.Requests.run`): never on
        the GUI thread; ``on_done`` gets a Completion here (``data`` = the value, or the
        exception); until then it is work in flight (a mode change or shutdown waits)."""
        request = self.requests.run(name, fn, _AfterRequest(self, on_done))
        self._owned = [r for r in self._owned if r.in_flight]
        self._owned.append(request)
        self._requests_changed()
        return request

    @property
    def waits_for_farmer(self) -> bool:
        """The screen shown waits for the farmer (shown with ``idle=True``); a screen shown
        with ``idle=False`` waits for a device, the host or the money."""
        return self._idle_on

    def pad_in_use(self) -> bool:
        """The journey uses the PIN pad now (a PIN entry), or waits for work that must finish
        (a host call, a print): the audio-guided mode does not listen to the pad then."""
        return any(r.in_flight and (r.device == "pinpad" or not r.safe) for r in self._owned)

    def _requests_changed(self) -> None:
        if self.audio is not None:
            self.audio.requests_changed()

    def cancel_requests(self) -> None:
        """Cancel every request of the journey still in flight."""
        self._cancel_owned()

    def has_worker(self, kind: str) -> bool:
        return kind in self.requests.workers

    def _cancel_owned(self) -> None:
        owned, self._owned = self._owned, []
        for request in owned:
            request.cancel()
        if owned:
            self._requests_changed()

    def _after_request(self) -> None:
        self._owned = [r for r in self._owned if r.in_flight]
        self._requests_changed()
        if self.terminal.pending and not self.work_in_flight():
            self.terminal.safe_point()

    def repeat_prompt(self) -> None:
        """重听."""
        self.user_activity()
        self.voice.repeat()

    # --- the card-return rule -----------------------------------------------------------------

    @property
    def remove_view(self) -> RemoveCardView:
        if self._remove_view is None:
            from screens.card_return import RemoveCardView

            self._remove_view = RemoveCardView()
            self.shell.add_screen(self._remove_view)
            self._remove_view.repeat_requested.connect(self.repeat_prompt)
            self._remove_view.help_requested.connect(self.ask_for_help)
        return self._remove_view

    def _return_cards(self, kinds: list[str]) -> None:
        self._returning = True
        with_bank = "iccard" in kinds
        view = self.remove_view
        view.show_texts(self.tr, with_bank_card=with_bank)
        self.show(view, idle=False)
        self.speak("voice.remove_cards" if with_bank else "voice.remove_id")
        self._removals_left = len(kinds)
        self._prompt_done = False
        self._prompt_timer.start(_ms(self.timeouts.remove_prompt))
        for kind in kinds:
            self.request(kind, "wait_for_removal", timeout=self.timeouts.card_removal,
                         safe=True, on_done=self._card_removed)

    def _card_removed(self, completion: Completion[Any]) -> None:
        if not completion.ok:
            log.info("card removal not confirmed (%s); going home", completion.code.value)
        self._removals_left -= 1
        self._maybe_cards_back()

    def _on_prompt_elapsed(self) -> None:
        self._prompt_done = True
        self._maybe_cards_back()

    def _maybe_cards_back(self) -> None:
        if self._returning and self._removals_left <= 0 and self._prompt_done:
            self._finish(self._ending or Outcome.DONE)

    # --- device events ------------------------------------------------------------------------

    def _on_device_event(self, event: DeviceEvent) -> None:
        if getattr(event, "request_id", 0):
            self.requests.route_event(event)
        elif self.presenter is not None:
            self.presenter.device_event(event)

    # --- idle countdown -----------------------------------------------------------------------

    def user_activity(self) -> None:
        """A touch or key: the farmer is still there."""
        if (self._frames or self._between) and self._idle_on:
            self._restart_idle()

    def _restart_idle(self, view: QWidget | None = None) -> None:
        self._stop_idle()
        t = self.timeouts
        self._deadline = time.monotonic() + t.idle
        self._warn_timer.start(_ms(max(0.0, t.idle - t.idle_warning)))
        self._timeout_timer.start(_ms(t.idle))
        self._counted = view if view is not None else self.shell.current_screen()
        self._show_seconds_left()
        self._count.start()

    def _stop_idle(self) -> None:
        self._warn_timer.stop()
        self._timeout_timer.stop()
        self._tick.stop()
        self._count.stop()
        if self._counted is not None and hasattr(self._counted, "set_countdown"):
            self._counted.set_countdown("")
        self._counted = None
        self.idle_warning.hide()

    def _show_seconds_left(self) -> None:
        page = self._counted
        if page is None or not hasattr(page, "set_countdown"):
            return
        tr = self.session.translator if self.session is not None else self._home_tr
        page.set_countdown(tr("label.seconds_left", seconds=self.seconds_left()))

    def seconds_left(self) -> int:
        return max(0, math.ceil(self._deadline - time.monotonic()))

    def _on_idle_warning(self) -> None:
        if self.session is None:
            return
        left = self.seconds_left()
        self.idle_warning.show_countdown(self.session.translator, left)
        self.voice.speak("voice.idle_warning", self.session.translator, seconds=left)
        self._tick.start()
        self.idle_warning_shown.emit(left)

    def _on_tick(self) -> None:
        self.idle_warning.set_seconds(self.seconds_left())

    def _on_idle_timeout(self) -> None:
        self._tick.stop()
        self.idle_warning.hide()
        if self.presenter is not None and self._idle_on:
            self.presenter.idle_timeout()
        elif self._between:
            self.end_session(Outcome.TIMED_OUT)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() in ACTIVITY_EVENTS and (self._frames or self._between)
                and isinstance(watched, QWidget) and watched.window() is self.shell):
            self.user_activity()
        return False


class _AfterIdentify:
    """The identification step's outcome: on to the journey that needed it, or the end."""

    def __init__(self, runner: JourneyRunner, spec: JourneySpec,
                 options: dict[str, Any]) -> None:
        self.runner, self.spec, self.options = runner, spec, options

    def __call__(self, outcome: Outcome) -> None:
        if outcome is Outcome.DONE:
            self.runner._push(self.spec, None, **self.options)
        else:
            self.runner.end_session(outcome)


class _AfterRequest:
    """Runs the presenter's callback, then lets the terminal look for a safe point."""

    __slots__ = ("fn", "runner")

    def __init__(self, runner: JourneyRunner, fn: Callable[[Completion[Any]], None]) -> None:
        self.runner, self.fn = runner, fn

    def __call__(self, completion: Completion[Any]) -> None:
        try:
            self.fn(completion)
        finally:
            self.runner._after_request()


def _ms(seconds: float) -> int:
    return max(0, round(seconds * 1000))
