"""The journey runner with journeys registered by the test (the real runner, bridge, worker
and fake ID card reader of the GUI rig): every exit path wipes the session and goes home, a
journey calls a sub-journey and gets its outcome, requests come back to the code that asked,
and a mode change waits for a safe point."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtWidgets import QWidget

from devices.base import Completion
from kiosk.shell.page import ScreenPage
from kiosk.terminal import Need, TerminalMode, Why
from screens.chart import Outcome
from screens.journeys import JourneySpec, register, unregister
from screens.runner import Presenter

from .conftest import Rig

STARTED: list[ProbePresenter] = []


class ProbeViews:
    def __init__(self) -> None:
        self.page = ScreenPage("probe")

    def pages(self) -> list[ScreenPage]:
        return [self.page]


def probe_samples(views: ProbeViews, tr: Any) -> list[tuple[str, QWidget]]:
    return []


class ProbePresenter(Presenter):
    """Shows its page and records what reaches it; the test drives it."""

    def __init__(self, runner: Any, views: ProbeViews, **options: Any) -> None:
        super().__init__(runner, views, **options)
        self.results: list[Completion[Any]] = []
        self.returned: list[Outcome] = []
        self.stopped = False
        STARTED.append(self)

    def start(self) -> None:
        self.runner.show(self.views.page, idle=self.options.get("idle", True))

    def read_card(self, *, safe: bool) -> Any:
        return self.runner.request("idcard", "read_identity", wait=True, timeout=10.0,
                                   safe=safe, on_done=self.results.append)

    def stop(self) -> None:
        self.stopped = True


SPECS = [
    JourneySpec(name="probe", title="home.service.identify", group="calculate",
                presenter=f"{__name__}:ProbePresenter", views=f"{__name__}:ProbeViews",
                samples=f"{__name__}:probe_samples", home=False),
    JourneySpec(name="probe_sub", title="home.service.identify", group="calculate",
                presenter=f"{__name__}:ProbePresenter", views=f"{__name__}:ProbeViews",
                samples=f"{__name__}:probe_samples", home=False),
    JourneySpec(name="probe_identified", title="home.service.identify", group="calculate",
                presenter=f"{__name__}:ProbePresenter", views=f"{__name__}:ProbeViews",
                samples=f"{__name__}:probe_samples", home=False, identify=True),
    JourneySpec(name="probe_printer", title="home.service.identify", group="calculate",
                presenter=f"{__name__}:ProbePresenter", views=f"{__name__}:ProbeViews",
                samples=f"{__name__}:probe_samples", home=False,
                needs=frozenset({Need.PRINTER})),
]


@pytest.fixture(autouse=True)
def probe_journeys() -> Iterator[None]:
    STARTED.clear()
    for spec in SPECS:
        register(spec)
    try:
        yield
    finally:
        for spec in SPECS:
            unregister(spec.name)


def start_probe(rig: Rig, name: str = "probe", **options: Any) -> ProbePresenter:
    assert rig.runner.start(name, **options)
    rig.wait_screen("probe")
    return STARTED[-1]


@pytest.mark.parametrize("outcome", list(Outcome))
def test_every_outcome_wipes_the_session_and_goes_home(rig: Rig, outcome: Outcome) -> None:
    probe = start_probe(rig)
    session = rig.runner.session
    assert session is not None and session.active
    rig.runner.end(outcome)
    assert rig.wait_home() is outcome
    assert not session.active and session.identity is None and session.cards == set()
    assert rig.runner.session is None and probe.stopped


def test_cancel_and_idle_timeout_end_the_session(rig: Rig) -> None:
    start_probe(rig)
    rig.runner.cancel()
    assert rig.wait_home() is Outcome.CANCELED
    start_probe(rig)
    rig.qtbot.waitUntil(rig.runner.idle_warning.isVisible, timeout=3000)  # the countdown
    assert rig.wait_home(timeout=5000) is Outcome.TIMED_OUT
    assert rig.runner.session is None


def test_shutdown_during_a_journey_wipes(rig: Rig) -> None:
    start_probe(rig)
    session = rig.runner.session
    rig.runner.stop()
    assert not session.active and rig.runner.session is None


def test_cards_put_in_are_asked_back_before_the_session_ends(rig: Rig) -> None:
    start_probe(rig)
    session = rig.runner.session
    session.cards.add("idcard")
    rig.reader.insert(rig.person("zhang_weiguo"))
    rig.runner.end(Outcome.DONE)
    rig.wait_screen("remove_id")
    assert session.active and not rig.outcomes  # not wiped before the card is back
    rig.reader.remove()
    assert rig.wait_home() is Outcome.DONE
    assert not session.active


def test_a_sub_journey_returns_its_outcome_to_its_caller_in_the_same_session(rig: Rig) -> None:
    caller = start_probe(rig)
    session = rig.runner.session
    rig.runner.call("probe_sub", caller.returned.append)
    sub = STARTED[-1]
    assert sub is not caller and rig.runner.current == "probe_sub"
    rig.runner.end(Outcome.DONE)
    assert caller.returned == [Outcome.DONE] and sub.stopped and not caller.stopped
    assert rig.runner.current == "probe" and rig.runner.session is session and session.active
    assert not rig.outcomes
    rig.runner.end(Outcome.DONE)
    assert rig.wait_home() is Outcome.DONE


def test_a_journey_needing_identification_is_not_offered_without_bank_card_and_host(
        rig: Rig) -> None:
    # the rig has no bank card reader, PIN pad or host (the whole step: test_bank_card_journey)
    assert set(rig.runner.availability("probe_identified").reasons) >= {
        Why.BANK_READER_DOWN, Why.HOST_OFFLINE}
    assert not rig.runner.start("probe_identified")
    assert rig.runner.session is None


def test_a_journey_needing_the_printer_is_not_started_without_one(rig: Rig) -> None:
    assert not rig.runner.start("probe_printer")
    assert rig.runner.session is None and rig.screen() == "attract"


def test_the_completion_reaches_the_request_that_asked_and_nothing_after_cancel(
        rig: Rig) -> None:
    probe = start_probe(rig)
    first = probe.read_card(safe=True)
    first.cancel()
    second = probe.read_card(safe=True)
    rig.reader.insert(rig.person("zhang_weiguo"))
    rig.qtbot.waitUntil(lambda: bool(probe.results), timeout=5000)
    assert [c.request_id for c in probe.results] == [second.request_id]
    assert probe.results[0].ok and probe.results[0].data.name == "张卫国"
    assert not first.in_flight and first.completion is None
    rig.runner.end(Outcome.DONE)
    rig.wait_home()


def test_a_mode_change_waits_for_the_request_in_flight_then_ends_the_journey(rig: Rig) -> None:
    terminal = rig.runner.terminal
    probe = start_probe(rig, idle=False)
    session = rig.runner.session
    request = probe.read_card(safe=False)  # as a host call would be: must finish first
    granted: list[str] = []
    assert not terminal.request_mode(TerminalMode.STAFF, lambda: granted.append("staff"))
    rig.qtbot.wait(200)
    assert session.active and rig.screen() == "probe" and not granted
    assert not rig.runner.start("probe")  # no new journey while a change waits
    rig.reader.insert(rig.person("zhang_weiguo"))
    assert rig.wait_home() is Outcome.CANCELED
    assert probe.results and probe.results[0].request_id == request.request_id
    assert granted == ["staff"] and terminal.mode is TerminalMode.STAFF
    assert not session.active


def test_a_screen_that_can_time_out_shows_its_seconds_and_help_reaches_the_staff(
        rig: Rig) -> None:
    probe = start_probe(rig)
    page = probe.views.page
    assert page.countdown.isVisible() and page.countdown.text().startswith("还剩")
    assert page.help_button.text() == "求助"
    strip = rig.shell.status_strip
    assert not strip.help.isVisible()
    rig.click(page.help_button)
    assert strip.help.isVisible() and "求助" in strip.help.text()  # the staff see it
    assert "工作人员" in rig.spoken_texts()[-1] and page.help_button.text() == "求助✓"
    rig.click(page.help_button)  # a second touch does not call twice
    assert sum("工作人员" in t for t in rig.spoken_texts()) == 1
    probe.runner.show(page, idle=False)
    assert page.countdown.text() == ""  # a screen that does not time out shows none
    rig.runner.end(Outcome.DONE)
    rig.wait_home()
    assert not strip.help.isVisible()  # the call ends with the session
