"""VoiceGuide with the recording fake, and the text rewriting that makes figures speakable."""

from __future__ import annotations

from decimal import Decimal

import pytest

from devices.base import DeviceState
from devices.registry import create_device
from devices.voice.contract import UtteranceOutcome, VoiceDevice
from devices.voice.fake import RecordingVoice
from kiosk.config import DEMO_CONFIG, load_config
from kiosk.i18n import Translator
from kiosk.voice import (
    VoiceGuide,
    create_voice_guide,
    integer_words,
    speakable,
    speakable_amount,
)

ZH = Translator("zh_CN")
EN = Translator("en")


def make_guide(**kwargs) -> tuple[VoiceGuide, RecordingVoice]:
    voice = RecordingVoice()
    voice.open()
    return VoiceGuide(voice, **kwargs), voice


def test_registry_builds_both_backends_that_satisfy_the_contract():
    fake = create_device("voice", "fake")
    real = create_device("voice", "espeak", voice="cmn-latn-pinyin", rate=150)
    assert isinstance(fake, RecordingVoice)
    assert isinstance(fake, VoiceDevice) and isinstance(real, VoiceDevice)


def test_speak_looks_the_prompt_up_in_the_session_language():
    guide, voice = make_guide()
    text = guide.speak("voice.test", ZH)
    assert text == ZH("voice.test")
    assert voice.spoken == [("zh_CN", text)]
    guide.speak("voice.test", EN)
    assert voice.spoken[-1] == ("en", EN("voice.test"))
    assert guide.last_text == EN("voice.test") and guide.last_msgid == "voice.test"


def test_a_new_prompt_interrupts_the_one_playing():
    guide, voice = make_guide()
    guide.speak("voice.test", ZH)
    assert voice.speaking
    guide.speak("voice.unmuted", ZH)
    assert voice.interrupted == 1
    assert [r.outcome for r in voice.results] == [UtteranceOutcome.STOPPED]
    voice.finish()
    assert not voice.speaking
    assert voice.results[-1].outcome is UtteranceOutcome.DONE


def test_repeat_speaks_the_last_prompt_again():
    guide, voice = make_guide()
    guide.speak("common.seconds", ZH, n=60)
    guide.repeat()
    assert voice.spoken == [("zh_CN", "六十秒"), ("zh_CN", "六十秒")]


def test_muted_guide_stays_silent_but_remembers_the_prompt_for_repeat():
    guide, voice = make_guide(muted=True)
    guide.speak("voice.test", ZH)
    assert voice.spoken == []
    assert guide.last_text == ZH("voice.test")
    guide.set_muted(False)
    guide.repeat()
    assert voice.spoken == [("zh_CN", ZH("voice.test"))]
    guide.set_muted(True)
    assert not voice.speaking and voice.interrupted == 1


def test_disabled_guide_never_speaks():
    guide, voice = make_guide(enabled=False)
    guide.speak("voice.test", ZH)
    guide.repeat()
    assert voice.spoken == []


def test_figures_in_a_prompt_are_spoken_as_mandarin_words():
    guide, voice = make_guide()
    shown = guide.speak("common.amount_yuan", ZH, amount="12,000.00")
    assert shown == "12,000.00元"
    assert voice.spoken[-1] == ("zh_CN", "一万二千元")


def test_a_failing_device_never_reaches_the_caller(caplog):
    class Broken(RecordingVoice):
        def say(self, text: str, lang: str) -> None:
            raise OSError("pipe gone")

        def stop(self) -> None:
            raise OSError("pipe gone")

    guide = VoiceGuide(Broken())
    guide.speak("voice.test", ZH)
    guide.stop()
    assert "voice say failed" in caplog.text and "voice stop failed" in caplog.text


def test_volume_is_checked_and_passed_on():
    guide, voice = make_guide()
    guide.set_volume(40)
    assert voice.volume == 40
    with pytest.raises(ValueError):
        guide.set_volume(101)


def test_guide_from_config_uses_the_configured_backend():
    cfg = load_config(DEMO_CONFIG, env={}, overrides={"voice.backend": "fake",
                                                      "voice.muted": True})
    guide = create_voice_guide(cfg.voice)
    assert isinstance(guide.device, RecordingVoice) and guide.muted
    guide.device.open()
    assert guide.device.probe().device is DeviceState.ONLINE


@pytest.mark.parametrize(
    ("n", "words"),
    [(0, "零"), (10, "十"), (12, "十二"), (105, "一百零五"), (1010, "一千零一十"),
     (2000, "两千"), (12000, "一万二千"), (20000, "两万"), (100001, "十万零一"),
     (10010000, "一千零一万"), (123456789, "一亿二千三百四十五万六千七百八十九")],
)
def test_integer_words(n, words):
    assert integer_words(n) == words


@pytest.mark.parametrize(
    ("amount", "words"),
    [(Decimal("12000.00"), "一万二千元"), (Decimal("12000.56"), "一万二千元五角六分"),
     (Decimal("12000.05"), "一万二千元零五分"), (Decimal("0.50"), "五角"),
     (Decimal("50000"), "五万元"), ("1,234.50", "一千二百三十四元五角"), (0, "零元")],
)
def test_speakable_amount(amount, words):
    assert speakable_amount(amount) == words


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("您的额度为12,000.00元，可用5,000元", "您的额度为一万二千元，可用五千元"),
        ("年化利率4.35%", "年化利率百分之四点三五"),
        ("2026-05-08到期", "二零二六年五月八日到期"),
        ("60秒后返回首页", "六十秒后返回首页"),
        ("共12期，第3期", "共十二期，第三期"),
        ("张*三，您好", "张某三，您好"),
        ("卡号621799*********4561", "卡号尾号四五六一"),
        ("用621799*********4561的卡还款", "用尾号四五六一的卡还款"),
        ("手机138****5678", "手机尾号五六七八"),
        ("身份证610425********301X", "身份证尾号三零一X"),
        ("14:30前", "十四点三十分前"),
        ("¥1,234.50", "一千二百三十四元五角"),
    ],
)
def test_speakable_zh_rewrites_figures_and_masks(text, spoken):
    assert speakable(text, "zh_CN") == spoken


def test_speakable_en_keeps_english_figures_and_hides_masks():
    assert speakable("Card 621799*********4561: 12,000.00 yuan", "en") == (
        "Card ending in 4 5 6 1: 12,000 yuan")
    assert speakable("Hello 张*三", "en") == "Hello 张三"


def test_a_counted_two_is_spoken_liang():
    assert speakable("还有2秒", "zh_CN") == "还有两秒"
    assert speakable("分2期还款", "zh_CN") == "分两期还款"
    assert speakable("12秒", "zh_CN") == "十二秒"
    assert "两" not in speakable("第2.5天", "zh_CN")
