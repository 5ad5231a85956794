"""The signing presenter: the chart's states to screens and voice; the line and its product
from the host worker; the signature from the pad, or (见证签约: the audio-guided mode, a farmer
who cannot write) a staff member's witness through the staff controller's authorisation; the
PIN from the PIN pad (screens/pin_entry); the signing through the transactions service on a
short thread (``runner.run``); the receipt on the printer; a witnessed signing in the audit
log."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from devices.base import Completion, CompletionCode
from kiosk.host.errors import HostErrorCode
from kiosk.shell.formats import percent, short_date, spoken_yuan
from kiosk.terminal import Need
from screens.journeys.sign_line import screens as s
from screens.journeys.sign_line.chart import SignEvent, SignLineFlow, SignState
from screens.pin_entry import ask_pin
from screens.receipt_step import print_and_keep
from screens.runner import ChartPresenter

if TYPE_CHECKING:
    from screens.journeys.sign_line.screens import SignLineViews
    from screens.runner import JourneyRunner

log = logging.getLogger(__name__)

S, E = SignState, SignEvent

#: The contract text the farmer heard and signed (the host keeps it with the signature).
CONTRACT_VERSION = "SD-ED-2026.1"
#: What the farmer agrees to by signing: the contract's terms, and that the loans are
#: reported to the credit reference centre (征信), both said on the terms screens.
CONSENTS = {"contract_terms": True, "credit_reporting": True}
#: Reasons of a failure that say nothing reached the host (the farmer may sign again).
NOT_SENT = frozenset({"not_sent", "not_applied"})


class SignLinePresenter(ChartPresenter):
    """Options: ``contract_version`` (the contract text's version sent with the signature)."""

    name = "sign line"

    def __init__(self, runner: JourneyRunner, views: SignLineViews, *,
                 contract_version: str = CONTRACT_VERSION, **options: Any) -> None:
        super().__init__(runner, views, SignLineFlow(), **options)
        self.v = views
        self.contract_version = contract_version
        self.signature = ""
        self.printed: Completion[Any] | None = None
        self.receipt: Any = None
        self._pin_request: Any = None
        v = views
        self.connect([
            (v.terms_view.next_requested, self._next),
            (v.terms_view.cancel_requested, self.cancel),
            (v.terms_more_view.next_requested, self._next),
            (v.terms_more_view.back_requested, self.back),
            (v.terms_more_view.cancel_requested, self.cancel),
            (v.sign_view.confirm_requested, self._confirm),
            (v.sign_view.back_requested, self.back),
            (v.sign_view.witness_requested, self._cannot_write),
            (v.witness_view.next_requested, self._next),
            (v.witness_view.back_requested, self._witness_back),
            (v.witness_view.cancel_requested, self.cancel),
            (v.witness_again_button.clicked, self._next),
            (v.pin_view.cancel_requested, self._pin_cancel),
            (v.pending_view.check_requested, self._check),
            *[(view.finish_requested, self.finish)
              for view in (v.success_view, v.pending_view, v.failed_view,
                           v.witness_refused_view, v.not_signable_view, v.unavailable_view)],
        ])

    # --- loading: the line and its product ---------------------------------------------------

    @property
    def _session(self) -> Any:
        session = self.runner.session
        assert session is not None
        return session

    def _wait(self, view: Any, msgid: str) -> None:
        self.v.wait(view, self._tr, msgid)
        self.runner.show(view, idle=False)

    def _enter_loading(self) -> None:
        self._wait(self.v.loading_view, "sign.loading")
        customer = self._session.customer
        assert customer is not None
        self.runner.request("host", "credit_line", customer.customer_id, safe=True,
                            on_done=self._line_read)

    def _line_read(self, completion: Completion[Any]) -> None:
        if self.flow.state is not S.LOADING:
            return
        if completion.ok and completion.data is not None:
            self._line = completion.data
            self.runner.request("host", "products", safe=True, on_done=self._products_read)
        elif completion.error is HostErrorCode.LINE_NOT_FOUND:
            self.flow.send(E.NO_LINE)
        else:
            self.flow.load_failed(completion)

    def _products_read(self, completion: Completion[Any]) -> None:
        if self.flow.state is not S.LOADING:
            return
        products = getattr(completion.data, "products", None) if completion.ok else None
        product = next((p for p in products or () if p.code == self._line.product_code), None)
        if product is None:
            self.flow.load_failed(completion)
            return
        self.flow.loaded(self._line, product)

    # --- the terms ---------------------------------------------------------------------------

    def _next(self) -> None:
        if self.flow.state is S.TERMS_MORE and self._audio_guided():
            self.flow.ask_witness("audio_guided")  # by ear and keys: no drawn signature
            return
        self.flow.send_if_allowed(E.NEXT)

    def _audio_guided(self) -> bool:
        audio = self.runner.audio
        return bool(audio is not None and getattr(audio, "active", False))

    def _enter_terms(self) -> None:
        tr, f = self._tr, self.flow
        today = self.runner.today()
        self.v.terms_view.show_lines(tr, tr("sign.terms.title"),
                                     s.terms_lines(tr, f.line, f.product, today),
                                     "sign.terms.next")
        self.runner.show(self.v.terms_view)
        rate = Decimal(f.product.annual_rate)
        self.runner.speak(
            "voice.sign.terms", amount=spoken_yuan(tr, Decimal(f.line.limit)),
            date=short_date(tr, f.line.expiry, today), months=max(f.product.terms),
            rate=percent(rate),
            interest=spoken_yuan(tr, (s.TEN_THOUSAND * rate).quantize(Decimal("0.01"))))

    def _enter_terms_more(self) -> None:
        tr, product = self._tr, self.flow.product
        witness = self._audio_guided()
        self.v.terms_more_view.show_lines(
            tr, tr("sign.terms_more.title"), s.terms_more_lines(tr, product),
            "sign.terms.agree_witness" if witness else "sign.terms.agree")
        self.runner.show(self.v.terms_more_view)
        repay = (tr("sign.terms.repay_day", day=product.due_day) if product.due_day
                 else tr("sign.terms.repay_anniversary"))
        self.runner.speak("voice.sign.terms_more.witness" if witness else "voice.sign.terms_more",
                          repay=repay, grace=product.grace_days)

    # --- the signature -----------------------------------------------------------------------

    def _stop_pin(self) -> None:
        if self._pin_request is not None:  # 取消 on the PIN screen: the pad stops asking
            self._pin_request.cancel()
            self._pin_request = None

    def _enter_sign(self) -> None:
        tr, f = self._tr, self.flow
        self._stop_pin()
        notice = ""
        if f.refusal is not None:
            notice = tr(f"sign.pad.{f.refusal.value}")
        elif f.pin_cancelled:
            notice = tr("sign.pin.cancelled")
        self.v.sign_view.show_texts(tr, notice, keep=f.refusal is not None or f.pin_cancelled)
        self.runner.show(self.v.sign_view)
        if notice:
            self.runner.speak(f"sign.pad.{f.refusal.value}" if f.refusal is not None
                              else "sign.pin.cancelled")
        else:
            self.runner.speak("voice.sign.sign")

    def _confirm(self) -> None:
        """确认签名: the pad's verdict; an accepted signature is kept as PNG (base64) until
        the signing request is sent."""
        if self.flow.state is not S.SIGN:
            return
        pad = self.v.sign_view.pad
        refusal = pad.problem()
        self.signature = pad.png_base64() if refusal is None else ""
        self.flow.signature(refusal)

    # --- 见证签约: a staff member witnesses instead of a drawn signature ------------------------

    def _cannot_write(self) -> None:
        if self.flow.state is S.SIGN:
            self.flow.ask_witness("cannot_write")

    def _witness_back(self) -> None:
        """返回 from the call: to the pad for a farmer who came from it, else to the terms."""
        self.flow.send_if_allowed(E.WRITE if self.flow.witness_mode == "cannot_write"
                                  else E.BACK)

    def _enter_witness_call(self) -> None:
        self._stop_pin()
        tr, f = self._tr, self.flow
        notice = tr("sign.witness.pin_cancelled") if f.pin_cancelled else ""
        self.v.witness_view.show_texts(tr, notice)
        self.runner.show(self.v.witness_view)
        self.runner.speak("sign.witness.pin_cancelled" if notice else "voice.sign.witness")

    def _enter_witness(self) -> None:
        """The staff member's own password on the staff controller's authorisation screen
        (they can see it); no idle countdown there, and the audio guide does not listen."""
        from kiosk.authorization import AuthorizationAction, AuthorizationNeed
        from kiosk.shell.formats import yuan

        staff = self.runner.staff()
        if staff is None:
            self.flow.witness_refused("STAFF-NOT-SIGNED-IN")
            return
        f = self.flow
        need = AuthorizationNeed(AuthorizationAction.LINE_SIGN, f.line.customer_id)
        what = staff.tr("sign.witness.what", name=self._session.masked_name,
                        amount=yuan(Decimal(f.line.limit)),
                        mode=staff.tr(f"sign.witness.mode.{f.witness_mode}"))
        self.runner.speak("voice.sign.witness.staff")
        staff.ask_authorization(need, what, on_result=self._witnessed)
        if self.flow.state is S.WITNESS:
            self.runner.show(staff.auth_view, idle=False)

    def _witnessed(self, result: Any) -> None:
        if self.flow.state is not S.WITNESS:
            return
        if result.granted and result.authorization_id and result.staff_id:
            self.flow.granted(result.authorization_id, result.staff_id)
        else:
            log.info("signing witness: %s (%s)", result.outcome.value, result.error_code)
            self.flow.witness_refused(result)

    def _enter_witness_refused(self) -> None:
        tr = self._tr
        text = s.witness_refused_text(tr, self.flow.problem)
        self.v.witness_refused_view.show_texts(tr, tr("sign.witness.refused.title"), text)
        self.runner.show(self.v.witness_refused_view)
        self.runner.speak("sign.witness.refused.body",
                          reason=s.witness_refused_reason(tr, self.flow.problem))

    # --- the PIN -----------------------------------------------------------------------------

    def _enter_pin(self) -> None:
        account = self._session.account
        if account is None:  # cannot happen: identification read the card
            self.flow.pin_failed(Completion(0, CompletionCode.SEQUENCE_ERROR, device="pinpad",
                                            command="get_pin", detail="no card account"),
                                 cancelled=False)
            return
        self._pin_request = ask_pin(self.runner, self.v.pin_view, account.pan,
                                    self._pin_entered, heading=self._tr("sign.pin.title"),
                                    voice="voice.sign.pin")

    def _pin_cancel(self) -> None:
        """取消 on the PIN screen: as the pad's X (back to the pad, or to the witness call)."""
        if self.flow.state is S.PIN and self.flow.witness_mode is not None:
            self.flow.send(E.WITNESS_AGAIN)
        else:
            self.cancel()

    def _pin_entered(self, completion: Completion[Any]) -> None:
        if self.flow.state is not S.PIN:
            return
        self._pin_request = None
        if completion.ok and completion.data is not None:
            self._session.keep_pin_block(completion.data)
            self.flow.send(E.PIN_OK)
        else:
            log.info("PIN entry ended: %s %s", completion.code.value, completion.error)
            self.flow.pin_failed(completion,
                                 cancelled=completion.code is CompletionCode.CANCELED)

    # --- signing -----------------------------------------------------------------------------

    def _enter_signing(self) -> None:
        self._wait(self.v.signing_view, "sign.signing")
        self.runner.speak("voice.sign.signing")
        session, f = self._session, self.flow
        service = self.runner.transactions()
        block = session.take_pin_block()  # used once, never kept
        signature, self.signature = self.signature, ""
        witness = f.witness_record()
        if service is None or block is None or session.account is None:
            self.flow.refused("JOURNAL-UNAVAILABLE" if service is None else "not_sent")
            return
        staff = self.runner.terminal.staff
        kwargs = {"line_id": f.line.line_id, "customer_id": f.line.customer_id,
                  "pan": session.account.pan, "pin_block": block.ciphertext,
                  "signature_png_base64": None if witness else signature,
                  "witness": witness, "contract_version": self.contract_version,
                  "consents": dict(CONSENTS), "staff_id": staff}
        self.runner.run("sign-line", lambda: service.sign_line(**kwargs), on_done=self._signed)

    def _signed(self, completion: Completion[Any]) -> None:
        if self.flow.state not in (S.SIGNING, S.CHECKING):
            return
        if completion.ok and completion.data is not None:
            self._audit_witness(completion.data)
            self.flow.answered(completion.data)
        else:  # MoneyRefused (nothing written, nothing sent) or the unexpected
            self.flow.refused(str(getattr(completion.data, "code", "") or "JOURNAL-UNAVAILABLE"))

    def _audit_witness(self, result: Any) -> None:
        """A witnessed signing's outcome in the audit log: who witnessed, where, the journal
        key, the method and mode (no name, no ID or card number)."""
        witness = self.flow.witness_record()
        staff = self.runner.staff()
        audit = getattr(getattr(staff, "staff", None), "audit", None)
        if witness is None or audit is None:
            return
        outcome = getattr(result.outcome, "value", result.outcome)
        audit.append(f"staff:{witness['staff_id']}", "line_sign.witnessed", {
            "staff_id": witness["staff_id"], "method": witness["method"],
            "mode": witness["mode"], "authorization_id": witness["authorization_id"],
            "terminal": str(getattr(getattr(self.runner.config, "terminal", None), "id", "")),
            "journal_key": result.key, "outcome": str(outcome),
            "customer_id": self.flow.line.customer_id})

    def _check(self) -> None:
        self.flow.send_if_allowed(E.CHECK)

    def _enter_checking(self) -> None:
        """再查一次: the journal row settled the way the service settles a signing, by reading
        the line (signed, with a contract number?), never by signing again."""
        self._wait(self.v.signing_view, "sign.checking")
        self.runner.speak("voice.sign.checking")
        service, serial = self.runner.transactions(), self.flow.result.serial
        self.runner.run("sign-line-check", lambda: service.check(serial), on_done=self._signed)

    # --- results -----------------------------------------------------------------------------

    def _enter_success(self) -> None:
        tr, f = self._tr, self.flow
        answer = f.result.answer
        line = answer if answer is not None else f.line
        contract = f.result.host_ref or getattr(line, "contract_no", "") or ""
        shown = _Line(line, contract)
        self.v.success_view.show_result(tr, tr("sign.success.title"), tr("sign.success.body"),
                                        s.success_lines(tr, shown, f.product, self.runner.today()))
        self.runner.show(self.v.success_view)
        printing = self._print()
        self.runner.speak("voice.sign.success" if printing else "voice.sign.success.no_receipt",
                          amount=spoken_yuan(tr, Decimal(f.line.limit)))

    def _enter_pending(self) -> None:
        from screens.receipt_step import show_pending

        show_pending(self, "sign")

    def _enter_failed(self) -> None:
        from kiosk.errors import error_for_completion, error_info

        tr, problem = self._tr, self.flow.problem
        if isinstance(problem, Completion):
            info = error_for_completion(problem, tr)
            farmer, voice, code = info.farmer, info.voice, info.code
            self.runner.show_error(info)
        elif problem in NOT_SENT:
            farmer = voice = tr("sign.failed.not_sent")
            code = str(problem)
        else:
            info = error_info(str(problem), tr)
            farmer, voice, code = info.farmer, info.voice, info.code
            self.runner.show_error(info)
        log.warning("line not signed: %s", code)
        self.v.failed_view.show_result(tr, tr("sign.failed.title"), farmer,
                                       [tr("sign.failed.nothing_signed")], code)
        self.runner.show(self.v.failed_view)
        self.runner.speak("voice.sign.failed", reason=voice)

    def _enter_not_signable(self) -> None:
        tr = self._tr
        key = "none" if self.flow.line is None else "already"
        self.v.not_signable_view.show_texts(tr, tr(f"sign.{key}.title"), tr(f"sign.{key}.body"))
        self.runner.show(self.v.not_signable_view)
        self.runner.speak(f"voice.sign.{key}")

    def _enter_unavailable(self) -> None:
        self.show_host_error(self.v.unavailable_view, self.flow.problem,
                             "sign.unavailable.title", "line for signing")

    # --- the receipt -------------------------------------------------------------------------

    def _print(self) -> bool:
        """Print the receipt (成功, or 处理中 with the key to ask about); False when there is
        no printer with paper (the farmer is not told to take one)."""
        if not self.runner.terminal.availability([Need.PRINTER]).ok:
            log.info("signing receipt not printed: no printer ready")
            return False
        from screens.journeys.sign_line.receipt import signing_receipt

        f = self.flow
        config = self.runner.config
        self.receipt, doc = signing_receipt(
            self._tr, terminal=getattr(config, "terminal", None), session=self.runner.session,
            line=f.line, product=f.product, result=f.result, now=dt.datetime.now(),
            staff_id=self.runner.terminal.staff, witness_staff_id=f.witness_staff)
        print_and_keep(self.runner, self.receipt, doc, self._printed, what="signing")
        return True

    def _printed(self, completion: Completion[Any]) -> None:
        self.printed = completion


class _Line:
    """The line as the success screen says it (the contract number from the journal when the
    signing was confirmed by reading the line)."""

    def __init__(self, line: Any, contract: str) -> None:
        self.limit, self.expiry, self.contract_no = line.limit, line.expiry, contract
