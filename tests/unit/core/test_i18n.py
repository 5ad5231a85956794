"""i18n: per-session translators and the bridge to Qt's own translations."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from kiosk.i18n import Translator, install_qt_translator, translator_for

REPO_ROOT = Path(__file__).resolve().parents[3]


def test_sessions_have_independent_languages():
    farmer, staff = translator_for("zh_CN"), translator_for("en_US.UTF-8")
    assert farmer("common.cancel") == "取消"
    assert staff("common.cancel") == "Cancel"
    assert Translator("zh")("common.seconds", n=15) == "15秒"


def test_missing_english_text_falls_back_to_chinese_then_to_the_id():
    assert Translator("en")("no.such.msgid") == "no.such.msgid"


def test_qt_own_strings_follow_the_installed_language(qapp):
    from PySide6.QtCore import QCoreApplication

    def cancel() -> str:
        return QCoreApplication.translate("QPlatformTheme", "Cancel")

    try:
        assert install_qt_translator(qapp, "zh_CN") is not None
        assert cancel() == "取消"
        assert install_qt_translator(qapp, "en") is None
        assert cancel() == "Cancel"
        install_qt_translator(qapp, "zh_CN")
        install_qt_translator(qapp, "zh_CN")  # replaces, does not stack
        assert cancel() == "取消"
    finally:
        install_qt_translator(qapp, "en")


def test_i18n_is_importable_without_qt():
    code = "import sys, kiosk.i18n, kiosk.voice, kiosk.errors, kiosk.logs, kiosk.config\n" \
           "assert 'PySide6' not in sys.modules, 'Qt imported'\n"
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=True)
