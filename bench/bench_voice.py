"""Voice guidance speed: what the GUI thread pays per prompt, how soon audio starts, how fast a
prompt is cut off.

- ``say`` call cost: the time ``EspeakVoice.say`` takes to return (it runs on the GUI thread;
  goal: median under 1 ms, far below one 16 ms frame).
- prompt to audio: ``say`` of the longest attract-screen prompt until aplay (ALSA ``null``
  device, which consumes audio instantly) has finished, i.e. synthesis + process start-up
  latency before a real sound card would start playing. Goal: median under 300 ms.
- interrupt: ``stop()`` while a prompt is playing until the child reports it stopped. Goal:
  median under 50 ms.
- ``speakable`` text rewriting per prompt (pure Python).

Run: ``.venv/bin/python -m pytest bench/bench_voice.py -q -p no:cacheprovider
--benchmark-only --benchmark-columns=min,median,mean,max,rounds``
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from devices.voice.contract import UtteranceOutcome
from devices.voice.espeak import EspeakVoice
from kiosk.voice import speakable

PROMPT = ("您好，这里是助农服务终端。可以了解贷款产品，查询和签约额度，用款，还款，"
          "查询还款计划，登记贷款申请。请按开始办理。")
FIGURES = "您本期应还1,234.56元，年化利率4.35%，2026-05-08到期，卡号621799*********4561。"


@pytest.fixture(scope="module")
def wav_voice(tmp_path_factory):
    voice = EspeakVoice(wav_dir=tmp_path_factory.mktemp("wav"))
    voice.open()
    yield voice
    voice.close()


@pytest.fixture(scope="module")
def null_voice():
    voice = EspeakVoice(audio_device="null")
    voice.open()
    yield voice
    voice.close()


def test_say_call_cost(benchmark, wav_voice):
    benchmark.pedantic(wav_voice.say, args=(PROMPT, "zh_CN"), rounds=200, iterations=1)
    wav_voice.stop()
    assert wav_voice.wait_until_quiet(10)


def test_prompt_to_audio(benchmark, null_voice):
    def speak_once() -> None:
        null_voice.say(PROMPT, "zh_CN")
        assert null_voice.wait_until_quiet(10)

    benchmark.pedantic(speak_once, rounds=20, iterations=1, warmup_rounds=1)
    result = null_voice.result(null_voice.last_utterance_id)
    assert result is not None and result.outcome is UtteranceOutcome.DONE


def test_interrupt(benchmark, wav_voice):
    def setup() -> tuple[tuple, dict]:
        wav_voice.say(PROMPT, "zh_CN")
        time.sleep(0.3)  # playing by now
        return (), {}

    def stop_and_wait() -> None:
        wav_voice.stop()
        assert wav_voice.wait_until_quiet(5)

    benchmark.pedantic(stop_and_wait, setup=setup, rounds=15, iterations=1)
    result = wav_voice.result(wav_voice.last_utterance_id)
    assert result is not None and result.outcome is UtteranceOutcome.STOPPED


def test_speakable_rewrite(benchmark):
    spoken = benchmark(speakable, FIGURES, "zh_CN")
    assert "一千二百三十四元五角六分" in spoken
