"""The drawdown's presenter: the chart's states to screens and voice; the line, the products
and the quote from the host worker; the cross-check and the money on short threads
(``runner.run``: never the GUI thread); the staff authorisation through the staff controller;
the PIN through the shared PIN step; the receipt on the printer, stored for a reprint."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from devices.base import Completion
from kiosk.host.errors import HostErrorCode
from kiosk.masking import mask_pan
from kiosk.terminal import Need
from screens.journeys.drawdown import texts
from screens.journeys.drawdown.chart import DrawdownFlow, DrawEvent, DrawState, Problem
from screens.pin_entry import ask_pin
from screens.runner import ChartPresenter

if TYPE_CHECKING:
    from screens.journeys.drawdown.screens import DrawdownViews
    from screens.runner import JourneyRunner

log = logging.getLogger(__name__)

S, E = DrawState, DrawEvent
#: The staff log's code when the host's quote and the kiosk's engine disagree.
MISMATCH_CODE = "LEND-QUOTE-MISMATCH"


class DrawdownPresenter(ChartPresenter):
    name = "drawdown"

    def __init__(self, runner: JourneyRunner, views: DrawdownViews, **options: Any) -> None:
        super().__init__(runner, views, DrawdownFlow(), **options)
        self.v = v = views
        #: what the farmer heard before confirming (the autopilot's summary records it)
        self.disclosure: dict[str, str] = {}
        self.printed: Completion[Any] | None = None
        self._receipt: Any = None
        self._pin_view = runner.views_of("identify").pin_view
        pairs: list[tuple[Any, Any]] = [
            (v.amount_view.next_requested, self._amount_next),
            (v.term_view.chosen, self._term_chosen),
            (v.term_view.more_requested, self._term_more),
            (v.method_view.chosen, self._method_chosen),
            (v.method_view.more_requested, self._method_more),
            (v.quote_view.confirm_requested, self._confirm),
            (self._pin_view.cancel_requested, self.cancel),
        ]
        for view in (v.amount_view, v.term_view, v.method_view, v.quote_view):
            pairs += [(view.back_requested, self.back), (view.cancel_requested, self.cancel)]
        pairs += [(view.finish_requested, self.finish) for view in v.results()]
        pairs.append((v.pending_view.other_requested, self.flow.check_again))
        self.connect(pairs)

    # --- helpers ------------------------------------------------------------------------------

    def _wait(self, msgid: str) -> None:
        view = self.v.loading_view
        view.heading.setText("… " + self._tr(msgid))
        view.repeat_button.setText(self._tr("screen.common.repeat"))
        self.runner.show(view, idle=False)

    @property
    def _session(self) -> Any:
        session = self.runner.session
        assert session is not None
        return session

    def _account(self) -> str:
        account = self._session.account
        return mask_pan(account.pan) if account is not None else ""

    def _staff(self) -> Any:
        return self.runner.staff()

    # --- loading the line and its product ----------------------------------------------------

    def _enter_loading(self) -> None:
        self._wait("drawdown.loading")
        customer = self._session.customer
        self.runner.request("host", "credit_line", customer.customer_id, safe=True,
                            on_done=self._line)

    def _line(self, completion: Completion[Any]) -> None:
        if self.flow.state is not S.LOADING:
            return
        if completion.ok and completion.data is not None:
            line = completion.data
            self.runner.request("host", "products", safe=True,
                                on_done=lambda c: self._products(line, c))
        elif completion.error is HostErrorCode.LINE_NOT_FOUND:
            self.flow.send(E.NO_LINE)
        else:
            self.flow.failed(completion)

    def _products(self, line: Any, completion: Completion[Any]) -> None:
        if self.flow.state is not S.LOADING:
            return
        product = None
        if completion.ok and completion.data is not None:
            product = next((p for p in completion.data.products
                            if p.code == line.product_code), None)
        if product is None:
            self.flow.failed(completion)
        else:
            self.flow.loaded(line, product)

    # --- the farmer's choices ----------------------------------------------------------------

    def _enter_amount(self) -> None:
        limits = self.flow.limits
        assert limits is not None
        amount = self.flow.amount
        texts.show_amount(self.v.amount_view, self._tr, limits,
                          "" if amount is None else f"{int(amount)}")
        self.runner.show(self.v.amount_view)
        self.runner.speak("voice.drawdown.amount", **texts.amount_voice(self._tr, limits))

    def _amount_next(self) -> None:
        if self.flow.state is not S.AMOUNT:
            return
        problem = self.flow.enter_amount(self.v.amount_view.keypad.text)
        if problem is not None:
            self._problem(problem)

    def _problem(self, problem: Problem) -> None:
        from kiosk.shell.formats import whole_yuan

        fields = {k: whole_yuan(v) if isinstance(v, Decimal) else v
                  for k, v in problem.fields.items()}
        text = self._tr(problem.msgid, **fields)
        self.v.amount_view.show_problem(text)
        self.runner.speak_text(text, msgid=problem.msgid)

    def _enter_term(self) -> None:
        texts.show_terms(self.v.term_view, self._tr, self.flow.terms, self.flow.term_page)
        self.runner.show(self.v.term_view)
        self.runner.speak("voice.drawdown.term")

    def _term_more(self) -> None:
        f = self.flow
        f.term_page = f.next_page(f.terms, f.term_page)
        texts.show_terms(self.v.term_view, self._tr, f.terms, f.term_page)

    def _term_chosen(self, months: str) -> None:
        if self.flow.state is S.TERM and months:
            self.flow.choose_months(int(months))

    def _enter_method(self) -> None:
        texts.show_methods(self.v.method_view, self._tr, self.flow.methods,
                           self.flow.method_page)
        self.runner.show(self.v.method_view)
        self.runner.speak("voice.drawdown.method")

    def _method_more(self) -> None:
        f = self.flow
        f.method_page = f.next_page(f.methods, f.method_page)
        texts.show_methods(self.v.method_view, self._tr, f.methods, f.method_page)

    def _method_chosen(self, method: str) -> None:
        if self.flow.state is S.METHOD and method:
            self.flow.choose_method(method)

    # --- the host's quote, checked by the kiosk's engine -------------------------------------

    def _enter_quoting(self) -> None:
        f = self.flow
        self._wait("drawdown.quoting")
        self.runner.request("host", "quote_loan", f.product.code, f.amount, f.months, f.method,
                            safe=True, on_done=self._quoted)

    def _quoted(self, completion: Completion[Any]) -> None:
        if self.flow.state is not S.QUOTING:
            return
        if not completion.ok or completion.data is None:
            self.flow.failed(completion)
            return
        quote, f = completion.data, self.flow
        product = f.product
        from types import SimpleNamespace

        from kiosk.lending.crosscheck import check_quote

        asked = SimpleNamespace(amount=f.amount, months=f.months, method=f.method,
                                annual_rate=Decimal(product.annual_rate))
        # the kiosk's engine prices it again off the GUI thread (a 36-line IRR takes a while)
        self.runner.run("drawdown-quote-check", lambda: check_quote(
            quote, due_day=product.due_day, day_basis=int(product.day_basis), asked=asked),
            on_done=lambda c: self._checked(quote, c))

    def _checked(self, quote: Any, completion: Completion[Any]) -> None:
        if self.flow.state is not S.QUOTING:
            return
        if not completion.ok:
            log.error("%s: the check itself failed: %s", MISMATCH_CODE, completion.detail)
            from kiosk.lending.crosscheck import Difference, QuoteCheck

            check = QuoteCheck(None, (Difference("check", "error", "", completion.detail),))
        else:
            check = completion.data
        if not check.ok:
            # for staff: figures and field names only (no name, no card, no ID)
            log.warning("%s product %s amount %s months %s method %s: %s", MISMATCH_CODE,
                        self.flow.product.code, self.flow.amount, self.flow.months,
                        self.flow.method, check.log_text())
        self.flow.quoted(quote, check)

    def _enter_quote(self) -> None:
        tr, quote = self._tr, self.flow.quote
        today = self.runner.today()
        texts.show_quote(self.v.quote_view, tr, quote, self._account(), today)
        self.runner.show(self.v.quote_view)
        fields = texts.quote_voice(tr, quote, self._account(), today)
        self.disclosure = {"amount": f"{Decimal(quote.amount):.2f}",
                           "total_interest": f"{Decimal(quote.total_interest):.2f}",
                           "apr_simple": f"{Decimal(quote.apr_simple):.6f}",
                           "spoken": tr("voice.drawdown.quote", **fields)}
        self.runner.speak("voice.drawdown.quote", **fields)

    def _enter_mismatch(self) -> None:
        texts.show_message(self.v.mismatch_view, self._tr, "drawdown.mismatch")
        self.runner.show(self.v.mismatch_view)
        self.runner.speak("voice.drawdown.mismatch")

    # --- confirmation, staff, PIN -------------------------------------------------------------

    def _needs_staff(self) -> bool:
        from kiosk.authorization import AuthorizationAction, AuthorizationNeed

        amount = self.flow.amount
        assert amount is not None
        staff = self._staff()
        if staff is not None:
            need = AuthorizationNeed(AuthorizationAction.DRAWDOWN,
                                     self._session.customer.customer_id, amount=amount)
            return bool(staff.authorizer.required(need))
        limits = getattr(self.runner.config, "limits", None)
        threshold = getattr(limits, "supervised_drawdown_amount", None)
        return threshold is not None and amount > Decimal(threshold)

    def _confirm(self) -> None:
        if self.flow.state is S.QUOTE:
            self.v.quote_view.confirm_button.setEnabled(False)  # one touch, one drawdown
            self.flow.confirm(self._needs_staff())

    def _enter_authorize(self) -> None:
        from kiosk.authorization import AuthorizationAction, AuthorizationNeed

        staff = self._staff()
        if staff is None:
            self.flow.refused("STAFF-NOT-SIGNED-IN")
            return
        amount = self.flow.amount
        need = AuthorizationNeed(AuthorizationAction.DRAWDOWN,
                                 self._session.customer.customer_id, amount=amount)
        from kiosk.shell.formats import yuan

        what = staff.tr("drawdown.auth.what", amount=yuan(amount),
                        name=self._session.masked_name)
        self.runner.speak("voice.drawdown.authorize")
        staff.ask_authorization(need, what, on_result=self._authorized)
        if self.flow.state is S.AUTHORIZE:  # the staff's password screen: no idle countdown
            self.runner.show(staff.auth_view, idle=False)

    def _authorized(self, result: Any) -> None:
        if self.flow.state is not S.AUTHORIZE:
            return
        if result.granted:
            self.flow.granted(result.authorization_id, result.staff_id)
        else:
            log.info("drawdown authorisation: %s (%s)", result.outcome.value, result.error_code)
            self.flow.refused(result)

    def _enter_refused(self) -> None:
        result = self.flow.error
        msgid = getattr(result, "farmer_text_id", None) or "staff.auth.farmer.no_staff"
        texts.show_failed(self.v.refused_view, self._tr, self._tr(msgid),
                          title="drawdown.refused.title")
        self.runner.show(self.v.refused_view)
        self.runner.speak(msgid)

    def _enter_pin(self) -> None:
        account = self._session.account
        ask_pin(self.runner, self._pin_view, account.pan, self._pin_entered,
                heading=self._tr("drawdown.pin.title"))

    def _pin_entered(self, completion: Completion[Any]) -> None:
        if self.flow.state is not S.PIN:
            return
        if completion.ok and completion.data is not None:
            self._session.keep_pin_block(completion.data)
            self.flow.send(E.PIN_OK)
        else:
            log.info("drawdown PIN entry ended: %s", completion.code.value)
            self.flow.send(E.PIN_AGAIN)

    # --- the money ------------------------------------------------------------------------------

    def _supervising_staff(self) -> str | None:
        if self.flow.staff_id:
            return str(self.flow.staff_id)
        staff = self._staff()
        member = None if staff is None else staff.staff.current
        return None if member is None or member.is_technician else str(member.staff_id)

    def _enter_sending(self) -> None:
        f, session = self.flow, self._session
        view = self.v.sending_view
        view.heading.setText("… " + self._tr("drawdown.sending"))
        view.repeat_button.setText(self._tr("screen.common.repeat"))
        self.runner.show(view, idle=False)
        self.runner.speak("voice.drawdown.sending")
        service = self.runner.transactions()
        block = session.take_pin_block()  # used once, never kept
        account = session.account
        if service is None or block is None or account is None:
            f.failed("JOURNAL-UNAVAILABLE" if service is None else "PIN-NONE")
            return
        kwargs = {"customer_id": session.customer.customer_id, "line_id": f.line.line_id,
                  "amount": f.amount, "months": f.months, "method": f.method,
                  "pan": account.pan, "pin_block": block.ciphertext,
                  "authorization_id": f.authorization_id, "staff_id": self._supervising_staff()}
        self.runner.run("drawdown", lambda: service.drawdown(**kwargs), on_done=self._sent)

    def _sent(self, completion: Completion[Any]) -> None:
        if self.flow.state is not S.SENDING:
            return
        if completion.ok and completion.data is not None:
            self.flow.answered(completion.data)
        else:  # MoneyRefused before anything was sent (journal, clock): its code
            error = completion.data
            code = getattr(error, "code", None) or "JOURNAL-UNAVAILABLE"
            log.warning("drawdown refused before sending: %s", code)
            self.flow.failed(code)

    def _enter_success(self) -> None:
        tr, f = self._tr, self.flow
        texts.show_success(self.v.success_view, tr, f.amount, f.result, self._account(),
                           self.runner.today())
        self.runner.show(self.v.success_view)
        answer = f.result.answer
        from kiosk.shell.formats import short_date, spoken_yuan

        first = {} if answer is None else {
            "date": short_date(tr, answer.first_due_date, self.runner.today()),
            "first": spoken_yuan(tr, Decimal(answer.first_payment))}
        self.runner.speak("voice.drawdown.success" if first else "voice.drawdown.success_short",
                          amount=spoken_yuan(tr, f.amount),
                          tail=texts.account_tail(self._account()), **first)
        self._print()

    def _enter_pending(self) -> None:
        tr, f = self._tr, self.flow
        texts.show_pending(self.v.pending_view, tr, f.amount, f.result)
        self.runner.show(self.v.pending_view)
        self.runner.speak("voice.drawdown.pending")
        if self._receipt is None:  # one 处理中 slip, however often 再查一次 finds it pending
            self._print()

    def _enter_checking(self) -> None:
        """再查一次: settled by the host's status query by its key, never a second drawdown."""
        from screens.receipt_step import check_again

        self._wait("money.checking")
        check_again(self.runner, self.flow, "drawdown")

    def _enter_failed(self) -> None:
        reason = texts.reason_text(self._tr, self.flow.result.reason)
        texts.show_failed(self.v.failed_view, self._tr, reason)
        self.runner.show(self.v.failed_view)
        self.runner.speak_text(self._tr("voice.drawdown.failed", reason=reason),
                               msgid="voice.drawdown.failed")
        self._print()

    def _enter_not_signed(self) -> None:
        texts.show_message(self.v.not_signed_view, self._tr, "drawdown.not_signed")
        self.runner.show(self.v.not_signed_view)
        self.runner.speak("voice.drawdown.not_signed")

    def _enter_no_line(self) -> None:
        texts.show_message(self.v.no_line_view, self._tr, "drawdown.no_line")
        self.runner.show(self.v.no_line_view)
        self.runner.speak("voice.drawdown.no_line")

    def _enter_unavailable(self) -> None:
        from kiosk.errors import error_for_completion, error_info

        error = self.flow.error
        if isinstance(error, Completion):
            info = error_for_completion(error, self._tr, "host")
            log.warning("drawdown: host answered %s (%s)", info.code, error.detail)
        else:
            info = error_info(str(error), self._tr)
            log.warning("drawdown: not sent: %s", info.code)
        self.runner.show_error(info)
        texts.show_failed(self.v.unavailable_view, self._tr, info.farmer,
                          title="drawdown.unavailable.title")
        self.runner.show(self.v.unavailable_view)
        self.runner.speak_text(info.voice, msgid=f"error.{info.code}.voice")

    # --- the receipt --------------------------------------------------------------------------

    def _print(self) -> None:
        """The receipt (成功), the 处理中 slip or the 未成功 slip: printed when the printer can,
        stored masked for a reprint either way, the journal told once it is printed."""
        from screens.journeys.drawdown.receipt import drawdown_receipt

        f = self.flow
        receipt = drawdown_receipt(self._tr, terminal=getattr(self.runner.config, "terminal",
                                                              None),
                                   session=self.runner.session, amount=f.amount,
                                   months=f.months, method=f.method, quote=f.quote,
                                   result=f.result, staff_id=self._supervising_staff(),
                                   now=dt.datetime.now().replace(microsecond=0))
        self._receipt = receipt
        if self.runner.has_worker("printer") and \
                self.runner.terminal.availability([Need.PRINTER]).ok:
            from kiosk.receipts.templates import render

            self.runner.request("printer", "print_receipt", render(receipt, self._tr),
                                on_done=self._printed)
        else:
            self._store(None)

    def _printed(self, completion: Completion[Any]) -> None:
        self.printed = completion
        self._store(completion)

    def _store(self, completion: Completion[Any] | None) -> None:
        """Off the GUI thread: the masked receipt into the reprint store, the journal's
        receipt mark; then the farmer hears whether the paper came out."""
        from pathlib import Path

        from kiosk.receipts.printing import FARMER_MESSAGE, outcome_of
        from kiosk.receipts.store import PrintOutcome, ReceiptStore

        tr, receipt, serial = self._tr, self._receipt, self.flow.result.serial
        service = self.runner.transactions()
        state_dir = Path(getattr(self.runner.config, "state_dir", ".")).expanduser()
        outcome = PrintOutcome.NOT_PRINTED if completion is None else outcome_of(completion)
        detail = "" if completion is None or completion.ok else completion.detail

        def store() -> PrintOutcome:
            ReceiptStore(state_dir).record(receipt, tr.lang, outcome, detail=detail)
            if outcome is PrintOutcome.PRINTED and service is not None:
                service.mark_receipt_printed(serial)
            return outcome

        self.runner.run("drawdown-receipt", store, on_done=lambda c: self._stored(
            FARMER_MESSAGE[outcome], c))

    def _stored(self, msgid: str, completion: Completion[Any]) -> None:
        if not completion.ok:
            log.error("drawdown receipt not stored: %s", completion.detail)
        view = {S.SUCCESS: self.v.success_view, S.PENDING: self.v.pending_view,
                S.FAILED: self.v.failed_view}.get(self.flow.state)
        if view is None:
            return
        view.show_note(self._tr(msgid))
