"""``kiosk demo --out DIR [--scenario FILE] [--journey NAME]... [--devices sim|fake]``

The autopilot drives the real GUI (offscreen when there is no display) through the farmer
journeys that exist, plays the farmer through the simulator controls (the same control
objects as the simulator panel: over HTTP to the simulators, or in-process over the fakes),
saves a PNG of every screen it passes, the spoken prompts, and ``summary.json``; it exits 0
only if every journey ended as expected.

Journeys are a registry (:data:`JOURNEYS`); later journeys register themselves with
:func:`journey`. ``--journey`` takes a name or a prefix (``identify`` = every
``identify-<person>``, ``bank`` = every bank card journey).

The bank host simulator runs in both modes (``--devices fake`` too: fake devices plus the
simulated host over mutual TLS), so the identify journey goes on to the bank card, the PIN on
the PIN pad (keys typed through the PIN pad control) and the host's answer with its reminders.
The bank card reader stays the in-process fake by default: its simulator manages the
machine's pcscd.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from kiosk.cli import EXIT_USAGE, UsageArgumentParser

log = logging.getLogger(__name__)

EXIT_FAILED = 1


class JourneyFailed(AssertionError):
    """A journey did not end as its scenario expects."""


@dataclass
class JourneyResult:
    name: str
    ok: bool = False
    expected: str = ""
    outcome: str = ""
    error_code: str = ""
    screens: list[str] = field(default_factory=list)
    spoken: list[str] = field(default_factory=list)
    seconds: float = 0.0
    problem: str = ""
    ear: list[str] = field(default_factory=list)  # audio-guided mode: choices heard, keys
    #: money journeys: the cost disclosure spoken before the confirmation (amount, total
    #: interest, annual rate and the words said), one per drawdown
    disclosures: list[dict[str, str]] = field(default_factory=list)
    #: the receipts printed during the journey, as text files next to the screenshots
    receipts: list[str] = field(default_factory=list)


JourneyFn = Callable[["Pilot", dict[str, Any]], str]


@dataclass(frozen=True)
class Journey:
    """``run(pilot, params) -> expected`` raises JourneyFailed when the end is wrong."""

    name: str
    run: JourneyFn
    params: dict[str, Any] = field(default_factory=dict)
    description: str = ""


JOURNEYS: dict[str, Journey] = {}
JOURNEY_FACTORIES: list[Callable[[dict[str, Any]], Iterable[Journey]]] = []


def journey(name: str, description: str = "") -> Callable[[JourneyFn], JourneyFn]:
    """Register a journey that needs no scenario parameters."""

    def deco(fn: JourneyFn) -> JourneyFn:
        JOURNEYS[name] = Journey(name, fn, {}, description)
        return fn

    return deco


def journeys_for(scenario: dict[str, Any]) -> list[Journey]:
    """Every journey: the fixed ones, those generated from the scenario (per person), and
    those of each registered journey's folder (``screens/journeys/<name>/autopilot.py`` with
    ``journeys(scenario) -> Iterable[Journey]``)."""
    import importlib.util

    from screens.journeys import journeys

    found = list(JOURNEYS.values())
    for factory in JOURNEY_FACTORIES:
        found.extend(factory(scenario))
    for name in sorted(journeys()):
        module = f"screens.journeys.{name}.autopilot"
        if importlib.util.find_spec(module) is not None:
            found.extend(importlib.import_module(module).journeys(scenario))
    return found


def repeated(chosen: list[Journey], times: int) -> list[Journey]:
    """Each chosen journey ``times`` times in a row (a soak), numbered ``name#2`` ..."""
    if times <= 1:
        return chosen
    return [j if i == 0 else Journey(f"{j.name}#{i + 1}", j.run, j.params, j.description)
            for j in chosen for i in range(times)]


def select(all_journeys: list[Journey], wanted: list[str]) -> list[Journey]:
    if not wanted:
        return all_journeys
    chosen: list[Journey] = []
    for name in wanted:
        matches = [j for j in all_journeys if j.name == name or j.name.startswith(name + "-")]
        if not matches:
            raise KeyError(name)
        chosen.extend(j for j in matches if j not in chosen)
    return chosen


# --- the pilot --------------------------------------------------------------------------------


class SpokenLog:
    """Wraps the voice device: records every utterance, forwards to the real one."""

    def __init__(self, device: Any) -> None:
        self.device = device
        self.spoken: list[tuple[str, str]] = []

    def say(self, text: str, lang: str) -> None:
        self.spoken.append((lang, text))
        self.device.say(text, lang)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.device, name)


class Pilot:
    """Plays the farmer on a running :class:`kiosk.app.Kiosk`, takes the screenshots."""

    def __init__(self, kiosk: Any, app: Any, out: Path, scenario: dict[str, Any],
                 spoken: SpokenLog) -> None:
        self.kiosk = kiosk
        self.app = app
        self.out = out
        self.scenario = scenario
        self.spoken_log = spoken
        self.controls = kiosk.controls()
        self.runner = kiosk.runner
        self.shell = kiosk.shell
        self.result: JourneyResult | None = None
        self.index = 0
        self._step = 0
        self.outcomes: list[Any] = []
        self._seen = 0  # outcomes waited for
        self.shell.screen_shown.connect(self._on_screen)
        self.runner.idle_warning_shown.connect(self._on_idle_warning)
        self.runner.journey_finished.connect(self._on_finished)

    @property
    def identify(self) -> Any:
        """The identify journey's views."""
        return self.runner.views_of("identify")

    def bank_step_available(self) -> bool:
        from screens.journeys.identify.presenter import bank_step_available

        return bank_step_available(self.runner)

    # --- waiting and looking ------------------------------------------------------------------

    def wait_until(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:
        from PySide6.QtCore import QEventLoop

        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise JourneyFailed(f"timed out after {timeout:g}s waiting for {what} "
                                    f"(screen: {self.shell.current_name()})")
            self.app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
            time.sleep(0.005)

    def wait_screen(self, name: str, timeout: float = 10.0) -> None:
        self.wait_until(lambda: self.shell.current_name() == name, timeout, f"screen {name}")

    unsaved: list[Path]  # screenshots Qt could not write

    def capture(self, label: str) -> None:
        if self.result is None or ("#" in self.result.name and label != "failure"):
            return  # a repeat of a soak: the first run has the pictures
        from PySide6.QtCore import QCoreApplication, QEvent

        # flush pending re-layouts (a banner just hidden ...) so the picture is what shows
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        self._step += 1
        path = self.out / f"{self.index:02d}-{self.result.name}-{self._step:02d}-{label}.png"
        if not self.shell.grab().save(str(path)):  # Qt says only "no" (disk full, read-only)
            self.unsaved.append(path)
        self.result.screens.append(path.name)

    def _on_screen(self, name: str) -> None:
        self.capture(name)

    def _on_idle_warning(self, seconds: int) -> None:
        self.capture("idle_warning")

    def _on_finished(self, outcome: Any) -> None:
        self.outcomes.append(outcome)

    def keep_receipt(self, n: int, label: str) -> str:
        """Receipt ``n`` from the printer control: its text saved next to the screenshots
        (the summary names the file); returned for the journey to check."""
        text = str(self.control("printer").receipt_text(n))
        if self.result is not None and "#" not in self.result.name:
            self._step += 1
            path = self.out / f"{self.index:02d}-{self.result.name}-{self._step:02d}-{label}.txt"
            path.write_text(text, "utf-8")
            self.result.receipts.append(path.name)
        return text

    def host_sim(self, method: str, path: str, body: Any = None) -> Any:
        """The bank host simulator's control API (clock, faults, ledger): the demo's way to
        put the host into a scenario's situation."""
        import requests

        sims = getattr(self.kiosk, "sims", None)
        url = sims.control_url("host") if sims is not None else None
        if not url:
            raise JourneyFailed("no bank host simulator control (kiosk demo --no-host?)")
        with requests.Session() as session:
            session.trust_env = False  # loopback: never through a proxy
            response = session.request(method, url + path, json=body, timeout=10)
        response.raise_for_status()
        return response.json()

    # --- farmer actions -----------------------------------------------------------------------

    def control(self, kind: str) -> Any:
        control = self.controls.get(kind)
        if control is None:
            raise JourneyFailed(f"no {kind} control (neither simulator nor fake)")
        return control

    def person(self, person_id: str) -> dict[str, Any]:
        from peripherals_sim.scenario import by_id

        return dict(by_id(self.scenario.get("people") or [], person_id))

    def insert_id(self, person_id: str) -> None:
        self.control("idcard").insert(person_id)

    def remove_id(self) -> None:
        self.control("idcard").remove()

    def insert_bank_card(self, card_id: str) -> None:
        self.control("iccard").insert(card_id)

    def remove_bank_card(self) -> None:
        if "iccard" in self.controls:
            self.controls["iccard"].remove()

    def take_cards(self) -> None:
        """The farmer takes back whatever cards are in the readers."""
        self.remove_id()
        self.remove_bank_card()

    def press_pin_keys(self, keys: str, timeout: float = 10.0) -> None:
        """Type on the PIN pad (digits, E enter, X cancel) once it is in PIN mode."""
        pad = self.control("pinpad")
        if not pad.wait_for_mode("pin", timeout):
            raise JourneyFailed("the PIN pad never went into PIN mode")
        pad.press(keys)

    def need_bank_step(self) -> None:
        """The bank card journeys need the bank card reader, the PIN pad and a signed-in
        host."""
        from screens.journeys.identify.presenter import BANK_STEP_DEVICES

        if not all(self.runner.has_worker(k) for k in BANK_STEP_DEVICES):
            raise JourneyFailed("the bank card step needs the iccard, pinpad and host workers")
        self.wait_until(self.bank_step_available, 30.0,
                        "the host link and the terminal sign-in")

    def settle_host(self, timeout: float = 20.0) -> None:
        """Give the host link and the sign-in a moment (the journey offers the bank card step
        only when the host is there); go on without it when it does not come."""
        from screens.journeys.identify.presenter import BANK_STEP_DEVICES

        if all(self.runner.has_worker(k) for k in BANK_STEP_DEVICES):
            try:
                self.wait_until(self.bank_step_available, timeout, "the host")
            except JourneyFailed:
                log.warning("the host is not ready: identification ends after the ID card")

    def click(self, button: Any) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        if not button.isEnabled():
            raise JourneyFailed(f"button {button.objectName()} is disabled")
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)

    def start_journey(self, name: str = "identify") -> None:
        """Touch the way to journey ``name`` from the home screen (at most two tiles)."""
        home = self.kiosk.home
        self.wait_until(lambda: home.can_start(name), 15.0,
                        f"the home screen to offer {name}")
        for key in home.path_to(name):
            tile = home.tile(key)
            if tile is None:
                raise JourneyFailed(f"no tile {key} on {self.shell.current_name()}")
            self.click(tile)

    def wait_outcome(self, timeout: float = 15.0) -> Any:
        """The next session end not yet waited for (it may already have happened: a journey
        with no card to take back ends at the touch that finishes it)."""
        self.wait_until(lambda: len(self.outcomes) > self._seen, timeout, "the journey to end")
        self._seen = len(self.outcomes)
        self.wait_screen("attract")
        return self.outcomes[-1]

    def expect_outcome(self, expected: str, timeout: float = 15.0) -> None:
        """Wait for the journey to end on the attract screen with outcome ``expected``."""
        outcome = self.wait_outcome(timeout)
        if outcome.value != expected:
            raise JourneyFailed(f"outcome {outcome.value}, expected {expected}")

    def expect_home_and_wiped(self) -> None:
        if self.runner.session is not None:
            raise JourneyFailed("customer session still open after the journey")
        if self.shell.current_name() != "attract":
            raise JourneyFailed(f"ended on {self.shell.current_name()}, not attract")

    def run(self, j: Journey) -> JourneyResult:
        self.index += 1
        self._step = 0
        self.result = result = JourneyResult(j.name)
        self._seen = len(self.outcomes)
        first_spoken = len(self.spoken_log.spoken)
        start = time.monotonic()
        try:
            result.expected = j.run(self, j.params)
            self.expect_home_and_wiped()
            result.ok = True
        except Exception as exc:
            result.problem = f"{type(exc).__name__}: {exc}"
            log.warning("journey %s failed: %s", j.name, result.problem)
            self.capture("failure")
            self._recover()
        if self.runner.last_outcome is not None:
            result.outcome = self.runner.last_outcome.value
        if self.runner.last_error is not None:
            result.error_code = self.runner.last_error.code
        result.spoken = [t for _, t in self.spoken_log.spoken[first_spoken:]]
        result.seconds = round(time.monotonic() - start, 3)
        self.result = None
        return result

    def _recover(self) -> None:
        """Leave a failed journey at home, so the next one starts clean."""
        try:
            self.runner.cancel()
            for kind in ("idcard", "iccard"):
                if kind in self.controls:
                    self.controls[kind].clear_fault()
                    self.controls[kind].remove()
            if "pinpad" in self.controls:
                self.controls["pinpad"].clear_fault()
                self.controls["pinpad"].press("X")
            self.wait_until(lambda: not self.runner.active, 10.0, "recovery")
        except Exception as exc:
            log.warning("recovery failed: %s", exc)


# --- the journeys -----------------------------------------------------------------------------


def _expected_for(person: dict[str, Any], today: dt.date) -> str:
    if person.get("expect"):
        return str(person["expect"])
    valid_to = person.get("valid_to")
    if valid_to and dt.date.fromisoformat(str(valid_to)) < today:
        return "IDC-EXPIRED"
    return "welcome"


def identify_person(pilot: Pilot, params: dict[str, Any]) -> str:
    """attract -> 请插入身份证 -> read -> welcome (masked name) or the expected error ->
    请取走您的身份证 -> attract."""
    from kiosk.masking import mask_name

    person = pilot.person(params["person"])
    expected = _expected_for(person, dt.date.today())
    pilot.settle_host()
    pilot.remove_id()  # a card read before counts as absent until taken away
    pilot.start_journey()
    pilot.wait_screen("insert_id")
    if "voice.insert_id" not in _msgids(pilot):
        raise JourneyFailed("请插入身份证 was not spoken")
    pilot.insert_id(params["person"])
    views = pilot.identify
    if expected == "welcome":
        pilot.wait_screen("welcome")
        shown = views.welcome_view.name_label.text()
        masked = mask_name(person["name"])
        if masked not in shown or (len(person["name"]) > 1 and person["name"] in shown):
            raise JourneyFailed(f"welcome shows {shown!r}, expected the masked {masked!r}")
        flow = getattr(pilot.runner.presenter, "flow", None)
        if flow is not None and flow.bank_card:
            return _bank_part(pilot, params["person"])
        pilot.click(views.welcome_view.finish_button)
        expected_outcome = "done"
    else:
        pilot.wait_screen("error")
        code = pilot.runner.last_error.code if pilot.runner.last_error else ""
        if code != expected:
            raise JourneyFailed(f"error {code or 'none'}, expected {expected}")
        pilot.click(views.error_view.finish_button)
        expected_outcome = "failed"
    pilot.wait_screen("remove_id")
    pilot.remove_id()
    pilot.expect_outcome(expected_outcome)
    return f"{expected} then {expected_outcome}"


def _bank_card_of(pilot: Pilot, person_id: str) -> str | None:
    """The person's first bank card that the host knows (a customer's card), if any."""
    customers = pilot.scenario.get("customers") or []
    for customer in customers:
        if customer.get("person") == person_id and customer.get("cards"):
            return str(customer["cards"][0])
    return None


def _pin_of(pilot: Pilot, card_id: str) -> str:
    from peripherals_sim.scenario import by_id

    return str(by_id(pilot.scenario.get("cards") or [], card_id)["pin"])


def _to_bank_card(pilot: Pilot, person_id: str) -> None:
    """From the attract screen to 请插入银行卡: ID card, 下一步."""
    pilot.need_bank_step()
    pilot.take_cards()
    pilot.start_journey()
    pilot.wait_screen("insert_id")
    pilot.insert_id(person_id)
    pilot.wait_screen("welcome")
    pilot.click(pilot.identify.welcome_view.finish_button)
    pilot.wait_screen("insert_bank")
    if pilot.kiosk.voice.last_msgid != "voice.insert_bank":
        raise JourneyFailed("请插入银行卡 was not spoken")


def _to_pin(pilot: Pilot, person_id: str, card_id: str) -> None:
    """From the attract screen to the PIN step: ID card, 下一步, bank card."""
    _to_bank_card(pilot, person_id)
    pilot.insert_bank_card(card_id)
    pilot.wait_screen("enter_pin")


def _after_pin(pilot: Pilot) -> str:
    """Verified by the host: the reminder (when there is one), identified, cards back."""
    c, v = pilot.runner, pilot.identify
    pilot.wait_until(lambda: pilot.shell.current_name() in ("reminder", "identified", "error"),
                     30.0, "the host's answer")
    seen = ""
    if pilot.shell.current_name() == "error":
        code = c.last_error.code if c.last_error else "?"
        raise JourneyFailed(f"the host refused: {code}")
    if pilot.shell.current_name() == "reminder":
        customer = c.session.customer if c.session else None
        kinds = sorted({r.kind for r in customer.reminders}) if customer else []
        if pilot.kiosk.voice.last_msgid != "voice.reminder":
            raise JourneyFailed("the reminder was not spoken")
        seen = "reminder " + "+".join(kinds) + ", "
        pilot.click(v.reminder_view.ack_button)
        pilot.wait_screen("identified")
    pilot.click(v.identified_view.finish_button)
    if pilot.runner.between_journeys:  # back on the home, identified: 结束办理
        pilot.wait_screen("attract")
        pilot.capture("home_identified")
        pilot.click(pilot.shell.attract.end_button)
    pilot.wait_screen("remove_id")
    pilot.take_cards()
    pilot.expect_outcome("done")
    return f"welcome, {seen}identified then done"


def _bank_part(pilot: Pilot, person_id: str) -> str:
    """The identify journey after the welcome: bank card, PIN, host (or, for a person with
    no bank card the host knows, 取消 at the bank card step)."""
    c = pilot.identify
    card = _bank_card_of(pilot, person_id)
    pilot.click(c.welcome_view.finish_button)
    pilot.wait_screen("insert_bank")
    if card is None:
        pilot.click(c.insert_bank_view.cancel_button)
        pilot.wait_screen("remove_id")
        pilot.take_cards()
        pilot.expect_outcome("canceled")
        return "welcome, no bank card, canceled"
    pilot.need_bank_step()
    pilot.insert_bank_card(card)
    pilot.wait_screen("enter_pin")
    pilot.press_pin_keys(_pin_of(pilot, card) + "E")
    return _after_pin(pilot)


@journey("bank-wrong-pin", "张卫国 types a wrong PIN: the host refuses, spoken; typed again")
def bank_wrong_pin(pilot: Pilot, params: dict[str, Any]) -> str:
    _to_pin(pilot, "zhang_weiguo", "zhang_debit")
    pilot.press_pin_keys("999999E")
    pilot.wait_screen("error", 30.0)
    code = pilot.runner.last_error.code if pilot.runner.last_error else ""
    if code != "HOST-PIN-WRONG":
        raise JourneyFailed(f"error {code or 'none'}, expected HOST-PIN-WRONG")
    pilot.click(pilot.identify.error_view.retry_button)
    pilot.wait_screen("enter_pin")
    pilot.press_pin_keys(_pin_of(pilot, "zhang_debit") + "E")
    return "HOST-PIN-WRONG, retried, " + _after_pin(pilot)


@journey("bank-pad-cancel", "cancel (X) on the PIN pad: cards back, home")
def bank_pad_cancel(pilot: Pilot, params: dict[str, Any]) -> str:
    _to_pin(pilot, "li_xiuying", "li_debit")
    pilot.press_pin_keys("12X")
    pilot.wait_screen("remove_id")
    pilot.take_cards()
    pilot.expect_outcome("canceled")
    return "canceled on the pad"


@journey("bank-pin-timeout", "no PIN typed: the PIN step times out with voice")
def bank_pin_timeout(pilot: Pilot, params: dict[str, Any]) -> str:
    _to_pin(pilot, "li_xiuying", "li_debit")
    pilot.wait_screen("error", pilot.runner.timeouts.pin_entry + 10.0)
    code = pilot.runner.last_error.code if pilot.runner.last_error else ""
    if code != "PIN-TIMEOUT" or pilot.kiosk.voice.last_msgid != "error.PIN-TIMEOUT.voice":
        raise JourneyFailed(f"error {code or 'none'} (spoken {pilot.kiosk.voice.last_msgid}),"
                            " expected PIN-TIMEOUT spoken")
    pilot.click(pilot.identify.error_view.finish_button)
    pilot.wait_screen("remove_id")
    pilot.take_cards()
    pilot.expect_outcome("failed")
    return "PIN-TIMEOUT then failed"


@journey("bank-card-pulled", "the bank card pulled during the read: asked again, then on")
def bank_card_pulled(pilot: Pilot, params: dict[str, Any]) -> str:
    _to_bank_card(pilot, "zhang_weiguo")
    bank = pilot.control("iccard")
    bank.set_fault("remove_during_read")
    try:
        pilot.insert_bank_card("zhang_debit")
        notice = pilot.identify.insert_bank_view.notice
        pilot.wait_until(notice.isVisible, 10.0, "the card-pulled notice")
        pilot.capture("insert_bank_again")
    finally:
        bank.clear_fault()
    pilot.insert_bank_card("zhang_debit")
    pilot.wait_screen("enter_pin")
    pilot.press_pin_keys("X")
    pilot.wait_screen("remove_id")
    pilot.take_cards()
    pilot.expect_outcome("canceled")
    return "ICC-REMOVED, asked again, read, canceled on the pad"


@journey("bank-choose-account", "a card with two accounts: the farmer chooses one")
def bank_choose_account(pilot: Pilot, params: dict[str, Any]) -> str:
    _to_bank_card(pilot, "wang_jianjun")
    pilot.insert_bank_card("wang_dual")
    pilot.wait_screen("choose_account")
    choices = pilot.identify.choose_view.visible_choices()
    if not 2 <= len(choices) <= 3:
        raise JourneyFailed(f"choices {choices}")
    pilot.click(pilot.identify.choose_view.choice_buttons[0])
    pilot.wait_screen("enter_pin")
    pilot.press_pin_keys("X")
    pilot.wait_screen("remove_id")
    pilot.take_cards()
    pilot.wait_outcome()
    return f"{len(choices)} accounts offered, one chosen"


def _msgids(pilot: Pilot) -> set[str]:
    last = pilot.kiosk.voice.last_msgid
    return {last} if last else set()


def _identify_journeys(scenario: dict[str, Any]) -> Iterable[Journey]:
    for person in scenario.get("people") or []:
        pid = str(person.get("id"))
        yield Journey(f"identify-{pid}", identify_person, {"person": pid},
                      "identify with this person's ID card")


JOURNEY_FACTORIES.append(_identify_journeys)


def _staff_journeys(scenario: dict[str, Any]) -> Iterable[Journey]:
    """Staff and technician modes (screens/staff/autopilot.py)."""
    from screens.staff.autopilot import journeys

    return journeys(scenario)


JOURNEY_FACTORIES.append(_staff_journeys)


def _ear_journeys(scenario: dict[str, Any]) -> Iterable[Journey]:
    from kiosk.autopilot_ear import journeys

    return journeys(scenario)


JOURNEY_FACTORIES.append(_ear_journeys)


@journey("attract", "the attract screen; touching it speaks what the terminal can do")
def attract(pilot: Pilot, params: dict[str, Any]) -> str:
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    pilot.wait_screen("attract")
    pilot.wait_until(lambda: pilot.kiosk.home.can_start("identify"), 15.0, "service to start")
    pilot.capture("attract")
    QTest.mouseClick(pilot.shell.attract, Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0),
                     QPoint(20, 20))
    if pilot.kiosk.voice.last_msgid != "voice.attract":
        raise JourneyFailed("touching the attract screen did not speak it")
    return "attract spoken on touch"


@journey("expired-card", "an expired ID card: 身份证已过期, spoken, then home")
def expired_card(pilot: Pilot, params: dict[str, Any]) -> str:
    people = pilot.scenario.get("people") or []
    expired = [p for p in people if _expected_for(p, dt.date.today()) == "IDC-EXPIRED"]
    if not expired:
        raise JourneyFailed("the scenario has no expired ID card")
    result = identify_person(pilot, {"person": expired[0]["id"]})
    if pilot.kiosk.voice.last_msgid != "voice.remove_id":
        raise JourneyFailed("the card reminder was not spoken")
    return result


@journey("idle-timeout", "start, insert nothing: countdown with voice, then home")
def idle_timeout(pilot: Pilot, params: dict[str, Any]) -> str:
    pilot.remove_id()
    pilot.start_journey()
    pilot.wait_screen("insert_id")
    t = pilot.runner.timeouts
    pilot.wait_until(pilot.runner.idle_warning.isVisible, t.idle + 5, "the idle warning")
    if pilot.kiosk.voice.last_msgid != "voice.idle_warning":
        raise JourneyFailed("the idle warning was not spoken")
    outcome = pilot.wait_outcome(t.idle + 5)
    if outcome.value != "timedOut":
        raise JourneyFailed(f"outcome {outcome.value}, expected timedOut")
    return "timedOut"


@journey("welcome-timeout", "identified, then no touch: countdown, 请取走您的身份证, home")
def welcome_timeout(pilot: Pilot, params: dict[str, Any]) -> str:
    people = [p for p in pilot.scenario.get("people") or []
              if _expected_for(p, dt.date.today()) == "welcome"]
    if not people:
        raise JourneyFailed("the scenario has no valid ID card")
    pid = people[0]["id"]
    pilot.remove_id()
    pilot.start_journey()
    pilot.wait_screen("insert_id")
    pilot.insert_id(pid)
    pilot.wait_screen("welcome")
    t = pilot.runner.timeouts
    pilot.wait_until(pilot.runner.idle_warning.isVisible, t.idle + 5, "the idle warning")
    pilot.wait_screen("remove_id", t.idle + 5)
    pilot.remove_id()
    pilot.expect_outcome("timedOut")
    return "welcome then timedOut"


# --- the command ------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    p = UsageArgumentParser(prog="kiosk demo", description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, default=Path("build/demo"), help="output directory")
    p.add_argument("--scenario", type=Path, help="scenario YAML (default: the demo scenario)")
    p.add_argument("--journey", action="append", default=[], metavar="NAME",
                   help="journey name or prefix (repeatable; default: all)")
    p.add_argument("--devices", choices=("sim", "fake"), default="sim",
                   help="sim: the simulators where they exist (fake otherwise); fake: all "
                        "in-process fakes")
    p.add_argument("--config", type=Path, help="kiosk.toml (default: the built-in demo)")
    p.add_argument("--size", default="1280x800", help="offscreen screen size WxH")
    p.add_argument("--lang", choices=("zh_CN", "en"), help="language of the screens")
    p.add_argument("--idle", type=float, default=3.0, help="idle timeout seconds for the demo")
    p.add_argument("--idle-warning", type=float, default=2.0, help="idle warning seconds")
    p.add_argument("--pin-timeout", type=float, default=4.0,
                   help="the PIN pad's entry timeout in seconds for the demo")
    p.add_argument("--iccard", choices=("fake", "sim"), default="fake",
                   help="with --devices sim: the bank card reader as the pcsc driver against "
                        "kiosk-sim iccard (real pcscd + vpcd; takes the machine's pcscd lock) "
                        "or the in-process fake (default)")
    p.add_argument("--no-host", action="store_true",
                   help="no bank host simulator: the journeys end after the ID card")
    p.add_argument("--voice", choices=("espeak", "fake"), default="espeak",
                   help="espeak writes every prompt to OUT/voice/*.wav; fake records only")
    p.add_argument("--repeat", type=int, default=1, metavar="N",
                   help="run each chosen journey N times (a soak; screenshots of the first "
                        "run only)")
    p.add_argument("--list", action="store_true", help="list the journeys and exit")
    return p


def _offscreen_size(out: Path, size: str) -> None:
    """No display: the offscreen platform with a screen of ``size`` (WxH)."""
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return
    w, _, h = size.lower().partition("x")
    cfg = out / "offscreen-screen.json"
    cfg.write_text(json.dumps({"screens": [{"name": "kiosk", "x": 0, "y": 0, "width": int(w),
                                            "height": int(h), "logicalDpiX": 96,
                                            "logicalDpiY": 96, "dpr": 1}]}))
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={cfg}"


def main(argv: list[str]) -> int:
    """``kiosk demo``; a disk that cannot be written (full, read-only) ends it with exit 73 and
    the path it could not write, never a traceback."""
    from kiosk.preflight import EXIT_CANTCREAT, StartupFailure, disk_problem, restrict_umask

    restrict_umask()
    try:
        return _demo(argv)
    except StartupFailure as exc:
        print(f"kiosk demo: {exc.message}", file=sys.stderr)
        return exc.code
    except OSError as exc:
        where = exc.filename or "its output folder"
        print(f"kiosk demo: could not write {where}: {disk_problem(exc)}", file=sys.stderr)
        return EXIT_CANTCREAT


def _demo(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    from kiosk.config import ConfigError, format_config_error
    from kiosk.preflight import EXIT_CANTCREAT, load_checked_config, open_state_dir
    from peripherals_sim.scenario import load_scenario

    scenario = load_scenario(args.scenario)
    all_journeys = journeys_for(scenario)
    if args.list:
        for j in all_journeys:
            print(f"{j.name:<28} {j.description}")
        return 0
    try:
        chosen = repeated(select(all_journeys, args.journey), args.repeat)
    except KeyError as exc:
        print(f"kiosk demo: no journey {exc.args[0]!r}", file=sys.stderr)
        return EXIT_USAGE

    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.png"):
        old.unlink()
    state_dir = out / "state"
    overrides: dict[str, Any] = {
        "timeouts.idle_seconds": args.idle,
        "timeouts.idle_warning_seconds": args.idle_warning,
        "state_dir": str(state_dir),
        "ui.fullscreen": True,
        "sim": args.devices == "sim",
        "voice.backend": args.voice,
    }
    if args.voice == "espeak":
        overrides["voice.wav_dir"] = str(out / "voice")
    if args.lang:
        overrides["language"] = args.lang
    if args.scenario:
        overrides["scenario"] = str(args.scenario)
    if args.devices == "fake":
        overrides.update({f"devices.{k}.backend": "fake"
                          for k in ("idcard", "iccard", "printer", "pinpad")})
    try:
        config = load_checked_config(args.config, overrides=overrides)
        open_state_dir(state_dir)
    except ConfigError as exc:
        print(format_config_error(exc).replace("kiosk:", "kiosk demo:", 1), file=sys.stderr)
        return EXIT_USAGE

    from kiosk.app import prepare_state_dir
    from kiosk.logs import setup_logging

    prepare_state_dir(state_dir)
    setup_logging(state_dir, config.logging.level)
    sims = None
    only = ["idcard", "pinpad", "printer", "host"] if config.sim else ["host"]
    if args.no_host:
        only.remove("host")
    if config.sim and args.iccard == "sim":
        only.append("iccard")
    if only:
        from kiosk.sim_panel.children import SimulatorSet

        try:
            # not iccard: its simulator manages the machine's pcscd, too much for a demo run;
            # with --devices fake only the bank host is simulated (the devices are fakes)
            sims = SimulatorSet.start(scenario=config.scenario, state_dir=state_dir / "sim",
                                      only=only)
        except Exception as exc:
            log.error("the simulators did not start (%s); using the fakes", exc)
            sims = SimulatorSet(None, failed={"up": str(exc)})
    try:
        _offscreen_size(out, args.size)
        from kiosk.app import Kiosk, make_qt_app, setup_qt_environment

        setup_qt_environment()
        app = make_qt_app(config.language)
        kiosk = Kiosk(config, sims=sims, remove_prompt=0.5, pin_timeout=args.pin_timeout)
        sims = None
        try:
            kiosk.start(show=True)
            if not kiosk.wait_ready(app):
                raise RuntimeError("the devices did not come up")
            spoken = SpokenLog(kiosk.voice.device)
            kiosk.voice.device = spoken
            pilot = Pilot(kiosk, app, out, scenario, spoken)
            pilot.unsaved = []
            results = [pilot.run(j) for j in chosen]
            screen = kiosk.shell.size()
            summary = {
                "ok": all(r.ok for r in results),
                "platform": app.platformName(),
                "size": [screen.width(), screen.height()],
                "devices": {k: f"{p.backend} {p.note}".strip()
                            for k, p in kiosk.plans.items()},
                "simulators_failed": kiosk.sims.failed if kiosk.sims is not None else {},
                "voice": type(spoken.device).__name__,
                "journeys": [asdict(r) for r in results],
            }
        finally:
            kiosk.shutdown()
    finally:
        if sims is not None:
            sims.stop()
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2))
    if pilot.unsaved:
        print(f"kiosk demo: could not write {len(pilot.unsaved)} screenshots in {out} "
              f"(the first: {pilot.unsaved[0].name}); is the disk full?", file=sys.stderr)
        return EXIT_CANTCREAT
    for r in results:
        mark = "ok  " if r.ok else "FAIL"
        print(f"{mark} {r.name:<28} {r.expected or r.problem}  ({len(r.screens)} screens)")
    print(f"summary: {out / 'summary.json'}")
    return 0 if summary["ok"] else EXIT_FAILED
