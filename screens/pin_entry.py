"""The PIN on the PIN pad, for any journey that needs one (identification, signing a credit
line, a drawdown, a repayment): the 请在密码键盘上输入密码 screen (:class:`EnterPinView`: a drawn
PIN pad and one dot per key, never a digit) and the pad's ``get_pin`` for the card's PAN. The
PIN block comes back in the Completion; keep it in the session only until the host call that
uses it (``session.keep_pin_block`` / ``take_pin_block``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from screens.journeys.identify.bank_views import EnterPinView

if TYPE_CHECKING:
    from devices.base import Completion
    from kiosk.requests import Request
    from screens.runner import JourneyRunner

__all__ = ["PIN_LENGTH", "EnterPinView", "ask_pin"]

PIN_LENGTH = 6  # UnionPay PINs are six digits


def ask_pin(runner: JourneyRunner, view: EnterPinView, pan: str,
            on_done: Callable[[Completion[Any]], None], *, heading: str = "",
            voice: str = "voice.enter_pin") -> Request[Any]:
    """Show ``view`` (no idle countdown: the pad times the entry itself), say ``voice`` and
    ask the PIN pad for the PIN block of ``pan``. ``on_done`` gets the pad's Completion: a
    PinBlock, or CANCELED (X on the pad), TIMEOUT, a device error. ``heading`` replaces the
    screen's heading (e.g. 输入密码，确认签约)."""
    view.show_texts(runner.tr, PIN_LENGTH)
    if heading:
        view.heading.setText(heading)
    runner.show(view, idle=False)
    runner.speak(voice)
    t = runner.timeouts.pin_entry
    # the worker's limit is longer than the pad's own, so the pad's timeout is reported
    return runner.request("pinpad", "get_pin", pan, PIN_LENGTH, PIN_LENGTH, t,
                          timeout=t + 5.0, safe=True, on_done=on_done,
                          on_event=view.dots.on_key)
