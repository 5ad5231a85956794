"""Control of the ID card reader for the panel, the autopilot and tests: put a card on the pad.

Two implementations of :class:`kiosk.simcontrol.IdCardControl`:

- :class:`FakeIdCardControl` (``in_process(device)``) drives the in-process ``fake`` reader;
- :class:`HttpIdCardControl` (``over_http(url)``) drives ``kiosk-sim idcard`` through its
  control API (INTERFACES.md §2).

Both take a scenario person id or a full identity object for ``insert``, and the same fault
kinds: checksum, garbage, silence, sam_fail, read_fail (the simulator's list, plus a few more).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from devices.idcard.contract import IdCardError
from devices.idcard.fake import FakeIdCardReader
from kiosk.simcontrol import HttpControl

KIND = "idcard"

# Simulator fault kind -> the class error the fake raises for it (the same error the samv
# driver reports when the simulator injects that fault).
FAULTS: dict[str, IdCardError] = {
    "checksum": IdCardError.CHECKSUM_ERROR,
    "garbage": IdCardError.PROTOCOL_ERROR,
    "silence": IdCardError.NO_RESPONSE,
    "sam_fail": IdCardError.SAM_SELF_TEST_FAILED,
    "read_fail": IdCardError.READ_FAILED,
    "sam_unauthorised": IdCardError.SAM_NOT_AUTHORISED,
    "select_fail": IdCardError.SELECT_FAILED,
    "unknown_card": IdCardError.UNKNOWN_CARD_TYPE,
}


def _scenario_people(scenario: str | Path | None) -> list[dict[str, Any]]:
    # Imported here: the scenario loader belongs to the simulators' package (data only).
    from peripherals_sim.scenario import load_scenario

    return list(load_scenario(scenario).get("people") or [])


class FakeIdCardControl:
    """Plays the farmer on a :class:`FakeIdCardReader` in the same process."""

    kind = KIND

    def __init__(self, device: FakeIdCardReader, scenario: str | Path | None = None) -> None:
        self.device = device
        self._people = _scenario_people(scenario)

    def people(self) -> list[dict[str, Any]]:
        return [dict(p) for p in self._people]

    def insert(self, person: str | Mapping[str, Any]) -> None:
        if isinstance(person, str):
            from peripherals_sim.scenario import by_id

            person = by_id(self._people, person)
        self.device.insert(person)

    def remove(self) -> None:
        self.device.remove()

    def fault_kinds(self) -> Sequence[str]:
        return tuple(FAULTS)

    def set_fault(self, kind: str) -> None:
        if kind not in FAULTS:
            raise ValueError(f"unknown fault {kind!r} (one of {', '.join(FAULTS)})")
        self.device.set_fault(FAULTS[kind])

    def clear_fault(self) -> None:
        self.device.set_fault(None)


class HttpIdCardControl:
    """Plays the farmer on ``kiosk-sim idcard`` through its control API."""

    kind = KIND

    def __init__(self, control_url: str, timeout: float = 5.0) -> None:
        self.http = HttpControl(control_url, timeout)

    def people(self) -> list[dict[str, Any]]:
        return list(self.http.get("/scenario").get("people") or [])

    def insert(self, person: str | Mapping[str, Any]) -> None:
        body = {"person": person} if isinstance(person, str) else dict(person)
        self.http.post("/card", body)

    def remove(self) -> None:
        self.http.delete("/card")

    def fault_kinds(self) -> Sequence[str]:
        return tuple(FAULTS)

    def set_fault(self, kind: str, count: int | None = None) -> None:
        body: dict[str, Any] = {"kind": kind}
        if count is not None:
            body["count"] = count
        self.http.post("/fault", body)

    def clear_fault(self) -> None:
        self.http.delete("/fault")

    def log(self) -> list[dict[str, Any]]:
        """The simulator's command log (commands and status bytes, no personal data)."""
        return list(self.http.get("/log"))

    def state(self) -> dict[str, Any]:
        return dict(self.http.get("/state"))


def in_process(device: FakeIdCardReader) -> FakeIdCardControl:
    """The control over the in-process fake reader."""
    return FakeIdCardControl(device)


def over_http(control_url: str) -> HttpIdCardControl:
    """The control over a running ``kiosk-sim idcard``."""
    return HttpIdCardControl(control_url)
