"""The repayment presenter: the farmer's loans from the host, the choice, the host's quote
cross-checked by the kiosk's loan engine, the confirmation (shown and spoken), the PIN on the
pad, the money through the transactions service (off the GUI thread), the result spoken and
the receipt printed."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from devices.base import Completion
from kiosk.lending.repayment import (
    Breakdown,
    LoanRules,
    RepaymentError,
    cross_check,
    expected,
)
from kiosk.lending.schedule import Method
from kiosk.masking import mask_pan
from kiosk.shell.formats import short_date, spoken_yuan, yuan
from kiosk.terminal import Need
from screens.journeys.repay.chart import RepayEvent, RepayFlow, RepayState
from screens.journeys.repay.screens import interest_words
from screens.pin_entry import ask_pin
from screens.runner import ChartPresenter

if TYPE_CHECKING:
    from screens.journeys.repay.screens import RepayViews
    from screens.runner import JourneyRunner

log = logging.getLogger(__name__)

S, E = RepayState, RepayEvent
#: The two ways to re-amortise after an early partial repayment, in the order shown.
OPTIONS = ("shorter_term", "lower_installment")
#: The code a quote the kiosk's engine does not agree with is logged under (staff texts).
MISMATCH_CODE = "REPAY-QUOTE-MISMATCH"


class RepayPresenter(ChartPresenter):
    name = "repay"

    def __init__(self, runner: JourneyRunner, views: RepayViews, **options: Any) -> None:
        super().__init__(runner, views, RepayFlow(loan_id=options.get("loan_id")), **options)
        self.v = v = views
        self.products: dict[str, Any] = {}
        #: several loans: the farmer picks one first (还这笔 / 下一笔); one loan: picked
        self.picked = False
        self.schedule: Any = None
        #: what was said before each confirmation (the autopilot's summary reads it)
        self.confirm_spoken: list[str] = []
        self.receipt_printed: Completion[Any] | None = None
        self._receipt: Any = None
        #: what the result screen says of the paper (kept when 再查一次 shows 处理中 again)
        self._receipt_note = ""
        f = self.flow
        self.connect([
            (v.loan_view.due_requested, f.pay_due),
            (v.loan_view.part_requested, f.pay_part),
            (v.loan_view.all_requested, f.pay_all),
            (v.loan_view.next_requested, f.next_loan),
            (v.loan_view.pick_requested, self._pick),
            (v.loan_view.back_requested, self.back),
            (v.amount_view.next_requested, self._amount_keyed),
            (v.amount_view.back_requested, self.back),
            (v.options_view.chosen, f.choose),
            (v.options_view.back_requested, self.back),
            (v.confirm_view.confirm_requested, lambda: f.send_if_allowed(E.CONFIRMED)),
            (v.confirm_view.back_requested, self.back),
            (v.pin_view.cancel_requested, self._pin_canceled),
            (v.result_view.finish_requested, self.finish),
            (v.result_view.check_requested, self.flow.check_again),
            (v.problem_view.finish_requested, self.back),
            (v.mismatch_view.finish_requested, self.finish),
            (v.no_loans_view.finish_requested, self.finish),
            (v.unavailable_view.finish_requested, self.finish),
        ])

    # --- runner hooks -------------------------------------------------------------------------

    def idle_timeout(self) -> None:
        if self.flow.state not in (S.PIN, S.PAYING):  # the pad times the PIN itself
            super().idle_timeout()

    def cancel(self) -> None:
        if self.flow.state is not S.PAYING:  # never while the money moves
            super().cancel()

    def enter(self, source: RepayState, event: RepayEvent, target: RepayState) -> None:
        if target is S.LOAN and event in (E.BACK,):
            self._show_loan()  # back to a screen already said: shown again, not said again
            return
        super().enter(source, event, target)

    # --- loading ------------------------------------------------------------------------------

    def _wait(self, msgid: str, body: str = "") -> None:
        self.v.loading_view.show_texts(self._tr, self._tr(msgid), body)
        self.runner.show(self.v.loading_view, idle=False)

    def _enter_loading(self) -> None:
        session = self.runner.session
        assert session is not None and session.customer is not None
        self._wait("repay.loading")
        self.runner.request("host", "loans", session.customer.customer_id, safe=True,
                            on_done=self._loans_read)

    def _loans_read(self, completion: Completion[Any]) -> None:
        if self.flow.state is not S.LOADING:
            return
        if not completion.ok or completion.data is None:
            self.flow.failed(completion)
            return
        loans = completion.data.loans

        def products_read(done: Completion[Any]) -> None:
            if self.flow.state is not S.LOADING:
                return
            if not done.ok or done.data is None:
                self.flow.failed(done)
                return
            self.products = {p.code: p for p in done.data.products}
            self.flow.found(loans)

        self.runner.request("host", "products", safe=True, on_done=products_read)

    # --- the loan -----------------------------------------------------------------------------

    def _show_loan(self) -> None:
        f = self.flow
        picking = f.has_next and not self.picked and f.wanted is None
        self.v.loan_view.show_loan(self._tr, f.loan, f.index, len(f.loans), self.runner.today(),
                                   picking=picking)
        self.runner.show(self.v.loan_view)

    def _pick(self) -> None:
        """还这笔: the three ways to repay this loan."""
        if self.flow.state is S.LOAN:
            self.picked = True
            self._show_loan()

    def back(self) -> None:
        """返回 on a chosen loan of several: back to the choosing (还这笔 / 下一笔)."""
        f = self.flow
        if f.state is S.LOAN and f.has_next and self.picked and f.wanted is None:
            self.picked = False
            self._show_loan()
            return
        super().back()

    def _enter_loan(self) -> None:
        self._show_loan()
        tr, loan = self._tr, self.flow.loan
        if int(loan.overdue_days) > 0:
            self.runner.speak("voice.repay.loan.overdue", product=loan.product_name,
                              days=loan.overdue_days,
                              amount=spoken_yuan(tr, Decimal(str(loan.overdue_amount))))
        elif loan.next_due_date is not None:
            self.runner.speak("voice.repay.loan.due", product=loan.product_name,
                              date=short_date(tr, loan.next_due_date, self.runner.today()),
                              amount=spoken_yuan(tr, Decimal(str(loan.next_due_amount))))
        else:
            self.runner.speak("voice.repay.loan.other", product=loan.product_name)

    def _enter_no_loans(self) -> None:
        tr = self._tr
        self.v.no_loans_view.show_texts(tr, tr("repay.none.title"), tr("repay.none.body"))
        self.runner.show(self.v.no_loans_view)
        self.runner.speak("voice.repay.none")

    def _enter_unavailable(self) -> None:
        self.show_host_error(self.v.unavailable_view, self.flow.problem,
                             "repay.unavailable.title", "loans for repayment")

    # --- an early partial repayment: the amount ----------------------------------------------

    def _enter_amount(self) -> None:
        loan = self.flow.loan
        self.v.amount_view.show_entry(self._tr, Decimal(str(loan.outstanding_principal)))
        self.runner.show(self.v.amount_view)
        self.runner.speak("voice.repay.amount")

    def _amount_keyed(self) -> None:
        amount = self.v.amount_view.amount
        if amount is None or self.flow.state is not S.AMOUNT:
            return
        self.flow.amount_ok(amount)

    # --- quoting and the cross-check ----------------------------------------------------------

    def _enter_quoting(self) -> None:
        self._wait("repay.quoting")
        self.runner.request("host", "schedule", self.flow.loan.loan_id, safe=True,
                            on_done=self._schedule_read)

    def _schedule_read(self, completion: Completion[Any]) -> None:
        if self.flow.state is not S.QUOTING:
            return
        if not completion.ok or completion.data is None:
            self.flow.failed(completion)
            return
        self.schedule = completion.data
        f = self.flow
        wanted = [(o, f.amount, o) for o in OPTIONS] if f.kind == "partial" else [
            ("", None, None)]
        self._quote(wanted, {})

    def _quote(self, wanted: list[tuple[str, Any, Any]], got: dict[str, Any]) -> None:
        if not wanted:
            self._check(got)
            return
        key, amount, option = wanted[0]

        def quoted(completion: Completion[Any]) -> None:
            if self.flow.state is not S.QUOTING:
                return
            if completion.ok and completion.data is not None:
                self._quote(wanted[1:], {**got, key: completion.data})
            elif _business_refusal(completion):
                self._refuse_completion(completion)
            else:
                self.flow.failed(completion)

        self.runner.request("host", "repayment_quote", self.flow.loan.loan_id, self.flow.kind,
                            amount, option, safe=True, on_done=quoted)

    def rules(self) -> LoanRules:
        loan = self.flow.loan
        product = self.products.get(loan.product_code)
        due_day = getattr(product, "due_day", None)
        return LoanRules(
            annual_rate=Decimal(str(loan.annual_rate)), method=Method(str(loan.method)),
            start=loan.start_date, due_day=due_day if due_day else loan.start_date.day,
            day_basis=int(getattr(product, "day_basis", 360)),
            grace_days=int(getattr(product, "grace_days", 0)),
            penalty_multiplier=Decimal(str(getattr(product, "penalty_multiplier", "1.5"))))

    def _check(self, quotes: dict[str, Any]) -> None:
        """The kiosk's loan engine recomputes each quote from the schedule; more than a fen
        apart anywhere and nothing is paid (the staff log says where)."""
        f = self.flow
        rows = self.schedule.rows
        checked: dict[str, tuple[Any, Any]] = {}
        problems: list[Any] = []
        for key, quote in quotes.items():
            try:
                mine = expected(quote.kind, rows, self.rules(), quote.as_of,
                                Decimal(str(quote.amount)) if f.kind == "partial" else None,
                                key or None)
            except RepaymentError as exc:
                problems.append(f"{key or quote.kind}: the kiosk cannot price it ({exc})")
                continue
            found = cross_check(quote, mine)
            problems.extend(f"{key or quote.kind} {m}" for m in found)
            checked[key] = (quote, mine)
        if problems:
            from kiosk.errors import error_info

            detail = f"loan {f.loan.loan_id} {f.kind}: " + "; ".join(str(p) for p in problems)
            info = error_info(MISMATCH_CODE, self._tr, detail=detail)
            self.runner.show_error(info)
            log.error("%s %s", MISMATCH_CODE, detail)
            f.disagree(problems)
            return
        f.quoted(checked)

    def _refuse_completion(self, completion: Completion[Any]) -> None:
        from kiosk.errors import error_for_completion

        info = error_for_completion(completion, self._tr, "host")
        self.runner.show_error(info)
        log.info("repayment quote refused: %s %s", info.code, completion.detail)
        self.flow.refused(info)

    def _enter_problem(self) -> None:
        tr, info = self._tr, self.flow.problem
        body = info.farmer
        if info.code == "HOST-AMOUNT-INVALID" and self.flow.kind == "partial":
            body = tr("repay.amount.invalid",
                      most=yuan(Decimal(str(self.flow.loan.outstanding_principal))))
        self.v.problem_view.show_texts(tr, tr("repay.problem.title"), body)
        self.runner.show(self.v.problem_view)
        self.runner.speak_text(body, msgid=f"error.{info.code}.voice")

    def _enter_mismatch(self) -> None:
        from kiosk.errors import error_info

        tr = self._tr
        info = error_info(MISMATCH_CODE, tr)
        self.v.mismatch_view.show_texts(tr, info.farmer, tr("repay.mismatch.body"))
        self.runner.show(self.v.mismatch_view)
        self.runner.speak_text(info.voice, msgid=f"error.{MISMATCH_CODE}.voice")

    # --- the two ways after an early partial repayment ---------------------------------------

    def _enter_options(self) -> None:
        tr, f = self._tr, self.flow
        figures = {k: mine for k, (_, mine) in f.quotes.items()}
        self.v.options_view.show_options(tr, Decimal(str(f.amount)), figures,
                                         self.runner.today())
        self.runner.show(self.v.options_view)
        parts = [tr("voice.repay.options", amount=spoken_yuan(tr, Decimal(str(f.amount))))]
        for key in OPTIONS:
            mine = figures.get(key)
            if mine is not None:
                parts.append(tr(f"voice.repay.option.{key}",
                                installment=spoken_yuan(tr, mine.new_installment),
                                term=mine.new_term,
                                interest=interest_words(
                                    tr, mine.interest_saved, lambda v: spoken_yuan(tr, v),
                                    "voice.")))
        self.runner.speak_text("".join(parts), msgid="voice.repay.options")

    # --- confirmation -------------------------------------------------------------------------

    def _account(self) -> str:
        session = self.runner.session
        loan = self.flow.loan
        masked = str(getattr(loan, "repayment_account_masked", "") or "")
        if masked:
            return masked
        account = session.account if session is not None else None
        return mask_pan(account.pan) if account is not None else ""

    def _enter_confirm(self) -> None:
        tr, f = self._tr, self.flow
        quote, _ = f.chosen
        bd = Breakdown.of(quote.breakdown)
        after = Decimal(str(quote.outstanding_principal_after))
        heading = tr(f"repay.confirm.title.{f.option or f.kind}")
        self.v.confirm_view.show_confirm(tr, f.kind, bd, self._account(), after, heading)
        self.runner.show(self.v.confirm_view)
        text = confirm_voice(tr, f.kind, bd, self._account(), after)
        self.confirm_spoken.append(text)
        self.runner.speak_text(text, msgid="voice.repay.confirm")

    # --- PIN ----------------------------------------------------------------------------------

    def _enter_pin(self) -> None:
        session = self.runner.session
        account = session.account if session is not None else None
        if account is None:
            self.flow.send_if_allowed(E.PIN_FAILED)
            return
        ask_pin(self.runner, self.v.pin_view, account.pan, self._pin_entered,
                heading=self._tr("repay.pin.title"), voice="voice.repay.pin")

    def _pin_entered(self, completion: Completion[Any]) -> None:
        if self.flow.state is not S.PIN:
            return
        if completion.ok and completion.data is not None:
            assert self.runner.session is not None
            self.runner.session.keep_pin_block(completion.data)
            self.flow.send(E.PIN_OK)
        else:
            log.info("repayment PIN not entered: %s %s", completion.code.value, completion.error)
            self.flow.send(E.PIN_FAILED)

    def _pin_canceled(self) -> None:
        if self.flow.state is S.PIN:
            self.runner.cancel_requests()
            self.flow.send(E.PIN_FAILED)

    # --- the money ----------------------------------------------------------------------------

    def _enter_paying(self) -> None:
        tr, f = self._tr, self.flow
        self.v.paying_view.show_texts(tr, tr("repay.paying.title"), tr("repay.paying.body"))
        self.runner.show(self.v.paying_view, idle=False)
        self.runner.speak("voice.repay.paying")
        session = self.runner.session
        assert session is not None
        block = session.take_pin_block()  # used once, never kept
        service = self.runner.transactions()
        customer, account = session.customer, session.account
        quote, _ = f.chosen
        if service is None or block is None or customer is None or account is None:
            f.paid(None, "JOURNAL-UNAVAILABLE" if service is None else "PIN")
            return
        args = {"customer_id": customer.customer_id, "loan_id": f.loan.loan_id,
                "kind": f.kind, "amount": Decimal(str(quote.amount)), "pan": account.pan,
                "pin_block": block.ciphertext, "option": f.option}
        self.runner.run("repay", lambda: service.repay(**args), on_done=self._repaid)

    def _repaid(self, completion: Completion[Any]) -> None:
        if self.flow.state is not S.PAYING:
            return
        if completion.ok:
            self.flow.paid(completion.data)
        else:  # MoneyRefused (nothing written, nothing sent) or the unexpected
            self.flow.paid(None, getattr(completion.data, "code", "") or "JOURNAL-UNAVAILABLE")

    # --- the result and the receipt -----------------------------------------------------------

    def _enter_result(self) -> None:
        from kiosk.errors import error_info

        tr, f, today = self._tr, self.flow, self.runner.today()
        result = f.result
        quote, _ = f.chosen
        amount = Decimal(str(quote.amount))
        view = self.v.result_view
        outcome = None if result is None else result.outcome.value
        if outcome == "success":
            detail = result.detail
            lines = [result_next_line(tr, detail, today)]
            left = detail.get("outstanding_principal")
            if left is not None and Decimal(str(left)) > 0:
                lines.append(tr("repay.result.left", left=yuan(Decimal(str(left)))))
            view.show_result(tr, "✓ " + tr("repay.result.success"),
                             tr("repay.result.figures", figures=yuan(amount)), lines)
            self.runner.speak_text(tr("voice.repay.success", amount=spoken_yuan(tr, amount))
                                   + _spoken_next(tr, detail, today),
                                   msgid="voice.repay.success")
        elif outcome == "pending":
            view.show_result(tr, "… " + tr("repay.result.pending"),
                             tr("repay.result.figures", figures=yuan(amount)),
                             [tr("repay.result.pending_body"),
                              tr("repay.result.serial", number=result.key)], pending=True)
            self.runner.speak("voice.repay.pending")
        else:
            code = (result.reason if result is not None else f.problem) or "JOURNAL-UNAVAILABLE"
            code = str(code)
            if code in ("not_sent", "not_applied", "PIN"):
                farmer, voice = tr("repay.result.failed_body"), tr("repay.result.failed_body")
            else:
                info = error_info(code, tr)
                self.runner.show_error(info)
                farmer, voice = info.farmer, info.voice
            view.show_result(tr, tr("repay.result.failed"), "",
                             [farmer, tr("repay.result.failed_next")], failed=True)
            self.runner.speak_text(voice + tr("repay.result.failed_next"),
                                   msgid="voice.repay.failed")
            log.info("repayment not made: %s", code)
        self.runner.show(view)
        if outcome == "success" or (outcome == "pending" and self._receipt is None):
            self._print_receipt()
        elif outcome == "pending":  # one 处理中 slip, however often 再查一次 finds it pending
            view.set_receipt(self._receipt_note)

    def _enter_checking(self) -> None:
        """再查一次: settled by the host's status query by its key, never a second
        repayment."""
        from screens.receipt_step import check_again

        tr = self._tr
        self.v.paying_view.show_texts(tr, tr("money.checking"), tr("repay.paying.body"))
        self.runner.show(self.v.paying_view, idle=False)
        check_again(self.runner, self.flow, "repayment")

    def _can_print(self) -> bool:
        return self.runner.terminal.availability([Need.PRINTER]).ok

    def _print_receipt(self) -> None:
        from kiosk.receipts.templates import render

        tr = self._tr
        if not self._can_print():
            self._set_receipt_note(tr("repay.no_receipt"))
            return
        receipt = self.receipt()
        self._set_receipt_note(tr("repay.printing"))
        self._receipt = receipt
        self.runner.request("printer", "print_receipt", render(receipt, tr),
                            on_done=self._printed)

    def receipt(self) -> Any:
        """The repayment receipt of the result (成功 or 处理中)."""
        from kiosk.receipts.model import (
            Customer,
            ReceiptHeader,
            RepaymentMethod,
            RepaymentReceipt,
            RepaymentType,
        )

        f, session = self.flow, self.runner.session
        assert session is not None
        result = f.result
        quote, _ = f.chosen
        bd = Breakdown.of(quote.breakdown)
        detail = result.detail
        answer = result.answer
        if answer is not None:  # confirmed on the spot: the host's own allocation
            bd = Breakdown.of(answer.breakdown)
        terminal = getattr(self.runner.config, "terminal", None)
        acct = detail.get("acct_date") or getattr(answer, "acct_date", None)
        header = ReceiptHeader(
            terminal_id=str(getattr(terminal, "id", "")),
            service_point=str(getattr(terminal, "service_point", "")),
            serial_no=result.host_ref or result.key, txn_time=dt.datetime.now(),
            accounting_date=_date(acct) if acct else None,
            staff_id=None)
        identity, account = session.identity, session.account
        customer = Customer(identity.name if identity else "",
                            identity.id_number if identity else "",
                            account.pan if account else "")
        kind = {"due": RepaymentType.INSTALLMENT, "overdue": RepaymentType.OVERDUE,
                "payoff": RepaymentType.EARLY_FULL}.get(f.kind) or (
            RepaymentType.EARLY_PARTIAL_SHORTER_TERM if f.option == "shorter_term"
            else RepaymentType.EARLY_PARTIAL_LOWER_INSTALLMENT)
        next_date = detail.get("next_due_date")
        next_amount = detail.get("next_due_amount")
        left = detail.get("outstanding_principal", quote.outstanding_principal_after)
        loan = f.loan
        return RepaymentReceipt(
            header=header, customer=customer, contract_no=loan.contract_no, repayment_type=kind,
            amount=Decimal(str(quote.amount)), principal=bd.principal,
            interest=bd.interest, penalty=bd.penalty, compound=bd.compound, fees=bd.fees,
            remaining_principal=Decimal(str(left)), annual_rate=Decimal(str(loan.annual_rate)),
            method=RepaymentMethod(str(loan.method)),
            next_due_date=_date(next_date) if next_date else None,
            next_due_amount=(Decimal(str(next_amount)) if next_date and next_amount is not None
                             else None),
            result=result.receipt_result)

    def _set_receipt_note(self, text: str) -> None:
        self._receipt_note = text
        self.v.result_view.set_receipt(text)

    def _printed(self, completion: Completion[Any]) -> None:
        from kiosk.receipts.printing import record_print
        from kiosk.receipts.store import PrintOutcome, ReceiptStore

        self.receipt_printed = completion
        tr = self._tr
        outcome, message = PrintOutcome.FAILED, tr("printer.maybe_not_printed")
        state_dir = getattr(self.runner.config, "state_dir", None)
        try:
            if state_dir is not None:
                from pathlib import Path

                outcome, message = record_print(ReceiptStore(Path(state_dir).expanduser()),
                                                self._receipt, tr, completion)
        except OSError as exc:  # the store is for reprints; the farmer still hears the outcome
            log.warning("receipt not stored: %s", exc)
        if completion.ok and outcome is PrintOutcome.PRINTED:
            message = tr("repay.printed")
            service, serial = self.runner.transactions(), self.flow.result.serial
            if service is not None:
                self.runner.run("receipt-mark", lambda: service.mark_receipt_printed(serial),
                                on_done=lambda _: None)
        self._set_receipt_note(message)
        if self.flow.state is S.RESULT:
            self.runner.speak_text(message, msgid="repay.printed")


# --- texts -----------------------------------------------------------------------------------

def _business_refusal(completion: Completion[Any]) -> bool:
    """The host answered and said no (an amount, nothing due, a closed loan): the farmer can
    choose again. Anything else (no answer, a 5xx) is the host not answering."""
    from kiosk.host.errors import HostErrorCode

    return completion.error in (HostErrorCode.AMOUNT_INVALID, HostErrorCode.NOTHING_DUE,
                                HostErrorCode.LOAN_CLOSED)


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def confirm_voice(tr: Any, kind: str, bd: Breakdown, account: str, after: Decimal) -> str:
    """What is said on the confirmation: the total, each part, the account, what is left."""
    parts = [tr("voice.repay.confirm.total", amount=spoken_yuan(tr, bd.total))]
    for key in ("principal", "interest", "penalty", "compound", "fees"):
        value = getattr(bd, key)
        if value > 0:
            parts.append(tr(f"voice.repay.confirm.{key}", amount=spoken_yuan(tr, value)))
    tail = account[-4:]  # read digit by digit by kiosk.voice.speakable (尾号 / ending)
    parts[-1] = parts[-1].rstrip("，, ") + ("。" if tr.lang.startswith("zh") else ". ")
    if bd.penalty + bd.compound > 0:
        parts.append(tr("voice.repay.confirm.explain"))
    parts.append(tr("voice.repay.confirm.account", tail=tail))
    parts.append(tr("voice.repay.confirm.closed") if after <= 0
                 else tr("voice.repay.confirm.after", left=spoken_yuan(tr, after)))
    parts.append(tr("voice.repay.confirm.ask"))
    return "".join(parts)


def result_next_line(tr: Any, detail: Any, today: dt.date) -> str:
    next_date = detail.get("next_due_date")
    if not next_date:
        return tr("repay.result.closed")
    return tr("repay.result.next", date=short_date(tr, _date(next_date), today),
              amount=yuan(Decimal(str(detail.get("next_due_amount", "0")))))


def _spoken_next(tr: Any, detail: Any, today: dt.date) -> str:
    next_date = detail.get("next_due_date")
    if not next_date:
        return tr("voice.repay.closed")
    return tr("voice.repay.next", date=short_date(tr, _date(next_date), today),
              amount=spoken_yuan(tr, Decimal(str(detail.get("next_due_amount", "0")))))
