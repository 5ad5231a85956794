"""The autopilot's journeys in the audio-guided mode (development tool; the product never
imports this): the farmer never touches the screen. Every choice is made on the PIN pad's
keys through the PIN pad control (the simulator's control API with ``--devices sim``: the real
KMY driver, plain "system keyboard" mode), by the words the voice said (按2，算算利息 -> 2);
cards go into the readers as a farmer puts them there; the PIN is typed in the pad's own PIN
mode. Each journey's summary lists the choices it heard and the keys it pressed (``ear``)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from kiosk.autopilot import Journey, JourneyFailed, Pilot

_CHOICE = re.compile(r"按(\d)，([^；。]+)|press (\d) for ([^;.]+)")


class Ear:
    """Plays a farmer who listens and answers on the PIN pad."""

    def __init__(self, pilot: Pilot) -> None:
        self.pilot = pilot
        self.guide = pilot.kiosk.audio
        self.pad = pilot.control("pinpad")
        self.log: list[str] = []

    def settle(self) -> None:
        """Let the guide say what it says after a key (a zero timer)."""
        timer = self.guide._announce_timer
        self.pilot.wait_until(lambda: not timer.isActive(), 5.0, "the guide to speak")

    def press(self, keys: str) -> None:
        for key in keys:
            heard = len(self.guide.keys)
            self.pad.press_plain(key, lambda ok, k=key: self.pilot.wait_until(
                ok, 20.0, f"the PIN pad to listen for {k}"))
            self.pilot.wait_until(lambda h=heard: len(self.guide.keys) > h, 10.0,
                                  f"the kiosk to hear {key}")
            self.settle()
        self.log.append(f"keys {keys}")

    def choices(self) -> dict[str, str]:
        """The choices last read out: label -> digit."""
        said = self.guide.said[-1] if self.guide.said else ""
        out: dict[str, str] = {}
        for m in _CHOICE.finditer(said):
            digit, label = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
            out[label.strip()] = digit
        return out

    def choose(self, *words: str) -> str:
        """Press the digit of the first choice heard whose label holds one of ``words``."""
        heard = self.choices()
        for label, digit in heard.items():
            if any(w in label for w in words):
                self.log.append(f"heard {'; '.join(f'{d} {lb}' for lb, d in heard.items())}")
                self.press(digit)
                self.log[-1] = f"chose {digit} {label}"
                return label
        raise JourneyFailed(f"no choice {'/'.join(words)} was read out (heard {heard}) on "
                            f"{self.pilot.shell.current_name()}")

    def figure(self, digits: str, spoken: str = "") -> None:
        """Type a figure, hear it read back, accept it with 确认 twice."""
        from kiosk.voice import speakable

        self.press(digits)
        said = speakable(self.pilot.kiosk.voice.last_text or "", self.pilot.kiosk.config.language)
        if spoken and spoken not in said:
            raise JourneyFailed(f"{digits} was read back as {said!r}")
        self.log.append(f"read back {said}")
        self.press("EE")

    def start(self) -> None:
        """On the home screen: the key that starts the audio-guided mode."""
        self.pilot.wait_screen("attract")
        self.pilot.wait_until(lambda: self.guide.wants_keys(), 20.0,
                              "the home to listen to the PIN pad")
        key = self.guide.settings.enter_key
        self.press("E" if key == "enter" else key)
        if not self.guide.active:
            raise JourneyFailed("the audio-guided mode did not start")
        self.pilot.capture("audio_on")

    def leave(self) -> None:
        """取消 on the home screen: the mode ends."""
        self.pilot.wait_screen("attract")
        self.press("X")
        if self.guide.active:
            raise JourneyFailed("取消 on the home did not end the audio-guided mode")

    def done(self) -> str:
        result = self.pilot.result
        if result is not None:
            result.ear = list(self.log)
        return "; ".join(x for x in self.log if x.startswith("chose"))


def ear_calculator(pilot: Pilot, params: dict[str, Any]) -> str:
    """By ear and keys: 确认 on the home -> 算算利息 -> 30000 (read back) -> 12 months -> the rate
    offered -> 每月还一样多 -> the result said -> 每期明细 -> 0 (the rows read) -> 返回 ->
    打印 when there is a printer -> 算完了 -> home -> 取消 (the mode ends)."""
    ear = Ear(pilot)
    ear.start()
    ear.choose("算")
    pilot.wait_screen("calc_amount")
    ear.figure("30000", "三万元" if pilot.kiosk.config.language == "zh_CN" else "")
    pilot.wait_screen("calc_term")
    ear.figure("12")
    pilot.wait_screen("calc_rate")
    ear.press("EE")
    pilot.wait_screen("calc_method")
    ear.choose("每月还一样多", "same every month", "equal")
    pilot.wait_screen("calc_result")
    summary = pilot.kiosk.voice.last_text or ""
    if "利息" not in summary and "interest" not in summary.lower():
        raise JourneyFailed(f"the result was not said: {summary!r}")
    ear.choose("每期明细", "each", "schedule")
    pilot.wait_screen("calc_schedule")
    ear.press("0")
    ear.choose("返回", "Back")
    pilot.wait_screen("calc_result")
    printed = ""
    if "打印" in " ".join(ear.choices()):
        ear.choose("打印")
        view = pilot.runner.views_of("calculator").result_view
        pilot.wait_until(view.print_button.isEnabled, 20.0, "the estimate to print")
        printed = ", printed"
    ear.press("E")  # 算完了
    pilot.expect_outcome("done")
    ear.leave()
    return ear.done() + printed


def journeys(scenario: dict[str, Any]) -> Iterable[Journey]:
    yield Journey("ear-calculator", ear_calculator, {},
                  "audio-guided mode: the calculator by ear and PIN pad keys only")
