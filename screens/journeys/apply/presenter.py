"""The apply and intention presenters: the chart's states to screens and voice, the host
worker for the application and the review, the outbox (off the GUI thread) for an intention."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from devices.base import Completion
from kiosk.shell.formats import spoken_yuan
from kiosk.terminal import Need
from screens.chart import Outcome
from screens.journeys.apply import texts
from screens.journeys.apply.chart import PURPOSES, ApplyEvent, ApplyFlow, ApplyState, Problem
from screens.runner import Presenter

if TYPE_CHECKING:
    from screens.journeys.apply.screens import ApplyViews
    from screens.runner import JourneyRunner

log = logging.getLogger(__name__)

S, E = ApplyState, ApplyEvent
#: The online product a farmer applies for at the terminal (信用村 种养殖 闪电贷).
DEFAULT_PRODUCT = "SJLD"
#: How long the farmer's slip waits for the host's registration number (then 待发送).
CONFIRM_SECONDS = 3.0


class _Saved(QObject):
    """Carries the outbox's answer from the saving thread to the GUI thread (queued)."""

    done = Signal(object)


class ApplyPresenter(Presenter):
    intention = False

    def __init__(self, runner: JourneyRunner, views: ApplyViews, **options: Any) -> None:
        super().__init__(runner, views, **options)
        self.v = views
        self.product_code = str(options.get("product", DEFAULT_PRODUCT))
        self.confirm_seconds = float(options.get("confirm_seconds", CONFIRM_SECONDS))
        self.flow = ApplyFlow(intention=self.intention)
        self.flow.add_listener(self._on_transition)
        self.printed: Completion[Any] | None = None
        self._saved = _Saved()
        self._saved.done.connect(self._on_saved)
        v = views
        self._connections = [
            (v.purpose_view.chosen, self._purpose_chosen),
            (v.purpose_view.more_requested, self._purpose_more),
            (v.term_view.chosen, self._term_chosen),
            (v.visit_view.chosen, self._visit_chosen),
            (v.term_view.more_requested, self._term_more),
            (v.amount_view.next_requested, self._amount_next),
            (v.phone_view.next_requested, self._phone_next),
            (v.consent_view.agreed, self._agreed),
            (v.declined_view.other_requested, self._review),
            (v.approved_view.other_requested, self._sign),
        ]
        for view in (v.purpose_view, v.amount_view, v.term_view, v.phone_view, v.visit_view,
                     v.consent_view):
            self._connections += [(view.back_requested, self.back),
                                  (view.cancel_requested, self.cancel)]
        for result in (v.approved_view, v.referred_view, v.declined_view, v.reviewed_view,
                     v.recorded_view, v.unavailable_view):
            self._connections.append((result.finish_requested, self.finish))
        for signal, slot in self._connections:
            signal.connect(slot)

    # --- runner hooks -------------------------------------------------------------------------

    def start(self) -> None:
        self.flow.send(E.START)

    def stop(self) -> None:
        for signal, slot in self._connections:
            signal.disconnect(slot)
        self._connections = []
        self._saved.done.disconnect(self._on_saved)

    def cancel(self) -> None:
        self.flow.send_if_allowed(E.CANCEL)

    def back(self) -> None:
        self.flow.send_if_allowed(E.BACK)

    def finish(self) -> None:
        self.flow.send_if_allowed(E.FINISH)

    def idle_timeout(self) -> None:
        self.flow.send_if_allowed(E.IDLE_TIMEOUT)

    @property
    def _tr(self) -> Any:
        return self.runner.tr

    def _on_transition(self, source: ApplyState, event: ApplyEvent, target: ApplyState) -> None:
        log.info("%s: %s --%s--> %s", "intention" if self.intention else "apply", source.name,
                 event.name, target.name)
        if target is S.ENDED:
            self.runner.end(self.flow.outcome or Outcome.CANCELED)
            return
        getattr(self, f"_enter_{target.name.lower()}")()

    def _wait(self, msgid: str) -> None:
        view = self.v.loading_view
        view.heading.setText("… " + self._tr(msgid))
        view.repeat_button.setText(self._tr("screen.common.repeat"))
        self.runner.show(view, idle=False)

    # --- the steps ----------------------------------------------------------------------------

    def _enter_loading(self) -> None:
        self._wait("apply.loading")
        self.runner.request("host", "products", safe=True, on_done=self._products)

    def _products(self, completion: Completion[Any]) -> None:
        if self.flow.state is not S.LOADING:
            return
        product = None
        if completion.ok and completion.data is not None:
            product = next((p for p in completion.data.products
                            if p.code == self.product_code and p.online), None)
        if product is None:
            log.warning("apply: product %s not offered (%s)", self.product_code,
                        completion.code.value if not completion.ok else "not in the list")
            self.flow.failed(completion)
        else:
            self.flow.loaded(product)

    def _enter_purpose(self) -> None:
        texts.show_purposes(self.v.purpose_view, self._tr, self.flow.purpose_page)
        self.runner.show(self.v.purpose_view)
        self.runner.speak("voice.apply.purpose")

    def _purpose_more(self) -> None:
        self.flow.purpose_page = self.flow.next_page(PURPOSES, self.flow.purpose_page)
        texts.show_purposes(self.v.purpose_view, self._tr, self.flow.purpose_page)

    def _purpose_chosen(self, purpose: str) -> None:
        if self.flow.state is S.PURPOSE and purpose:
            self.flow.choose_purpose(purpose)

    def _limits(self) -> dict[str, str]:
        lim, tr = self.flow.limits, self._tr
        return {"low": spoken_yuan(tr, lim.min_amount),
                "high": spoken_yuan(tr, lim.max_amount)}

    def _enter_amount(self) -> None:
        amount = self.flow.amount
        texts.show_amount(self.v.amount_view, self._tr, self.flow.limits,
                          "" if amount is None else f"{int(amount)}")
        self.runner.show(self.v.amount_view)
        self.runner.speak("voice.apply.amount", **self._limits())

    def _amount_next(self) -> None:
        self._problem(self.v.amount_view, self.flow.enter_amount(self.v.amount_view.keypad.text))

    def _enter_term(self) -> None:
        texts.show_terms(self.v.term_view, self._tr, self.flow.terms, self.flow.term_page)
        self.runner.show(self.v.term_view)
        self.runner.speak("voice.apply.term")

    def _term_more(self) -> None:
        self.flow.term_page = self.flow.next_page(self.flow.terms, self.flow.term_page)
        texts.show_terms(self.v.term_view, self._tr, self.flow.terms, self.flow.term_page)

    def _term_chosen(self, months: str) -> None:
        if self.flow.state is S.TERM and months:
            self.flow.choose_months(int(months))

    def _enter_phone(self) -> None:
        texts.show_phone(self.v.phone_view, self._tr, self.flow.phone or "")
        self.runner.show(self.v.phone_view)
        self.runner.speak("voice.apply.phone")

    def _enter_visit(self) -> None:
        texts.show_visits(self.v.visit_view, self._tr)
        self.runner.show(self.v.visit_view)
        self.runner.speak("voice.apply.visit")

    def _visit_chosen(self, visit: str) -> None:
        if self.flow.state is S.VISIT and visit:
            self.flow.choose_visit(visit)

    def _phone_next(self) -> None:
        self._problem(self.v.phone_view, self.flow.enter_phone(self.v.phone_view.keypad.text))

    def _problem(self, view: Any, problem: Problem | None) -> None:
        if problem is not None:
            text = self._tr(problem.msgid)
            view.show_problem(text)
            self.runner.speak_text(text, msgid=problem.msgid)

    def _enter_consent(self) -> None:
        f, tr = self.flow, self._tr
        assert f.purpose is not None and f.amount is not None and f.phone is not None
        texts.show_consent(self.v.consent_view, tr, intention=self.intention,
                           purpose=f.purpose, amount=f.amount, months=f.months, phone=f.phone,
                           visit=f.visit)
        self.runner.show(self.v.consent_view)
        # the number read back digit by digit, in groups 3-4-4, then what is agreed to
        readback = tr("voice.apply.phone_readback", digits=texts.spoken_phone(tr, f.phone))
        consent = tr("voice.intention.consent" if self.intention else "voice.apply.consent")
        self.runner.speak_text(readback + consent, msgid="voice.apply.phone_readback")

    def _agreed(self) -> None:
        if self.flow.state is S.CONSENT:
            self.flow.consent()

    # --- the application ----------------------------------------------------------------------

    def _customer_id(self) -> str | None:
        session = self.runner.session
        customer = None if session is None else session.customer
        return None if customer is None else customer.customer_id

    def _enter_submitting(self) -> None:
        f = self.flow
        self._wait("apply.submitting")
        self.runner.request("host", "apply", f.product.code, f.amount, f.months, f.purpose,
                            f.phone, True, customer_id=self._customer_id(),
                            idempotency_key=uuid.uuid4().hex, on_done=self._decided)

    def _decided(self, completion: Completion[Any]) -> None:
        if self.flow.state is not S.SUBMITTING:
            return
        if completion.ok and completion.data is not None:
            self.flow.decided(completion.data)
        else:
            self.flow.failed(completion)

    def _decision(self) -> Any:
        return self.flow.answer.decision

    def _enter_approved(self) -> None:
        tr, d = self._tr, self._decision()
        texts.show_approved(self.v.approved_view, tr, d)
        sign = self.v.approved_view.other_button
        assert sign is not None
        sign.setVisible(self.runner.availability("sign_line").ok)  # 现在签约 (journey 4)
        self.runner.show(self.v.approved_view)
        from kiosk.shell.formats import percent

        self.runner.speak("voice.apply.approved",
                          line=spoken_yuan(tr, Decimal(d.line)),
                          rate=percent(Decimal(d.apr_simple)))

    def _sign(self) -> None:
        """现在签约: the line just approved is signed at once (journey 4)."""
        if self.flow.state is S.APPROVED:
            self.runner.call("sign_line", self._signed)

    def _signed(self, outcome: Outcome) -> None:
        if outcome is Outcome.TIMED_OUT:
            self.flow.send_if_allowed(E.IDLE_TIMEOUT)
        elif outcome is Outcome.CANCELED:  # 不签了: back to the approval
            self._enter_approved()
        else:
            self.flow.send_if_allowed(E.FINISH)

    def _enter_referred(self) -> None:
        tr, d = self._tr, self._decision()
        if d is None:  # a counter product: the officer decides, nothing scored
            from types import SimpleNamespace

            d = SimpleNamespace(refer_triggers=[], reasons=[], knockouts=[],
                                intention_id=self.flow.answer.application_id)
        texts.show_referred(self.v.referred_view, tr, d)
        self.runner.show(self.v.referred_view)
        lines = self.v.referred_view.lines
        said = "".join(label.text() for label in lines[:len(lines) - 2] if not label.isHidden())
        self.runner.speak("voice.apply.referred", reasons=said, visit=texts.visit_words(tr, d))

    def _enter_declined(self) -> None:
        tr, d = self._tr, self._decision()
        texts.show_declined(self.v.declined_view, tr, d)
        self.runner.show(self.v.declined_view)
        self.runner.speak("voice.apply.declined", reasons="".join(texts.reasons_of(tr, d)))

    def _review(self) -> None:
        self.flow.send_if_allowed(E.REVIEW)

    def _enter_reviewing(self) -> None:
        f = self.flow
        self._wait("apply.reviewing")
        self.runner.request("host", "register_intention", f.phone, f.amount, f.purpose, True,
                            customer_id=self._customer_id(),
                            application_id=f.answer.application_id,
                            idempotency_key=uuid.uuid4().hex, on_done=self._reviewed)

    def _reviewed(self, completion: Completion[Any]) -> None:
        if self.flow.state is not S.REVIEWING:
            return
        if completion.ok and completion.data is not None:
            self.flow.reviewed(completion.data)
        else:
            self.flow.failed(completion)

    def _enter_reviewed(self) -> None:
        tr, review = self._tr, self.flow.review
        texts.show_reviewed(self.v.reviewed_view, tr, review)
        self.runner.show(self.v.reviewed_view)
        self.runner.speak("voice.apply.reviewed", visit=texts.visit_words(tr, review))

    # --- the intention (outbox) ---------------------------------------------------------------

    def _enter_saving(self) -> None:
        f = self.flow
        self._wait("apply.saving")
        service = self.runner.transactions()
        if service is None:
            self.flow.failed("JOURNAL-UNAVAILABLE")
            return
        body = {"phone": f.phone, "amount": f.amount, "purpose": f.purpose, "consent": True,
                "customer_id": self._customer_id(), "visit_time": f.visit}
        threading.Thread(target=self._save, args=(service, body), name="intention-save",
                         daemon=True).start()

    def _save(self, service: Any, body: dict[str, Any]) -> None:
        """Saving thread: commit to the outbox (durable), then wait a little for the
        forwarder's delivery so the slip can carry the host's number."""
        try:
            item = service.register_intention(**body)
        except Exception as exc:  # MoneyRefused (journal unusable) and anything unexpected
            log.warning("intention not saved: %s", getattr(exc, "code", type(exc).__name__))
            self._saved.done.emit(exc)
            return
        deadline = time.monotonic() + self.confirm_seconds
        while time.monotonic() < deadline:
            current = service.outbox.get(item.id)
            if current is not None and current.answer:
                item = current
                break
            time.sleep(0.05)
        self._saved.done.emit(item)

    def _on_saved(self, result: Any) -> None:
        if self.flow.state is not S.SAVING:
            return
        if isinstance(result, Exception):
            self.flow.failed(getattr(result, "code", "JOURNAL-UNAVAILABLE"))
        else:
            self.flow.saved(result)

    def _number(self) -> str | None:
        answer = getattr(self.flow.answer, "answer", None) or {}
        number = answer.get("intention_id")
        return None if number is None else str(number)

    def _branch_phone(self) -> str:
        terminal = getattr(self.runner.config, "terminal", None)
        return str(getattr(terminal, "branch_phone", "") or "")

    def _enter_recorded(self) -> None:
        tr, number = self._tr, self._number()
        texts.show_recorded(self.v.recorded_view, tr, number, self._branch_phone())
        self.runner.show(self.v.recorded_view)
        self.runner.speak("voice.intention.recorded" if number else "voice.intention.queued")
        if self.runner.terminal.availability([Need.PRINTER]).ok:
            self.runner.request("printer", "print_receipt", self._slip(number),
                                on_done=self._on_printed)

    def _slip(self, number: str | None) -> Any:
        from screens.journeys.apply.slip import intention_slip

        f = self.flow
        assert f.purpose is not None and f.amount is not None and f.phone is not None
        return intention_slip(self._tr, terminal=getattr(self.runner.config, "terminal", None),
                              session=self.runner.session, purpose=f.purpose, amount=f.amount,
                              phone=f.phone, number=number, key=str(f.answer.key),
                              branch_phone=self._branch_phone(), now=dt.datetime.now(),
                              visit_time=f.visit or "")

    def _on_printed(self, completion: Completion[Any]) -> None:
        self.printed = completion
        if not completion.ok:
            from kiosk.errors import error_for_completion

            info = error_for_completion(completion, self._tr)
            self.runner.show_error(info)
            log.warning("intention slip not printed: %s", completion.code.value)

    # --- faults -------------------------------------------------------------------------------

    def _enter_unavailable(self) -> None:
        from kiosk.errors import error_for_completion, error_info

        error = self.flow.error
        if isinstance(error, Completion):
            info = error_for_completion(error, self._tr, "host")
            log.warning("apply: host answered %s (%s)", info.code, error.detail)
        else:
            info = error_info(str(error), self._tr)
            log.warning("intention not saved: %s", info.code)
        self.runner.show_error(info)
        texts.show_unavailable(self.v.unavailable_view, self._tr, info.farmer)
        self.runner.show(self.v.unavailable_view)
        self.runner.speak_text(info.voice, msgid=f"error.{info.code}.voice")


class IntentionPresenter(ApplyPresenter):
    """贷款意向登记: no identification needed, works with the host offline (the outbox)."""

    intention = True
