"""Every PinpadError has an error code with farmer, staff and voice texts in both languages."""

from __future__ import annotations

import pytest

from devices.base import Completion, CompletionCode
from devices.pinpad.contract import PinpadError
from kiosk.errors import code_for_completion, error_for_completion
from kiosk.i18n import Translator

_COMPLETION = {
    PinpadError.USER_CANCELED: CompletionCode.CANCELED,
    PinpadError.ENTRY_TIMEOUT: CompletionCode.TIMEOUT,
    PinpadError.NO_ANSWER: CompletionCode.DEVICE_NOT_READY,
    PinpadError.KEY_NOT_LOADED: CompletionCode.DEVICE_NOT_READY,
    PinpadError.INVALID_COMMAND: CompletionCode.UNSUPPORTED,
    PinpadError.PARAMETER: CompletionCode.INVALID_DATA,
    PinpadError.KEY_CHECK_FAILED: CompletionCode.INVALID_DATA,
    PinpadError.DATA_TOO_LONG: CompletionCode.INVALID_DATA,
}


@pytest.mark.parametrize("error", list(PinpadError))
@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_every_pinpad_error_has_a_code_and_texts(error, lang):
    completion = Completion(1, _COMPLETION.get(error, CompletionCode.HARDWARE_ERROR),
                            error=error, detail="d", device="pinpad")
    code = code_for_completion(completion)
    assert code.startswith("PIN-")
    info = error_for_completion(completion, Translator(lang))
    for text in (info.farmer, info.staff, info.voice):
        assert text and not text.startswith("error.")


def test_lost_pad_maps_to_not_ready():
    completion = Completion(1, CompletionCode.DEVICE_NOT_READY, device="pinpad")
    assert code_for_completion(completion) == "PIN-NOT-READY"
