"""The credit line's presenter: ask the host for the identified farmer's line and say it."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from devices.base import Completion
from kiosk.host.errors import HostErrorCode
from kiosk.shell.formats import short_date, spoken_yuan
from screens.chart import Outcome
from screens.journeys.credit_line.chart import CreditLineFlow, LineEvent, LineState
from screens.runner import ChartPresenter

if TYPE_CHECKING:
    from screens.journeys.credit_line.screens import CreditLineViews
    from screens.runner import JourneyRunner

S, E = LineState, LineEvent


class CreditLinePresenter(ChartPresenter):
    name = "credit line"

    def __init__(self, runner: JourneyRunner, views: CreditLineViews, **options: Any) -> None:
        super().__init__(runner, views, CreditLineFlow(), **options)
        self.v = views
        self.connect([
            (views.line_view.finish_requested, self.finish),
            (views.line_view.sign_requested, self.sign),
            (views.line_view.borrow_requested, self._borrow),
            (views.no_line_view.finish_requested, self.finish),
            (views.no_line_progress.clicked, lambda: self.flow.go(E.PROGRESS)),
            (views.no_line_intention.clicked, lambda: self.flow.go(E.INTENTION)),
            (views.unavailable_view.finish_requested, self.finish),
        ])

    def _enter_loading(self) -> None:
        session = self.runner.session
        assert session is not None and session.customer is not None
        view = self.v.loading_view
        view.heading.setText("… " + self._tr("line.loading"))
        view.repeat_button.setText(self._tr("screen.common.repeat"))
        self.runner.show(view, idle=False)
        self.runner.request("host", "credit_line", session.customer.customer_id, safe=True,
                            on_done=self._answered)

    def _answered(self, completion: Completion[Any]) -> None:
        if self.flow.state is not S.LOADING:
            return
        if completion.ok and completion.data is not None:
            self.flow.found(completion.data)
        elif completion.error is HostErrorCode.LINE_NOT_FOUND:
            self.flow.send(E.NONE)
        else:
            self.flow.failed(completion)

    def _enter_line(self) -> None:
        tr, line = self._tr, self.flow.line
        session = self.runner.session
        assert session is not None
        self.v.line_view.show_line(tr, line, session.masked_name, self.runner.today())
        self.v.line_view.offer_signing(
            tr, not line.signed and self.runner.availability("sign_line").ok)
        self.v.line_view.offer_borrow(self._can_borrow(line))
        self.runner.show(self.v.line_view)
        self.runner.speak(
            "voice.line.signed" if line.signed else "voice.line.unsigned",
            available=spoken_yuan(tr, Decimal(line.available)),
            limit=spoken_yuan(tr, Decimal(line.limit)), used=spoken_yuan(tr, Decimal(line.used)),
            expiry=short_date(tr, line.expiry, self.runner.today()))

    def sign(self) -> None:
        """去签约: the signing journey (journey 4); back from it, the line is read again (已签约
        after a signing)."""
        if self.flow.state is S.LINE:
            self.runner.call("sign_line", self._signed)

    def _signed(self, outcome: Outcome) -> None:
        """Back from the signing or the drawdown: the line is read again (已签约, or what is
        left after the loan)."""
        if outcome is Outcome.TIMED_OUT:  # the farmer went away meanwhile
            self.flow.send_if_allowed(E.IDLE_TIMEOUT)
        else:
            self.flow.send_if_allowed(E.RELOAD)

    def _enter_no_line(self) -> None:
        tr = self._tr
        self.v.no_line_view.show_texts(tr, tr("line.none.title"), tr("line.none.body"))
        self.runner.show(self.v.no_line_view)
        self.runner.speak("voice.line.none")

    def _enter_elsewhere(self) -> None:
        """查申请进度 or 登记贷款意向: that journey runs; its end is this one's."""
        name = "progress" if self.flow.went is E.PROGRESS else "intention"
        self.runner.call(name, self.flow.returned)

    def _enter_unavailable(self) -> None:
        self.show_host_error(self.v.unavailable_view, self.flow.error, "line.unavailable.title",
                             "credit line")

    # --- 借款: the drawdown from a signed line -----------------------------------------------

    def _can_borrow(self, line: Any) -> bool:
        from screens.journeys import journeys

        return (bool(line.signed) and Decimal(line.available) > 0
                and "drawdown" in journeys() and self.runner.availability("drawdown").ok)

    def _borrow(self) -> None:
        if self.flow.state is S.LINE:
            self.runner.call("drawdown", self._signed)  # back: the line read again
