"""Message catalogs: gettext ``.po`` files, zh_CN first, en second.

Catalogs live in ``kiosk/locale/<lang>/LC_MESSAGES/<domain>.po``; every domain found is merged
into one catalog per language, so each area of the kiosk (shell, idcard, iccard, pinpad,
printer, host, receipts, ...) keeps its own file. Message ids are symbolic and dotted
(``prompt.insert_id_card``); texts use ``str.format`` fields (``{amount}``).

A :class:`Translator` belongs to one customer session (receipt in the farmer's language, staff
screens in theirs); nothing here is process-global except the parsed catalogs.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import polib

LOCALE_DIR = Path(__file__).with_name("locale")
DEFAULT_LANGUAGE = "zh_CN"
LANGUAGES = ("zh_CN", "en")


def po_files(lang: str) -> list[Path]:
    return sorted((LOCALE_DIR / lang / "LC_MESSAGES").glob("*.po"))


@cache
def catalog(lang: str) -> dict[str, str]:
    """msgid -> text for ``lang``, all domains merged (untranslated and fuzzy entries left out)."""
    merged: dict[str, str] = {}
    for path in po_files(lang):
        for entry in polib.pofile(str(path)):
            if entry.msgstr and not entry.fuzzy and not entry.obsolete:
                merged[entry.msgid] = entry.msgstr
    return merged


def msgids(lang: str) -> set[str]:
    return set(catalog(lang))


def normalize_language(lang: str | None) -> str:
    """'zh', 'zh_CN.UTF-8', 'zh-CN' -> 'zh_CN'; 'en_US' -> 'en'; unknown -> the default."""
    if not lang:
        return DEFAULT_LANGUAGE
    base = lang.split(".", 1)[0].replace("-", "_")
    if base in LANGUAGES:
        return base
    short = base.split("_", 1)[0].lower()
    for known in LANGUAGES:
        if known.split("_", 1)[0].lower() == short:
            return known
    return DEFAULT_LANGUAGE


class Translator:
    """Texts of one language; falls back to zh_CN, then to the message id itself."""

    def __init__(self, lang: str | None = None) -> None:
        self.lang = normalize_language(lang)

    def gettext(self, msgid: str, /, **fields: Any) -> str:
        text = catalog(self.lang).get(msgid) or catalog(DEFAULT_LANGUAGE).get(msgid) or msgid
        return text.format(**fields) if fields else text

    __call__ = gettext

    def has(self, msgid: str) -> bool:
        return msgid in catalog(self.lang)


def translator_for(lang: str | None) -> Translator:
    """A fresh Translator for one customer session (or a staff screen)."""
    return Translator(lang)


def install_qt_translator(app: Any, lang: str | None) -> Any | None:
    """Install Qt's own translations (``qtbase_<lang>.qm``: standard dialog buttons, context
    menus, ...) for ``lang`` into the QApplication ``app``, replacing any earlier one.

    Qt's translator is process-global, so it follows the kiosk's screen language, never a
    customer session's. Returns the QTranslator, or None for English (Qt's source language)
    or when the file is missing. Qt is imported here so this module stays Qt-free.
    """
    from PySide6.QtCore import QLibraryInfo, QTranslator

    previous = getattr(app, "_kiosk_qt_translator", None)
    if previous is not None:
        app.removeTranslator(previous)
        app._kiosk_qt_translator = None
    lang = normalize_language(lang)
    if lang == "en":
        return None
    translator = QTranslator(app)
    directory = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if not translator.load(f"qtbase_{lang}", directory):
        return None
    app.installTranslator(translator)
    app._kiosk_qt_translator = translator
    return translator
