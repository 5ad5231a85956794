"""The change of repayment account's presenter: the loans from the host, the old card out,
the new card read by the identify journey's bank card step (``new_card``), the checks, the
staff's authorisation on their own screen, the new card's PIN (screens/pin_entry.py), the
transactions service on a short thread (``runner.run``), the result spoken and the receipt
printed (and kept for a reprint)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from devices.base import Completion, CompletionCode
from devices.masking import mask_pan
from kiosk.terminal import Need
from screens.journeys.account_change.chart import AccountChangeFlow, AccountEvent, AccountState
from screens.journeys.account_change.screens import result_lines
from screens.journeys.loan_queries.rows import masked_contract
from screens.pin_entry import ask_pin
from screens.receipt_step import print_and_keep
from screens.runner import ChartPresenter

if TYPE_CHECKING:
    from screens.journeys.account_change.screens import AccountChangeViews
    from screens.runner import JourneyRunner

log = logging.getLogger(__name__)

S, E = AccountState, AccountEvent
NOT_SENT = frozenset({"not_sent", "not_applied"})


class AccountChangePresenter(ChartPresenter):
    """Options: ``loan_id`` (shown first)."""

    name = "account change"

    def __init__(self, runner: JourneyRunner, views: AccountChangeViews, *,
                 loan_id: str | None = None, **options: Any) -> None:
        super().__init__(runner, views, AccountChangeFlow(loan_id), **options)
        self.v = v = views
        self._new: Any = None  # the new card's account (PAN: here only, never in the chart)
        self.receipt: Any = None
        self.printed: Completion[Any] | None = None
        self.connect([
            (v.loan_view.choose_requested, lambda: self.flow.send_if_allowed(E.CHOOSE)),
            (v.loan_view.next_requested, self.flow.next_loan),
            (v.loan_view.finish_requested, self.finish),
            (v.remove_view.finish_requested, self.cancel),
            (v.problem_again.clicked, lambda: self.flow.send_if_allowed(E.AGAIN)),
            (v.confirm_view.back_requested, self.back),
            (v.confirm_view.confirm_requested, lambda: self.flow.send_if_allowed(E.CONFIRM)),
            (v.pin_view.cancel_requested, self._pin_cancel),
            (v.pending_view.check_requested, lambda: self.flow.send_if_allowed(E.CHECK)),
            *[(view.finish_requested, self.finish)
              for view in (v.no_loans_view, v.unavailable_view, v.problem_view,
                           v.success_view, v.pending_view, v.failed_view, v.stopped_view)],
        ])

    @property
    def _session(self) -> Any:
        session = self.runner.session
        assert session is not None
        return session

    def _wait(self, view: Any, msgid: str) -> None:
        self.v.wait(view, self._tr, msgid)
        self.runner.show(view, idle=False)

    # --- the loans ----------------------------------------------------------------------------

    def _enter_loading(self) -> None:
        self._wait(self.v.loading_view, "acct.loading")
        self.runner.request("host", "loans", self._session.customer.customer_id, safe=True,
                            on_done=self._loans_read)

    def _loans_read(self, completion: Completion[Any]) -> None:
        if self.flow.state is not S.LOADING:
            return
        if completion.ok and completion.data is not None:
            self.flow.found(completion.data.loans)
        else:
            self.flow.failed(completion)

    def _enter_loan(self) -> None:
        f, tr = self.flow, self._tr
        self.v.loan_view.show_loan(tr, f.loan, f.index, len(f.loans))
        self.runner.show(self.v.loan_view)
        self.runner.speak("voice.acct.loan", product=f.loan.product_name,
                          tail=_tail(f.loan.repayment_account_masked))

    def _enter_no_loans(self) -> None:
        tr = self._tr
        self.v.no_loans_view.show_texts(tr, tr("acct.none.title"), tr("acct.none.body"))
        self.runner.show(self.v.no_loans_view)
        self.runner.speak("voice.acct.none")

    def _enter_unavailable(self) -> None:
        self.show_host_error(self.v.unavailable_view, self.flow.problem,
                             "acct.unavailable.title", "loans for an account change")

    # --- the cards ----------------------------------------------------------------------------

    def _enter_remove_old(self) -> None:
        """The card in the reader (the one the farmer identified with, or a new card refused)
        comes out first; with none in it this goes straight on."""
        tr = self._tr
        self._new = None
        self.v.remove_view.show_texts(tr, tr("acct.remove.title"), tr("acct.remove.body"))
        self.runner.show(self.v.remove_view)
        self.runner.speak("voice.acct.remove")
        self.runner.request("iccard", "wait_for_removal", timeout=self.runner.timeouts.idle,
                            safe=True, on_done=self._old_taken)

    def _old_taken(self, completion: Completion[Any]) -> None:
        if self.flow.state is not S.REMOVE_OLD:
            return
        if completion.ok:
            self.flow.send(E.OLD_TAKEN)
        else:  # not taken within the idle time: the farmer went away
            log.info("old card not taken out: %s", completion.code.value)
            self.flow.send_if_allowed(E.IDLE_TIMEOUT)

    def _enter_new_card(self) -> None:
        self.runner.call("identify", self._card_step_ended, new_card=self._card_read,
                         prompt="acct.insert.title", voice="voice.acct.insert")

    def _card_read(self, account: Any) -> None:
        self._new = account

    def _card_step_ended(self, outcome: Any) -> None:
        from screens.chart import Outcome

        if outcome is Outcome.DONE and self._new is not None:
            self.flow.card_read(self._new.pan, getattr(self._new, "expiry_date", None),
                                self.runner.today())
        else:
            self.flow.card_step_ended(outcome)

    def _enter_card_problem(self) -> None:
        tr, code = self._tr, self.flow.card_problem
        self.v.problem_view.show_texts(tr, tr(f"acct.problem.{code}.title"),
                                       tr(f"acct.problem.{code}.body"))
        self.runner.show(self.v.problem_view)
        self.runner.speak(f"voice.acct.problem.{code}")

    def _enter_confirm(self) -> None:
        tr, loan = self._tr, self.flow.loan
        new = mask_pan(self._new.pan)
        self.v.confirm_view.show_change(tr, loan, new)
        self.runner.show(self.v.confirm_view)
        self.runner.speak("voice.acct.confirm", product=loan.product_name,
                          old=_tail(loan.repayment_account_masked), new=_tail(new))

    # --- staff, PIN ---------------------------------------------------------------------------

    def _enter_authorize(self) -> None:
        from kiosk.authorization import AuthorizationAction, AuthorizationNeed

        staff = self.runner.staff()
        if staff is None:
            self.flow.refused("STAFF-NOT-SIGNED-IN")
            return
        loan, session = self.flow.loan, self._session
        need = AuthorizationNeed(AuthorizationAction.REPAYMENT_ACCOUNT_CHANGE,
                                 session.customer.customer_id, reference=loan.loan_id)
        what = staff.tr("acct.auth.what", name=session.masked_name,
                        contract=masked_contract(loan.contract_no),
                        old=loan.repayment_account_masked, new=mask_pan(self._new.pan))
        self.runner.speak("voice.acct.authorize")
        staff.ask_authorization(need, what, on_result=self._authorized)
        if self.flow.state is S.AUTHORIZE:  # the staff's password screen: no idle countdown
            self.runner.show(staff.auth_view, idle=False)

    def _authorized(self, result: Any) -> None:
        if self.flow.state is not S.AUTHORIZE:
            return
        if result.granted:
            self.flow.granted(result.authorization_id, result.staff_id)
        else:
            log.info("account change authorisation: %s (%s)", result.outcome.value,
                     result.error_code)
            self.flow.refused(result)

    def _enter_stopped(self) -> None:
        from kiosk.errors import error_for_completion

        tr, why = self._tr, self.flow.problem
        if isinstance(why, Completion):  # the PIN entry ended without a PIN
            info = error_for_completion(why, tr)
            self.runner.show_error(info)
            body, voice = info.farmer, info.voice
        else:
            msgid = getattr(why, "farmer_text_id", None) or "staff.auth.farmer.no_staff"
            body = voice = tr(msgid)
        self.v.stopped_view.show_texts(tr, tr("acct.stopped.title"), body)
        self.runner.show(self.v.stopped_view)
        self.runner.speak_text(voice + tr("voice.acct.unchanged"), msgid="voice.acct.stopped")

    def _enter_pin(self) -> None:
        ask_pin(self.runner, self.v.pin_view, self._new.pan, self._pin_entered,
                heading=self._tr("acct.pin.title"), voice="voice.acct.pin")

    def _pin_cancel(self) -> None:
        if self.flow.state is S.PIN:
            self.runner.cancel_requests()
            self.flow.pin_failed(None, cancelled=True)

    def _pin_entered(self, completion: Completion[Any]) -> None:
        if self.flow.state is not S.PIN:
            return
        if completion.ok and completion.data is not None:
            self._session.keep_pin_block(completion.data)
            self.flow.send(E.PIN_OK)
        else:
            log.info("PIN entry ended: %s %s", completion.code.value, completion.error)
            self.flow.pin_failed(completion,
                                 cancelled=completion.code is CompletionCode.CANCELED)

    # --- the change ---------------------------------------------------------------------------

    def _enter_sending(self) -> None:
        self._wait(self.v.sending_view, "acct.sending")
        self.runner.speak("voice.acct.sending")
        f, session = self.flow, self._session
        service = self.runner.transactions()
        block = session.take_pin_block()  # used once, never kept
        if service is None or block is None or self._new is None:
            self.flow.not_sent("JOURNAL-UNAVAILABLE" if service is None else "not_sent")
            return
        kwargs = {"loan_id": f.loan.loan_id, "customer_id": session.customer.customer_id,
                  "new_pan": self._new.pan, "pin_block": block.ciphertext,
                  "authorization_id": f.authorization_id, "staff_id": f.staff_id}
        self.runner.run("account-change",
                        lambda: service.change_repayment_account(**kwargs), on_done=self._sent)

    def _sent(self, completion: Completion[Any]) -> None:
        if self.flow.state not in (S.SENDING, S.CHECKING):
            return
        if completion.ok and completion.data is not None:
            self.flow.answered(completion.data)
        else:  # MoneyRefused (nothing written, nothing sent) or the unexpected
            self.flow.not_sent(str(getattr(completion.data, "code", "") or "JOURNAL-UNAVAILABLE"))

    def _enter_checking(self) -> None:
        """再查一次: the row settled as the service settles a change (reading the loan)."""
        self._wait(self.v.sending_view, "acct.checking")
        service, serial = self.runner.transactions(), self.flow.result.serial
        self.runner.run("account-change-check", lambda: service.check(serial),
                        on_done=self._sent)

    def _lines(self) -> list[str]:
        loan = self.flow.loan
        return result_lines(self._tr, loan, loan.repayment_account_masked,
                            mask_pan(self._new.pan))

    def _enter_success(self) -> None:
        tr = self._tr
        self.v.success_view.show_result(tr, tr("acct.success.title"), tr("acct.success.body"),
                                        self._lines())
        self.runner.show(self.v.success_view)
        printing = self._print()
        self.runner.speak("voice.acct.success" if printing else "voice.acct.success.no_receipt",
                          new=_tail(mask_pan(self._new.pan)))

    def _enter_pending(self) -> None:
        from screens.receipt_step import show_pending

        show_pending(self, "acct")

    def _enter_failed(self) -> None:
        from kiosk.errors import error_info

        tr, problem = self._tr, self.flow.problem
        if problem in NOT_SENT:
            farmer = voice = tr("acct.failed.not_sent")
            code = str(problem)
        else:
            info = error_info(str(problem or "JOURNAL-UNAVAILABLE"), tr)
            farmer, voice, code = info.farmer, info.voice, info.code
            self.runner.show_error(info)
        log.warning("repayment account not changed: %s", code)
        self.v.failed_view.show_result(tr, tr("acct.failed.title"), farmer,
                                       [tr("acct.failed.unchanged")], code)
        self.runner.show(self.v.failed_view)
        self.runner.speak("voice.acct.failed", reason=voice)

    # --- the receipt --------------------------------------------------------------------------

    def _print(self) -> bool:
        """Print the receipt (成功, or 处理中); False when no printer with paper is ready."""
        if not self.runner.terminal.availability([Need.PRINTER]).ok:
            log.info("account change receipt not printed: no printer ready")
            return False
        from screens.journeys.account_change.receipt import account_change_receipt

        f, config = self.flow, self.runner.config
        self.receipt, doc = account_change_receipt(
            self._tr, terminal=getattr(config, "terminal", None), session=self.runner.session,
            loan=f.loan, new_pan=self._new.pan, result=f.result, now=dt.datetime.now(),
            staff_id=f.staff_id)
        print_and_keep(self.runner, self.receipt, doc, self._printed, what="account change")
        return True

    def _printed(self, completion: Completion[Any]) -> None:
        self.printed = completion
        service, result = self.runner.transactions(), self.flow.result
        if completion.ok and service is not None and result is not None:
            # the journal owes no receipt now (off the GUI thread: a durable write)
            self.runner.run("account-change-receipt",
                            lambda: service.mark_receipt_printed(result.serial),
                            on_done=_ignore)


def _ignore(completion: Completion[Any]) -> None:
    if not completion.ok:  # still listed for a reprint in the staff functions
        log.warning("receipt not marked printed: %s", completion.detail)


def _tail(masked: str) -> str:
    """A card's last four digits; the voice reads them digit by digit (kiosk.voice.speakable:
    尾号四五六一 / ending 4 5 6 1, never as a number)."""
    return "".join(c for c in masked if c.isdigit())[-4:]
