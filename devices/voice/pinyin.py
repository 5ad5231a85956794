"""Mandarin text -> tone-numbered pinyin for espeak-ng's ``cmn-latn-pinyin`` voice.

espeak-ng reads Chinese characters through its own small dictionary and gets this kiosk's
commonest words wrong (还款 as hái kuǎn, 银行 as yín xíng, 重新 as zhòng xīn, 了解 as le jiě,
贷款 with an extra syllable), while it reads tone-numbered pinyin (``huan2 kuan3``) exactly.
So every Mandarin utterance is converted here and espeak-ng is given the pinyin:

- pypinyin converts, phrase-aware (its phrase dictionary and word segmentation pick 银行 háng
  and 行走 xíng), with ``lexicon.txt`` loaded on top: the reviewed readings of this domain's
  words (还款 huán, 应还 huán, 重听 chóng ...), which also steer the segmentation;
- 一 and 不 get their tone changes (一万 yí wàn, 一千 yì qiān, 不是 bú shì), which espeak-ng
  does not apply; 一 read as a figure (第一, 十一, 一月, 四点一五, digit by digit) keeps yī.
  The third-tone change (你好 ní hǎo) is left to espeak-ng, which applies it itself;
- punctuation becomes the ASCII marks espeak-ng pauses at; Latin letters (助农E终端) are read as
  Chinese speakers name them (E -> yi4), so espeak-ng never switches to its English voice.

Figures must already be words (kiosk.voice.speakable_zh does that: 一万二千元, 二零二六年).

Importing pypinyin takes about 0.2 s and loading the lexicon 30 ms, so this module is used in
the speech child process (devices/voice/speaker.py) and in diagnostics, never imported on the
kiosk's start path.
"""

from __future__ import annotations

import re
import threading
from functools import cache
from pathlib import Path
from typing import Any

LEXICON = Path(__file__).with_name("lexicon.txt")
PINYIN_VOICE_MARK = "pinyin"  # espeak-ng voices that read pinyin: cmn-latn-pinyin, ...

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_SYLLABLE = re.compile(r"^[a-zü]+[1-5]$")
_PAUSES = {
    "，": ",", "、": ",", "；": ",", "：": ",", "—": ",", "–": ",", "…": ".",
    "。": ".", "！": "!", "？": "?", ",": ",", ";": ",", ":": ",", ".": ".", "!": "!",
    "?": "?", "\n": ".",
}
# How Chinese speakers name Latin letters, in pinyin the voice reads without switching language.
LETTERS = {
    "A": "ei1", "B": "bi4", "C": "xi1", "D": "di4", "E": "yi4", "F": "ai2 fu5", "G": "ji4",
    "H": "ai2 qi1", "I": "ai4", "J": "zhei4", "K": "kai4", "L": "ai2 le5", "M": "ai2 mu5",
    "N": "en1", "O": "ou1", "P": "pi4", "Q": "kiu1", "R": "a4", "S": "ai2 si5", "T": "ti4",
    "U": "you1", "V": "wei1", "W": "da2 bu5 liu5", "X": "ai2 ke4 si5", "Y": "wai4", "Z": "zei4",
}
_NUMERALS = set("零〇一二两三四五六七八九十")
_NOT_BEFORE_YI = set("第十号")  # 第一, 十一, 号一 ... keep yī (点: only after a figure)
_YI_PLAIN_AFTER = set("月日号")  # 一月, 一日, 一号: yī
_UNITS = set("百千万亿")  # 一百 yì bǎi, 一万 yí wàn: the tone change applies


def load_lexicon(path: Path = LEXICON) -> dict[str, list[str]]:
    """word -> tone-numbered syllables, from ``lexicon.txt`` (checked: one per character)."""
    out: dict[str, list[str]] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        word, *syllables = line.split()
        if len(syllables) != len(word) or not all(_SYLLABLE.match(s) for s in syllables):
            raise ValueError(f"{path.name}:{number}: {raw!r}: one tone-numbered syllable "
                             "per character expected")
        out[word] = syllables
    return out


_load_lock = threading.Lock()


@cache
def _load() -> Any:
    from pypinyin import load_phrases_dict
    from pypinyin.contrib.tone_convert import to_tone

    load_phrases_dict({word: [[to_tone(s)] for s in syllables]
                       for word, syllables in load_lexicon().items()})
    import pypinyin

    return pypinyin


def _converter() -> Any:
    """pypinyin with the lexicon loaded (once per process, whichever thread asks first)."""
    with _load_lock:
        return _load()


def preload() -> None:
    """Import pypinyin and load the lexicon now (the speech child does it at start)."""
    _converter()


def _tone(syllable: str) -> int:
    return int(syllable[-1]) if syllable[-1:].isdigit() else 0


def _han_pinyin(run: str) -> list[str]:
    """Tone-numbered syllables of a run of Chinese characters, one per character."""
    pypinyin = _converter()
    syllables: list[str] = pypinyin.lazy_pinyin(
        run, style=pypinyin.Style.TONE3, neutral_tone_with_five=True,
        errors=lambda chars: ["" for _ in chars])
    return [s.replace("ü", "v") for s in syllables]


def _sandhi(run: str, syllables: list[str]) -> list[str]:
    """一 and 不 before another syllable: yí/bú before a fourth tone, yì before the others."""
    out = list(syllables)
    for i, (char, syllable) in enumerate(zip(run, syllables, strict=True)):
        if i + 1 >= len(run) or char not in "一不" or not syllable:
            continue
        nxt, next_tone = run[i + 1], _tone(syllables[i + 1])
        if char == "不":
            if next_tone == 4:
                out[i] = "bu2"
            continue
        before = run[i - 1] if i else ""
        decimal_point = before == "点" and i >= 2 and run[i - 2] in _NUMERALS  # 四点一五
        if (before in _NUMERALS or before in _NOT_BEFORE_YI or decimal_point
                or nxt in _YI_PLAIN_AFTER or nxt in _NUMERALS - _UNITS):
            out[i] = "yi1"  # a figure: 十一, 四点一五, 第一, 一月一日, 尾号一五, 一十
            continue
        if before == nxt:
            out[i] = "yi5"  # 擦一擦, 试一试: neutral
            continue
        if syllable != "yi1":
            continue  # a phrase of the dictionary already chose (一样 yi2, 统一 yi1 ...)
        if next_tone == 4 or (next_tone == 5 and nxt == "个"):
            out[i] = "yi2"
        elif next_tone in (1, 2, 3):
            out[i] = "yi4"
    return out


def to_pinyin(text: str) -> str:
    """``text`` (Mandarin, figures already in words) as space-separated tone-numbered pinyin
    with ASCII punctuation: "您好，请还款。" -> "nin2 hao3, qing3 huan2 kuan3."."""
    words: list[str] = []
    for match in re.finditer(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[A-Za-z]+|\S", text):
        token = match.group(0)
        if _HAN.match(token):
            words.extend(s for s in _sandhi(token, _han_pinyin(token)) if s)
        elif token.isascii() and token.isalpha():
            words.extend(LETTERS[c] for c in token.upper())
        elif token in _PAUSES:
            mark = _PAUSES[token]
            if words and words[-1][-1] not in ",.!?":
                words[-1] += mark
            elif words and mark != ",":
                words[-1] = words[-1][:-1] + mark
        # anything else (quotes, brackets, symbols) is not spoken
    return " ".join(words)


def uses_pinyin(voice: str) -> bool:
    """Whether the espeak-ng voice reads tone-numbered pinyin (cmn-latn-pinyin does)."""
    return PINYIN_VOICE_MARK in voice.lower()


def engine_text(text: str, voice: str) -> str:
    """What espeak-ng is given for ``text`` in ``voice``: pinyin for a pinyin voice when the
    text holds Chinese characters or Latin letters, else the text itself."""
    if uses_pinyin(voice):
        return to_pinyin(text)
    return text


_SENTENCE_END = re.compile(r"([.!?])\s+(?=\S)")


def with_pauses(text: str, pause_ms: int) -> str | None:
    """SSML for espeak-ng (``-m``) that adds ``pause_ms`` of silence after every sentence end
    followed by more speech (a pause at the very end would only delay the next prompt); None
    when there is nothing to add (the text is then given as it is)."""
    if pause_ms <= 0 or not _SENTENCE_END.search(text):
        return None
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return "<speak>" + _SENTENCE_END.sub(
        lambda m: f'{m.group(1)}<break time="{int(pause_ms)}ms"/> ', escaped) + "</speak>"
