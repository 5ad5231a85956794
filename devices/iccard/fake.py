"""The ``fake`` backend: an in-process bank card reader driven by the scenario's ``cards``.

A first-class backend (the python-can ``virtual`` pattern), not a mock: it keeps the same
contract as ``pcsc`` - waiting for a card with cancel, the application choice rule, expiry and
PAN checks, ``CardRemoved`` from ``poll`` - and is scripted by the simulator panel, the
autopilot and tests: :meth:`insert`, :meth:`remove`, :meth:`set_fault`, :meth:`clear_fault`.
Thread-safe: the control side runs on the GUI or a test thread, the commands on the worker.
"""

from __future__ import annotations

import calendar
import datetime as dt
import threading
from collections.abc import Callable, Sequence
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from devices.base import (
    CancelToken,
    CardInserted,
    CardRemoved,
    DeviceState,
    EventSink,
    discard_events,
)
from devices.iccard.contract import (
    DEFAULT_AIDS,
    KIND,
    CardAccount,
    CardApplication,
    IccardError,
    IccardStatus,
    MediaState,
    iccard_error,
)
from devices.iccard.emv import luhn_ok, order_candidates

FAULT_KINDS = ("mute", "remove_during_read", "no_ppse", "blocked", "not_pboc", "sw", "no_reader")

LABELS = {
    "A000000333010101": "PBOC DEBIT",
    "A000000333010102": "PBOC CREDIT",
    "A000000333010103": "PBOC QUASI CREDIT",
    "A000000333010106": "PBOC E-CASH",
}


def _demo_scenario() -> dict[str, Any]:
    ref = resources.files("peripherals_sim").joinpath("scenarios/demo.yaml")
    data: dict[str, Any] = yaml.safe_load(ref.read_text(encoding="utf-8")) or {}
    return data


def _last_day(expiry: str) -> dt.date:
    year, month = (int(x) for x in str(expiry).split("-")[:2])
    return dt.date(year, month, calendar.monthrange(year, month)[1])


class FakeIcCardReader:
    """In-process bank card reader (registry ``iccard.fake``).

    ``scenario``: a scenario YAML path (default: the demo scenario); ``cards``/``people``
    override its sections. ``insert``: a card id inserted from the start. ``mute_seconds``:
    how long a mute card keeps the read waiting before ``CARD_MUTE``.
    """

    kind = KIND
    status_type = IccardStatus

    def __init__(
        self,
        scenario: str | None = None,
        *,
        cards: Sequence[dict[str, Any]] | None = None,
        people: Sequence[dict[str, Any]] | None = None,
        aids: Sequence[str] = DEFAULT_AIDS,
        selection: str = "ask",
        insert: str | None = None,
        mute_seconds: float = 0.2,
        clock: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        data: dict[str, Any] = {}
        if cards is None or people is None:
            if scenario:
                data = yaml.safe_load(Path(scenario).read_text(encoding="utf-8")) or {}
            else:
                data = _demo_scenario()
        self._cards = [dict(c) for c in (cards if cards is not None else data.get("cards", []))]
        self._people = [dict(p) for p in (people if people is not None
                                          else data.get("people", []))]
        self.aids = tuple(a.upper() for a in aids)
        if selection not in ("ask", "priority"):
            raise ValueError(f"selection must be 'ask' or 'priority', not {selection!r}")
        self.selection = selection
        self.mute_seconds = mute_seconds
        self._clock = clock
        self._cond = threading.Condition()
        self._card: dict[str, Any] | None = None
        self._fault: dict[str, Any] = {}
        self._opened = False
        self._last_present: bool | None = None
        self.reads = 0
        if insert:
            self.insert(insert)

    # scripting (any thread) ------------------------------------------------------------

    def cards(self) -> list[dict[str, Any]]:
        """The scenario's cards (copies)."""
        return [dict(c) for c in self._cards]

    def fault_kinds(self) -> tuple[str, ...]:
        return FAULT_KINDS

    def insert(self, card_id: str) -> None:
        """Put the scenario card ``card_id`` into the reader (KeyError if unknown)."""
        card = next((c for c in self._cards if str(c.get("id")) == card_id), None)
        if card is None:
            raise KeyError(card_id)
        with self._cond:
            self._card = card
            self._cond.notify_all()

    def remove(self) -> str | None:
        """Take the card out; returns its id."""
        with self._cond:
            card, self._card = self._card, None
            self._cond.notify_all()
        return None if card is None else str(card["id"])

    def inserted(self) -> str | None:
        with self._cond:
            return None if self._card is None else str(self._card["id"])

    def set_fault(self, kind: str, **params: Any) -> None:
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r} (one of {', '.join(FAULT_KINDS)})")
        with self._cond:
            self._fault = {"kind": kind, **params}
            self._cond.notify_all()

    def clear_fault(self) -> None:
        with self._cond:
            self._fault = {}
            self._cond.notify_all()

    # life cycle ------------------------------------------------------------------------

    def _check_reader(self) -> None:
        if self._fault.get("kind") == "no_reader":
            raise iccard_error(IccardError.NO_READER, "fake reader unplugged")

    def open(self) -> None:
        self._check_reader()
        self._opened = True

    def close(self) -> None:
        self._opened = False

    def probe(self) -> IccardStatus:
        self._check_reader()
        present = self.card_present()
        return IccardStatus(
            device=DeviceState.ONLINE,
            media=MediaState.PRESENT if present else MediaState.NOT_PRESENT,
            reader="Fake IC card reader",
        )

    def poll(self, events: EventSink) -> None:
        self._check_reader()
        present = self.card_present()
        if self._last_present and not present:
            events(CardRemoved())
        self._last_present = present

    # commands --------------------------------------------------------------------------

    def card_present(self) -> bool:
        with self._cond:
            return self._card is not None

    def _wait_card(self, wait: bool, events: EventSink, cancel: CancelToken) -> dict[str, Any]:
        self._check_reader()
        with self._cond:
            if self._card is None and not wait:
                raise iccard_error(IccardError.NO_CARD, "no card in the reader")
            waited = False
            while self._card is None:
                cancel.raise_if_cancelled()
                self._cond.wait(0.05)
                waited = True
            card = self._card
        if waited:
            events(CardInserted())
        self._last_present = True
        return card

    def _applications(self, card: dict[str, Any]) -> list[dict[str, Any]]:
        chip = card.get("chip") or {}
        apps = chip.get("applications") or [{"aid": "A000000333010101"}]
        out = []
        for a in apps:
            app = dict(a)
            app["aid"] = str(app["aid"]).upper()
            app.setdefault("label", LABELS.get(app["aid"], "UNIONPAY"))
            app.setdefault("priority", 1)
            out.append(app)
        return out

    def _candidates(self, card: dict[str, Any]) -> list[CardApplication]:
        kind = self._fault.get("kind")
        if kind == "not_pboc":
            raise iccard_error(IccardError.NOT_PBOC, "no UnionPay application on the card")
        if kind == "sw" and self._fault.get("command") == "select":
            raise iccard_error(IccardError.UNKNOWN_STATUS,
                               f"{self._fault.get('sw', '6F00')} on SELECT")
        apps = [CardApplication(a["aid"], str(a["label"]), int(a["priority"]))
                for a in self._applications(card)]
        found = order_candidates(apps, self.aids)
        if not found:
            raise iccard_error(IccardError.NOT_PBOC, "no UnionPay application on the card")
        return found

    def _mute(self, cancel: CancelToken) -> None:
        if cancel.wait(self.mute_seconds):
            cancel.raise_if_cancelled()
        raise iccard_error(IccardError.CARD_MUTE, "fake card does not answer")

    def list_applications(
        self,
        *,
        wait: bool = True,
        events: EventSink = discard_events,
        cancel: CancelToken | None = None,
    ) -> tuple[CardApplication, ...]:
        token = cancel or CancelToken()
        card = self._wait_card(wait, events, token)
        if self._fault.get("kind") == "mute":
            self._mute(token)
        return tuple(self._candidates(card))

    def read_account(
        self,
        *,
        wait: bool = True,
        aid: str | None = None,
        amount: Decimal = Decimal("0"),
        events: EventSink = discard_events,
        cancel: CancelToken | None = None,
    ) -> CardAccount:
        token = cancel or CancelToken()
        card = self._wait_card(wait, events, token)
        self.reads += 1
        kind = self._fault.get("kind")
        if kind == "mute":
            self._mute(token)
        if kind == "remove_during_read":
            self.remove()
            self._last_present = False
            raise iccard_error(IccardError.CARD_REMOVED, "card pulled during the read")
        candidates = self._candidates(card)
        if aid:
            candidates = [c for c in candidates if c.aid.startswith(aid.upper())]
            if not candidates:
                raise iccard_error(IccardError.NOT_PBOC, f"application {aid} not on the card")
        elif len(candidates) > 1 and self.selection == "ask":
            listed = ", ".join(f"{c.aid} {c.label}".strip() for c in candidates)
            raise iccard_error(IccardError.APPLICATION_CHOICE_REQUIRED, listed)
        if kind == "blocked":
            raise iccard_error(IccardError.APPLICATION_BLOCKED, "6283 on SELECT AID")
        if kind == "sw":
            raise iccard_error(IccardError.UNKNOWN_STATUS,
                               f"{self._fault.get('sw', '6F00')} on GPO")
        chosen = candidates[0]
        app = next(a for a in self._applications(card) if a["aid"] == chosen.aid)
        return self._account(card, app, chosen)

    def _account(self, card: dict[str, Any], app: dict[str, Any], chosen: CardApplication
                 ) -> CardAccount:
        pan = str(app.get("pan") or card["pan"])
        if not luhn_ok(pan):
            raise iccard_error(IccardError.INVALID_DATA, "PAN check digit wrong")
        expiry_date = _last_day(str(app.get("expiry") or card["expiry"]))
        expiry = f"{expiry_date.year:04d}-{expiry_date.month:02d}"
        if expiry_date < self._clock():
            raise iccard_error(IccardError.EXPIRED, f"card expired {expiry}")
        chip = card.get("chip") or {}
        name = id_number = id_type = None
        if chip.get("holder_data"):
            person = next((p for p in self._people if p.get("id") == card.get("person")), None)
            if person is not None:
                name = str(person.get("name") or "") or None
                id_number = str(person.get("id_number") or "") or None
                id_type = "resident_id" if id_number else None
        track2_only = app.get("layout") == "track2_only"
        return CardAccount(
            aid=chosen.aid,
            label=chosen.label,
            pan=pan,
            pan_sequence=None if track2_only else str(app.get("pan_sequence", "01")),
            expiry=expiry,
            cardholder_name=name,
            id_number=id_number,
            id_type=id_type,
            track2_present=True,
            expiry_date=expiry_date,
        )

    def wait_for_removal(
        self, *, events: EventSink = discard_events, cancel: CancelToken | None = None
    ) -> None:
        token = cancel or CancelToken()
        with self._cond:
            was_present = self._card is not None
            while self._card is not None:
                token.raise_if_cancelled()
                self._cond.wait(0.05)
        self._last_present = False
        if was_present:
            events(CardRemoved())
