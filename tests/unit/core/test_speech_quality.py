"""Speech quality (issue 18 item 5): numbers read in groups, a pause after each sentence (real
espeak-ng), a speech rate per farmer (关怀模式 slower), 重听 of only the last sentence."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest

from devices.voice.contract import UtteranceOutcome
from devices.voice.espeak import EspeakVoice
from devices.voice.fake import RecordingVoice
from devices.voice.pinyin import with_pauses
from kiosk.i18n import Translator
from kiosk.voice import VoiceGuide, digit_groups, last_sentence, sentences, speakable


@pytest.mark.parametrize(("digits", "groups"), [
    ("13812345678", ["138", "1234", "5678"]),  # a mobile number: 3-4-4
    ("12345678", ["1234", "5678"]),
    ("123456789", ["1234", "567", "89"]),  # never a last group of one
    ("12345", ["123", "45"]),
])
def test_long_numbers_are_cut_into_groups(digits: str, groups: list[str]) -> None:
    assert digit_groups(digits) == groups


def test_phone_numbers_card_tails_and_long_numbers_are_read_in_groups() -> None:
    assert speakable("请核对手机号13812345678。", "zh_CN") == (
        "请核对手机号幺三八，幺二三四，五六七八。")
    assert speakable("网点电话029-35561234", "zh_CN") == "网点电话零二九，三五五六，幺二三四"
    assert speakable("尾号4561的银行卡", "zh_CN") == "尾号四五六一的银行卡"
    assert speakable("还款账户621799********4561", "zh_CN") == "还款账户尾号四五六一"
    assert speakable("编号123456789", "zh_CN") == "编号一二三四，五六七，八九"
    assert speakable("借12,000.00元", "zh_CN") == "借一万二千元"  # amounts stay amounts
    assert speakable("Mobile 13812345678.", "en") == "Mobile 1 3 8, 1 2 3 4, 5 6 7 8."


def test_a_card_tail_is_said_digit_by_digit_never_as_a_number() -> None:
    """尾号 四五六一 / "ending 4 5 6 1" whether the room passes the tail, the masked number or
    a contract number (never 四千五百六十一 / 'four thousand ...')."""
    assert speakable("现在从尾号4561的卡扣款", "zh_CN") == "现在从尾号四五六一的卡扣款"
    assert speakable("原来的卡：621799*********4561", "zh_CN") == "原来的卡：尾号四五六一"
    assert speakable("合同号HT********0001", "zh_CN") == "合同号尾号零零零一"
    assert speakable("repayments come from the card ending 4561.", "en") == (
        "repayments come from the card ending 4 5 6 1.")
    assert speakable("Old card: 621799*********4561", "en") == "Old card: ending in 4 5 6 1"
    assert speakable("from the card ending in 6546, 3000.00 yuan", "en") == (
        "from the card ending in 6 5 4 6, 3000 yuan")
    assert speakable("Contract HT********0001", "en") == "Contract ending in 0 0 0 1"
    assert speakable("Pay 4561 yuan", "en") == "Pay 4561 yuan"  # an amount stays a number


def test_english_speech_has_english_pauses_and_dates_in_words() -> None:
    """What the audio-guided mode hears in English: no Chinese stops between sentences (a
    table row read by ear), a space after each sentence, dates as words (month/day)."""
    assert speakable("Each installment。Page 1 of 3。No. 1，Due 1/3/2027，Payment 2,559.30",
                     "en") == ("Each installment. Page 1 of 3. No. 1, Due January 3, 2027, "
                               "Payment 2,559.30")
    assert speakable("due on 3/21.To repay now, press Repay now.", "en") == (
        "due on March 21. To repay now, press Repay now.")
    assert speakable("Rate 4.35%; 13/45 is no date", "en") == "Rate 4.35%; 13/45 is no date"


def test_a_position_among_pages_or_items_is_said_in_words_not_with_a_slash() -> None:
    """第1/2页 and 下一条 9/9 (the elderly mode's one-line headings and buttons): espeak-ng
    would say the slash in English; an English 'Next 1/2' is no date."""
    assert speakable("签约前请听好（第1/2页）", "zh_CN") == "签约前请听好（第一页，共二页）"
    assert speakable("下一条 9/9", "zh_CN") == "下一条 第九，共九"
    assert speakable("2026/3/21 还款", "zh_CN") == "二零二六年三月二十一日 还款"  # a date still
    assert speakable("Next 1/2", "en") == "Next, 1 of 2"
    assert speakable("1st 4/21: 9,728.31", "en") == "1st April 21: 9,728.31"


def test_a_prompt_is_cut_into_sentences_and_the_last_one_found() -> None:
    text = "您好。请插入银行卡，芯片朝上！读完之前不要拔卡。"
    assert sentences(text) == ["您好。", "请插入银行卡，芯片朝上！", "读完之前不要拔卡。"]
    assert last_sentence(text) == "读完之前不要拔卡。"
    assert last_sentence("年利率4.35%，每月还款。") == "年利率4.35%，每月还款。"  # no cut at 4.35
    assert last_sentence("Insert the card. Do not pull it out.") == "Do not pull it out."


def test_repeat_says_only_the_last_sentence_when_so_configured() -> None:
    tr = Translator("zh_CN")
    device = RecordingVoice()
    guide = VoiceGuide(device, repeat_scope="last_sentence")
    guide.speak_text("您好。请插入银行卡。读完之前不要拔卡。", "zh_CN")
    guide.repeat()
    assert device.spoken[-1] == ("zh_CN", "读完之前不要拔卡。")
    guide.repeat_scope = "prompt"
    guide.repeat()
    assert device.spoken[-1][1] == "您好。请插入银行卡。读完之前不要拔卡。"
    guide.speak("screen.insert_id.title", tr)
    guide.repeat_last_sentence()
    assert device.spoken[-1][1] == last_sentence(tr("screen.insert_id.title"))


def test_the_elderly_mode_speaks_slower_and_back_to_normal() -> None:
    device = RecordingVoice()
    guide = VoiceGuide(device, rate=150, care_rate=110)
    guide.speak_text("您好。", "zh_CN")
    guide.set_slow(True)
    guide.speak_text("您好。", "zh_CN")
    guide.set_slow(False)
    guide.speak_text("您好。", "zh_CN")
    assert device.rates == [150, 110, 150]


def test_pauses_become_ssml_breaks_only_between_sentences() -> None:
    assert with_pauses("nin2 hao3.", 400) is None  # one sentence: given as it is
    assert with_pauses("a. b.", 0) is None
    assert with_pauses("nin2 hao3. qing3 <x> & y!  hao3?", 400) == (
        '<speak>nin2 hao3.<break time="400ms"/> qing3 &lt;x&gt; &amp; y!<break time="400ms"/> '
        'hao3?</speak>')


def _seconds(path: str) -> float:
    with wave.open(path, "rb") as w:
        return w.getnframes() / w.getframerate()


def test_real_espeak_ng_pauses_after_each_sentence(tmp_path: Path) -> None:
    text = "您好。请插卡。谢谢。"
    durations = {}
    for pause in (0, 600):
        voice = EspeakVoice(wav_dir=tmp_path / f"wav{pause}", rate=300, sentence_pause_ms=pause,
                            restart_backoff=(0.05,))
        voice.open()
        try:
            voice.say(text, "zh_CN")
            assert voice.wait_until_quiet(20.0)
            result = voice.result(voice.last_utterance_id)
            assert result is not None and result.outcome is UtteranceOutcome.DONE, result
            durations[pause] = _seconds(str(result.wav))
        finally:
            voice.close()
    # two sentence ends followed by more speech: two pauses of 0.6 s
    assert durations[600] - durations[0] >= 2 * 0.6 * 0.9, durations


def test_real_espeak_ng_speaks_slower_at_the_care_rate(tmp_path: Path) -> None:
    voice = EspeakVoice(wav_dir=tmp_path / "wav", rate=300, restart_backoff=(0.05,))
    voice.open()
    try:
        seconds = []
        for rate in (300, 150):
            voice.set_rate(rate)
            voice.say("请插入身份证", "zh_CN")
            assert voice.wait_until_quiet(20.0)
            result = voice.result(voice.last_utterance_id)
            assert result is not None and result.outcome is UtteranceOutcome.DONE
            seconds.append(_seconds(str(result.wav)))
        assert seconds[1] > seconds[0] * 1.5, seconds
        with pytest.raises(ValueError):
            voice.set_rate(20)
    finally:
        voice.close()
