"""The progress presenter: the identified farmer's applications and intentions from the host
(any channel), one per screen, spoken; printed on request."""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from devices.base import Completion
from kiosk.terminal import Need
from screens.journeys.progress.chart import ProgressEvent, ProgressFlow, ProgressState
from screens.journeys.progress.texts import spoken_text
from screens.runner import ChartPresenter

if TYPE_CHECKING:
    from screens.journeys.progress.screens import ProgressViews
    from screens.runner import JourneyRunner

log = logging.getLogger(__name__)

S, E = ProgressState, ProgressEvent


class ProgressPresenter(ChartPresenter):
    name = "progress"

    def __init__(self, runner: JourneyRunner, views: ProgressViews, **options: Any) -> None:
        super().__init__(runner, views, ProgressFlow(), **options)
        self.v = v = views
        self.printed = 0
        self.print_problem = ""
        self.connect([
            (v.item_view.next_requested, self.flow.next_item),
            (v.item_view.print_requested, self._print),
            (v.item_view.finish_requested, self.finish),
            (v.none_view.finish_requested, self.finish),
            (v.unavailable_view.finish_requested, self.finish),
        ])

    def enter(self, source: ProgressState, event: ProgressEvent, target: ProgressState) -> None:
        if event is E.PRINTED:
            self._show_item()  # back from printing: no voice again
            return
        super().enter(source, event, target)

    def _terminal(self) -> Any:
        return getattr(self.runner.config, "terminal", None)

    def _enter_loading(self) -> None:
        session = self.runner.session
        assert session is not None and session.customer is not None
        view = self.v.loading_view
        view.heading.setText("… " + self._tr("progress.loading"))
        view.repeat_button.setText(self._tr("screen.common.repeat"))
        self.runner.show(view, idle=False)
        self.runner.request("host", "progress", session.customer.customer_id, safe=True,
                            on_done=self._answered)

    def _answered(self, completion: Completion[Any]) -> None:
        if self.flow.state is not S.LOADING:
            return  # canceled meanwhile
        if completion.ok and completion.data is not None:
            self.flow.found(completion.data.items)
        else:
            self.flow.failed(completion)

    def _enter_items(self) -> None:
        self._show_item()
        flow = self.flow
        self.runner.speak_text(spoken_text(self._tr, flow.item, flow.index, len(flow.items),
                                           self.runner.today()), msgid="voice.progress.item")

    def _show_item(self, *, printing: bool = False) -> None:
        flow = self.flow
        self.v.item_view.show_item(self._tr, flow.item, flow.index, len(flow.items),
                                   self.runner.today(), can_print=self._can_print(),
                                   printing=printing, notice=self.print_problem)
        self.runner.show(self.v.item_view, idle=not printing)

    def _enter_none(self) -> None:
        tr = self._tr
        self.v.none_view.show_texts(tr, tr("progress.none.title"), tr("progress.none.body"))
        self.runner.show(self.v.none_view)
        self.runner.speak("voice.progress.none")

    def _enter_unavailable(self) -> None:
        from kiosk.errors import error_for_completion  # the tables load on the first error

        info = error_for_completion(self.flow.error, self._tr, "host")
        self.runner.show_error(info)
        log.warning("progress not read: %s (%s)", info.code, self.flow.error.detail)
        self.v.unavailable_view.show_texts(self._tr, self._tr("progress.unavailable.title"),
                                           info.farmer)
        self.runner.show(self.v.unavailable_view)
        self.runner.speak_text(info.voice, msgid=f"error.{info.code}.voice")

    # --- printing -----------------------------------------------------------------------------

    def _can_print(self) -> bool:
        return self.runner.terminal.availability([Need.PRINTER]).ok

    def _print(self) -> None:
        if self._can_print():
            self.flow.send_if_allowed(E.PRINT)

    def _enter_printing(self) -> None:
        from screens.journeys.progress.slip import progress_slip

        self._show_item(printing=True)
        session, terminal = self.runner.session, self._terminal()
        assert session is not None
        doc = progress_slip(self._tr, self.flow.items, masked_name=session.masked_name,
                            terminal_id=str(getattr(terminal, "id", "")),
                            service_point=str(getattr(terminal, "service_point", "") or ""),
                            branch_phone=str(getattr(terminal, "branch_phone", "") or ""),
                            now=dt.datetime.now())
        self.runner.request("printer", "print_receipt", doc, on_done=self._printed)

    def _printed(self, completion: Completion[Any]) -> None:
        if completion.ok:
            self.printed += 1
            self.print_problem = ""
            self.runner.speak("voice.progress.printed")
        else:
            from kiosk.errors import error_for_completion

            info = error_for_completion(completion, self._tr)
            self.runner.show_error(info)
            self.print_problem = self._tr("progress.print_failed", reason=info.farmer)
            self.runner.speak_text(info.voice, msgid=f"error.{info.code}.voice")
            log.warning("progress not printed: %s %s", completion.code.value, completion.error)
        self.flow.send_if_allowed(E.PRINTED)
