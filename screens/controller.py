"""FlowController: runs a journey's chart on the GUI thread.

On entering a state it shows the view, speaks the prompt, (re)starts the idle countdown and
issues device commands through the workers; it maps the completions and events the bridge
delivers back to chart events. It owns the QTimers: idle warning (a visible countdown and a
spoken warning), idle timeout, the minimum time the "take your card" reminder stays up, and
the countdown tick. Every exit path (done, cancel, timeout, failure) wipes the customer
session and returns to the attract screen.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QWidget

from devices.base import CardInserted, Completion, CompletionCode, DeviceEvent
from kiosk.session import CustomerSession
from kiosk.shell.page import ScreenPage
from kiosk.shell.window import ShellWindow
from screens.flows.base import Outcome
from screens.flows.identify import (
    IdentifyEvent,
    IdentifyFlow,
    IdentifyState,
    IdentityCheck,
    check_identity,
)
from screens.views.identify import (
    ErrorView,
    InsertIdCardView,
    ReadingView,
    RemoveCardView,
    WelcomeView,
)
from screens.widgets.countdown import IdleWarning

if TYPE_CHECKING:
    from kiosk.errors import ErrorInfo

log = logging.getLogger(__name__)

S, E = IdentifyState, IdentifyEvent

# States with an idle countdown, and the chart event its expiry sends.
IDLE_STATES = {S.INSERT_ID: E.IDLE_TIMEOUT, S.WELCOME: E.IDLE_TIMEOUT, S.ERROR: E.IDLE_TIMEOUT}

ACTIVITY_EVENTS = frozenset({
    QEvent.Type.MouseButtonPress,
    QEvent.Type.TouchBegin,
    QEvent.Type.KeyPress,
})


class Worker(Protocol):
    """What the controller needs of a DeviceWorker."""

    def submit(self, command: str, *args: Any, timeout: float | None = None,
               **kwargs: Any) -> Any: ...

    def cancel(self, request_id: int) -> None: ...


class Voice(Protocol):
    """What the controller needs of kiosk.voice.VoiceGuide."""

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

    @classmethod
    def from_config(cls, timeouts: Any, remove_prompt: float = 3.0) -> Timeouts:
        return cls(
            idle=float(timeouts.idle_seconds),
            idle_warning=float(timeouts.idle_warning_seconds),
            card_removal=float(timeouts.card_removal_seconds),
            remove_prompt=remove_prompt,
        )


class FlowController(QObject):
    """Drives the identify journey. Signals: ``journey_finished(Outcome)``,
    ``state_entered(str)`` (the chart state's name), ``idle_warning_shown(int)``."""

    journey_finished = Signal(object)
    state_entered = Signal(str)
    idle_warning_shown = Signal(int)

    def __init__(
        self,
        shell: ShellWindow,
        bridge: Any,
        workers: Mapping[str, Worker],
        voice: Voice,
        timeouts: Timeouts,
        language: str,
        *,
        today: Callable[[], dt.date] = dt.date.today,
        check: IdentityCheck = check_identity,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.shell = shell
        self.workers = workers
        self.voice = voice
        self.timeouts = timeouts
        self.language = language
        self._today = today
        self._check = check
        self.session: CustomerSession | None = None
        self.flow: IdentifyFlow | None = None
        self.last_outcome: Outcome | None = None
        self.last_error: ErrorInfo | None = None
        self._requests: dict[int, tuple[str, str]] = {}  # request id -> (device, purpose)
        self._canceled: set[int] = set()
        self._removal_done = False
        self._prompt_done = False

        self.insert_view = InsertIdCardView()
        self.reading_view = ReadingView()
        self.welcome_view = WelcomeView()
        self.error_view = ErrorView()
        self.remove_view = RemoveCardView()
        self.views: dict[IdentifyState, ScreenPage] = {
            S.INSERT_ID: self.insert_view,
            S.READING: self.reading_view,
            S.WELCOME: self.welcome_view,
            S.ERROR: self.error_view,
            S.REMOVE_CARD: self.remove_view,
        }
        for view in self.views.values():
            shell.add_screen(view)
            view.repeat_requested.connect(self.repeat_prompt)
        self.insert_view.cancel_requested.connect(self.cancel)
        self.welcome_view.cancel_requested.connect(self.cancel)
        self.welcome_view.finish_requested.connect(self.finish)
        self.error_view.finish_requested.connect(self.finish)
        self.idle_warning = IdleWarning(shell.screen_area)
        self.idle_warning.keep_going.connect(self.user_activity)

        self._warn_timer = self._single_shot(self._on_idle_warning)
        self._timeout_timer = self._single_shot(self._on_idle_timeout)
        self._prompt_timer = self._single_shot(self._on_prompt_elapsed)
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._on_tick)
        self._deadline = 0.0

        bridge.completed.connect(self._on_completed)
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

    # --- public API ---------------------------------------------------------------------------

    @property
    def active(self) -> bool:
        return self.flow is not None and not self.flow.finished

    @property
    def state(self) -> IdentifyState | None:
        return None if self.flow is None else self.flow.state

    def start_identify(self) -> None:
        """Start the first journey (the attract screen's 开始办理)."""
        if self.active:
            return
        self.session = CustomerSession(self.language)
        self.flow = IdentifyFlow(today=self._today, check=self._check)
        self.flow.add_listener(self._on_transition)
        self.last_outcome = None
        self.last_error = None
        self.flow.send(E.START)

    def cancel(self) -> None:
        """取消: allowed where the chart allows it."""
        if self.flow is not None:
            self.flow.send_if_allowed(E.CANCEL)

    def finish(self) -> None:
        """完成 / 返回首页."""
        if self.flow is not None:
            self.flow.send_if_allowed(E.FINISH)

    def repeat_prompt(self) -> None:
        """重听."""
        self.user_activity()
        self.voice.repeat()

    def user_activity(self) -> None:
        """A touch or key: the farmer is still there."""
        if self.active and self.flow is not None and self.flow.state in IDLE_STATES:
            self._restart_idle()

    def stop(self) -> None:
        """App shutdown: end any journey quietly."""
        if self.active and self.flow is not None:
            self._end(Outcome.CANCELED)
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    # --- the chart ----------------------------------------------------------------------------

    def _on_transition(self, source: IdentifyState, event: IdentifyEvent,
                       target: IdentifyState) -> None:
        log.info("identify: %s --%s--> %s", source.name, event.name, target.name)
        self._stop_idle()
        if target is S.ENDED:
            assert self.flow is not None
            self._end(self.flow.outcome or Outcome.CANCELED)
            return
        enter = getattr(self, f"_enter_{target.name.lower()}")
        enter()
        self.state_entered.emit(target.name)
        if target in IDLE_STATES:
            self._restart_idle()

    def _tr(self) -> Any:
        assert self.session is not None
        return self.session.translator

    def _enter_insert_id(self) -> None:
        self.insert_view.show_texts(self._tr())
        self.shell.show_screen(self.insert_view)
        self.voice.speak("voice.insert_id", self._tr())
        self._submit("idcard", "read", "read_identity", wait=True,
                     timeout=self.timeouts.idle + 10.0)

    def _enter_reading(self) -> None:
        self.reading_view.show_texts(self._tr())
        self.shell.show_screen(self.reading_view)
        self.voice.speak("voice.reading", self._tr())

    def _enter_welcome(self) -> None:
        assert self.session is not None
        tr = self._tr()
        self.welcome_view.show_texts(tr, self.session.masked_name)
        self.shell.show_screen(self.welcome_view)
        identity = self.session.identity
        surname = identity.name[:1] if identity is not None else ""
        if identity is not None and identity.gender == "女":
            self.voice.speak("voice.welcome.female", tr, surname=surname)
        elif identity is not None and identity.gender == "男":
            self.voice.speak("voice.welcome.male", tr, surname=surname)
        else:
            self.voice.speak("voice.welcome", tr)

    def _enter_error(self) -> None:
        from kiosk.errors import error_for_completion  # the tables load on the first error

        assert self.flow is not None and self.flow.problem is not None
        tr = self._tr()
        info = error_for_completion(self.flow.problem, tr)
        self.last_error = info
        log.warning("identify failed: %s (%s)", info.code, self.flow.problem.detail)
        self.error_view.show_error(tr, info)
        self.shell.show_screen(self.error_view)
        self.voice.speak_text(info.voice, tr.lang, msgid=f"error.{info.code}.voice")

    def _enter_remove_card(self) -> None:
        self._cancel_requests()
        self.remove_view.show_texts(self._tr())
        self.shell.show_screen(self.remove_view)
        self.voice.speak("voice.remove_id", self._tr())
        self._removal_done = False
        self._prompt_done = False
        self._prompt_timer.start(_ms(self.timeouts.remove_prompt))
        self._submit("idcard", "removal", "wait_for_removal",
                     timeout=self.timeouts.card_removal)

    def _end(self, outcome: Outcome) -> None:
        self._stop_idle()
        self._prompt_timer.stop()
        self._cancel_requests()
        self.last_outcome = outcome
        if self.session is not None:
            self.session.wipe()
        self.session = None
        if self.flow is not None and not self.flow.finished:
            self.flow = None
        self.shell.show_screen(self.shell.attract)
        log.info("journey ended: %s", outcome.value)
        self.journey_finished.emit(outcome)

    # --- devices ------------------------------------------------------------------------------

    def _submit(self, kind: str, purpose: str, command: str, *, timeout: float,
                **kwargs: Any) -> None:
        worker = self.workers.get(kind)
        if worker is None:
            failed: Completion[Any] = Completion(0, CompletionCode.DEVICE_NOT_READY, device=kind,
                                command=command, detail="no worker")
            self._handle(purpose, failed)
            return
        handle = worker.submit(command, timeout=timeout, **kwargs)
        self._requests[handle.request_id] = (kind, purpose)

    def _cancel_requests(self) -> None:
        for request_id, (kind, _purpose) in list(self._requests.items()):
            self._canceled.add(request_id)
            worker = self.workers.get(kind)
            if worker is not None:
                worker.cancel(request_id)
        self._requests.clear()

    def _on_completed(self, completion: Completion[Any]) -> None:
        if completion.request_id in self._canceled:
            self._canceled.discard(completion.request_id)
            return
        pending = self._requests.pop(completion.request_id, None)
        if pending is None:
            return
        self._handle(pending[1], completion)

    def _handle(self, purpose: str, completion: Completion[Any]) -> None:
        flow, session = self.flow, self.session
        if flow is None or session is None:
            return
        if purpose == "read":
            if flow.state not in (S.INSERT_ID, S.READING):
                return
            if completion.ok and completion.data is not None:
                session.set_identity(completion.data)
                flow.identity_read(completion.data)
            else:
                flow.read_failed(completion)
        elif purpose == "removal":
            if not completion.ok:
                log.info("card removal not confirmed (%s); going home", completion.code.value)
            self._removal_done = True
            self._maybe_card_gone()

    def _on_device_event(self, event: DeviceEvent) -> None:
        if self.flow is None:
            return
        if (isinstance(event, CardInserted)
                and self._requests.get(event.request_id) == (event.device, "read")):
            self.flow.send_if_allowed(E.CARD_INSERTED)

    def _on_prompt_elapsed(self) -> None:
        self._prompt_done = True
        self._maybe_card_gone()

    def _maybe_card_gone(self) -> None:
        if self._removal_done and self._prompt_done and self.flow is not None:
            self.flow.send_if_allowed(E.CARD_GONE)

    # --- idle countdown -----------------------------------------------------------------------

    def _restart_idle(self) -> None:
        self._stop_idle()
        t = self.timeouts
        self._deadline = time.monotonic() + t.idle
        self._warn_timer.start(_ms(max(0.0, t.idle - t.idle_warning)))
        self._timeout_timer.start(_ms(t.idle))

    def _stop_idle(self) -> None:
        self._warn_timer.stop()
        self._timeout_timer.stop()
        self._tick.stop()
        self.idle_warning.hide()

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
        if self.flow is not None and self.flow.state in IDLE_STATES:
            self.flow.send_if_allowed(IDLE_STATES[self.flow.state])

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() in ACTIVITY_EVENTS and self.active and isinstance(watched, QWidget)
                and watched.window() is self.shell):
            self.user_activity()
        return False


def _ms(seconds: float) -> int:
    return max(0, round(seconds * 1000))
