"""The technician's self-test screen, Qt-free part: each failed device gets the error code a
technician looks up (its own device code, else DIAG-SELFTEST-FAILED) and localized words in
both languages; the staff message colours keep 7:1 on the staff background."""

from __future__ import annotations

import pytest

from kiosk.i18n import Translator
from kiosk.shell import theme
from kiosk.technician.selftest import DeviceCheck, SelftestReport, check_rows, error_code


def check(device: str, ok: bool, problem: str | None = None, state: str = "online",
          detail: str = "", port: str | None = None) -> DeviceCheck:
    return DeviceCheck(device, ok, state, problem, detail, "1.2" if ok else None, port, 3.4,
                       {})


@pytest.mark.parametrize(("device", "problem", "code"), [
    ("printer", "paper_out", "PRN-PAPER-OUT"),
    ("printer", "cover_open", "PRN-COVER-OPEN"),
    ("pinpad", "master_key_missing", "PIN-KEYS-MISSING"),
    ("idcard", "sam_failed", "IDC-SAM-SELFTEST"),
    ("pinpad", "no_answer", "PIN-NO-ANSWER"),  # a worker that never answered
    ("host", "heartbeat_odd", "DIAG-SELFTEST-FAILED"),
    ("idcard", "offline", "DIAG-SELFTEST-FAILED"),
])
def test_a_failed_device_gets_its_own_error_code(device, problem, code):
    assert error_code(check(device, False, problem, state="offline")) == code


def test_a_passed_device_has_no_code():
    assert error_code(check("printer", True)) is None


def test_rows_are_localized_in_both_languages_with_the_code_and_the_detail():
    report = SelftestReport((check("idcard", True, port="/dev/ttyUSB0"),
                             check("printer", False, "paper_out", state="online",
                                   detail="deviceNotReady paper end", port="tcp://p:9100")),
                            12.0, "app")
    zh = check_rows(report, Translator("zh_CN"))
    assert [r.name for r in zh] == ["身份证阅读器", "凭条打印机"]
    assert [r.result for r in zh] == ["正常", "故障"] and zh[0].state == "在线"
    assert zh[0].code == "" and "/dev/ttyUSB0" in zh[0].detail
    assert zh[1].code == "PRN-PAPER-OUT"
    assert "paper end" in zh[1].detail and "tcp://p:9100" in zh[1].detail
    assert "缺纸" in zh[1].detail or "纸" in zh[1].detail  # the code's staff text, in Chinese
    en = check_rows(report, Translator("en"))
    assert [r.name for r in en] == ["ID card reader", "Receipt printer"]
    assert [r.result for r in en] == ["OK", "Fault"] and en[1].code == "PRN-PAPER-OUT"


def test_every_device_state_has_words():
    from devices.base import DeviceState

    for lang in ("zh_CN", "en"):
        tr = Translator(lang)
        for state in DeviceState:
            assert tr(f"staff.device_state.{state.value}") != f"staff.device_state.{state.value}"


def test_staff_message_tones_reach_7_to_1_on_the_staff_background():
    from screens.staff import style

    assert set(style.TONES) == {"success", "info", "warning", "error"}
    colours = {colour for colour, _ in style.TONES.values()}
    assert len(colours) == 4  # four meanings, four colours (and a symbol for three)
    for tone, (colour, _symbol) in style.TONES.items():
        assert theme.contrast(colour, style.STAFF_BG) >= 7.0, tone
        assert theme.contrast(colour, "#FFFFFF") >= 7.0, tone


def test_the_command_lines_table_uses_the_same_words_and_codes_as_the_screen():
    from kiosk.technician.selftest import report_text

    report = SelftestReport((check("idcard", True), check("printer", False, "paper_out")),
                            12.0, "cli")
    text = report_text(report, Translator("zh_CN")).splitlines()
    assert text[0].startswith("\u2713 身份证阅读器 正常 (在线 v1.2")
    assert text[1].startswith("\u00d7 凭条打印机 故障") and "PRN-PAPER-OUT" in text[1]
    assert text[2] == "设备自检：1 项故障，共 2 项（用时 12 毫秒） (cli)"
    en = report_text(report, Translator("en"))
    assert "Receipt printer Fault" in en and "1 of 2 failed" in en
