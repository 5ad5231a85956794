"""The terminal service (Qt-free): one owner for the terminal's mode, what it can offer and why
not, the terminal sign-in with the host, and the safe-point handshake.

- **Mode** (:class:`TerminalMode`): attract, self-service, supervised, staff, technician, out of
  service. The service level underneath (starting / in service / degraded / out of service,
  from the device states) stays in :class:`kiosk.modes.ModesChart`, which this service owns.
- **Availability**: a journey declares what it :class:`Need`\\ s (ID card, bank card + PIN,
  host online, printer with paper, staff authorisation); :meth:`TerminalService.availability`
  says whether it can run now and, if not, :class:`Why` (each reason has farmer words in the
  catalogs: ``terminal.why.<value>``).
- **Sign-in**: business date, PIK and MAK loaded into the PIN pad through its worker; repeated
  when the host link comes back unsigned. ``host_ready`` lives here, once.
- **Safe points**: :meth:`request_mode` and :meth:`request_shutdown` wait until the running
  journey has nothing in flight that must finish (a host call, a print), then end it (cards
  returned, session wiped) and only then grant the change.

Every method runs on the GUI thread; device results come back through
:class:`kiosk.requests.Requests`, whose callbacks run there too.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from devices.base import Completion, DeviceState
from kiosk.modes import Mode, ModesChart

log = logging.getLogger(__name__)


class TerminalMode(StrEnum):
    ATTRACT = "attract"
    SELF_SERVICE = "selfService"
    SUPERVISED = "supervised"
    STAFF = "staff"
    TECHNICIAN = "technician"
    OUT_OF_SERVICE = "outOfService"


class Need(StrEnum):
    """What a journey needs to run."""

    ID_CARD = "idCard"  # the ID card reader
    BANK_CARD = "bankCard"  # the bank card reader and the PIN pad (identification by PIN)
    HOST = "host"  # the host online and the terminal signed in
    PRINTER = "printer"  # the printer with paper
    STAFF = "staff"  # a staff member signed in beside the farmer
    MONEY = "money"  # money may move: the journal writable, no transaction left unresolved


class Why(StrEnum):
    """Why a need is not met (farmer words: ``terminal.why.<value>`` in the catalogs)."""

    STARTING = "starting"
    ID_READER_DOWN = "id_reader_down"
    BANK_READER_DOWN = "bank_reader_down"
    PINPAD_DOWN = "pinpad_down"
    HOST_OFFLINE = "host_offline"
    NOT_SIGNED_IN = "not_signed_in"
    PRINTER_DOWN = "printer_down"
    PAPER_OUT = "paper_out"
    STAFF_NEEDED = "staff_needed"
    MONEY_PENDING = "money_pending"  # an earlier transaction is still being confirmed
    MONEY_DOWN = "money_down"  # the journal cannot be written (disk, damage): money stops
    OUT_OF_SERVICE = "out_of_service"

    @property
    def msgid(self) -> str:
        return f"terminal.why.{self.value}"


@dataclass(frozen=True)
class Availability:
    """Whether a set of needs is met now; ``reasons`` in the order the needs were given."""

    reasons: tuple[Why, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.reasons

    @property
    def reason(self) -> Why | None:
        return self.reasons[0] if self.reasons else None


UP_STATES = frozenset({DeviceState.ONLINE, DeviceState.BUSY})
DEVICE_KINDS = ("idcard", "iccard", "printer", "pinpad")


class JourneyHost(Protocol):
    """What the terminal needs of the journey runner for the safe-point handshake."""

    def journey_active(self) -> bool: ...

    def work_in_flight(self) -> bool: ...

    def interrupt(self) -> None: ...


class Submitter(Protocol):
    def submit(self, kind: str, command: str, *args: Any,
               on_done: Callable[[Completion[Any]], None], **kwargs: Any) -> Any: ...


Listener = Callable[[], None]


class TerminalService:
    """Owns the mode, availability, sign-in and safe points (see the module docstring)."""

    def __init__(self, devices: Iterable[str] = DEVICE_KINDS,
                 mandatory: Iterable[str] = ("idcard",)) -> None:
        self.modes = ModesChart(devices, mandatory)
        self.mode = TerminalMode.ATTRACT
        self.states: dict[str, DeviceState] = {}
        self.printer_problem: Any = None  # PrinterError while no receipt can be printed
        self.configured: set[str] = set()  # kinds with a worker ("host" included)
        self.host_status: Any = None
        self.staff: str | None = None
        self.sign_in_outcome: bool | None = None
        self.help_requested = False
        self.requests: Submitter | None = None
        self.clock: Any = None  # kiosk.clock.ClockGuard: the host's time seen at each sign-in
        # kiosk.transactions.TransactionsService.money_available: (ok, error code or None)
        self.money: Callable[[], tuple[bool, str | None]] | None = None
        self._sign_in_sent = 0.0
        self.journey: JourneyHost | None = None
        self._sign_in: Any = None
        self._pending: list[tuple[str, Callable[[], None]]] = []  # (what, then)
        self._interrupting = False
        self._listeners: list[Listener] = []
        self.modes.add_listener(self._on_service_level)

    # --- listeners ----------------------------------------------------------------------------

    def add_listener(self, fn: Listener) -> None:
        """``fn()`` after anything that may change availability or the mode."""
        self._listeners.append(fn)

    def remove_listener(self, fn: Listener) -> None:
        if fn in self._listeners:
            self._listeners.remove(fn)

    def _on_service_level(self, old: Mode, new: Mode) -> None:
        self._changed()

    def _changed(self) -> None:
        for fn in list(self._listeners):
            fn()

    # --- device and host states ---------------------------------------------------------------

    def device_status(self, kind: str, status: Any) -> None:
        """A device's status (a ``DeviceStatus``; the printer's says whether it has paper)."""
        if kind == "host":
            self.set_host_status(status)
            return
        self.states[kind] = status.device
        if kind == "printer":
            self.printer_problem = getattr(status, "problem", None)
        self.modes.device_state(kind, status.device)
        self._changed()

    def device_state(self, kind: str, state: DeviceState) -> None:
        """A bare state (a device with no worker: ``noDevice``)."""
        self.states[kind] = state
        self.modes.device_state(kind, state)
        self._changed()

    def set_host_status(self, status: Any) -> None:
        self.host_status = status
        state = status.device
        online = None if state is DeviceState.UNKNOWN else state is DeviceState.ONLINE
        self.modes.host_state(online)
        if online and not getattr(status, "signed_in", True):
            self.sign_in()
        self._changed()

    @property
    def host_online(self) -> bool:
        return self.host_status is not None and self.host_status.device is DeviceState.ONLINE

    @property
    def host_signed_in(self) -> bool:
        """The terminal is signed in with the host (the PIN pad holds the host's keys)."""
        return bool(self.host_status is not None and self.host_status.signed_in)

    @property
    def host_ready(self) -> bool:
        """The host answers and the terminal is signed in."""
        return self.host_online and self.host_signed_in

    def _up(self, kind: str) -> bool:
        """Configured and not reported down (a state not heard yet counts as up: the
        command itself then says what is wrong, in plain words)."""
        state = self.states.get(kind, DeviceState.UNKNOWN)
        return kind in self.configured and (state in UP_STATES or state is DeviceState.UNKNOWN)

    # --- availability -------------------------------------------------------------------------

    def availability(self, needs: Iterable[Need]) -> Availability:
        """Whether a journey needing ``needs`` can run now, and why not."""
        reasons: list[Why] = []
        if self.mode is TerminalMode.OUT_OF_SERVICE or self.modes.forced_reason is not None:
            return Availability((Why.OUT_OF_SERVICE,))
        for need in needs:
            why = self._why_not(need)
            if why is not None and why not in reasons:
                reasons.append(why)
        return Availability(tuple(reasons))

    def _why_not(self, need: Need) -> Why | None:
        if need is Need.ID_CARD:
            return None if self._up("idcard") else Why.ID_READER_DOWN
        if need is Need.BANK_CARD:
            if not self._up("iccard"):
                return Why.BANK_READER_DOWN
            return None if self._up("pinpad") else Why.PINPAD_DOWN
        if need is Need.HOST:
            if "host" not in self.configured or not self.host_online:
                return Why.HOST_OFFLINE
            return None if self.host_signed_in else Why.NOT_SIGNED_IN
        if need is Need.PRINTER:
            if not self._up("printer"):
                return Why.PRINTER_DOWN
            problem = self.printer_problem
            if problem is not None:
                return Why.PAPER_OUT if "paper" in str(problem.value) else Why.PRINTER_DOWN
            return None
        if need is Need.STAFF:
            return None if self.staff else Why.STAFF_NEEDED
        if need is Need.MONEY:
            if self.money is None:
                return Why.MONEY_DOWN
            ok, code = self.money()
            if ok:
                return None
            return Why.MONEY_PENDING if code == "JOURNAL-UNRESOLVED" else Why.MONEY_DOWN
        return None

    # --- the terminal sign-in -----------------------------------------------------------------

    def attach(self, requests: Submitter, configured: Iterable[str]) -> None:
        """The workers exist (``configured`` kinds, the host included)."""
        self.requests = requests
        self.configured = set(configured)
        self._changed()

    def sign_in(self) -> None:
        """Terminal sign-in (business date, PIK and MAK into the PIN pad), one at a time."""
        if self.requests is None or "host" not in self.configured or self._sign_in is not None:
            return
        if "pinpad" not in self.configured:
            log.info("no PIN pad: signing in without loading working keys")
        self._sign_in_sent = time.time()
        self._sign_in = self.requests.submit("host", "sign_in", on_done=self._signed_in)

    @property
    def signing_in(self) -> bool:
        return self._sign_in is not None

    def _signed_in(self, completion: Completion[Any]) -> None:
        self._sign_in = None
        self.sign_in_outcome = bool(completion.ok)
        # the host's real clock when it gives one: its host_datetime carries the business date,
        # which a simulated host (and a host in a day-end replay) may set to another day
        host_time = (getattr(completion.data, "server_time", None)
                     or getattr(completion.data, "host_datetime", None))
        if completion.ok and host_time and self.clock is not None:
            self.clock.record(host_time, self._sign_in_sent, time.time())  # kiosk/clock.py
        if completion.ok:
            log.info("terminal signed in with the host (business date %s)",
                     getattr(completion.data, "business_date", "?"))
        else:
            log.warning("terminal sign-in failed: %s %s", completion.code.value,
                        completion.error)
        self._changed()

    @staticmethod
    def wire_host_to_pinpad(client: Any, pinpad_worker: Any) -> None:
        """The host client loads its working keys into the PIN pad and gets its MACs from it,
        each through the PIN pad's worker (the pad's port stays owned by its worker)."""
        if client is None or pinpad_worker is None:
            return
        from kiosk.host.worker import load_keys_via_worker, mac_via_worker

        if getattr(client, "key_loader", None) is None:
            client.key_loader = load_keys_via_worker(pinpad_worker)
        if getattr(client, "mac_provider", None) is None:
            client.mac_provider = mac_via_worker(pinpad_worker)

    # --- mode and the safe-point handshake ----------------------------------------------------

    @property
    def accepting_journeys(self) -> bool:
        """A farmer may start a journey (no mode change or shutdown is waiting)."""
        return not self._pending and self.mode not in (
            TerminalMode.STAFF, TerminalMode.TECHNICIAN, TerminalMode.OUT_OF_SERVICE)

    @property
    def service_level(self) -> Mode:
        return self.modes.mode

    def journey_started(self, supervised: bool = False) -> None:
        if self.mode is TerminalMode.ATTRACT:
            self.mode = TerminalMode.SUPERVISED if (supervised or self.staff) else (
                TerminalMode.SELF_SERVICE)

    def request_mode(self, mode: TerminalMode, then: Callable[[], None] | None = None) -> bool:
        """Change the mode at the next safe point; True when it was granted at once."""
        return self._request(f"mode:{mode.value}", _SetMode(self, mode, then))

    def request_shutdown(self, then: Callable[[], None]) -> bool:
        """Call ``then`` (quit) at the next safe point; True when that was at once."""
        return self._request("shutdown", then)

    def _request(self, what: str, then: Callable[[], None]) -> bool:
        self._pending.append((what, then))
        log.info("%s requested: waiting for a safe point", what)
        self.safe_point()
        return not self._pending

    @property
    def pending(self) -> list[str]:
        return [what for what, _ in self._pending]

    def at_safe_point(self) -> bool:
        """Nothing a farmer started is running."""
        return self.journey is None or not self.journey.journey_active()

    def safe_point(self) -> None:
        """The runner calls this whenever work finished or a journey ended: grant what waits
        once nothing is in flight (ending the journey first if one is running)."""
        if not self._pending:
            return
        journey = self.journey
        if journey is not None and journey.journey_active():
            if journey.work_in_flight() or self._interrupting:
                return
            self._interrupting = True
            log.info("safe point: ending the journey for %s", self._pending[0][0])
            journey.interrupt()  # returns cards, wipes; calls safe_point() again when ended
            return
        self._interrupting = False
        pending, self._pending = self._pending, []
        for what, then in pending:
            log.info("granted at a safe point: %s", what)
            then()
        self._changed()

    def journey_ended(self) -> None:
        if self.mode in (TerminalMode.SELF_SERVICE, TerminalMode.SUPERVISED):
            self.mode = TerminalMode.ATTRACT
        self.help_requested = False
        self.safe_point()
        self._changed()

    def ask_for_help(self) -> None:
        """呼叫工作人员: the staff see it in the status strip until the session ends."""
        if self.help_requested:
            return
        self.help_requested = True
        log.warning("the farmer asks for help")
        self._changed()

    def _set_mode(self, mode: TerminalMode) -> None:
        log.info("terminal mode %s -> %s", self.mode.value, mode.value)
        self.mode = mode


class _SetMode:
    def __init__(self, terminal: TerminalService, mode: TerminalMode,
                 then: Callable[[], None] | None) -> None:
        self.terminal, self.mode, self.then = terminal, mode, then

    def __call__(self) -> None:
        self.terminal._set_mode(self.mode)
        if self.then is not None:
            self.then()
