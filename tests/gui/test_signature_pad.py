"""The signature pad widget: strokes from the mouse and from touch, clear, the refusal of an
empty or dot-only signature, and the PNG the host accepts (its own check, not ours)."""

from __future__ import annotations

import base64
import io
from typing import Any

import pytest
from PIL import Image
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from peripherals_sim.bank_host.service import signature_problem
from screens.journeys.sign_line.autopilot import draw
from screens.widgets.signature_pad import SignatureCheck, SignaturePad, SignatureProblem


@pytest.fixture()
def pad(qtbot: Any) -> SignaturePad:
    widget = SignaturePad()
    widget.resize(700, 260)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_empty_and_dot_only_signatures_are_refused(pad: SignaturePad) -> None:
    assert pad.empty and pad.problem() is SignatureProblem.EMPTY
    for x in (100, 140, 180, 220):  # four taps: dots, not a name
        QTest.mouseClick(pad, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         QPoint(x, 120))
    assert len(pad.strokes) == 4 and pad.problem() is SignatureProblem.TOO_SMALL
    draw(pad, [(300, 100), (306, 104)])  # a speck
    assert pad.problem() is SignatureProblem.TOO_SMALL


def test_a_written_name_is_accepted_and_exported_as_a_png_the_host_takes(
        pad: SignaturePad, qtbot: Any) -> None:
    with qtbot.waitSignal(pad.changed, timeout=2000):
        draw(pad, [(60, 180), (120, 60), (180, 190), (240, 70), (300, 180)])
    draw(pad, [(360, 120), (460, 120)])
    assert pad.problem() is None and len(pad.strokes) == 2
    png = base64.b64decode(pad.png_base64())
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(png)) as image:
        assert image.size == (600, 240)
        dark = sum(image.convert("L").histogram()[:128])
    assert dark > 500  # ink, scaled into the picture
    assert signature_problem(pad.png_base64()) is None
    with qtbot.waitSignal(pad.changed, timeout=2000):
        pad.clear()
    assert pad.empty and pad.problem() is SignatureProblem.EMPTY
    assert signature_problem(pad.png_base64()) == "blank picture (no ink)"


def test_a_finger_writes_too(pad: SignaturePad) -> None:
    device = QTest.createTouchDevice()
    QTest.touchEvent(pad, device).press(0, QPoint(50, 50)).commit()
    for x in range(60, 400, 20):
        QTest.touchEvent(pad, device).move(0, QPoint(x, 50 + (x % 80))).commit()
    QTest.touchEvent(pad, device).release(0, QPoint(400, 60)).commit()
    assert len(pad.strokes) == 1 and len(pad.strokes[0]) > 10
    assert pad.problem() is None


def test_the_limits_are_the_users_setting() -> None:
    strict = SignatureCheck(min_ink_px=500, min_span_px=300)
    line = [[(0.0, 0.0), (200.0, 0.0)]]
    assert SignatureCheck().problem(line) is None
    assert strict.problem(line) is SignatureProblem.TOO_SMALL
