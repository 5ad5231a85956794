"""The calculator's presenter: the chart's states to the keypad, method, result and schedule
screens; the spoken summary; the estimate printed on request through the printer's worker."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from devices.base import Completion
from kiosk.lending.schedule import Method
from kiosk.shell.formats import percent, whole_yuan, yuan
from kiosk.terminal import Need
from screens.chart import Outcome
from screens.journeys.calculator.chart import (
    METHODS,
    CalcEvent,
    CalcLimits,
    CalcState,
    CalculatorFlow,
    Problem,
)
from screens.runner import Presenter

if TYPE_CHECKING:
    from screens.journeys.calculator.screens import CalculatorViews, EntryView
    from screens.runner import JourneyRunner

log = logging.getLogger(__name__)

S, E = CalcState, CalcEvent


def limits_from_config(config: Any) -> CalcLimits:
    """``[calculator]`` of kiosk.toml when there is one, else the defaults."""
    section = getattr(config, "calculator", None)
    if section is None:
        return CalcLimits()
    return CalcLimits(min_amount=section.min_amount, max_amount=section.max_amount,
                      min_months=section.min_months, max_months=section.max_months,
                      default_rate=section.annual_rate, max_rate=section.max_rate)


class CalculatorPresenter(Presenter):
    def __init__(self, runner: JourneyRunner, views: CalculatorViews, **options: Any) -> None:
        super().__init__(runner, views, **options)
        self.v = views
        self.flow = CalculatorFlow(options.get("limits") or limits_from_config(runner.config),
                                   today=runner.today)
        self.flow.add_listener(self._on_transition)
        self.printed = 0
        self.print_problem = ""
        v = views
        self._connections = [
            (v.amount_view.next_requested, self._amount_next),
            (v.term_view.next_requested, self._term_next),
            (v.rate_view.next_requested, self._rate_next),
            (v.method_view.chosen, self._method_chosen),
            (v.result_view.schedule_requested, self._show_schedule),
            (v.result_view.print_requested, self._print),
            (v.result_view.finish_requested, self.finish),
        ]
        for view in (v.amount_view, v.term_view, v.rate_view, v.method_view, v.schedule_view):
            self._connections.append((view.back_requested, self.back))
        for view in (v.amount_view, v.term_view, v.rate_view, v.method_view):
            self._connections.append((view.cancel_requested, self.cancel))
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

    def back(self) -> None:
        self.flow.send_if_allowed(E.BACK)

    def finish(self) -> None:
        self.flow.send_if_allowed(E.FINISH)

    def idle_timeout(self) -> None:
        self.flow.send_if_allowed(E.IDLE_TIMEOUT)

    # --- the chart ----------------------------------------------------------------------------

    def _on_transition(self, source: CalcState, event: CalcEvent, target: CalcState) -> None:
        log.info("calculator: %s --%s--> %s", source.name, event.name, target.name)
        if target is S.ENDED:
            self.runner.end(self.flow.outcome or Outcome.CANCELED)
            return
        if target is S.RESULT and event in (E.PRINTED, E.BACK):
            self._show_result()  # back from printing or the schedule: nothing new to say
            return
        getattr(self, f"_enter_{target.name.lower()}")()

    @property
    def _tr(self) -> Any:
        return self.runner.tr

    def _limits_text(self) -> dict[str, str]:
        lim = self.flow.limits
        return {"low": whole_yuan(lim.min_amount), "high": whole_yuan(lim.max_amount)}

    def _enter_amount(self) -> None:
        tr = self._tr
        amount = self.flow.amount
        self.v.amount_view.show_entry(tr, tr("calc.amount.title"), tr("calc.unit.yuan"),
                                      tr("calc.amount.limits", **self._limits_text()),
                                      "" if amount is None else f"{amount.normalize():f}")
        self.runner.show(self.v.amount_view)
        self.runner.speak("voice.calc.amount", **self._limits_text())

    def _enter_term(self) -> None:
        tr, lim = self._tr, self.flow.limits
        months = self.flow.months
        self.v.term_view.show_entry(tr, tr("calc.term.title"), tr("calc.unit.months"),
                                    tr("calc.term.limits", low=lim.min_months,
                                       high=lim.max_months),
                                    "" if months is None else str(months))
        self.runner.show(self.v.term_view)
        self.runner.speak("voice.calc.term")

    def _enter_rate(self) -> None:
        tr, lim = self._tr, self.flow.limits
        keyed = f"{(self.flow.rate * 100).normalize():f}"
        self.v.rate_view.show_entry(tr, tr("calc.rate.title"), "%",
                                    tr("calc.rate.limits", high=percent(lim.max_rate, 0)),
                                    keyed)
        self.runner.show(self.v.rate_view)
        self.runner.speak("voice.calc.rate")

    def _enter_method(self) -> None:
        self.v.method_view.show_methods(self._tr, METHODS)
        self.runner.show(self.v.method_view)
        self.runner.speak("voice.calc.method")

    def _enter_result(self) -> None:
        self._show_result()
        self._speak_summary()

    def _enter_schedule(self) -> None:
        schedule, _ = self.flow.result()
        self.v.schedule_view.show_schedule(self._tr, schedule, self.runner.today())
        self.runner.show(self.v.schedule_view)

    def _enter_printing(self) -> None:
        from screens.journeys.calculator.slip import estimate_slip

        schedule, rate = self.flow.result()
        self._show_result(printing=True)
        terminal_id = str(getattr(getattr(self.runner.config, "terminal", None), "id", ""))
        doc = estimate_slip(self._tr, schedule, rate, terminal_id=terminal_id,
                            now=dt.datetime.now())
        self.runner.request("printer", "print_receipt", doc, on_done=self._printed)

    # --- inputs -------------------------------------------------------------------------------

    def _problem(self, view: EntryView, problem: Problem) -> None:
        text = self._tr(problem.msgid)
        view.show_problem(text)
        self.runner.speak_text(text, msgid=problem.msgid)

    def _amount_next(self) -> None:
        problem = self.flow.enter_amount(self.v.amount_view.keypad.text)
        if problem is not None:
            self._problem(self.v.amount_view, problem)

    def _term_next(self) -> None:
        problem = self.flow.enter_months(self.v.term_view.keypad.text)
        if problem is not None:
            self._problem(self.v.term_view, problem)

    def _rate_next(self) -> None:
        problem = self.flow.enter_rate_percent(self.v.rate_view.keypad.text)
        if problem is not None:
            self._problem(self.v.rate_view, problem)

    def _method_chosen(self, method: str) -> None:
        if self.flow.state is S.METHOD:
            self.flow.choose_method(Method(method))

    def _show_schedule(self) -> None:
        self.flow.send_if_allowed(E.SHOW_SCHEDULE)

    def _print(self) -> None:
        if self._can_print():
            self.flow.send_if_allowed(E.PRINT)

    def _can_print(self) -> bool:
        return self.runner.terminal.availability([Need.PRINTER]).ok

    def _printed(self, completion: Completion[Any]) -> None:
        if completion.ok:
            self.printed += 1
            self.print_problem = ""
            self.runner.speak("voice.calc.printed")
        else:
            from kiosk.errors import error_for_completion

            info = error_for_completion(completion, self._tr)
            self.runner.show_error(info)
            self.print_problem = self._tr("calc.print_failed", reason=info.farmer)
            self.runner.speak_text(info.voice, msgid=f"error.{info.code}.voice")
            log.warning("estimate not printed: %s %s", completion.code.value, completion.error)
        self.flow.send_if_allowed(E.PRINTED)

    # --- the result ---------------------------------------------------------------------------

    def _show_result(self, *, printing: bool = False) -> None:
        schedule, rate = self.flow.result()
        self.v.result_view.show_result(self._tr, schedule, rate, can_print=self._can_print(),
                                       printing=printing, notice=self.print_problem)
        self.runner.show(self.v.result_view, idle=not printing)

    def _speak_summary(self) -> None:
        from screens.journeys.calculator.screens import installment_lines

        tr = self._tr
        schedule, rate = self.flow.result()
        line1, line2 = installment_lines(tr, schedule)
        payment = "，".join(x for x in (line1, line2) if x) if tr.lang.startswith("zh") else (
            ", ".join(x for x in (line1, line2) if x))
        interest = (_spoken_yuan(schedule.total_interest) if tr.lang.startswith("zh")
                    else f"{yuan(schedule.total_interest)} yuan")
        self.runner.speak_text(tr("voice.calc.summary", payment=payment, interest=interest,
                                  rate=percent(rate.simple)), msgid="voice.calc.summary")


def _spoken_yuan(amount: Decimal) -> str:
    from kiosk.voice import speakable_amount

    return speakable_amount(amount)
