"""One contract for every ID card reader backend (fake; samv + simulator over TCP and a pty)."""

from __future__ import annotations

import queue
import re
import threading
from typing import Any

import pytest

from devices.base import (
    CancelToken,
    CardInserted,
    CardRemoved,
    CompletionCode,
    DeviceCanceled,
    DeviceEvent,
    DeviceOperationError,
    DeviceState,
    run_command,
)
from devices.idcard.contract import CardPresence, IdCardError, IdCardStatus, Identity, SamState
from devices.worker import DeviceWorker

# fault kind -> (class error, completion code): the same on every tier.
FAULTS = {
    "checksum": (IdCardError.CHECKSUM_ERROR, CompletionCode.HARDWARE_ERROR),
    "garbage": (IdCardError.PROTOCOL_ERROR, CompletionCode.HARDWARE_ERROR),
    "silence": (IdCardError.NO_RESPONSE, CompletionCode.TIMEOUT),
    "sam_fail": (IdCardError.SAM_SELF_TEST_FAILED, CompletionCode.HARDWARE_ERROR),
    "read_fail": (IdCardError.READ_FAILED, CompletionCode.USER_ERROR),
    "sam_unauthorised": (IdCardError.SAM_NOT_AUTHORISED, CompletionCode.HARDWARE_ERROR),
    "select_fail": (IdCardError.SELECT_FAILED, CompletionCode.USER_ERROR),
    "unknown_card": (IdCardError.UNKNOWN_CARD_TYPE, CompletionCode.USER_ERROR),
}


def expected(person: dict[str, Any]) -> dict[str, Any]:
    out = Identity.from_json(person).to_json(reveal=True)
    out.pop("photo_length")
    out.pop("fingerprint_length")
    return out


def test_every_scenario_person_reads_back_exactly(rig: Any, demo_scenario: dict) -> None:
    for person in demo_scenario["people"]:
        rig.control.insert(person["id"])
        identity = rig.reader.read_identity(wait=False)
        got = identity.to_json(reveal=True)
        assert got.pop("photo_length") == 1024
        assert got.pop("fingerprint_length") == 0  # not asked for
        assert got == expected(person), person["id"]
        rig.control.remove()


def test_full_identity_object_can_be_inserted_and_read(rig: Any) -> None:
    person = {
        "name": "欧阳建华",
        "gender": "男",
        "nation": "土家",
        "birth_date": "2001-02-03",
        "address": "湖南省湘西土家族苗族自治州某县某乡",
        "id_number": "433101200102030017",
        "issuing_authority": "某县公安局",
        "valid_from": "2019-02-03",
        "valid_to": "2029-02-03",
        "card_type": "resident",
    }
    rig.control.insert(person)
    identity = rig.reader.read_identity(wait=False)
    assert identity.to_json(reveal=True) | {"photo_length": 0, "fingerprint_length": 0} == (
        Identity.from_json(person).to_json(reveal=True)
    )


def test_fingerprints_are_read_when_asked(rig: Any) -> None:
    rig.control.insert("zhang_weiguo")
    identity = rig.reader.read_identity(wait=False, fingerprints=True)
    assert len(identity.fingerprint) == 1024 and len(identity.photo) == 1024
    assert identity.name == "张卫国"
    assert "张卫国" not in repr(identity)


def test_no_card_without_waiting_is_a_no_card_user_error(rig: Any) -> None:
    completion = run_command(rig.reader, "read_identity", wait=False)
    assert completion.code is CompletionCode.USER_ERROR
    assert completion.error is IdCardError.NO_CARD


def test_waiting_read_returns_when_a_card_is_placed(rig: Any) -> None:
    events: list[DeviceEvent] = []
    result: queue.Queue[Any] = queue.Queue()
    t = threading.Thread(
        target=lambda: result.put(run_command(rig.reader, "read_identity", events=events.append))
    )
    t.start()
    threading.Event().wait(0.3)
    assert t.is_alive()  # still waiting: no card yet
    rig.control.insert("wang_jianjun")
    completion = result.get(timeout=10)
    assert completion.ok and completion.data.name == "王建军"
    assert any(isinstance(e, CardInserted) for e in events)


def test_cancel_stops_a_waiting_read(rig: Any) -> None:
    cancel = CancelToken()
    result: queue.Queue[Any] = queue.Queue()
    t = threading.Thread(
        target=lambda: result.put(run_command(rig.reader, "read_identity", cancel=cancel))
    )
    t.start()
    threading.Event().wait(0.2)
    cancel.cancel()
    completion = result.get(timeout=5)
    assert completion.code is CompletionCode.CANCELED
    t.join(5)
    # The reader is still usable afterwards.
    rig.control.insert("liu_yan")
    assert rig.reader.read_identity(wait=False).name == "刘䶮"


def test_a_read_card_is_not_read_again_until_taken_away_and_put_back(rig: Any) -> None:
    rig.control.insert("zhao_guilan")
    assert rig.reader.read_identity(wait=False).name == "赵桂兰"
    with pytest.raises(DeviceOperationError) as info:
        rig.reader.read_identity(wait=False)
    assert info.value.error is IdCardError.NO_CARD
    rig.control.remove()
    rig.control.insert("zhao_guilan")
    assert rig.reader.read_identity(wait=False).name == "赵桂兰"


def test_wait_for_removal_returns_after_a_successful_read(rig: Any) -> None:
    rig.control.insert("zhang_weiguo")
    rig.reader.read_identity(wait=False)
    events: list[DeviceEvent] = []
    rig.reader.wait_for_removal(events=events.append)  # SAM_V cannot see the read card
    assert any(isinstance(e, CardRemoved) for e in events)


def test_wait_for_removal_waits_while_an_unread_card_lies_there(rig: Any) -> None:
    rig.control.insert("zhang_weiguo")
    rig.control.set_fault("read_fail")
    with pytest.raises(DeviceOperationError):
        rig.reader.read_identity(wait=False)
    rig.control.clear_fault()
    done = threading.Event()
    t = threading.Thread(target=lambda: (rig.reader.wait_for_removal(), done.set()))
    t.start()
    assert not done.wait(0.3)  # the card is still there, unread
    rig.control.remove()
    assert done.wait(5)
    t.join(5)


def test_wait_for_removal_can_be_cancelled(rig: Any) -> None:
    rig.control.insert("zhang_weiguo")
    cancel = CancelToken()
    threading.Timer(0.2, cancel.cancel).start()
    with pytest.raises(DeviceCanceled):
        rig.reader.wait_for_removal(cancel=cancel)


def test_probe_reports_sam_and_card(rig: Any) -> None:
    status = rig.reader.probe()
    assert isinstance(status, IdCardStatus)
    assert (status.device, status.sam, status.card) == (
        DeviceState.ONLINE,
        SamState.OK,
        CardPresence.ABSENT,
    )
    rig.control.insert("li_xiuying")
    assert rig.reader.probe().card is CardPresence.PRESENT
    rig.control.set_fault("sam_fail")
    status = rig.reader.probe()
    assert (status.device, status.sam) == (DeviceState.HARDWARE_ERROR, SamState.FAILED)


def test_sam_id_has_the_reference_shape(any_reader: Any) -> None:
    assert re.fullmatch(r"\d{2}\.\d{2}-\d+-\d{10}-\d{10}", any_reader.sam_id())


def test_probe_says_online_with_a_working_sam(any_reader: Any) -> None:
    status = any_reader.probe()
    assert status.device is DeviceState.ONLINE and status.sam is SamState.OK


@pytest.mark.parametrize("kind", sorted(FAULTS))
def test_each_fault_gives_its_error_and_the_next_read_succeeds(rig: Any, kind: str) -> None:
    error, code = FAULTS[kind]
    rig.control.insert("zhang_weiguo")
    rig.control.set_fault(kind)
    completion = run_command(rig.reader, "read_identity", wait=False)
    assert (completion.code, completion.error) == (code, error), completion.detail
    rig.control.clear_fault()
    # What the farmer is told to do: lift the card and lay it down again.
    rig.control.remove()
    rig.control.insert("zhang_weiguo")
    assert rig.reader.read_identity(wait=False).name == "张卫国"


def test_read_through_a_device_worker(rig: Any) -> None:
    out: queue.Queue[Any] = queue.Queue()
    worker = DeviceWorker("idcard", rig.reader, out.put, probe_interval=60)
    # The rig opened the reader already; the worker opens it again (a no-op) on its thread.
    worker.start()
    try:
        handle = worker.submit("read_identity", timeout=20)
        threading.Event().wait(0.2)
        rig.control.insert("li_xiuying")
        completion = handle.wait(25)
        assert completion.ok and completion.data.valid_to is None  # 长期
        seen = []
        while not out.empty():
            seen.append(out.get())
        inserted = [e for e in seen if isinstance(e, CardInserted)]
        assert inserted and inserted[0].request_id == handle.request_id
    finally:
        worker.stop()


def test_backends_follow_the_reader_protocol_and_come_from_the_registry(rig: Any) -> None:
    from devices.idcard.contract import IdCardReader
    from devices.registry import create_device

    assert isinstance(rig.reader, IdCardReader)
    backend = "fake" if rig.tier == "fake" else "samv"
    built = create_device("idcard", backend, url=rig.url or "loop://", baud=115200)
    assert type(built) is type(rig.reader) and built.kind == "idcard"
