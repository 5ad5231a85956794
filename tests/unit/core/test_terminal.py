"""The terminal service (Qt-free): availability and why from device and host states, the
sign-in through the host worker, and the safe-point handshake."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from devices.base import Completion, CompletionCode, DeviceState, DeviceStatus
from devices.printer.contract import PaperState, PrinterStatus
from kiosk.host.client import HostStatus
from kiosk.terminal import Need, TerminalMode, TerminalService, Why

ALL = ("idcard", "iccard", "printer", "pinpad", "host")


def online(terminal: TerminalService, *kinds: str) -> None:
    for kind in kinds:
        terminal.device_status(kind, DeviceStatus(DeviceState.ONLINE))


def signed_in_host(signed: bool = True) -> HostStatus:
    return HostStatus(DeviceState.ONLINE, signed_in=signed)


class Submitted:
    """Records what the terminal asked of the host worker; the test answers."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, Callable[[Completion[Any]], None]]] = []

    def submit(self, kind: str, command: str, *args: Any,
               on_done: Callable[[Completion[Any]], None], **kwargs: Any) -> object:
        self.calls.append((kind, command, on_done))
        return object()


def test_everything_up_offers_every_need() -> None:
    t = TerminalService()
    t.attach(Submitted(), ALL)
    online(t, "idcard", "iccard", "printer", "pinpad")
    t.device_status("printer", PrinterStatus(DeviceState.ONLINE, paper=PaperState.OK))
    t.set_host_status(signed_in_host())
    t.money = lambda: (True, None)  # the journal writable, nothing unresolved
    assert t.availability(set(Need) - {Need.STAFF}).ok
    assert t.host_ready


def test_each_missing_need_has_its_reason() -> None:
    t = TerminalService()
    t.attach(Submitted(), ("idcard", "printer", "pinpad", "host"))  # no bank card reader
    online(t, "idcard", "pinpad")
    t.device_status("printer", PrinterStatus(DeviceState.ONLINE, paper=PaperState.OUT))
    t.set_host_status(HostStatus(DeviceState.OFFLINE, signed_in=False))
    assert t.availability([Need.ID_CARD]).ok
    assert t.availability([Need.BANK_CARD]).reason is Why.BANK_READER_DOWN
    assert t.availability([Need.PRINTER]).reason is Why.PAPER_OUT
    assert t.availability([Need.HOST]).reason is Why.HOST_OFFLINE
    assert t.availability([Need.STAFF]).reason is Why.STAFF_NEEDED
    both = t.availability([Need.HOST, Need.PRINTER])
    assert both.reasons == (Why.HOST_OFFLINE, Why.PAPER_OUT) and not both.ok
    t.device_status("idcard", DeviceStatus(DeviceState.HARDWARE_ERROR))
    assert t.availability([Need.ID_CARD]).reason is Why.ID_READER_DOWN
    assert t.availability([]).ok  # the calculator needs nothing


def test_host_online_but_not_signed_in_signs_in_once_and_is_ready_after() -> None:
    requests = Submitted()
    t = TerminalService()
    t.attach(requests, ALL)
    t.set_host_status(signed_in_host(False))
    t.set_host_status(signed_in_host(False))  # a second heartbeat while the first is running
    assert [(k, c) for k, c, _ in requests.calls] == [("host", "sign_in")]
    assert t.availability([Need.HOST]).reason is Why.NOT_SIGNED_IN
    requests.calls[0][2](Completion(1, CompletionCode.SUCCESS))
    assert t.sign_in_outcome is True and not t.signing_in
    t.set_host_status(signed_in_host(True))
    assert t.availability([Need.HOST]).ok


def test_failed_sign_in_is_remembered_and_retried_when_the_host_comes_back() -> None:
    requests = Submitted()
    t = TerminalService()
    t.attach(requests, ALL)
    t.set_host_status(signed_in_host(False))
    requests.calls[0][2](Completion(1, CompletionCode.TIMEOUT))
    assert t.sign_in_outcome is False
    t.set_host_status(signed_in_host(False))
    assert len(requests.calls) == 2


class Journey:
    """A stand-in for the runner's side of the handshake, driven by the test."""

    def __init__(self) -> None:
        self.active = False
        self.in_flight = False
        self.interrupted = 0

    def journey_active(self) -> bool:
        return self.active

    def work_in_flight(self) -> bool:
        return self.in_flight

    def interrupt(self) -> None:
        self.interrupted += 1


def test_mode_change_with_no_journey_is_granted_at_once() -> None:
    t = TerminalService()
    granted: list[str] = []
    assert t.request_mode(TerminalMode.STAFF, lambda: granted.append("staff"))
    assert t.mode is TerminalMode.STAFF and granted == ["staff"]
    assert not t.accepting_journeys


def test_mode_change_waits_for_the_host_call_then_ends_the_journey_then_grants() -> None:
    t = TerminalService()
    j = Journey()
    t.journey = j
    j.active, j.in_flight = True, True
    t.journey_started()
    assert t.mode is TerminalMode.SELF_SERVICE
    assert not t.request_mode(TerminalMode.TECHNICIAN)
    assert t.pending == ["mode:technician"] and not t.accepting_journeys
    assert j.interrupted == 0  # a host call is in flight: wait
    j.in_flight = False
    t.safe_point()  # the runner: the call finished
    assert j.interrupted == 1 and t.mode is TerminalMode.SELF_SERVICE
    t.safe_point()  # cards still being returned: not granted twice, not interrupted again
    assert j.interrupted == 1
    j.active = False
    t.journey_ended()  # cards returned, session wiped
    assert t.mode is TerminalMode.TECHNICIAN and t.pending == []


def test_shutdown_waits_for_a_safe_point() -> None:
    t = TerminalService()
    j = Journey()
    t.journey = j
    j.active, j.in_flight = True, True
    quit_calls: list[int] = []
    assert not t.request_shutdown(lambda: quit_calls.append(1))
    t.safe_point()
    assert quit_calls == []
    j.in_flight = False
    t.safe_point()
    j.active = False
    t.journey_ended()
    assert quit_calls == [1]


def test_help_request_is_seen_until_the_journey_ends() -> None:
    t = TerminalService()
    seen: list[bool] = []
    t.add_listener(lambda: seen.append(t.help_requested))
    t.ask_for_help()
    assert t.help_requested and seen[-1]
    t.journey_ended()
    assert not t.help_requested


def test_every_reason_has_farmer_words_in_both_languages() -> None:
    from kiosk.i18n import Translator

    for lang in ("zh_CN", "en"):
        tr = Translator(lang)
        for why in Why:
            assert tr(why.msgid) != why.msgid, (lang, why)


def test_out_of_service_from_the_operations_desk_offers_nothing() -> None:
    t = TerminalService()
    t.attach(Submitted(), ALL)
    assert t.availability([]).ok
    t.modes.force_out_of_service("remote")
    assert t.availability([]).reason is Why.OUT_OF_SERVICE
    t.modes.force_out_of_service(None)
    assert t.availability([]).ok


def test_money_needs_the_journal_and_says_why_not() -> None:
    t = TerminalService()
    t.attach(Submitted(), ALL)
    assert t.availability([Need.MONEY]).reason is Why.MONEY_DOWN  # no journal wired
    answer: list[tuple[bool, str | None]] = [(True, None)]
    t.money = lambda: answer[0]
    assert t.availability([Need.MONEY]).ok
    answer[0] = (False, "JOURNAL-UNRESOLVED")
    assert t.availability([Need.MONEY]).reason is Why.MONEY_PENDING
    answer[0] = (False, "JOURNAL-DISK-FULL")
    assert t.availability([Need.MONEY]).reason is Why.MONEY_DOWN
