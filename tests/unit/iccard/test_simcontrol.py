"""The panel's control object over the in-process fake follows the IcCardControl protocol
and drives the fake reader the way the simulator drives the real one."""

from __future__ import annotations

import pytest

from devices.base import CompletionCode, run_command
from devices.iccard.contract import IccardError
from devices.iccard.fake import FakeIcCardReader
from kiosk.simcontrol import IcCardControl, load_control


def test_in_process_control_plays_the_farmer():
    device = FakeIcCardReader(mute_seconds=0.01)
    device.open()
    control = load_control("iccard", device=device)
    assert isinstance(control, IcCardControl) and control.kind == "iccard"
    assert {"zhang_debit", "wang_dual", "zhao_pse_t0"} <= {c["id"] for c in control.cards()}
    control.insert("zhang_credit")
    assert run_command(device, "read_account").data.aid == "A000000333010102"
    for kind in control.fault_kinds():
        control.set_fault(kind)
        c = run_command(device, "read_account", wait=False)
        if kind == "no_ppse":
            assert c.ok
        else:
            assert c.code is not CompletionCode.SUCCESS and isinstance(c.error, IccardError)
        control.clear_fault()
        control.insert("zhang_credit")
    control.remove()
    assert run_command(device, "read_account", wait=False).error is IccardError.NO_CARD
    with pytest.raises(ValueError):
        control.set_fault("melt")
    with pytest.raises(KeyError):
        control.insert("no_such_card")
