"""The unified error table: area files, lookups by device error, generic fallbacks, texts."""

from __future__ import annotations

from enum import StrEnum

import pytest

from devices.base import Completion, CompletionCode
from devices.voice.contract import VoiceError
from kiosk.errors import (
    ErrorInfo,
    ErrorTableError,
    error_for_completion,
    error_info,
    load_error_table,
)
from kiosk.i18n import Translator

ZH, EN = Translator("zh_CN"), Translator("en")


class FakeIdError(StrEnum):
    EXPIRED = "expired"
    NO_CARD = "noCard"


def write_tables(tmp_path, idcard_yaml: str):
    (tmp_path / "core.yaml").write_text(
        "- {code: GEN-TIMEOUT, completion: timeout, retryable: true}\n"
        "- {code: GEN-INTERNAL, completion: internalError, retryable: false}\n"
        "- {code: GEN-USER-ERROR, completion: userError, retryable: true}\n",
        encoding="utf-8")
    (tmp_path / "idcard.yaml").write_text(idcard_yaml, encoding="utf-8")
    return load_error_table(tmp_path)


def test_area_file_name_is_the_default_device_and_exact_errors_win(tmp_path):
    table = write_tables(tmp_path, (
        "- {code: IDC-EXPIRED, error: expired, completion: userError, retryable: false}\n"
        "- {code: IDC-NOT-READY, completion: deviceNotReady, retryable: true}\n"))
    assert table.by_code("IDC-EXPIRED").device == "idcard"
    assert table.by_code("GEN-TIMEOUT").device is None
    assert table.match("idcard", "expired", CompletionCode.USER_ERROR).code == "IDC-EXPIRED"
    # the same error value on another device is not this device's error
    assert table.match("pinpad", "expired", CompletionCode.USER_ERROR).code == "GEN-USER-ERROR"
    # device-specific fallback per completion, then the generic one, then GEN-INTERNAL
    assert table.match("idcard", None, CompletionCode.DEVICE_NOT_READY).code == "IDC-NOT-READY"
    assert table.match("idcard", "other", CompletionCode.TIMEOUT).code == "GEN-TIMEOUT"
    assert table.match(None, None, CompletionCode.UNSUPPORTED).code == "GEN-INTERNAL"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("- {code: idc-expired, retryable: false}\n", "AREA-NAME"),
        ("- {code: IDC-X, completion: broken, retryable: false}\n", "completion 'broken'"),
        ("- {code: IDC-X, retryable: maybe}\n", "retryable"),
        ("- {code: IDC-X, retryable: false, colour: red}\n", "unknown keys"),
        ("- {code: IDC-A, error: expired, retryable: false}\n"
         "- {code: IDC-B, error: expired, retryable: false}\n", "mapped to both"),
        ("code: IDC-X\n", "list of entries"),
    ],
)
def test_malformed_tables_are_rejected_with_the_reason(tmp_path, text, reason):
    with pytest.raises(ErrorTableError, match=reason):
        write_tables(tmp_path, text)


def test_installed_core_table_maps_every_completion_code_to_a_generic_code():
    table = load_error_table()
    for code in CompletionCode:
        if code is CompletionCode.SUCCESS:
            continue
        entry = table.match("no-such-device", None, code)
        assert entry.code.startswith("GEN-") and entry.completion is code


def test_error_for_a_device_completion_uses_the_device_error():
    completion = Completion(7, CompletionCode.HARDWARE_ERROR, error=VoiceError.PLAYBACK_FAILED,
                            detail="aplay exit 1", device="voice", command="say")
    info = error_for_completion(completion, ZH)
    assert isinstance(info, ErrorInfo)
    assert info.code == "VOICE-PLAYBACK" and info.retryable is False
    assert info.farmer == ZH("error.VOICE-PLAYBACK.farmer")
    assert info.staff.endswith("aplay exit 1")
    assert error_for_completion(completion, EN).voice == EN("error.VOICE-PLAYBACK.voice")


def test_unknown_device_error_falls_back_to_the_completion_code():
    completion = Completion(1, CompletionCode.TIMEOUT, error=FakeIdError.NO_CARD,
                            detail="no answer in 3 s", device="nosuchdevice")
    info = error_for_completion(completion, ZH)
    assert info.code == "GEN-TIMEOUT" and info.retryable is True
    assert "设备没有及时响应" in info.farmer
    assert "no answer in 3 s" in info.staff


def test_kind_is_used_when_the_completion_names_no_device():
    completion = Completion(1, CompletionCode.DEVICE_NOT_READY, error=VoiceError.ENGINE_MISSING)
    assert error_for_completion(completion, ZH, kind="voice").code == "VOICE-ENGINE-MISSING"


def test_code_without_catalog_texts_keeps_its_code_and_borrows_generic_texts():
    info = error_info("ZZZ-NOT-IN-ANY-TABLE", EN)
    assert info.code == "ZZZ-NOT-IN-ANY-TABLE"
    assert info.farmer == EN("error.GEN-INTERNAL.farmer")
    assert "{detail}" not in info.staff


def test_farmer_texts_are_plain_and_say_what_to_do():
    for code in ("GEN-DEVICE-NOT-READY", "GEN-HARDWARE", "GEN-INTERNAL"):
        text = error_info(code, ZH).farmer
        assert "工作人员" in text  # next step: ask the staff
        assert "error" not in text.lower() and "{" not in text
