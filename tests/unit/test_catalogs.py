"""Message catalogs: zh_CN and en complete and in step, every id used in code exists, every
error code has its texts, and every spoken text goes the way the kiosk speaks it (figures into
words, Mandarin into tone-numbered pinyin) and stays in its language in espeak-ng."""

from __future__ import annotations

import ast
import re
import string
import subprocess
from pathlib import Path

import polib
import pytest

from devices.voice.pinyin import LETTERS, engine_text
from kiosk.errors import TEXT_KINDS, load_error_table
from kiosk.i18n import LANGUAGES, LOCALE_DIR, po_files
from kiosk.voice import speakable

REPO = Path(__file__).resolve().parents[2]
SCANNED = ("screens", "kiosk")
CALLS = {"tr", "gettext", "speak", "_"}


def all_msgids(lang: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for path in po_files(lang):
        for entry in polib.pofile(str(path)):
            if not entry.obsolete:
                out[entry.msgid] = entry.msgstr
    return out


def used_msgids() -> dict[str, list[str]]:
    """Literal first arguments of tr(...), gettext(...), speak(...), _(...) in the sources."""
    used: dict[str, list[str]] = {}
    for top in SCANNED:
        for path in sorted((REPO / top).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call) or not node.args:
                    continue
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                first = node.args[0]
                if name in CALLS and isinstance(first, ast.Constant) and isinstance(
                        first.value, str):
                    where = f"{path.relative_to(REPO)}:{node.lineno}"
                    used.setdefault(first.value, []).append(where)
    return used


def test_every_domain_exists_in_both_languages():
    domains = {lang: {p.name for p in po_files(lang)} for lang in LANGUAGES}
    assert domains["zh_CN"] == domains["en"]
    assert "core.po" in domains["zh_CN"]


@pytest.mark.parametrize("domain", sorted(p.name for p in (LOCALE_DIR / "zh_CN" /
                                                           "LC_MESSAGES").glob("*.po")))
def test_zh_cn_and_en_have_the_same_ids_and_every_text_is_translated(domain):
    entries = {}
    for lang in LANGUAGES:
        po = polib.pofile(str(LOCALE_DIR / lang / "LC_MESSAGES" / domain))
        entries[lang] = {e.msgid: e for e in po if not e.obsolete}
        untranslated = [e.msgid for e in po if not e.msgstr or e.fuzzy]
        assert untranslated == [], f"{lang}/{domain}: untranslated or fuzzy"
    only_zh = set(entries["zh_CN"]) - set(entries["en"])
    only_en = set(entries["en"]) - set(entries["zh_CN"])
    assert (only_zh, only_en) == (set(), set())


def test_no_msgid_is_defined_in_two_domains():
    for lang in LANGUAGES:
        seen: dict[str, str] = {}
        clashes = []
        for path in po_files(lang):
            for entry in polib.pofile(str(path)):
                if entry.msgid in seen:
                    clashes.append((entry.msgid, seen[entry.msgid], path.name))
                seen[entry.msgid] = path.name
        assert clashes == [], lang


def test_english_texts_use_no_format_field_the_chinese_text_lacks():
    # Leaving a field out of a translation is fine; a field the code may not pass is a crash.
    zh, en = all_msgids("zh_CN"), all_msgids("en")
    formatter = string.Formatter()
    differ = []
    for msgid in zh.keys() & en.keys():
        fields = [{f for _, f, _, _ in formatter.parse(t) if f} for t in (zh[msgid], en[msgid])]
        if not fields[1] <= fields[0]:
            differ.append((msgid, fields))
    assert differ == []


def test_every_msgid_used_in_the_code_exists_in_both_catalogs():
    used = used_msgids()
    assert used, "the scan found no message ids at all"
    for lang in LANGUAGES:
        known = all_msgids(lang)
        missing = {m: where for m, where in used.items() if m not in known}
        assert missing == {}, f"{lang}: used in code but not in the catalog"


def test_every_error_code_has_farmer_staff_and_voice_texts():
    table = load_error_table()
    for lang in LANGUAGES:
        known = all_msgids(lang)
        missing = sorted(f"error.{code}.{kind}" for code in table.codes()
                         for kind in TEXT_KINDS if f"error.{code}.{kind}" not in known)
        assert missing == [], lang


SPOKEN_PREFIXES = ("voice.", "prompt.", "screen.")
SPOKEN_SUFFIXES = (".voice", ".farmer")  # error texts: the voice text, and the farmer text read


def spoken_texts(lang: str) -> dict[str, str]:
    """Every text of ``lang`` that is spoken (voice.*, prompt.*, screen.*, error voice and
    farmer texts), with sample values, rewritten as the kiosk speaks it (kiosk.voice)."""
    out = {}
    for msgid, text in all_msgids(lang).items():
        if msgid.startswith(SPOKEN_PREFIXES) or msgid.endswith(SPOKEN_SUFFIXES):
            fields = {f for _, f, _, _ in string.Formatter().parse(text) if f}
            sample = {f: SAMPLE_FIELDS.get(f, "12") for f in fields}
            out[msgid] = speakable(text.format(**sample), lang)
    return out


def spoken_zh_texts() -> dict[str, str]:
    return spoken_texts("zh_CN")


SAMPLE_FIELDS = {
    "amount": "12,000.00", "name": "张*国", "masked_name": "张*国", "surname": "张",
    "pan": "621799*********4561", "card": "621799*********4561", "phone": "138****5678",
    "date": "2026-05-08", "due_date": "2026-05-08", "rate": "4.35%", "detail": "",
    "seconds": "15", "months": "12", "term": "12",
}
VOICES = {"zh_CN": "cmn-latn-pinyin", "en": "en"}


def phonemes(text: str, voice: str = "cmn-latn-pinyin") -> str:
    result = subprocess.run(["espeak-ng", "-q", "-x", "-v", voice],
                            input=text, capture_output=True, text=True, check=True)
    return result.stdout


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_spoken_text_stays_in_its_language_in_espeak_ng(lang):
    """Through the real path: kiosk.voice.speakable, then what the espeak backend gives the
    engine (pinyin for zh_CN); espeak-ng's phonemes show no switch to another language."""
    voice = VOICES[lang]
    texts = {m: engine_text(t, voice) for m, t in spoken_texts(lang).items()}
    assert "voice.test" in texts
    # All texts in one espeak-ng run; only when something switched, find which text did.
    if "(" not in phonemes("\n".join(f"{t}." for t in texts.values()), voice):
        return
    switched = [(m, t, phonemes(t, voice).strip()) for m, t in texts.items()
                if "(" in phonemes(t, voice)]
    assert switched == []


def test_every_chinese_character_of_a_spoken_text_gets_one_syllable():
    """No character is lost on the way to pinyin (a character pypinyin did not know would be
    silent): as many tone-numbered syllables as Chinese characters plus letters' names."""
    lost = []
    for msgid, text in spoken_zh_texts().items():
        given = engine_text(text, VOICES["zh_CN"])
        han = len(re.findall(r"[\u3400-\u9fff]", text))
        latin = re.findall(r"[A-Za-z]", text)
        expected = han + sum(len(LETTERS[c.upper()].split()) for c in latin)
        if len(re.findall(r"[a-z]+[1-5]", given)) != expected:
            lost.append((msgid, text, given))
    assert lost == []
