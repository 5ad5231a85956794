"""Real hardware tier: only collected when ``KIOSK_HW_ICCARD`` names a PC/SC reader (a
substring of its name) with a UnionPay card inserted. Nothing is skipped otherwise: the tests
simply do not exist without the variable."""

from __future__ import annotations

import pytest

from devices.base import DeviceState, run_command
from devices.iccard.contract import IccardStatus, MediaState
from devices.iccard.emv import luhn_ok

from .conftest import HW_READER, make_harness

if HW_READER:

    @pytest.mark.hw
    def test_hardware_reader_reads_the_inserted_card(request):
        h = make_harness("hw", request, selection="priority")
        try:
            status = run_command(h.device, "probe").data
            assert isinstance(status, IccardStatus)
            assert (status.device, status.media) == (DeviceState.ONLINE, MediaState.PRESENT)
            c = run_command(h.device, "read_account", wait=False)
            assert c.ok, c
            assert luhn_ok(c.data.pan) and c.data.aid.startswith("A000000333")
            apps = run_command(h.device, "list_applications", wait=False)
            assert apps.ok and c.data.aid in [a.aid for a in apps.data]
        finally:
            h.device.close()
