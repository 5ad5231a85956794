"""The voice contract, run on both backends: the recording fake and espeak-ng (WAV mode)."""

from __future__ import annotations

import pytest

from devices.base import DeviceState
from devices.registry import create_device
from devices.voice.contract import VoiceDevice, VoiceStatus


@pytest.fixture(params=["fake", "espeak"])
def voice(request, tmp_path):
    device = create_device("voice", request.param, wav_dir=tmp_path, rate=300)
    device.open()
    yield device
    device.close()


def test_open_device_is_online_and_satisfies_the_protocol(voice):
    assert isinstance(voice, VoiceDevice) and voice.kind == "voice"
    status = voice.probe()
    assert isinstance(status, VoiceStatus) and status.device is DeviceState.ONLINE


def test_say_starts_speaking_and_stop_ends_it(voice):
    voice.say("您好，这里是助农服务终端。可以了解贷款产品，查询和签约额度。", "zh_CN")
    assert voice.speaking is True
    voice.stop()
    if hasattr(voice, "wait_until_quiet"):
        assert voice.wait_until_quiet(5)
    assert voice.speaking is False
    assert voice.probe().speaking is False


def test_volume_range_is_enforced(voice):
    voice.set_volume(0)
    voice.set_volume(100)
    with pytest.raises(ValueError):
        voice.set_volume(-1)


def test_closed_device_is_offline(voice):
    voice.close()
    assert voice.probe().device is DeviceState.OFFLINE
