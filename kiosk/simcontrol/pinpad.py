"""PIN pad control: press keys, look at the pad's state, inject faults.

``in_process(device)`` works over the ``fake`` backend, ``over_http(url)`` over the EPP
simulator's control API; both answer the same way.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from kiosk.simcontrol import HttpControl

FAULT_KINDS = ("no_answer", "checksum", "key_slot_empty", "noise", "split")


class _Base:
    kind = "pinpad"

    def fault_kinds(self) -> Sequence[str]:
        return FAULT_KINDS

    def state(self) -> dict[str, Any]:  # pragma: no cover - overridden
        raise NotImplementedError

    def wait_for_mode(self, mode: str = "pin", timeout: float = 5.0) -> bool:
        """Wait until the keypad is in ``mode`` (``pin``, ``plain``, ``off``); True if so."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.state().get("mode") == mode:
                return True
            time.sleep(0.01)
        return False

    def press(self, keys: str) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def press_plain(self, key: str, wait_until: Callable[[Callable[[], bool]], None]) -> None:
        """Press one key while the keypad is in plain mode. The audio-guided mode listens in
        slices: a key pressed in the gap between two is ignored, as on the real pad, and is
        pressed again. ``wait_until(predicate)`` is the caller's wait (a GUI caller processes
        its events meanwhile: the kiosk resubmits the listening from its GUI thread) and
        raises when it times out."""
        while True:
            wait_until(lambda: self.state().get("mode") == "plain")
            result = self.press(key) or {}
            if result.get("accepted", 1):
                return


class InProcessPinPadControl(_Base):
    """Control over the fake driver object the worker owns."""

    def __init__(self, device: Any) -> None:
        self.device = device

    def press(self, keys: str) -> Any:
        return self.device.press(keys)

    def state(self) -> dict[str, Any]:
        result: dict[str, Any] = self.device.state()
        return result

    def set_fault(self, kind: str) -> None:
        self.device.set_fault(kind)

    def clear_fault(self) -> None:
        self.device.clear_fault()


class HttpPinPadControl(_Base):
    """Control over ``kiosk-sim pinpad``'s HTTP API."""

    def __init__(self, control_url: str) -> None:
        self.http = HttpControl(control_url)

    def press(self, keys: str) -> Any:
        return self.http.post("/keys", {"keys": keys})

    def state(self) -> dict[str, Any]:
        result: dict[str, Any] = self.http.get("/state")
        return result

    def log(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.http.get("/log")
        return result

    def scenario(self) -> dict[str, Any]:
        result: dict[str, Any] = self.http.get("/scenario")
        return result

    def set_fault(self, kind: str) -> None:
        self.http.post("/fault", {"kind": kind})

    def clear_fault(self) -> None:
        self.http.delete("/fault")


def in_process(device: Any) -> InProcessPinPadControl:
    """Control of a ``fake`` PIN pad."""
    return InProcessPinPadControl(device)


def over_http(control_url: str) -> HttpPinPadControl:
    """Control of the EPP simulator at ``control_url``."""
    return HttpPinPadControl(control_url)
