"""``python -m kiosk.out_of_service``: the out-of-service screen of zhunong-kiosk-oos.service,
shown under cage on tty1 when the kiosk service has failed, instead of a console.

Deliberately minimal: no configuration, devices, host or journal; only Qt, the message
catalogs and the theme's colours. The language is the installed kiosk.toml's ``language``
when it can be read, else zh_CN with the English line below it.
"""

from __future__ import annotations

import sys
import tomllib

from kiosk.i18n import Translator


def language() -> str:
    from kiosk.config import SYSTEM_CONFIG

    try:
        lang = tomllib.loads(SYSTEM_CONFIG.read_text(encoding="utf-8")).get("language")
    except (OSError, ValueError):
        return "zh_CN"
    return lang if lang in ("zh_CN", "en") else "zh_CN"


def texts(lang: str) -> list[tuple[str, str]]:
    """(title, body) in the terminal's language, then in English when that is not English."""
    out = []
    for code in dict.fromkeys((lang, "en")):
        tr = Translator(code)
        out.append((tr("oos.title"), tr("oos.body")))
    return out


def build(lang: str) -> object:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QFont
    from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

    from kiosk.shell import theme

    w = QWidget()
    w.setObjectName("oos")
    w.setStyleSheet("#oos { background: #1d3557; } QLabel { color: white; }")
    layout = QVBoxLayout(w)
    layout.addStretch(1)
    for i, (title, body) in enumerate(texts(lang)):
        for text, px in ((title, 72 if i == 0 else 40), (body, 36 if i == 0 else 26)):
            label = QLabel(text)
            font = QFont()
            font.setFamilies([theme.FONT_FAMILY, *theme.FALLBACK_FAMILIES])
            font.setPixelSize(px)
            label.setFont(font)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setWordWrap(True)
            layout.addWidget(label)
        layout.addSpacing(48)
    layout.addStretch(1)
    return w


def main() -> int:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv)
    app.setOverrideCursor(Qt.CursorShape.BlankCursor)
    w = build(language())
    w.showFullScreen()  # type: ignore[attr-defined]
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
