"""The bank card reader contract, run on every backend: ``fake`` and ``pcsc`` (real pcscd +
vpcd + ``kiosk-sim iccard``)."""

from __future__ import annotations

import queue
import threading
import time
from typing import Any

import pytest

from devices.base import (
    CardInserted,
    CardRemoved,
    Completion,
    CompletionCode,
    DeviceState,
    StatusChanged,
    run_command,
)
from devices.iccard.contract import CardApplication, IccardError, IccardStatus, MediaState
from devices.worker import DeviceWorker

from .conftest import CARDS, Harness, expected_account, make_harness

READABLE = [c for c in CARDS if c not in ("expired_debit", "wang_dual")]


@pytest.mark.parametrize("card_id", READABLE)
def test_reads_every_scenario_card(harness: Harness, card_id: str):
    harness.insert(card_id)
    c = run_command(harness.device, "read_account", wait=True)
    assert c.ok, c
    assert c.data.to_json(reveal=True) == expected_account(card_id)


def test_account_json_is_masked_unless_revealed(harness: Harness):
    harness.insert("zhang_debit")
    account = run_command(harness.device, "read_account").data
    masked = account.to_json()
    assert masked["pan"] == "621799*********4561"
    assert masked["cardholder_name"] == "张*国"
    assert masked["id_number"] == "610425********301X"
    assert "6217991000001234561" not in repr(account)


def test_expired_card_is_refused_as_user_error(harness: Harness):
    harness.insert("expired_debit")
    c = run_command(harness.device, "read_account")
    assert (c.code, c.error) == (CompletionCode.USER_ERROR, IccardError.EXPIRED)


def test_card_with_two_applications_asks_which_one(harness: Harness):
    harness.insert("wang_dual")
    ask = run_command(harness.device, "read_account")
    assert ask.error is IccardError.APPLICATION_CHOICE_REQUIRED
    listed = run_command(harness.device, "list_applications")
    assert listed.ok
    assert [(a.aid, a.label) for a in listed.data] == [
        ("A000000333010101", "PBOC DEBIT"), ("A000000333010102", "PBOC CREDIT")]
    assert all(isinstance(a, CardApplication) for a in listed.data)
    credit = run_command(harness.device, "read_account", aid="A000000333010102")
    assert credit.data.to_json(True) == expected_account("wang_dual", 1)


@pytest.mark.pcsc
def test_priority_selection_takes_the_first_application(request):
    for backend in ("fake", "pcsc"):
        h = make_harness(backend, request, selection="priority")
        try:
            h.insert("wang_dual")
            c = run_command(h.device, "read_account")
            assert c.ok and c.data.aid == "A000000333010101", (backend, c)
        finally:
            h.control.remove()
            h.device.close()


def test_no_card_without_waiting_is_no_card(harness: Harness):
    harness.remove()
    c = run_command(harness.device, "read_account", wait=False)
    assert (c.code, c.error) == (CompletionCode.USER_ERROR, IccardError.NO_CARD)


def _worker(h: Harness, out: queue.Queue[Any]) -> DeviceWorker:
    w = DeviceWorker("iccard", h.device, out.put, probe_interval=0.3, poll_interval=0.05,
                     reopen_backoff=(0.2, 0.5), default_timeout=20)
    w.start()
    return w


def _until(out: queue.Queue[Any], pred, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        item = out.get(timeout=max(0.01, deadline - time.monotonic()))
        if pred(item):
            return item


def test_waiting_read_reports_card_inserted_then_the_account(harness: Harness):
    harness.remove()
    harness.device.close()
    out: queue.Queue[Any] = queue.Queue()
    w = _worker(harness, out)
    try:
        handle = w.submit("read_account", wait=True)
        time.sleep(0.2)
        harness.control.insert("li_debit")
        inserted = _until(out, lambda i: isinstance(i, CardInserted))
        assert inserted.request_id == handle.request_id
        done = handle.wait(15)
        assert done.ok and done.data.pan == "6217991000002345671"
    finally:
        w.stop()


def test_waiting_read_is_cancelled(harness: Harness):
    harness.remove()
    harness.device.close()
    out: queue.Queue[Any] = queue.Queue()
    w = _worker(harness, out)
    try:
        handle = w.submit("read_account", wait=True)
        time.sleep(0.3)
        handle.cancel()
        assert handle.wait(5).code is CompletionCode.CANCELED
    finally:
        w.stop()


def test_removal_outside_a_command_is_noticed(harness: Harness):
    harness.insert("zhao_debit")
    harness.wait_present(True)
    harness.device.close()
    out: queue.Queue[Any] = queue.Queue()
    w = _worker(harness, out)
    try:
        assert w.call("read_account", timeout=15).ok
        online = _until(out, lambda i: isinstance(i, StatusChanged)
                        and i.new.media is MediaState.PRESENT)
        assert online.new.device is DeviceState.ONLINE
        harness.control.remove()
        removed = _until(out, lambda i: isinstance(i, CardRemoved))
        assert removed.device == "iccard"
    finally:
        w.stop()


def test_wait_for_removal_returns_when_the_card_is_taken(harness: Harness):
    harness.insert("li_debit")
    harness.wait_present(True)
    events: list[Any] = []
    threading.Timer(0.3, harness.control.remove).start()
    c = run_command(harness.device, "wait_for_removal", events=events.append)
    assert c.ok and any(isinstance(e, CardRemoved) for e in events)


def test_probe_reports_the_media(harness: Harness):
    harness.insert("li_debit")
    harness.wait_present(True)
    status = run_command(harness.device, "probe").data
    assert isinstance(status, IccardStatus)
    assert (status.device, status.media) == (DeviceState.ONLINE, MediaState.PRESENT)
    harness.remove()
    assert run_command(harness.device, "probe").data.media is MediaState.NOT_PRESENT


FAULTS = [
    ({"kind": "mute", "seconds": 0.3}, CompletionCode.TIMEOUT, IccardError.CARD_MUTE),
    ({"kind": "remove_during_read"}, CompletionCode.USER_ERROR, IccardError.CARD_REMOVED),
    ({"kind": "blocked"}, CompletionCode.USER_ERROR, IccardError.APPLICATION_BLOCKED),
    ({"kind": "not_pboc"}, CompletionCode.USER_ERROR, IccardError.NOT_PBOC),
    ({"kind": "sw", "command": "gpo", "sw": "6F00"}, CompletionCode.HARDWARE_ERROR,
     IccardError.UNKNOWN_STATUS),
]


@pytest.mark.parametrize(("fault", "code", "error"), FAULTS,
                         ids=[f[0]["kind"] for f in FAULTS])
def test_fault_gives_a_clear_error(harness: Harness, fault, code, error):
    harness.insert("li_debit")
    harness.fault(**fault)
    c: Completion[Any] = run_command(harness.device, "read_account")
    assert (c.code, c.error) == (code, error), c


def test_card_works_again_after_a_fault_is_cleared(harness: Harness):
    harness.insert("li_debit")
    harness.fault("mute", seconds=0.3)
    assert run_command(harness.device, "read_account").error is IccardError.CARD_MUTE
    harness.control.clear_fault()
    c = run_command(harness.device, "read_account")
    assert c.ok and c.data.pan == "6217991000002345671"


def test_card_without_ppse_is_read_through_the_pse(harness: Harness):
    harness.insert("zhang_credit")
    harness.fault("no_ppse")
    c = run_command(harness.device, "read_account")
    assert c.ok and c.data.to_json(True) == expected_account("zhang_credit")
