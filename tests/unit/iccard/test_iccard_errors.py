"""Every bank card error reaches people as a code with farmer, staff and voice texts."""

from __future__ import annotations

import pytest

from devices.base import Completion
from devices.iccard.contract import ERROR_COMPLETION, IccardError, iccard_error
from kiosk.errors import error_for_completion, error_table
from kiosk.i18n import Translator, catalog


@pytest.mark.parametrize("error", list(IccardError))
def test_each_class_error_maps_to_its_own_code_with_all_texts(error):
    exc = iccard_error(error, "detail for staff")
    completion = Completion(1, exc.code, error=error, detail=exc.detail, device="iccard")
    assert completion.code is ERROR_COMPLETION[error]
    for lang in ("zh_CN", "en"):
        info = error_for_completion(completion, Translator(lang))
        assert info.code.startswith("ICC-")
        for kind in ("farmer", "staff", "voice"):
            assert f"error.{info.code}.{kind}" in catalog(lang)
        assert "detail for staff" in info.staff
    entry = error_table().by_code(error_for_completion(completion, Translator()).code)
    assert entry is not None and entry.completion is completion.code


def test_codes_are_distinct_per_error():
    codes = {error_for_completion(Completion(1, ERROR_COMPLETION[e], error=e, device="iccard"),
                                  Translator()).code for e in IccardError}
    assert len(codes) == len(IccardError)


def test_spoken_chinese_texts_have_no_latin_letters():
    zh = catalog("zh_CN")
    for key, text in zh.items():
        if key.startswith("error.ICC-") and key.endswith(".voice"):
            assert not any("a" <= ch.lower() <= "z" for ch in text), key
