"""Issue 10 item 1: every stream-reading driver command, against a broken peer over TCP and a
pty (noise flood, one byte every 100 ms, truncated frame, huge length field, bad checksum,
reset mid-frame, silence), completes with the right error within the bound its own
configured timeouts give. A cancel is honoured long before any timeout would end the command.

Time and CPU figures of the same matrix: ``bench/bench_broken_peer.py``.
"""

from __future__ import annotations

import pytest

from devices.base import CompletionCode
from devices.idcard.samv import SamvIdCardReader
from devices.pinpad.kmy import KmyPinPad
from tests.contract.broken_peer.peer import BEHAVIOURS, TRANSPORTS
from tests.contract.broken_peer.rigs import RIGS, cases, expected_end, run_case


@pytest.mark.timeout(120)
@pytest.mark.parametrize(("driver", "transport", "behaviour", "command"), cases())
def test_command_ends_with_the_right_error_within_its_bound(driver, transport, behaviour,
                                                            command):
    rig = RIGS[driver]
    result = run_case(rig, transport, behaviour, command)
    assert result.completion is not None, (
        f"{driver}.{command} still running after {result.bound:.1f}s ({behaviour}, "
        f"{transport})")
    expect = expected_end(rig, command, behaviour)
    c = result.completion
    assert expect.holds(c), (f"{driver}.{command} over {transport}, {behaviour}: "
                             f"{c.code.value} {c.error} {c.detail!r} data={c.data!r}")


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_noise_is_counted_and_reported(transport):
    """A flood that never forms a frame shows in the error detail and the driver's count."""
    result = run_case(RIGS["kmy"], transport, "noise_flood", "version")
    assert result.completion is not None and not result.completion.ok
    assert result.noise_bytes > 0
    assert "bytes of line noise" in result.completion.detail
    result = run_case(RIGS["samv"], transport, "noise_flood", "sam_id")
    assert result.completion is not None and result.noise_bytes > 0
    assert "no valid frame in" in result.completion.detail
    result = run_case(RIGS["escpos"], transport, "huge_length", "probe")
    assert result.completion is not None and result.noise_bytes > 0


LONG = 30.0  # configured timeouts far beyond the cancel: only the cancel can end the command

CANCEL_CASES = [
    ("samv", "read_identity", lambda url: SamvIdCardReader(
        url=url, find_timeout=LONG, sam_timeout=LONG, read_timeout=LONG, exclusive=False)),
    ("samv", "read_identity_wait", lambda url: SamvIdCardReader(
        url=url, find_timeout=LONG, sam_timeout=LONG, read_timeout=LONG, exclusive=False)),
    ("kmy", "version", lambda url: KmyPinPad(url=url, reply_timeout=LONG)),
    ("kmy", "mac", lambda url: KmyPinPad(url=url, reply_timeout=LONG)),
    ("kmy", "get_pin", lambda url: KmyPinPad(url=url, reply_timeout=LONG)),
]


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("behaviour", ["noise_flood", "silence", "drip"])
@pytest.mark.parametrize(("driver", "command", "make"), CANCEL_CASES,
                         ids=[f"{d}-{c}" for d, c, _ in CANCEL_CASES])
def test_cancel_ends_a_command_whatever_the_peer_sends(driver, command, make, behaviour,
                                                       transport):
    rig = RIGS[driver]
    result = run_case(rig, transport, behaviour, command, cancel_after=0.3, make=make)
    assert result.completion is not None, f"{driver}.{command} ignored the cancel"
    assert result.completion.code is CompletionCode.CANCELED, result.completion


def test_the_matrix_covers_every_behaviour_and_transport():
    seen = {(d, t, b) for d, t, b, _ in cases()}
    assert len(seen) == len(RIGS) * len(TRANSPORTS) * len(BEHAVIOURS)
