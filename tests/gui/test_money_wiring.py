"""The running kiosk moves money through its journal: the composition root gives it a
transactions service (own host client, MACs from the kiosk's PIN pad worker), starts the
resolver and the outbox forwarder, and reports unresolved rows and outbox depth in its host
heartbeat. Against the host simulator over mutual TLS (the bank card journey's rig)."""

from __future__ import annotations

import time
from typing import Any

from kiosk.transactions import Outcome
from offline_queue.outbox import OutboxState
from tests.gui.test_bank_card_journey import BankRig, bank_rig, host  # noqa: F401 (fixtures)

ZHANG_PAN = "6217991000001234561"


def _pin_block(rig: BankRig) -> str:
    handle = rig.kiosk.workers["pinpad"].submit("get_pin", ZHANG_PAN, timeout=15)
    deadline = time.monotonic() + 5
    while rig.pad.state()["mode"] != "pin":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    rig.pad.press("123456E")
    completion = handle.wait(15)
    assert completion.ok, completion
    return str(completion.data.hex())


def test_the_kiosk_moves_money_through_its_journal(bank_rig: BankRig) -> None:  # noqa: F811
    from kiosk.terminal import Need

    service: Any = bank_rig.kiosk.transactions
    assert service is not None and service.money_available() == (True, None)
    assert bank_rig.kiosk.terminal.availability([Need.MONEY]).ok  # the terminal asks it
    # the clock check is wired and measured on the host's real clock (the simulator's
    # business date is 2026-03-16 whatever the day)
    assert service.clock_guard is bank_rig.kiosk.clock
    assert service.clock_guard.money_refusal() is None
    result = service.drawdown(customer_id="C0001", line_id="L0001", amount="5000.00",
                              months=12, method="equal-installment", pan=ZHANG_PAN,
                              pin_block=_pin_block(bank_rig))
    assert result.outcome is Outcome.SUCCESS  # the MAC came from the kiosk's PIN pad
    booked = {t["key"]: t for t in bank_rig.sim("GET", "/sim/ledger")["transactions"]}
    assert booked[result.key]["state"] == "CONFIRMED"
    item = service.register_intention(phone="13709101234", amount="20000", purpose="买化肥",
                                      consent=True, customer_id="C0001")
    bank_rig.qtbot.waitUntil(
        lambda: service.outbox.get(item.id).state is OutboxState.DELIVERED, timeout=10000)
    info = bank_rig.kiosk._heartbeat_info()
    assert info.outbox_depth == 0 and list(info.unresolved) == []
    assert [r.serial for r in service.journal.reprint_due()] == [result.serial]
