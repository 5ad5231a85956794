"""EspeakVoice against the real espeak-ng: a supervised child, interruptible, never blocking.

There is no sound card on build machines, so these tests use ``wav_dir``: the child writes each
utterance to a WAV file and "plays" it for its duration, interruptibly, as aplay would.
"""

from __future__ import annotations

import array
import os
import signal
import subprocess
import time
import wave
from pathlib import Path

import pytest

from devices.base import DeviceInitError, DeviceState
from devices.voice.contract import UtteranceOutcome, VoiceError
from devices.voice.espeak import EspeakVoice

LONG_ZH = "您好，这里是助农服务终端。可以了解贷款产品，查询和签约额度，用款，还款。请按开始办理。"

@pytest.fixture()
def voice(tmp_path):
    v = EspeakVoice(wav_dir=tmp_path / "wav", rate=300, restart_backoff=(0.05,))
    v.open()
    yield v
    v.close()


def wav_stats(path: Path) -> tuple[float, float]:
    """(seconds, RMS relative to full scale) of a 16-bit mono WAV."""
    with wave.open(str(path), "rb") as w:
        assert w.getsampwidth() == 2
        frames = w.readframes(w.getnframes())
        seconds = w.getnframes() / w.getframerate()
    samples = array.array("h", frames)
    rms = (sum(s * s for s in samples) / max(len(samples), 1)) ** 0.5 / 32768
    return seconds, rms


def last_result(voice: EspeakVoice, timeout: float = 15.0):
    assert voice.wait_until_quiet(timeout)
    result = voice.result(voice.last_utterance_id)
    assert result is not None
    return result


def test_real_engine_writes_mandarin_audio_that_is_not_silent(voice):
    voice.say("请插入身份证", "zh_CN")
    result = last_result(voice)
    assert result.outcome is UtteranceOutcome.DONE, result
    seconds, rms = wav_stats(Path(result.wav))
    assert seconds > 0.5 and result.duration == pytest.approx(seconds)
    assert rms > 0.02
    with wave.open(result.wav, "rb") as w:
        assert (w.getnchannels(), w.getframerate()) == (1, 22050)


def test_english_uses_the_english_voice(voice, tmp_path):
    voice.say("Please insert your ID card", "en")
    result = last_result(voice)
    assert result.outcome is UtteranceOutcome.DONE and result.lang == "en"
    expected = tmp_path / "expected.wav"
    subprocess.run(["espeak-ng", "-v", "en", "-s", "300", "-a", "100", "-w", str(expected),
                    "Please insert your ID card"], check=True)
    assert Path(result.wav).read_bytes() == expected.read_bytes()


def test_say_returns_while_the_utterance_is_still_playing(voice):
    voice.say(LONG_ZH, "zh_CN")
    uid = voice.last_utterance_id
    assert voice.speaking
    assert voice.result(uid) is None  # nothing has finished: say did not wait for speech
    voice.stop()
    assert voice.wait_until_quiet(5)
    assert voice.result(uid).outcome is UtteranceOutcome.STOPPED


def test_a_new_prompt_interrupts_the_previous_utterance(voice):
    voice.say(LONG_ZH, "zh_CN")
    first = voice.last_utterance_id
    voice.say("好", "zh_CN")
    second = last_result(voice)
    assert voice.result(first).outcome is UtteranceOutcome.STOPPED
    assert second.utterance_id == first + 1 and second.outcome is UtteranceOutcome.DONE


def test_killed_child_is_restarted_and_speaks_again(voice):
    voice.say(LONG_ZH, "zh_CN")
    playing = voice.last_utterance_id
    old_pid = voice.child_pid
    os.kill(old_pid, signal.SIGKILL)
    assert voice.wait_until_quiet(5)
    died = voice.result(playing)
    assert died.outcome is UtteranceOutcome.FAILED and died.error is VoiceError.ENGINE_DIED
    voice.say("好", "zh_CN")
    result = last_result(voice)
    assert result.outcome is UtteranceOutcome.DONE
    assert voice.child_pid != old_pid and voice.restarts == 1
    assert voice.probe().device is DeviceState.ONLINE


def test_a_prompt_asked_for_while_the_child_is_down_is_spoken_by_the_next_child(tmp_path):
    v = EspeakVoice(wav_dir=tmp_path, rate=300, restart_backoff=(0.3,))
    v.open()
    try:
        pid = v.child_pid
        os.kill(pid, signal.SIGKILL)
        while v.probe().device is DeviceState.ONLINE:  # until the supervisor has seen it die
            time.sleep(0.01)
        assert v.probe().device is DeviceState.HARDWARE_ERROR
        v.say("好", "zh_CN")
        result = last_result(v)
        assert result.outcome is UtteranceOutcome.DONE
        assert v.child_pid != pid
    finally:
        v.close()


def test_close_ends_the_child_process(tmp_path):
    v = EspeakVoice(wav_dir=tmp_path)
    v.open()
    pid = v.child_pid
    v.say(LONG_ZH, "zh_CN")
    v.close()
    assert v.child_pid is None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert v.probe().device is DeviceState.OFFLINE


def test_missing_engine_is_an_init_error(tmp_path):
    v = EspeakVoice(espeak="no-such-espeak", wav_dir=tmp_path)
    with pytest.raises(DeviceInitError) as info:
        v.open()
    assert info.value.error is VoiceError.ENGINE_MISSING


def test_unknown_voice_fails_the_utterance_with_voice_missing(tmp_path):
    v = EspeakVoice(voice="xx-nosuch", wav_dir=tmp_path)
    v.open()
    try:
        v.say("你好", "zh_CN")
        result = last_result(v)
        assert result.outcome is UtteranceOutcome.FAILED
        assert result.error is VoiceError.VOICE_MISSING
    finally:
        v.close()


def test_playback_through_aplay_on_the_alsa_null_device():
    v = EspeakVoice(audio_device="null", rate=300)
    v.open()
    try:
        v.say("你好", "zh_CN")
        result = last_result(v)
        assert result.outcome is UtteranceOutcome.DONE, result
        assert result.wav is None and result.duration > 0.2
    finally:
        v.close()


def test_set_output_plays_the_next_utterances_on_another_device_without_a_restart():
    """The audio-guided mode's headset: each request names its device; None goes back."""
    v = EspeakVoice(audio_device="null", rate=300)
    v.open()
    try:
        pid = v.child_pid
        v.set_output("nosuchheadset")
        v.say("你好", "zh_CN")
        result = last_result(v)
        assert result.outcome is UtteranceOutcome.FAILED, result
        assert result.error is VoiceError.PLAYBACK_FAILED and "aplay" in result.detail
        v.set_output(None)
        v.say("你好", "zh_CN")
        assert last_result(v).outcome is UtteranceOutcome.DONE
        assert v.child_pid == pid
    finally:
        v.close()


def test_default_sound_device_plays_or_reports_playback_failed():
    listing = subprocess.run(["aplay", "-l"], capture_output=True, text=True)
    has_card = "no soundcards found" not in listing.stderr
    v = EspeakVoice(rate=300)
    v.open()
    try:
        v.say("你好", "zh_CN")
        result = last_result(v)
        if has_card:
            assert result.outcome is UtteranceOutcome.DONE, result
        else:
            assert result.outcome is UtteranceOutcome.FAILED
            assert result.error is VoiceError.PLAYBACK_FAILED and "aplay" in result.detail
        assert v.probe().device is DeviceState.ONLINE  # the engine stays up either way
    finally:
        v.close()


def test_mandarin_reaches_the_engine_as_pinyin_read_like_the_pinyin_itself(tmp_path):
    """The child gives espeak-ng the pinyin: the audio of 还款 is the audio of huan2 kuan3
    (byte for byte), not espeak-ng's own hái kuǎn."""
    v = EspeakVoice(wav_dir=tmp_path / "wav", echo=True)
    v.open()
    try:
        v.say("还款", "zh_CN")
        result = last_result(v)
        assert result.outcome is UtteranceOutcome.DONE and result.engine_text == "huan2 kuan3"
        spoken = Path(result.wav).read_bytes()
        own = tmp_path / "own.wav"
        subprocess.run(["espeak-ng", "-v", "cmn-latn-pinyin", "-s", "150", "-a", "100", "-w",
                        str(own), "huan2 kuan3"], check=True)
        subprocess.run(["espeak-ng", "-v", "cmn-latn-pinyin", "-s", "150", "-a", "100", "-w",
                        str(tmp_path / "chars.wav"), "还款"], check=True)
        assert spoken == own.read_bytes()
        assert spoken != (tmp_path / "chars.wav").read_bytes()
    finally:
        v.close()


def test_the_engine_text_is_kept_only_when_asked_for(voice):
    voice.say("还款", "zh_CN")
    assert last_result(voice).engine_text is None  # the kiosk itself never keeps it
