"""FlowController: runs a journey's chart on the GUI thread.

The identify journey: ID card, then (when the bank card reader, the PIN pad and the host are
there) the bank card, the PIN on the PIN pad and the host's identification with its reminders.

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

from devices.base import (
    CardInserted,
    CardRemoved,
    Completion,
    CompletionCode,
    DeviceEvent,
    DeviceState,
    KeyPressed,
)
from devices.iccard.contract import IccardError
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
from screens.views.bank_card import (
    ChooseAccountView,
    EnterPinView,
    IdentifiedView,
    InsertBankCardView,
    ReadingBankCardView,
    ReminderView,
    VerifyingView,
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
IDLE_STATES = {S.INSERT_ID: E.IDLE_TIMEOUT, S.WELCOME: E.IDLE_TIMEOUT, S.ERROR: E.IDLE_TIMEOUT,
               S.INSERT_BANK: E.IDLE_TIMEOUT, S.CHOOSE_APP: E.IDLE_TIMEOUT,
               S.REMINDER: E.IDLE_TIMEOUT, S.IDENTIFIED: E.IDLE_TIMEOUT}
# The PIN step has no idle countdown of ours: the PIN pad times the entry itself.

#: Devices and services the bank card step needs (else the journey ends after the ID card).
BANK_STEP_NEEDS = ("iccard", "pinpad", "host")
PIN_LENGTH = 6  # UnionPay PINs are six digits
#: States in which a bank card taken out of the reader is noticed.
BANK_CARD_NEEDED = frozenset({S.CHOOSE_APP, S.ENTER_PIN, S.VERIFYING, S.REMINDER,
                              S.IDENTIFIED})

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
        self._removals_left = 0
        self._prompt_done = False
        self._applications: tuple[Any, ...] = ()

        self.insert_view = InsertIdCardView()
        self.reading_view = ReadingView()
        self.welcome_view = WelcomeView()
        self.error_view = ErrorView()
        self.remove_view = RemoveCardView()
        self.insert_bank_view = InsertBankCardView()
        self.reading_bank_view = ReadingBankCardView()
        self.choose_view = ChooseAccountView()
        self.pin_view = EnterPinView()
        self.verifying_view = VerifyingView()
        self.reminder_view = ReminderView()
        self.identified_view = IdentifiedView()
        self.views: dict[IdentifyState, ScreenPage] = {
            S.INSERT_ID: self.insert_view,
            S.READING: self.reading_view,
            S.WELCOME: self.welcome_view,
            S.ERROR: self.error_view,
            S.REMOVE_CARD: self.remove_view,
            S.INSERT_BANK: self.insert_bank_view,
            S.READING_BANK: self.reading_bank_view,
            S.CHOOSE_APP: self.choose_view,
            S.ENTER_PIN: self.pin_view,
            S.VERIFYING: self.verifying_view,
            S.REMINDER: self.reminder_view,
            S.IDENTIFIED: self.identified_view,
        }
        for view in self.views.values():
            shell.add_screen(view)
            view.repeat_requested.connect(self.repeat_prompt)
        self.insert_view.cancel_requested.connect(self.cancel)
        self.welcome_view.cancel_requested.connect(self.cancel)
        self.welcome_view.finish_requested.connect(self.welcome_primary)
        self.error_view.finish_requested.connect(self.finish)
        self.error_view.retry_requested.connect(self.retry)
        self.insert_bank_view.cancel_requested.connect(self.cancel)
        self.choose_view.cancel_requested.connect(self.cancel)
        self.choose_view.chosen.connect(self.choose_account)
        self.pin_view.cancel_requested.connect(self.cancel)
        self.reminder_view.ack_requested.connect(self.acknowledge)
        self.identified_view.finish_requested.connect(self.finish)
        self.idle_warning = IdleWarning(shell.screen_area)
        self.idle_warning.keep_going.connect(self.user_activity)

        self._warn_timer = self._single_shot(self._on_idle_warning)
        self._timeout_timer = self._single_shot(self._on_idle_timeout)
        self._prompt_timer = self._single_shot(self._on_prompt_elapsed)
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._on_tick)
        self._deadline = 0.0

        #: the host answers and the terminal is signed in (None: not heard yet)
        self.host_ready: bool | None = None
        bridge.completed.connect(self._on_completed)
        bridge.device_event.connect(self._on_device_event)
        bridge.status_changed.connect(self._on_status)
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
        self.flow = IdentifyFlow(today=self._today, check=self._check,
                                 bank_card=self.bank_step_available())
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

    def bank_step_available(self) -> bool:
        """The bank card reader, the PIN pad and the host all have a worker, and the host is
        online with the terminal signed in (else the PIN could not be checked: the journey
        ends after the ID card rather than ask for a card and a PIN in vain)."""
        return all(kind in self.workers for kind in BANK_STEP_NEEDS) and bool(self.host_ready)

    def _on_status(self, event: Any) -> None:
        if getattr(event, "device", None) != "host":
            return
        new = event.new
        self.host_ready = (getattr(new, "device", None) is DeviceState.ONLINE
                           and bool(getattr(new, "signed_in", False)))

    def welcome_primary(self) -> None:
        """The welcome screen's primary button: 下一步 (bank card) or 完成."""
        if self.flow is not None and not self.flow.send_if_allowed(E.NEXT):
            self.flow.send_if_allowed(E.FINISH)

    def retry(self) -> None:
        """重新输入密码 on a retryable error."""
        if self.flow is not None and self.flow.retry is not None:
            self.flow.send_if_allowed(self.flow.retry)

    def acknowledge(self) -> None:
        """知道了 on the reminder screen."""
        if self.flow is not None:
            self.flow.send_if_allowed(E.ACK)

    def choose_account(self, aid: str) -> None:
        """The farmer chose one of the accounts on the chip: read it."""
        if self.flow is None or not self.flow.send_if_allowed(E.APP_CHOSEN):
            return
        self._submit("iccard", "bank_read", "read_account", wait=False, aid=aid,
                     timeout=self.timeouts.idle + 10.0)

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
        assert self.flow is not None
        self.welcome_view.show_texts(tr, self.session.masked_name, next_step=self.flow.bank_card)
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
        self.error_view.show_error(tr, info, retry=self.flow.retry is not None)
        self.shell.show_screen(self.error_view)
        self.voice.speak_text(info.voice, tr.lang, msgid=f"error.{info.code}.voice")

    def _enter_remove_card(self) -> None:
        assert self.flow is not None
        self._cancel_requests()
        with_bank = self.flow.bank_card_used and "iccard" in self.workers
        self.remove_view.show_texts(self._tr(), with_bank_card=with_bank)
        self.shell.show_screen(self.remove_view)
        if with_bank:
            self.voice.speak("voice.remove_cards", self._tr())
        else:
            self.voice.speak("voice.remove_id", self._tr())
        self._removals_left = 2 if with_bank else 1
        self._prompt_done = False
        self._prompt_timer.start(_ms(self.timeouts.remove_prompt))
        self._submit("idcard", "removal", "wait_for_removal",
                     timeout=self.timeouts.card_removal)
        if with_bank:
            self._submit("iccard", "removal", "wait_for_removal",
                         timeout=self.timeouts.card_removal)

    # --- the bank card step ---------------------------------------------------------------

    def _enter_insert_bank(self) -> None:
        assert self.flow is not None
        self._cancel_requests()  # a PIN entry or host call of a card that was pulled
        tr = self._tr()
        notice = ""
        spoken = tr("voice.insert_bank")
        if self.flow.notice is not None:
            from kiosk.errors import error_for_completion

            info = error_for_completion(self.flow.notice, tr)
            notice, spoken = info.farmer, info.voice + spoken
        self.insert_bank_view.show_texts(tr, notice)
        self.shell.show_screen(self.insert_bank_view)
        self.voice.speak_text(spoken, tr.lang, msgid="voice.insert_bank")
        self._submit("iccard", "bank_read", "read_account", wait=True,
                     timeout=self.timeouts.idle + 10.0)

    def _enter_reading_bank(self) -> None:
        self.reading_bank_view.show_texts(self._tr())
        self.shell.show_screen(self.reading_bank_view)
        self.voice.speak("voice.reading_bank", self._tr())

    def _enter_choose_app(self) -> None:
        tr = self._tr()
        self.choose_view.show_choices(tr, self._applications)
        self.shell.show_screen(self.choose_view)
        self.voice.speak("voice.choose_account", tr, count=len(self._applications))

    def _enter_enter_pin(self) -> None:
        assert self.session is not None
        account = self.session.account
        tr = self._tr()
        self.pin_view.show_texts(tr, PIN_LENGTH)
        self.shell.show_screen(self.pin_view)
        self.voice.speak("voice.enter_pin", tr)
        if account is None:  # cannot happen: the chart enters after a read
            self._handle("pin", Completion(0, CompletionCode.SEQUENCE_ERROR, device="pinpad",
                                           command="get_pin", detail="no card account"))
            return
        t = self.timeouts.pin_entry
        # the worker's limit is longer than the pad's own, so the pad's timeout is reported
        self._submit("pinpad", "pin", "get_pin", account.pan, PIN_LENGTH, PIN_LENGTH, t,
                     timeout=t + 5.0)

    def _enter_verifying(self) -> None:
        assert self.session is not None
        tr = self._tr()
        self.verifying_view.show_texts(tr)
        self.shell.show_screen(self.verifying_view)
        self.voice.speak("voice.verifying", tr)
        identity, account = self.session.identity, self.session.account
        block = self.session.data.pop("pin_block", None)  # used once, never kept
        if identity is None or account is None or block is None:
            self._handle("verify", Completion(0, CompletionCode.SEQUENCE_ERROR, device="host",
                                              command="identify", detail="nothing to verify"))
            return
        self._submit("host", "verify", "identify", identity.id_number, identity.name,
                     identity.card_type.value, account.pan, block.ciphertext, timeout=None)

    def _enter_reminder(self) -> None:
        from kiosk.voice import speakable_amount

        assert self.session is not None
        tr = self._tr()
        customer = self.session.data["customer"]
        reminders = list(customer.reminders)[:3]
        self.reminder_view.show_reminders(tr, customer.masked_name, reminders)
        self.shell.show_screen(self.reminder_view)
        parts = []
        for r in reminders:
            amount = (speakable_amount(r.amount) if tr.lang.startswith("zh")
                      else f"{r.amount:,.2f}")
            if r.kind == "overdue":
                parts.append(tr("voice.reminder.overdue", days=r.days, amount=amount,
                                due_date=r.due_date.isoformat()))
            else:
                parts.append(tr("voice.reminder.due_soon", days=r.days, amount=amount,
                                due_date=r.due_date.isoformat()))
        parts.append(tr("voice.reminder.end"))
        self.voice.speak_text("".join(parts), tr.lang, msgid="voice.reminder")

    def _enter_identified(self) -> None:
        assert self.session is not None
        tr = self._tr()
        customer = self.session.data["customer"]
        self.identified_view.show_texts(tr, customer.masked_name)
        self.shell.show_screen(self.identified_view)
        self.voice.speak("voice.identified", tr)

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

    def _submit(self, kind: str, purpose: str, command: str, *args: Any,
                timeout: float | None, **kwargs: Any) -> None:
        worker = self.workers.get(kind)
        if worker is None:
            failed: Completion[Any] = Completion(0, CompletionCode.DEVICE_NOT_READY, device=kind,
                                command=command, detail="no worker")
            self._handle(purpose, failed)
            return
        handle = worker.submit(command, *args, timeout=timeout, **kwargs)
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
            self._removals_left -= 1
            self._maybe_card_gone()
        elif purpose == "bank_read":
            self._bank_read_done(completion)
        elif purpose == "apps":
            if flow.state not in (S.INSERT_BANK, S.READING_BANK):
                return
            if completion.ok and completion.data:
                self._applications = tuple(completion.data)
                flow.send(E.CHOICE_REQUIRED)
            else:
                flow.bank_read_failed(completion)
        elif purpose == "pin":
            if flow.state is not S.ENTER_PIN:
                return
            if completion.ok and completion.data is not None:
                session.data["pin_block"] = completion.data
                flow.send(E.PIN_OK)
            else:
                log.info("PIN entry ended: %s %s", completion.code.value, completion.error)
                flow.pin_failed(completion)
        elif purpose == "verify":
            if flow.state is not S.VERIFYING:
                return
            if completion.ok and completion.data is not None:
                session.data["customer"] = completion.data
                flow.send(E.VERIFIED_REMINDERS if completion.data.reminders else E.VERIFIED)
            else:
                wrong_pin = str(completion.error) in ("pin_wrong", "HOST-PIN-WRONG")
                flow.host_failed(completion, retry_pin=wrong_pin)

    def _bank_read_done(self, completion: Completion[Any]) -> None:
        flow, session = self.flow, self.session
        assert flow is not None and session is not None
        if flow.state not in (S.INSERT_BANK, S.READING_BANK):
            return
        if completion.ok and completion.data is not None:
            session.set_account(completion.data)
            flow.send(E.BANK_READ_OK)
        elif completion.error is IccardError.APPLICATION_CHOICE_REQUIRED:
            self._submit("iccard", "apps", "list_applications", wait=False,
                         timeout=self.timeouts.idle + 10.0)
        else:
            log.info("bank card read failed: %s %s", completion.code.value, completion.error)
            flow.bank_read_failed(completion)

    def _on_device_event(self, event: DeviceEvent) -> None:
        if self.flow is None:
            return
        pending = self._requests.get(getattr(event, "request_id", 0))
        if isinstance(event, CardInserted) and pending == (event.device, "read"):
            self.flow.send_if_allowed(E.CARD_INSERTED)
        elif isinstance(event, CardInserted) and pending == (event.device, "bank_read"):
            self.flow.send_if_allowed(E.BANK_INSERTED)
        elif isinstance(event, KeyPressed) and pending == (event.device, "pin"):
            self.pin_view.dots.on_key(event)
        elif (isinstance(event, CardRemoved) and event.device == "iccard"
              and self.flow.state in BANK_CARD_NEEDED):
            log.info("bank card taken out in %s", self.flow.state.name)
            self.flow.bank_pulled(Completion(
                0, CompletionCode.USER_ERROR, error=IccardError.CARD_REMOVED, device="iccard",
                command="poll", detail="card taken out during the journey"))

    def _on_prompt_elapsed(self) -> None:
        self._prompt_done = True
        self._maybe_card_gone()

    def _maybe_card_gone(self) -> None:
        if self._removals_left <= 0 and self._prompt_done and self.flow is not None:
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
