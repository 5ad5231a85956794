"""The outbox against the host simulator: intention registration with the host offline,
delivery in order per kind, idempotent replays by key, rejection set aside, depth and age."""

from __future__ import annotations

import time

from kiosk.host import HostClient, HostSettings
from kiosk.transactions import TransactionsService, host_sender
from offline_queue.outbox import OutboxState, SendOutcome
from tests.contract.money.conftest import FAST, make_service


def intentions(host) -> int:
    return int(host.sim("GET", "/sim/ledger")["intentions"])


def offline_service(state, host) -> TransactionsService:
    s = host.settings()
    dead = HostClient(HostSettings(url="https://127.0.0.1:9", terminal_id="ZN610425001",
                                   ca_file=s.ca_file, cert_file=s.cert_file,
                                   key_file=s.key_file, connect_timeout=0.3, read_timeout=0.3,
                                   get_retries=0))
    return TransactionsService.open(state, "ZN610425001", dead, FAST)


def register(svc: TransactionsService, phone: str = "13709101234", consent: bool = True):
    return svc.register_intention(phone=phone, amount="20000", purpose="买化肥",
                                  consent=consent, customer_id="C0001", name="张卫国",
                                  village="烟霞镇官厅村")


def test_intention_is_recorded_offline_and_delivered_once_the_host_is_back(tmp_path, host,
                                                                           terminal):
    state = tmp_path / "state"
    before = intentions(host)
    off = offline_service(state, host)
    item = register(off)
    assert item.key.startswith("ZN610425001-") and item.state is OutboxState.PENDING
    assert off.forwarder.drain(force=True) == 0  # host unreachable: kept, retried later
    stats = off.outbox_stats()
    assert stats.depth == 1 and stats.age_seconds is not None and stats.by_kind == {
        "intention": 1}
    assert off.outbox.get(item.id).attempts == 1
    off.close()
    on = make_service(state, host, terminal)
    assert on.forwarder.drain(force=True) == 1
    done = on.outbox.get(item.id)
    assert done.state is OutboxState.DELIVERED and done.body is None  # phone wiped
    assert done.answer["intention_id"].startswith("YX")
    assert done.answer["masked_phone"] == "137****1234"
    assert on.outbox_stats().depth == 0 and intentions(host) == before + 1
    # A crash after the send, before the mark: the same key again is recorded once.
    replay = host_sender(on.client)(item)
    assert replay.outcome is SendOutcome.DELIVERED
    assert replay.answer["intention_id"] == done.answer["intention_id"]
    assert intentions(host) == before + 1
    on.close()


def test_order_per_kind_and_a_refusal_set_aside(tmp_path, host, terminal):
    svc = make_service(tmp_path / "state", host, terminal)
    refused = register(svc, consent=False)  # the host refuses it for good
    assert svc.forwarder.drain(force=True) == 0
    assert svc.outbox.get(refused.id).state is OutboxState.REJECTED
    assert svc.outbox.get(refused.id).last_error == "HOST-CONSENT-REQUIRED"
    first, second = register(svc), register(svc)
    with host.fault(kind="error_5xx", paths=["/v1/intentions"], count=1):
        delivered = svc.forwarder.drain(force=True)
    # the 503 on the first held back the second: order per kind
    assert delivered == 0 and svc.outbox_stats().depth == 2
    assert svc.outbox.get(first.id).last_error == "HOST-UNAVAILABLE"
    assert svc.forwarder.drain(force=True) == 2
    a, b = svc.outbox.get(first.id).answer, svc.outbox.get(second.id).answer
    assert a["intention_id"] < b["intention_id"]  # delivered in the order they were made
    assert svc.outbox_stats().rejected == 1
    svc.close()


def test_background_forwarder_delivers_without_being_asked(tmp_path, host, terminal):
    svc = make_service(tmp_path / "state", host, terminal)
    svc.start_background(interval=0.2)
    try:
        item = register(svc)
        deadline = time.monotonic() + 10
        while svc.outbox.get(item.id).state is OutboxState.PENDING:
            assert time.monotonic() < deadline, "not delivered"
            time.sleep(0.05)
        assert svc.outbox.get(item.id).answer["intention_id"].startswith("YX")
    finally:
        svc.close()
