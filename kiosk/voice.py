"""Voice guidance: prompts by message id, spoken through the configured voice device.

``VoiceGuide`` calls the device directly from the GUI thread: every device call is quick and
non-blocking (``EspeakVoice`` writes one line to a non-blocking pipe; the fake appends to a
list), so no DeviceWorker is needed and a new prompt interrupts the old one at once. Only
``open()`` of a device does real work (a process spawn, a few ms): do it at start-up.

espeak-ng's Mandarin voice reads figures badly: "12,000.00元" becomes 十二千零零元, "4.35%"
loses its decimal point and says "percent" in English, "2026年" becomes 二千二十六年, and a masked
name "张*三" spells "asterisk" in English. :func:`speakable` rewrites a zh_CN text into words
before it is spoken (the screen keeps the figures): amounts in yuan, percentages, dates, years,
times, long digit strings (read digit by digit), masked numbers ("尾号4561") and masked names.
"""

from __future__ import annotations

import logging
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from kiosk.i18n import Translator

log = logging.getLogger(__name__)

DIGITS = "零一二三四五六七八九"
_SMALL_UNITS = ("", "十", "百", "千")
_BIG_UNITS = ("", "万", "亿", "万亿")


# --- figures into Mandarin words --------------------------------------------------------------


def _section_words(n: int) -> str:
    """0 < n < 10000 -> words, with 零 for inner gaps (1005 -> 一千零五)."""
    out: list[str] = []
    zero_pending = False
    for pos in (3, 2, 1, 0):
        digit = n // 10**pos % 10
        if digit == 0:
            if out:
                zero_pending = True
            continue
        if zero_pending:
            out.append("零")
            zero_pending = False
        out.append(DIGITS[digit] + _SMALL_UNITS[pos])
    return "".join(out)


def integer_words(n: int) -> str:
    """An integer in Mandarin words: 12000 -> 一万二千, 10 -> 十, 105 -> 一百零五."""
    if n < 0:
        return "负" + integer_words(-n)
    if n == 0:
        return "零"
    if n >= 10**16:
        return digit_words(str(n))
    groups: list[int] = []
    while n:
        groups.append(n % 10000)
        n //= 10000
    out: list[str] = []
    zero_pending = False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            zero_pending = bool(out)
            continue
        if out and (zero_pending or group < 1000):
            out.append("零")
        zero_pending = False
        out.append(_section_words(group) + _BIG_UNITS[index])
    text = "".join(out)
    if text.startswith("一十"):  # 12 -> 十二, not 一十二
        text = text[1:]
    if text[:2] in ("二千", "二万", "二亿"):  # 2000 -> 两千 (but 12000 -> 一万二千)
        text = "两" + text[1:]
    return text


def digit_words(digits: str) -> str:
    """Read a string of digits one by one: "4561" -> 四五六一."""
    return "".join(DIGITS[int(c)] if c.isdigit() else c for c in digits)


def digit_groups(digits: str) -> list[str]:
    """How a long string of digits is read, in groups: a mobile number 3-4-4 (138 1234 5678),
    else groups of four from the left, never a last group of one (12345 -> 123 45)."""
    if len(digits) == 11 and digits.startswith("1"):
        return [digits[:3], digits[3:7], digits[7:]]
    groups = [digits[i:i + 4] for i in range(0, len(digits), 4)]
    if len(groups) > 1 and len(groups[-1]) == 1:
        groups[-2:] = [groups[-2][:3], groups[-2][3:] + groups[-1]]
    return groups


def grouped_digit_words(digits: str, *, phone: bool = False) -> str:
    """Digits read one by one in groups with a short pause between them (，); in a phone
    number 1 is read 幺 (yāo), as people read phone numbers aloud."""
    words = [digit_words(g) for g in digit_groups(digits)]
    if phone:
        words = [w.replace("一", "幺") for w in words]
    return "，".join(words)


def number_words(text: str) -> str:
    """A figure such as "12,000", "4.35" or "0.5" in words (一万二千, 四点三五, 零点五)."""
    text = text.replace(",", "")
    whole, _, frac = text.partition(".")
    words = integer_words(int(whole or "0"))
    if frac:
        words += "点" + digit_words(frac)
    return words


def speakable_amount(amount: Decimal | int | str) -> str:
    """Money in yuan as spoken Mandarin: 12000.00 -> 一万二千元, 12000.56 -> 一万二千元五角六分."""
    try:
        value = Decimal(str(amount).replace(",", "")).quantize(Decimal("0.01"), ROUND_HALF_UP)
    except InvalidOperation:
        raise ValueError(f"not an amount: {amount!r}") from None
    sign = "负" if value < 0 else ""
    value = abs(value)
    fen_total = int(value * 100)
    yuan, jiao, fen = fen_total // 100, fen_total // 10 % 10, fen_total % 10
    parts: list[str] = []
    if yuan:
        parts.append(integer_words(yuan) + "元")
    if jiao:
        parts.append(DIGITS[jiao] + "角")
    if fen:
        if yuan and not jiao:
            parts.append("零")
        parts.append(DIGITS[fen] + "分")
    return sign + ("".join(parts) or "零元")


# --- whole texts -------------------------------------------------------------------------------

_HAN = r"[\u3400-\u9fff]"
_MASKED_NAME = re.compile(rf"({_HAN})\*+")
_MASKED_NUMBER = re.compile(r"[0-9A-Za-z]*\*{2,}[0-9*]*?([0-9Xx]{2,})(?![0-9Xx])|[0-9]+\*{2,}")
_DATE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?")
_YEAR = re.compile(r"(\d{4})年")
_TIME = re.compile(r"(?<!\d)(\d{1,2}):(\d{2})(?!\d)")
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*[%％]")
_AMOUNT = re.compile(r"[¥￥]?\s*(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?\s*元")
_AMOUNT_YEN_SIGN = re.compile(r"[¥￥]\s*(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?")
_LONG_DIGITS = re.compile(r"\d{5,}")
_CARD_TAIL = re.compile(r"尾号\s*(\d{2,8})(?!\d)")  # a card's or phone's last digits
_CARD_TAIL_EN = re.compile(r"\b(ending(?: in)?|last digits)\s+(\d{2,8})\b")
_MOBILE = re.compile(r"(?<![\d.,])1[3-9]\d{9}(?![\d.,])")
_LANDLINE = re.compile(r"(?<![\d.,])(0\d{2,3})-(\d{7,8})(?![\d.,])")
_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
# A lone 2 counting something is 两 in Mandarin (两秒, 两期), not 二.
_TWO_COUNTED = re.compile(r"(?<![\d.,])2(?![\d.,])(?=\s*(?:秒|分钟|小时|天|个|期|次|位|张|笔|年))")


def _amount(match: re.Match[str]) -> str:
    cents = match.group(2) or "0"
    return speakable_amount(f"{match.group(1).replace(',', '')}.{cents}")


def _masked_number(match: re.Match[str]) -> str:
    tail = match.group(1)
    return "尾号" + digit_words(tail) if tail else ""


def _date(match: re.Match[str]) -> str:
    year, month, day = match.groups()
    return f"{digit_words(year)}年{integer_words(int(month))}月{integer_words(int(day))}日"


def _time(match: re.Match[str]) -> str:
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        return match.group(0)
    return f"{integer_words(hour)}点" + (f"{integer_words(minute)}分" if minute else "整")


#: a position among pages or items on a Chinese screen (第1/2页, 下一条 1/2): the voice would
#: say the slash in English; said as 第一页，共二页 / 第一，共二
_ZH_PAGE = re.compile(r"第(\d{1,2})/(\d{1,2})页")
_ZH_OF = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})(?![\d/])")
#: 'Next 1/2' on an English button: the position, not January 2
_EN_NEXT_OF = re.compile(r"\bNext (\d{1,2})/(\d{1,2})(?![\d/])")


def speakable_zh(text: str) -> str:
    """Rewrite a zh_CN text so espeak-ng's cmn-latn-pinyin voice reads it all in Mandarin."""
    text = _MASKED_NUMBER.sub(_masked_number, text).replace("尾号尾号", "尾号")
    text = _CARD_TAIL.sub(lambda m: "尾号" + grouped_digit_words(m.group(1)), text)
    text = _MASKED_NAME.sub(lambda m: m.group(1) + "某", text)
    text = text.replace("*", "")
    text = _DATE.sub(_date, text)
    text = _ZH_PAGE.sub(r"第\1页，共\2页", text)
    text = _ZH_OF.sub(r"第\1，共\2", text)  # after the dates (2026/3/21): a position left
    text = _YEAR.sub(lambda m: digit_words(m.group(1)) + "年", text)
    text = _TIME.sub(_time, text)
    text = _PERCENT.sub(lambda m: "百分之" + number_words(m.group(1)), text)
    text = _AMOUNT.sub(_amount, text)
    text = _AMOUNT_YEN_SIGN.sub(_amount, text)
    text = _MOBILE.sub(lambda m: grouped_digit_words(m.group(0), phone=True), text)
    text = _LANDLINE.sub(lambda m: grouped_digit_words(m.group(1), phone=True) + "，"
                         + grouped_digit_words(m.group(2), phone=True), text)
    text = _LONG_DIGITS.sub(lambda m: grouped_digit_words(m.group(0)), text)
    text = _TWO_COUNTED.sub("两", text)
    return _NUMBER.sub(lambda m: number_words(m.group(0)), text)


_EN_DATE = re.compile(r"(?<![\d/.,])(\d{1,2})/(\d{1,2})(?:/(\d{4}))?(?![\d/])")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
_FULL_WIDTH = str.maketrans({"，": ", ", "。": ". ", "；": "; ", "：": ": ", "、": ", ",
                             "（": " (", "）": ") ", "？": "? ", "！": "! "})
_RUN_ON = re.compile(r"(?<=[a-z0-9)][.?!])(?=[A-Z])")  # "5 days.To repay" -> "5 days. To repay"


def _en_date(match: re.Match[str]) -> str:
    """3/21 -> March 21, 1/3/2027 -> January 3, 2027 (the English screens' month/day)."""
    month, day, year = int(match.group(1)), int(match.group(2)), match.group(3)
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return match.group(0)
    return f"{_MONTHS[month - 1]} {day}" + (f", {year}" if year else "")


def speakable_en(text: str) -> str:
    """English: masked numbers as 'ending in 4 5 6 1' and a card's tail after 'ending' digit
    by digit (never 'four thousand...'), masked names without stars, no '.00', dates (3/21) as
    words (March 21), Chinese punctuation as English pauses, a space after each sentence."""
    text = _MASKED_NUMBER.sub(
        lambda m: f"ending in {' '.join(m.group(1))}" if m.group(1) else "", text)
    text = " ".join(text.translate(_FULL_WIDTH).split())  # Chinese punctuation, said as pauses
    text = _RUN_ON.sub(" ", text)
    text = _EN_NEXT_OF.sub(r"Next, \1 of \2", text)
    text = _EN_DATE.sub(_en_date, text)
    text = _CARD_TAIL_EN.sub(lambda m: f"{m.group(1)} {_en_groups(m.group(2))}", text)
    text = text.replace("*", "")
    text = _LANDLINE.sub(lambda m: _en_groups(m.group(1)) + ", " + _en_groups(m.group(2)), text)
    text = _LONG_DIGITS.sub(lambda m: _en_groups(m.group(0)), text)
    return re.sub(r"(\d)\.00\b", r"\1", text)


def _en_groups(digits: str) -> str:
    """'13812345678' -> '1 3 8, 1 2 3 4, 5 6 7 8' (each digit said, a pause per group)."""
    return ", ".join(" ".join(g) for g in digit_groups(digits))


def speakable(text: str, lang: str) -> str:
    """The text as it should be spoken in ``lang`` (zh_CN or en)."""
    return speakable_zh(text) if lang.startswith("zh") else speakable_en(text)




def sentences(text: str) -> list[str]:
    """A prompt cut after each 。！？ (and . ! ? followed by a space or the end)."""
    parts = re.split(r"(?<=[。！？!?])|(?<=\.)(?=\s|$)", text)
    return [p.strip() for p in parts if p.strip(" \n。！？!?.,，")]


def last_sentence(text: str) -> str:
    """The last sentence of a prompt (the whole text when it is one sentence)."""
    found = sentences(text)
    return found[-1] if found else text


# --- the guide ---------------------------------------------------------------------------------


class VoiceGuide:
    """Speaks prompts by message id through a voice device (see the module docstring).

    ``enabled`` False: nothing is ever spoken (config ``voice.enabled``). ``muted``: the
    farmer or staff turned the sound off for now; prompts are still remembered so that
    ``repeat()`` after unmuting speaks the current one.
    """

    def __init__(self, voice_device: Any, *, enabled: bool = True, muted: bool = False,
                 rate: int = 150, care_rate: int = 120,
                 repeat_scope: str = "prompt") -> None:
        self.device = voice_device
        self.enabled = enabled
        self.muted = muted
        self.rate = rate  # words per minute (config voice.rate)
        self.care_rate = care_rate  # in 关怀模式 (config voice.care_rate)
        self.slow = False
        #: the ALSA device the prompts play on (None: the device's configured one)
        self.output: str | None = None
        self.repeat_scope = repeat_scope  # what 重听 repeats: "prompt" or "last_sentence"
        self._last: tuple[str, str, str] | None = None  # (msgid, lang, text)
        #: prompts given so far (the audio-guided mode tells a new prompt from its own)
        self.count = 0

    @property
    def last_text(self) -> str | None:
        """The text of the last prompt (as shown, before :func:`speakable`)."""
        return None if self._last is None else self._last[2]

    @property
    def last_msgid(self) -> str | None:
        return None if self._last is None else self._last[0]

    def speak(self, msgid: str, translator: Translator, /, **fields: Any) -> str:
        """Look ``msgid`` up in the translator's language and speak it, interrupting the
        previous prompt. Returns the text (as displayed)."""
        text = translator.gettext(msgid, **fields)
        self._last = (msgid, translator.lang, text)
        self.count += 1
        self._say(text, translator.lang)
        return text

    def speak_text(self, text: str, lang: str, *, msgid: str = "") -> None:
        """Speak an already translated text (e.g. an error's voice text)."""
        self._last = (msgid, lang, text)
        self.count += 1
        self._say(text, lang)

    def repeat(self) -> None:
        """重听: the last prompt again, from the start (or only its last sentence when
        ``repeat_scope`` is "last_sentence")."""
        if self.repeat_scope == "last_sentence":
            self.repeat_last_sentence()
        elif self._last is not None:
            self._say(self._last[2], self._last[1])

    def repeat_last_sentence(self) -> None:
        """Only the last sentence of the last prompt (the one most often missed)."""
        if self._last is not None:
            self._say(last_sentence(self._last[2]), self._last[1])

    @property
    def current_rate(self) -> int:
        return self.care_rate if self.slow else self.rate

    def set_output(self, device: str | None) -> None:
        """Play the next prompts on ``device`` (the audio-guided mode's headset), ``None``:
        the voice's configured device (the loudspeaker) again."""
        self.output = device or None

    def set_slow(self, slow: bool) -> None:
        """关怀模式: speak at ``care_rate`` (else at ``rate``) from the next prompt on."""
        self.slow = slow

    def stop(self) -> None:
        """Silence now (screen change without a prompt, session end)."""
        try:
            self.device.stop()
        except Exception:
            log.exception("voice stop failed")

    def set_muted(self, muted: bool) -> None:
        """Mute (stops what is playing) or unmute."""
        self.muted = muted
        if muted:
            self.stop()

    def set_volume(self, volume: int) -> None:
        """Volume 0..100 for the following prompts."""
        self.device.set_volume(volume)

    @property
    def speaking(self) -> bool:
        return bool(self.device.speaking)

    def _say(self, text: str, lang: str) -> None:
        if not self.enabled or self.muted or not text:
            return
        try:
            if getattr(self.device, "rate", self.current_rate) != self.current_rate:
                self.device.set_rate(self.current_rate)  # the device may have been replaced
            if getattr(self.device, "output", self.output) != self.output:
                self.device.set_output(self.output)
            self.device.say(speakable(text, lang), lang)
        except Exception:  # speech must never take the GUI down
            log.exception("voice say failed")


def create_voice_device(voice_config: Any, **extra: Any) -> Any:
    """Build (not open) the voice device from the ``[voice]`` config section (``extra``:
    backend parameters beyond the config, e.g. ``echo=True`` for diagnostics)."""
    from devices.registry import create_device

    params = {
        "voice": voice_config.voice,
        "voice_en": voice_config.voice_en,
        "rate": voice_config.rate,
        "volume": voice_config.volume,
        "sentence_pause_ms": voice_config.sentence_pause_ms,
        "wav_dir": voice_config.wav_dir,
        "audio_device": voice_config.audio_device,
        **extra,
    }
    return create_device("voice", voice_config.backend, **params)


def create_voice_guide(voice_config: Any) -> VoiceGuide:
    """Build the device and the guide from ``[voice]``; the caller opens ``guide.device``."""
    return VoiceGuide(create_voice_device(voice_config), enabled=voice_config.enabled,
                      muted=voice_config.muted, rate=voice_config.rate,
                      care_rate=voice_config.care_rate, repeat_scope=voice_config.repeat)
