"""What only the real PC/SC stack can show: the bytes on the wire (terminal data, T=0
procedure), a missing reader, pcscd going away and coming back under a running driver, and the
simulator managing its own pcscd."""

from __future__ import annotations

import datetime as dt
import os
import queue
import time
from typing import Any

import pytest

from devices.base import CompletionCode, DeviceInitError, DeviceState, StatusChanged, run_command
from devices.iccard.contract import IccardError
from devices.iccard.pcsc import PcscIcCardReader
from devices.worker import DeviceWorker
from peripherals_sim.iccard.pcscd import running_pid
from peripherals_sim.process import SimulatorProcess

from .conftest import Harness, PcscStack, make_harness, reader_visible

pytestmark = pytest.mark.pcsc


@pytest.fixture()
def pcsc(request: pytest.FixtureRequest):
    h = make_harness("pcsc", request)
    try:
        yield h
    finally:
        h.control.clear_fault()
        h.control.remove()
        h.device.close()


def _apdus(h: Harness, since: int) -> list[dict[str, Any]]:
    return h.control.log()[since:]


def test_gpo_carries_the_chinese_terminal_data(pcsc: Harness):
    pcsc.insert("zhang_debit")  # its PDOL asks for DF60/DF69 too
    seen = []
    for _ in range(2):
        mark = len(pcsc.control.log())
        assert run_command(pcsc.device, "read_account").ok
        gpo = [e["gpo"] for e in _apdus(pcsc, mark) if "gpo" in e]
        assert len(gpo) == 1
        seen.append(gpo[0])
    first = seen[0]
    assert first["9F1A"] == "0156" and first["5F2A"] == "0156"
    assert first["9A"] == dt.date.today().strftime("%y%m%d")
    assert first["9C"] == "31" and first["9F02"] == "000000000000"
    assert first["95"] == "0000000000" and first["DF60"] == "00" and first["DF69"] == "00"
    assert seen[0]["9F37"] != seen[1]["9F37"]  # unpredictable number from os.urandom


def test_amount_goes_into_the_pdol(pcsc: Harness):
    from decimal import Decimal

    pcsc.insert("li_debit")
    mark = len(pcsc.control.log())
    assert run_command(pcsc.device, "read_account", amount=Decimal("1234.56")).ok
    gpo = next(e["gpo"] for e in _apdus(pcsc, mark) if "gpo" in e)
    assert gpo["9F02"] == "000000123456" and gpo["9C"] == "00"


def test_t0_card_goes_through_get_response_and_le_correction(pcsc: Harness):
    pcsc.insert("zhao_pse_t0")
    mark = len(pcsc.control.log())
    c = run_command(pcsc.device, "read_account")
    assert c.ok and c.data.pan == "6217991000008901238"
    log = [e for e in _apdus(pcsc, mark) if "c" in e]
    responses = [e["r"] for e in log]
    assert any(r.startswith("61") for r in responses)  # case 4 -> 61xx -> 00 C0
    assert any(r.startswith("6C") for r in responses)  # READ RECORD Le 00 -> 6Cxx -> resend
    assert any(e["c"].startswith("00C00000") for e in log)
    assert log[0]["r"] == "6A82"  # no PPSE: PSE is used


def test_no_matching_reader_is_no_device_and_retried(pcsc_stack: PcscStack):
    device = PcscIcCardReader("No Such Reader")
    with pytest.raises(DeviceInitError) as err:
        device.open()
    assert err.value.error is IccardError.NO_READER
    out: queue.Queue[Any] = queue.Queue()
    w = DeviceWorker("iccard", device, out.put, reopen_backoff=(0.1, 0.2))
    w.start()
    try:
        status = out.get(timeout=5)
        assert isinstance(status, StatusChanged) and status.new.device is DeviceState.NO_DEVICE
        c = w.call("read_account", timeout=2)
        assert c.code is CompletionCode.DEVICE_NOT_READY
    finally:
        w.stop()


def _wait_status(out: queue.Queue[Any], state: DeviceState, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while True:
        item = out.get(timeout=max(0.01, deadline - time.monotonic()))
        if isinstance(item, StatusChanged) and item.new.device is state:
            return


def test_pcscd_restart_under_a_running_driver(pcsc: Harness, pcsc_stack: PcscStack):
    pcsc.insert("li_debit")
    pcsc.wait_present(True)
    pcsc.device.close()
    out: queue.Queue[Any] = queue.Queue()
    w = DeviceWorker("iccard", pcsc.device, out.put, probe_interval=0.2, poll_interval=0.05,
                     reopen_backoff=(0.2, 0.3, 0.5))
    w.start()
    try:
        assert w.call("read_account", timeout=15).ok
        pcsc_stack.stop_pcscd()
        assert running_pid() is None
        _wait_status(out, DeviceState.NO_DEVICE)
        down = w.call("read_account", timeout=5)
        assert down.code is CompletionCode.DEVICE_NOT_READY
        pcsc_stack.start_pcscd()
        _wait_status(out, DeviceState.ONLINE)
        again = w.call("read_account", timeout=15)  # the card comes back by itself
        assert again.ok and again.data.pan == "6217991000002345671"
    finally:
        w.stop()
        if pcsc_stack.pcscd is None:
            pcsc_stack.start_pcscd()


def test_service_down_is_reported_as_service_unavailable(pcsc_stack: PcscStack):
    device = PcscIcCardReader(pcsc_stack.reader)
    device.open()
    try:
        pcsc_stack.stop_pcscd()
        c = run_command(device, "probe")
        assert (c.code, c.error) == (CompletionCode.DEVICE_NOT_READY,
                                      IccardError.SERVICE_UNAVAILABLE)
    finally:
        device.close()
        pcsc_stack.start_pcscd()


def test_simulator_starts_and_stops_its_own_pcscd(pcsc: Harness, pcsc_stack: PcscStack,
                                                   tmp_path):
    pcsc.remove()
    pcsc.device.close()
    pcsc_stack.stop_pcscd()  # the session's pcscd steps aside (we hold the session lock)
    sim = SimulatorProcess(
        "iccard", ["--pcscd", "auto", "--vpcd", f"127.0.0.1:{pcsc_stack.port}",
                   "--card", "li_debit"],
        state_dir=tmp_path / "sim", env={"KIOSK_PCSCD_LOCK": str(tmp_path / "lock")},
        ready_timeout=20)
    try:
        ready = sim.start().ready
        assert ready["pcscd"] == "started" and ready["reader"] == "Virtual PCD 00 00"
        own = running_pid()
        assert own is not None
        device = PcscIcCardReader("Virtual PCD 00 00")
        device.open()
        try:
            c = run_command(device, "read_account")
            assert c.ok and c.data.pan == "6217991000002345671"
        finally:
            device.close()
        assert sim.stop() == 0
        assert running_pid() is None and not os.path.exists("/run/pcscd/pcscd.comm")
        assert not os.path.exists(f"/proc/{own}")
    finally:
        sim.stop()
        pcsc_stack.start_pcscd()
        assert reader_visible(pcsc_stack.reader)


def test_control_api_answers_scenario_state_and_errors(pcsc: Harness):
    from kiosk.simcontrol import HttpControlError

    cards = pcsc.control.cards()
    assert {"zhang_debit", "wang_dual", "zhao_pse_t0"} <= {c["id"] for c in cards}
    with pytest.raises(HttpControlError) as unknown:
        pcsc.control.insert("no_such_card")
    assert unknown.value.status == 404
    with pytest.raises(HttpControlError) as bad_fault:
        pcsc.control.http.post("/fault", {"kind": "melt"})
    assert bad_fault.value.status == 400
    pcsc.insert("li_debit")
    pcsc.wait_present(True)
    state = pcsc.control.state()
    assert state["card"] == "li_debit" and state["connected"] is True
