"""Control of the bank card reader for the panel, the autopilot and tests: insert a bank card.

Two implementations of :class:`kiosk.simcontrol.IcCardControl`:

- :class:`FakeIcCardControl` (``in_process(device)``) drives the in-process ``fake`` reader;
- :class:`HttpIcCardControl` (``over_http(url)``) drives ``kiosk-sim iccard`` (virtual cards
  in the vpcd reader of a real pcscd) through its control API (INTERFACES.md §2).

Both insert scenario cards by id and know the same fault kinds: mute, remove_during_read,
no_ppse, blocked, not_pboc and sw (an unknown status word on GPO).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from devices.iccard.fake import FakeIcCardReader
from kiosk.simcontrol import HttpControl

KIND = "iccard"

FAULT_KINDS = ("mute", "remove_during_read", "no_ppse", "blocked", "not_pboc", "sw")


def _check(kind: str) -> None:
    if kind not in FAULT_KINDS:
        raise ValueError(f"unknown fault {kind!r} (one of {', '.join(FAULT_KINDS)})")


class FakeIcCardControl:
    """Plays the farmer on a :class:`FakeIcCardReader` in the same process."""

    kind = KIND

    def __init__(self, device: FakeIcCardReader) -> None:
        self.device = device

    def cards(self) -> list[dict[str, Any]]:
        return self.device.cards()

    def insert(self, card_id: str) -> None:
        self.device.insert(card_id)

    def remove(self) -> None:
        self.device.remove()

    def fault_kinds(self) -> Sequence[str]:
        return FAULT_KINDS

    def set_fault(self, kind: str, **params: Any) -> None:
        _check(kind)
        self.device.set_fault(kind, **params)

    def clear_fault(self) -> None:
        self.device.clear_fault()

    def state(self) -> dict[str, Any]:
        return {"card": self.device.inserted()}


class HttpIcCardControl:
    """Plays the farmer on ``kiosk-sim iccard`` through its control API."""

    kind = KIND

    def __init__(self, control_url: str, timeout: float = 5.0) -> None:
        self.http = HttpControl(control_url, timeout)

    def cards(self) -> list[dict[str, Any]]:
        return list(self.http.get("/scenario").get("cards") or [])

    def insert(self, card_id: str) -> None:
        self.http.post("/card", {"card": card_id})

    def remove(self) -> None:
        self.http.delete("/card")

    def fault_kinds(self) -> Sequence[str]:
        return FAULT_KINDS

    def set_fault(self, kind: str, **params: Any) -> None:
        _check(kind)
        self.http.post("/fault", {"kind": kind, **params})

    def clear_fault(self) -> None:
        self.http.delete("/fault")

    def log(self) -> list[dict[str, Any]]:
        """The simulator's log: insertions, removals, every APDU and the GPO terminal data."""
        return list(self.http.get("/log"))

    def state(self) -> dict[str, Any]:
        return dict(self.http.get("/state"))


def in_process(device: FakeIcCardReader) -> FakeIcCardControl:
    """The control over the in-process fake reader."""
    return FakeIcCardControl(device)


def over_http(control_url: str) -> HttpIcCardControl:
    """The control over a running ``kiosk-sim iccard``."""
    return HttpIcCardControl(control_url)
