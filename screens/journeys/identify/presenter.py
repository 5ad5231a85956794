"""The identify journey's presenter: the chart's states to views, device and host requests.

Each request's completion comes back to the method that handles it (no purpose strings); the
chart decides what happens next. The cards given back and the session wiped at the end are
the runner's (the card-return rule): this presenter only records which cards went in.
As a step (``step=True``) the journey returns to its caller once the host has identified the
farmer (IDENTIFIED's 下一步), with the session identified for the rest of the farmer session.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from devices.base import CardInserted, CardRemoved, Completion, CompletionCode, DeviceEvent
from devices.iccard.contract import IccardError
from devices.idcard.contract import CardType
from kiosk.host.errors import HostErrorCode, tries_left
from screens.chart import Outcome
from screens.journeys.identify.chart import (
    IdentifyEvent,
    IdentifyFlow,
    IdentifyState,
    IdentityCheck,
    check_identity,
)
from screens.pin_entry import ask_pin
from screens.runner import Presenter

if TYPE_CHECKING:
    from screens.journeys.identify.screens import IdentifyViews
    from screens.runner import JourneyRunner

log = logging.getLogger(__name__)

S, E = IdentifyState, IdentifyEvent

#: States with an idle countdown (the PIN pad times the PIN entry itself).
IDLE_STATES = frozenset({S.INSERT_ID, S.WELCOME, S.ERROR, S.INSERT_BANK, S.CHOOSE_APP,
                         S.REMINDER, S.IDENTIFIED})
#: States in which a bank card taken out of the reader is noticed.
BANK_CARD_NEEDED = frozenset({S.CHOOSE_APP, S.ENTER_PIN, S.VERIFYING, S.REMINDER,
                              S.IDENTIFIED})
#: Devices the bank card step needs besides a signed-in host.
BANK_STEP_DEVICES = ("iccard", "pinpad", "host")
#: The journey a reminder's 现在还款 leads into.
REPAY_JOURNEY = "repay"


def bank_step_available(runner: JourneyRunner) -> bool:
    """The bank card reader, the PIN pad and the host all have a worker, and the host is
    online with the terminal signed in (else the PIN could not be checked: the journey ends
    after the ID card rather than ask for a card and a PIN in vain)."""
    return (all(runner.has_worker(k) for k in BANK_STEP_DEVICES)
            and runner.terminal.host_ready)


class IdentifyPresenter(Presenter):
    """Runs :class:`IdentifyFlow`. Options: ``step`` (return to the caller when identified),
    ``check`` (the identity checks; tests)."""

    def __init__(self, runner: JourneyRunner, views: IdentifyViews, *, step: bool = False,
                 check: IdentityCheck = check_identity,
                 new_card: Callable[[Any], None] | None = None,
                 prompt: str = "", voice: str = "") -> None:
        super().__init__(runner, views, step=step)
        self.v = views
        self.step = step
        #: ``new_card``: only read a new bank card and hand its account to this callable (the
        #: session's account stays the one the farmer identified with); ``prompt`` and
        #: ``voice`` are the insert screen's heading and what is said (message ids)
        self.card_read = new_card
        self.prompt, self.voice = prompt, voice
        self.flow = IdentifyFlow(today=runner.today, check=check,
                                 bank_card=step or bank_step_available(runner),
                                 new_card=new_card is not None)
        self.flow.add_listener(self._on_transition)
        self._applications: tuple[Any, ...] = ()
        self._pin_request: Any = None
        v = views
        self._connections = [
            (v.insert_view.cancel_requested, self.cancel),
            (v.welcome_view.cancel_requested, self.cancel),
            (v.welcome_view.finish_requested, self.welcome_primary),
            (v.error_view.finish_requested, self.finish),
            (v.error_view.retry_requested, self.retry),
            (v.insert_bank_view.cancel_requested, self.cancel),
            (v.choose_view.cancel_requested, self.cancel),
            (v.choose_view.chosen, self.choose_account),
            (v.pin_view.cancel_requested, self.cancel),
            (v.reminder_view.ack_requested, self.acknowledge),
            (v.reminder_view.pay_requested, self.pay_now),
            (v.identified_view.finish_requested, self.identified_primary),
        ]
        for signal, slot in self._connections:
            signal.connect(slot)

    # --- runner hooks -------------------------------------------------------------------------

    def start(self) -> None:
        self.flow.send(E.START)

    def stop(self) -> None:
        for signal, slot in self._connections:
            signal.disconnect(slot)
        self._connections = []

    def cancel(self) -> None:
        self.flow.send_if_allowed(E.CANCEL)

    def finish(self) -> None:
        self.flow.send_if_allowed(E.FINISH)

    def idle_timeout(self) -> None:
        if self.flow.state in IDLE_STATES:
            self.flow.send_if_allowed(E.IDLE_TIMEOUT)

    def device_event(self, event: DeviceEvent) -> None:
        if (isinstance(event, CardRemoved) and event.device == "iccard"
                and self.flow.state in BANK_CARD_NEEDED):
            log.info("bank card taken out in %s", self.flow.state.name)
            self.flow.bank_pulled(Completion(
                0, CompletionCode.USER_ERROR, error=IccardError.CARD_REMOVED, device="iccard",
                command="poll", detail="card taken out during the journey"))

    # --- buttons ------------------------------------------------------------------------------

    def welcome_primary(self) -> None:
        """The welcome screen's primary button: 下一步 (bank card) or 完成."""
        if not self.flow.send_if_allowed(E.NEXT):
            self.flow.send_if_allowed(E.FINISH)

    def identified_primary(self) -> None:
        """身份已确认: as a step, on to the journey that asked; else the end."""
        if self.step and self.flow.state is S.IDENTIFIED:
            self.runner.end(Outcome.DONE)
        else:
            self.flow.send_if_allowed(E.FINISH)

    def retry(self) -> None:
        """重新输入密码 on a retryable error."""
        if self.flow.retry is not None:
            self.flow.send_if_allowed(self.flow.retry)

    def acknowledge(self) -> None:
        """知道了 on the reminder screen."""
        self.flow.send_if_allowed(E.ACK)

    def pay_now(self) -> None:
        """现在还款 on the reminder: straight into the repayment of the reminded loan (the
        overdue one first), the farmer identified."""
        loan_id = self._reminded_loan()
        if self.flow.state is S.REMINDER and loan_id is not None:
            self.runner.switch_to(REPAY_JOURNEY, loan_id=loan_id)

    def _reminded_loan(self) -> str | None:
        customer = self._session.customer
        reminders = list(getattr(customer, "reminders", ()) or ())
        reminders.sort(key=lambda r: r.kind != "overdue")
        return reminders[0].loan_id if reminders else None

    def _can_pay(self) -> bool:
        return (REPAY_JOURNEY in self.runner.journeys()
                and self.runner.availability(REPAY_JOURNEY).ok)

    def choose_account(self, aid: str) -> None:
        """The farmer chose one of the accounts on the chip: read it."""
        if self.flow.send_if_allowed(E.APP_CHOSEN):
            self.runner.request("iccard", "read_account", wait=False, aid=aid,
                                timeout=self.runner.timeouts.idle + 10.0, safe=True,
                                on_done=self._bank_read_done)

    # --- the chart ----------------------------------------------------------------------------

    def _on_transition(self, source: IdentifyState, event: IdentifyEvent,
                       target: IdentifyState) -> None:
        log.info("identify: %s --%s--> %s", source.name, event.name, target.name)
        if target in (S.REMOVE_CARD, S.ENDED):
            # the cards back and the session wiped: the runner's card-return rule
            self.runner.end(self.flow.outcome or Outcome.CANCELED)
            return
        getattr(self, f"_enter_{target.name.lower()}")()

    @property
    def _tr(self) -> Any:
        return self.runner.tr

    @property
    def _session(self) -> Any:
        assert self.runner.session is not None
        return self.runner.session

    def _enter_insert_id(self) -> None:
        self.v.insert_view.show_texts(self._tr)
        self.runner.show(self.v.insert_view)
        self.runner.speak("voice.insert_id")
        self.runner.request("idcard", "read_identity", wait=True, safe=True,
                            timeout=self.runner.timeouts.idle + 10.0,
                            on_done=self._identity_read, on_event=self._id_card_event)

    def _id_card_event(self, event: DeviceEvent) -> None:
        if isinstance(event, CardInserted):
            self._session.cards.add("idcard")
            self.flow.send_if_allowed(E.CARD_INSERTED)

    def _identity_read(self, completion: Completion[Any]) -> None:
        if self.flow.state not in (S.INSERT_ID, S.READING):
            return
        self._session.cards.add("idcard")  # what failed to read may still lie on the pad
        if completion.ok and completion.data is not None:
            self._session.set_identity(completion.data)
            self.flow.identity_read(completion.data)
        else:
            self.flow.read_failed(completion)

    def _enter_reading(self) -> None:
        self.v.reading_view.show_texts(self._tr)
        self.runner.show(self.v.reading_view, idle=False)
        self.runner.speak("voice.reading")

    def _enter_welcome(self) -> None:
        session = self._session
        self.v.welcome_view.show_texts(self._tr, session.masked_name,
                                       next_step=self.flow.bank_card)
        self.runner.show(self.v.welcome_view)
        identity = session.identity
        if self.flow.bank_card:
            self.runner.speak("voice.welcome.next")  # the success comes with the bank's answer
            return
        # 张先生 only for a Chinese name on a resident card: a foreign name is not a surname
        # plus 先生 (its masked full name is on the screen)
        chinese = (identity is not None and identity.card_type is CardType.RESIDENT
                   and bool(identity.name) and all("\u4e00" <= ch <= "\u9fff"
                                                   for ch in identity.name))
        surname = identity.name[:1] if identity is not None else ""
        if chinese and identity is not None and identity.gender == "女":
            self.runner.speak("voice.welcome.female", surname=surname)
        elif chinese and identity is not None and identity.gender == "男":
            self.runner.speak("voice.welcome.male", surname=surname)
        else:
            self.runner.speak("voice.welcome")

    def _enter_error(self) -> None:
        from kiosk.errors import error_for_completion  # the tables load on the first error

        assert self.flow.problem is not None
        tr = self._tr
        info = error_for_completion(self.flow.problem, tr)
        self.runner.show_error(info)
        log.warning("identify failed: %s (%s)", info.code, self.flow.problem.detail)
        if self.flow.bank_card_used:
            self._session.cards.add("iccard")
        heading = body = ""
        voice = info.voice
        if self.flow.problem.error is HostErrorCode.PIN_WRONG:
            left = tries_left(self.flow.problem.detail)
            heading = tr("screen.pin_wrong.title")
            body = (tr("screen.pin_wrong.tries_left", tries=left) if left is not None
                    else info.farmer)
            voice = body
        self.v.error_view.show_error(tr, info, retry=self.flow.retry is not None,
                                     heading=heading, body=body)
        self.runner.show(self.v.error_view)
        self.runner.speak_text(voice, msgid=f"error.{info.code}.voice")

    # --- the bank card step -------------------------------------------------------------------

    def _enter_insert_bank(self) -> None:
        self.runner.cancel_requests()  # a PIN entry or host call of a card that was pulled
        tr = self._tr
        notice = ""
        spoken = tr("voice.insert_bank")
        if self.flow.notice is not None:
            from kiosk.errors import error_for_completion

            info = error_for_completion(self.flow.notice, tr)
            notice, spoken = info.farmer, info.voice + spoken
        if self.flow.bank_card_used:
            self._session.cards.add("iccard")
        self.v.insert_bank_view.show_texts(tr, notice)
        if self.prompt:
            self.v.insert_bank_view.heading.setText(tr(self.prompt))
        if self.voice:
            spoken = (spoken.removesuffix(tr("voice.insert_bank")) + tr(self.voice))
        self.runner.show(self.v.insert_bank_view)
        self.runner.speak_text(spoken, msgid=self.voice or "voice.insert_bank")
        self.runner.request("iccard", "read_account", wait=True, safe=True,
                            timeout=self.runner.timeouts.idle + 10.0,
                            on_done=self._bank_read_done, on_event=self._bank_card_event)

    def _bank_card_event(self, event: DeviceEvent) -> None:
        if isinstance(event, CardInserted):
            self._session.cards.add("iccard")
            self.flow.send_if_allowed(E.BANK_INSERTED)

    def _bank_read_done(self, completion: Completion[Any]) -> None:
        if self.flow.state not in (S.INSERT_BANK, S.READING_BANK):
            return
        if completion.ok and completion.data is not None:
            self._session.cards.add("iccard")
            if self.card_read is not None:
                self.card_read(completion.data)  # a new card: the caller checks it
            else:
                self._session.set_account(completion.data)
            self.flow.send(E.BANK_READ_OK)
        elif completion.error is IccardError.APPLICATION_CHOICE_REQUIRED:
            self._session.cards.add("iccard")
            self.runner.request("iccard", "list_applications", wait=False, safe=True,
                                timeout=self.runner.timeouts.idle + 10.0,
                                on_done=self._applications_listed)
        else:
            log.info("bank card read failed: %s %s", completion.code.value, completion.error)
            self.flow.bank_read_failed(completion)

    def _applications_listed(self, completion: Completion[Any]) -> None:
        if self.flow.state not in (S.INSERT_BANK, S.READING_BANK):
            return
        if completion.ok and completion.data:
            self._applications = tuple(completion.data)
            self.flow.send(E.CHOICE_REQUIRED)
        else:
            self.flow.bank_read_failed(completion)

    def _enter_reading_bank(self) -> None:
        self.v.reading_bank_view.show_texts(self._tr)
        self.runner.show(self.v.reading_bank_view, idle=False)
        self.runner.speak("voice.reading_bank")

    def _enter_choose_app(self) -> None:
        self.v.choose_view.show_choices(self._tr, self._applications)
        self.runner.show(self.v.choose_view)
        self.runner.speak("voice.choose_account", count=len(self._applications))

    def _enter_enter_pin(self) -> None:
        account = self._session.account
        if account is None:  # cannot happen: the chart enters after a read
            self._pin_entered(Completion(0, CompletionCode.SEQUENCE_ERROR, device="pinpad",
                                         command="get_pin", detail="no card account"))
            return
        ask_pin(self.runner, self.v.pin_view, account.pan, self._pin_entered)

    def _pin_entered(self, completion: Completion[Any]) -> None:
        if self.flow.state is not S.ENTER_PIN:
            return
        if completion.ok and completion.data is not None:
            self._session.keep_pin_block(completion.data)
            self.flow.send(E.PIN_OK)
        else:
            log.info("PIN entry ended: %s %s", completion.code.value, completion.error)
            self.flow.pin_failed(completion)

    def _enter_verifying(self) -> None:
        session = self._session
        self.v.verifying_view.show_texts(self._tr)
        self.runner.show(self.v.verifying_view, idle=False)
        self.runner.speak("voice.verifying")
        identity, account = session.identity, session.account
        block = session.take_pin_block()  # used once, never kept
        if identity is None or account is None or block is None:
            self._verified(Completion(0, CompletionCode.SEQUENCE_ERROR, device="host",
                                      command="identify", detail="nothing to verify"))
            return
        self.runner.request("host", "identify", identity.id_number, identity.name,
                            identity.card_type.value, account.pan, block.ciphertext,
                            timeout=None, on_done=self._verified)

    def _verified(self, completion: Completion[Any]) -> None:
        if self.flow.state is not S.VERIFYING:
            return
        if completion.ok and completion.data is not None:
            self._session.set_customer(completion.data)
            self.flow.send(E.VERIFIED_REMINDERS if completion.data.reminders else E.VERIFIED)
        else:
            wrong_pin = completion.error is HostErrorCode.PIN_WRONG
            self.flow.host_failed(completion, retry_pin=wrong_pin)

    def _enter_reminder(self) -> None:
        from kiosk.shell.formats import short_date
        from kiosk.voice import speakable_amount

        tr = self._tr
        customer = self._session.customer
        reminders = list(customer.reminders)[:3]
        can_pay = self._can_pay()
        terminal = getattr(self.runner.config, "terminal", None)
        self.v.reminder_view.show_reminders(
            tr, customer.masked_name, reminders, can_pay=can_pay,
            phone=str(getattr(terminal, "branch_phone", "") or ""))
        self.runner.show(self.v.reminder_view)
        parts = []
        for r in reminders:
            amount = (speakable_amount(r.amount) if tr.lang.startswith("zh")
                      else f"{r.amount:,.2f}")
            due = short_date(tr, r.due_date, self.runner.today())
            if r.kind == "overdue":
                parts.append(tr("voice.reminder.overdue", days=r.days, amount=amount,
                                due_date=due))
            else:
                parts.append(tr("voice.reminder.due_soon", days=r.days, amount=amount,
                                due_date=due))
        if any(r.kind == "overdue" for r in reminders):
            parts.append(tr("voice.reminder.overdue_notice"))
        parts.append(tr("voice.reminder.end_pay" if can_pay else "voice.reminder.end"))
        self.runner.speak_text("".join(parts), msgid="voice.reminder")

    def _enter_identified(self) -> None:
        customer = self._session.customer
        self.v.identified_view.show_texts(self._tr, customer.masked_name)
        self.runner.show(self.v.identified_view)
        self.runner.speak("voice.identified")
