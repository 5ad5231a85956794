"""Every ID card error has a code, and every code its farmer/staff/voice texts in zh_CN and en."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest
import yaml

from devices.base import Completion
from devices.idcard.contract import ERROR_COMPLETION, IdCardError, idcard_error
from kiosk.errors import error_for_completion
from kiosk.i18n import LOCALE_DIR, Translator

TABLE = Path(__file__).resolve().parents[3] / "kiosk" / "error_codes" / "idcard.yaml"


def table() -> list[dict]:
    return yaml.safe_load(TABLE.read_text(encoding="utf-8"))


def test_every_class_error_has_one_code_with_its_completion() -> None:
    rows = {row["error"]: row for row in table() if "error" in row}
    assert set(rows) == {e.value for e in IdCardError}
    for error, completion in ERROR_COMPLETION.items():
        assert rows[error.value]["completion"] == completion.value
        assert rows[error.value]["code"].startswith("IDC-")


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_catalog_is_complete_in_both_languages(lang: str) -> None:
    ids = {
        e.msgid
        for e in polib.pofile(str(LOCALE_DIR / lang / "LC_MESSAGES" / "idcard.po"))
        if e.msgstr
    }
    for row in table():
        for kind in ("farmer", "staff", "voice"):
            assert f"error.{row['code']}.{kind}" in ids
    other = "en" if lang == "zh_CN" else "zh_CN"
    other_ids = {
        e.msgid for e in polib.pofile(str(LOCALE_DIR / other / "LC_MESSAGES" / "idcard.po"))
    }
    assert ids == other_ids


def test_expired_card_reads_as_id_card_expired_for_the_farmer() -> None:
    exc = idcard_error(IdCardError.EXPIRED)
    completion: Completion[None] = Completion(1, exc.code, exc.error, device="idcard")
    info = error_for_completion(completion, Translator("zh_CN"))
    assert info.code == "IDC-EXPIRED" and "身份证已过期" in info.farmer
    assert not info.retryable
    en = error_for_completion(completion, Translator("en"))
    assert "expired" in en.farmer
