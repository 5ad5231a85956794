"""The loan queries' presenter: the identified farmer's loans from the host, then for the chosen
loan its schedule (table, chart, print) or its repayment history; each spoken in short."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from devices.base import Completion
from kiosk.shell.formats import short_date, spoken_yuan
from kiosk.terminal import Need
from screens.journeys.loan_queries.chart import LoanQueriesFlow, QueryEvent, QueryState
from screens.journeys.loan_queries.rows import (
    PlanSummary,
    history_summary_text,
    plan_summary_text,
)
from screens.journeys.loan_queries.screens import show_history, show_schedule, warm_chart
from screens.runner import ChartPresenter

if TYPE_CHECKING:
    from screens.journeys.loan_queries.screens import LoanQueriesViews
    from screens.runner import JourneyRunner

log = logging.getLogger(__name__)

S, E = QueryState, QueryEvent


class LoanQueriesPresenter(ChartPresenter):
    name = "loan queries"

    def __init__(self, runner: JourneyRunner, views: LoanQueriesViews, **options: Any) -> None:
        super().__init__(runner, views, LoanQueriesFlow(), **options)
        self.v = v = views
        self.printed = 0
        self.print_problem = ""
        #: several loans: the farmer picks one first (看这笔 / 下一笔); one loan: picked
        self.picked = False
        send = self.flow.send_if_allowed
        self.connect([
            (v.loan_view.schedule_requested, lambda: send(E.SCHEDULE)),
            (v.loan_view.history_requested, lambda: send(E.HISTORY)),
            (v.loan_view.next_requested, self.flow.next_loan),
            (v.loan_view.finish_requested, self._loan_back),
            (v.loan_view.pick_requested, self._pick),
            (v.chart_view.back_requested, self.back),
            (v.chart_view.print_requested, self._print),
            (v.chart_view.table_requested, lambda: send(E.TABLE)),
            (v.schedule_view.back_requested, self.back),
            (v.history_view.back_requested, self.back),
            (v.no_loans_view.finish_requested, self.finish),
            (v.no_loans_progress.clicked, lambda: self.flow.go(E.PROGRESS)),
            (v.loan_view.change_requested, lambda: self.flow.go(E.CHANGE_ACCOUNT)),
            (v.unavailable_view.finish_requested, self.finish),
        ])

    # --- the chart ----------------------------------------------------------------------------

    def enter(self, source: QueryState, event: QueryEvent, target: QueryState) -> None:
        if event in (E.BACK, E.PRINTED):
            self._show(target)  # back to a screen already said: show it again, no voice
            return
        super().enter(source, event, target)

    def _show(self, target: QueryState) -> None:
        if target is S.LOANS:
            self._show_loan()
        elif target is S.SCHEDULE:
            self.runner.show(self.v.schedule_view)
        elif target is S.PLAN_CHART:
            self._show_chart()

    def _loading(self, msgid: str) -> None:
        view = self.v.loading_view
        view.heading.setText("… " + self._tr(msgid))
        view.repeat_button.setText(self._tr("screen.common.repeat"))
        self.runner.show(view, idle=False)

    def _enter_loading(self) -> None:
        session = self.runner.session
        assert session is not None and session.customer is not None
        self._loading("loanq.loading")
        self.runner.request("host", "loans", session.customer.customer_id, safe=True,
                            on_done=self._answered(lambda data: self.flow.found(data.loans),
                                                   S.LOADING))

    def _answered(self, use: Any, waiting: QueryState) -> Any:
        def done(completion: Completion[Any]) -> None:
            if self.flow.state is not waiting:
                return  # canceled or timed out meanwhile
            if completion.ok and completion.data is not None:
                use(completion.data)
            else:
                self.flow.failed(completion)
        return done

    def _enter_loans(self) -> None:
        warm_chart()
        self._show_loan()
        flow, tr, today = self.flow, self._tr, self.runner.today()
        loan = flow.loan
        if Decimal(loan.overdue_amount) > 0:
            self.runner.speak("voice.loanq.loan.overdue", product=loan.product_name,
                              count=len(flow.loans), days=loan.overdue_days,
                              amount=spoken_yuan(tr, Decimal(loan.overdue_amount)))
        elif loan.next_due_date is None:
            self.runner.speak("voice.loanq.loan.settled", product=loan.product_name,
                              count=len(flow.loans))
        else:
            self.runner.speak("voice.loanq.loan.next_due", product=loan.product_name,
                              count=len(flow.loans),
                              date=short_date(tr, loan.next_due_date, today),
                              amount=spoken_yuan(tr, Decimal(loan.next_due_amount)))

    def _show_loan(self) -> None:
        flow = self.flow
        self.v.loan_view.show_loan(self._tr, flow.loan, flow.index, len(flow.loans),
                                   self.runner.today(),
                                   can_change=self._can_go("account_change"),
                                   picking=flow.has_next and not self.picked)
        self.runner.show(self.v.loan_view)

    def _pick(self) -> None:
        """看这笔: this loan's schedule, history and repayment card."""
        if self.flow.state is S.LOANS:
            self.picked = True
            self._show_loan()

    def _loan_back(self) -> None:
        """完成 on the loans (or on the only loan); 返回 from a chosen one to the choosing."""
        if self.flow.state is S.LOANS and self.flow.has_next and self.picked:
            self.picked = False
            self._show_loan()
        else:
            self.finish()

    def _can_go(self, name: str) -> bool:
        """A journey this one leads to is there and can run now."""
        return name in self.runner.journeys() and self.runner.availability(name).ok

    def _enter_elsewhere(self) -> None:
        """换还款卡 (the account change for this loan; then the loans again) or 申请进度 (its
        end is this one's)."""
        if self.flow.went is E.CHANGE_ACCOUNT:
            self.runner.call("account_change", self.flow.returned,
                             loan_id=self.flow.loan.loan_id)
        else:
            self.runner.call("progress", self.flow.returned)

    def _enter_no_loans(self) -> None:
        tr = self._tr
        self.v.no_loans_view.show_texts(tr, tr("loanq.none.title"), tr("loanq.none.body"))
        self.v.no_loans_progress.setVisible(self._can_go("progress"))
        self.runner.show(self.v.no_loans_view)
        self.runner.speak("voice.loanq.none")

    def _enter_loading_schedule(self) -> None:
        self._loading("loanq.loading_schedule")
        self.runner.request("host", "schedule", self.flow.loan.loan_id, safe=True,
                            on_done=self._answered(self.flow.loaded, S.LOADING_SCHEDULE))

    def _enter_schedule(self) -> None:
        show_schedule(self.v.schedule_view, self._tr, self.flow.schedule, self.runner.today())
        self.runner.show(self.v.schedule_view)

    def _enter_plan_chart(self) -> None:
        tr = self._tr
        self._show_chart()
        self.runner.speak_text(plan_summary_text(tr, PlanSummary.of(self.flow.schedule.rows)),
                               msgid="loanq.plan.summary")

    def _show_chart(self, *, printing: bool = False) -> None:
        self.v.chart_view.show_plan(self._tr, self.flow.schedule.rows,
                                    can_print=self._can_print(), printing=printing,
                                    notice=self.print_problem)
        self.runner.show(self.v.chart_view, idle=not printing)

    def _enter_loading_history(self) -> None:
        self._loading("loanq.loading_history")
        self.runner.request("host", "repayments", self.flow.loan.loan_id, safe=True,
                            on_done=self._answered(lambda data: self.flow.loaded(
                                data.repayments), S.LOADING_HISTORY))

    def _enter_history(self) -> None:
        tr, today = self._tr, self.runner.today()
        show_history(self.v.history_view, tr, self.flow.history_rows, today)
        self.runner.show(self.v.history_view)
        self.runner.speak_text(history_summary_text(tr, self.flow.history_rows, today),
                               msgid="loanq.history.summary")

    def _enter_unavailable(self) -> None:
        self.show_host_error(self.v.unavailable_view, self.flow.error, "loanq.unavailable.title",
                             "loans")

    # --- printing -----------------------------------------------------------------------------

    def _can_print(self) -> bool:
        return self.runner.terminal.availability([Need.PRINTER]).ok

    def _print(self) -> None:
        if self._can_print():
            self.flow.send_if_allowed(E.PRINT)

    def _enter_printing(self) -> None:
        from screens.journeys.loan_queries.slip import schedule_slip

        self._show_chart(printing=True)
        terminal_id = str(getattr(getattr(self.runner.config, "terminal", None), "id", ""))
        doc = schedule_slip(self._tr, self.flow.loan, self.flow.schedule,
                            terminal_id=terminal_id, now=dt.datetime.now())
        self.runner.request("printer", "print_receipt", doc, on_done=self._printed)

    def _printed(self, completion: Completion[Any]) -> None:
        if completion.ok:
            self.printed += 1
            self.print_problem = ""
            self.runner.speak("voice.loanq.printed")
        else:
            from kiosk.errors import error_for_completion

            info = error_for_completion(completion, self._tr)
            self.runner.show_error(info)
            self.print_problem = self._tr("loanq.print_failed", reason=info.farmer)
            self.runner.speak_text(info.voice, msgid=f"error.{info.code}.voice")
            log.warning("schedule not printed: %s %s", completion.code.value, completion.error)
        self.flow.send_if_allowed(E.PRINTED)

