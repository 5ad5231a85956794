"""The ear autopilot hears choices by the catalogs' own words in the language spoken (issue 18
item 4: the ear journeys run in zh_CN and en): what the guide says (audio.choice, audio.confirm,
audio.cancel, audio.repeat, audio.separator, audio.end) is parsed back to label -> digit."""

from __future__ import annotations

import pytest

from kiosk.autopilot_ear import parse_choices
from kiosk.i18n import Translator


def guide_says(tr: Translator, labels: list[str]) -> str:
    """The choices as screens/audio.py AudioGuide._choices_text puts them together."""
    out = [tr("audio.choice", n=i, label=label) for i, label in enumerate(labels, start=1)]
    out += [tr("audio.confirm", label=labels[-1]), tr("audio.cancel", label="X"),
            tr("audio.repeat")]
    text = tr("audio.separator").join(out) + tr("audio.end")
    return text[:1].upper() + text[1:]


@pytest.mark.parametrize(("lang", "labels"), [
    ("zh_CN", ["借钱", "还钱", "每月还的不变，少还几期"]),
    ("en", ["Borrow", "Pay part early", "Fewer months, same payment"]),
])
def test_the_numbered_choices_are_heard_back_in_either_language(
        lang: str, labels: list[str]) -> None:
    tr = Translator(lang)
    heard = parse_choices(guide_says(tr, labels), tr)
    assert heard == {label: str(i) for i, label in enumerate(labels, start=1)}


def test_no_numbered_choice_when_only_the_keys_are_said() -> None:
    tr = Translator("en")
    said = tr("audio.separator").join([tr("audio.cancel", label="Cancel"),
                                       tr("audio.repeat")]) + tr("audio.end")
    assert parse_choices(said[:1].upper() + said[1:], tr) == {}
