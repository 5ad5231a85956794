"""Every printer error has a code, and farmer, staff and voice texts in both languages."""

from __future__ import annotations

import pytest

from devices.base import Completion, CompletionCode
from devices.printer.contract import PrinterError
from kiosk.errors import code_for_completion, error_for_completion
from kiosk.i18n import Translator


@pytest.mark.parametrize("error", list(PrinterError))
@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_every_printer_error_has_a_code_and_texts(error, lang):
    completion = Completion(1, CompletionCode.HARDWARE_ERROR, error, device="printer")
    code = code_for_completion(completion, "printer")
    assert code.startswith("PRN-")
    info = error_for_completion(completion, Translator(lang), "printer")
    assert info.code == code
    for text in (info.farmer, info.staff, info.voice):
        assert text and not text.startswith("error.")


def test_paper_out_and_no_answer_have_different_codes():
    def code(error):
        return code_for_completion(Completion(1, CompletionCode.DEVICE_NOT_READY, error,
                                              device="printer"), "printer")

    assert code(PrinterError.PAPER_OUT) == "PRN-PAPER-OUT"
    assert code(PrinterError.NO_ANSWER) == "PRN-NO-ANSWER"
    assert code(PrinterError.PAPER_OUT_DURING_PRINT) == "PRN-PAPER-OUT-MID"
