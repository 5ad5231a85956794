"""The out-of-service screen (zhunong-kiosk-oos.service): the catalogs' texts, terminal
language first and English below, drawn without any configuration or device."""

from __future__ import annotations

from typing import Any

from kiosk.i18n import Translator
from kiosk.out_of_service import build, texts


def test_texts_in_the_terminal_language_then_english() -> None:
    assert texts("zh_CN")[0] == (Translator("zh_CN")("oos.title"), Translator("zh_CN")("oos.body"))
    assert texts("zh_CN")[0][0] == "暂停服务" and texts("zh_CN")[1][0] == "Out of service"
    assert len(texts("en")) == 1


def test_the_screen_shows_every_text(qtbot: Any) -> None:
    from PySide6.QtWidgets import QLabel

    w = build("zh_CN")
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    shown = {label.text() for label in w.findChildren(QLabel)}
    assert {t for pair in texts("zh_CN") for t in pair} == shown
    assert all(label.width() <= 1280 for label in w.findChildren(QLabel))
