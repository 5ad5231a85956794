"""Message catalogs: gettext ``.po`` files, zh_CN first, en second.

Catalogs live in ``kiosk/locale/<lang>/LC_MESSAGES/<domain>.po``; every domain found is merged
into one catalog per language, so each area of the kiosk (shell, idcard, iccard, pinpad,
printer, host, receipts, ...) keeps its own file. Message ids are symbolic and dotted
(``prompt.insert_id_card``); texts use ``str.format`` fields (``{amount}``).

A :class:`Translator` belongs to one customer session (receipt in the farmer's language, staff
screens in theirs); nothing here is process-global except the parsed catalogs.

Start-up reads compiled ``.mo`` files (stdlib :mod:`gettext`, about 1 ms for every domain)
instead of parsing the ``.po`` sources with polib (about 20 ms per language). Set-up compiles
them (``python -m kiosk.i18n compile``, run by ``packaging/setup-dev.sh``, ``make`` and the
package build); ``*.mo`` files are not in git. Each ``.mo`` records the SHA-256 of the ``.po``
it was compiled from (header ``X-Kiosk-Source-SHA256``): a missing ``.mo``, or one compiled
from another version of its ``.po``, is ignored and that ``.po`` is parsed instead, so a stale
build can never show old texts.
"""

from __future__ import annotations

import gettext
import hashlib
import logging
import struct
import sys
from functools import cache
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

LOCALE_DIR = Path(__file__).with_name("locale")
DEFAULT_LANGUAGE = "zh_CN"
LANGUAGES = ("zh_CN", "en")
SOURCE_HASH_HEADER = "X-Kiosk-Source-SHA256"


def po_files(lang: str) -> list[Path]:
    return sorted((LOCALE_DIR / lang / "LC_MESSAGES").glob("*.po"))


def _source_hash(po_bytes: bytes) -> str:
    return hashlib.sha256(po_bytes).hexdigest()


def _parse_po(path: Path) -> dict[str, str]:
    """The slow path: parse a ``.po`` with polib (translated, non-fuzzy entries only)."""
    import polib

    return {e.msgid: e.msgstr for e in polib.pofile(str(path))
            if e.msgstr and not e.fuzzy and not e.obsolete}


def _read_mo(po_path: Path, po_bytes: bytes) -> dict[str, str] | None:
    """The compiled catalog beside ``po_path`` when it was compiled from exactly these bytes."""
    mo_path = po_path.with_suffix(".mo")
    try:
        with mo_path.open("rb") as f:
            translations = gettext.GNUTranslations(f)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, UnicodeDecodeError, struct.error) as exc:  # truncated, foreign
        log.warning("ignoring unreadable %s: %s", mo_path, exc)
        return None
    if translations.info().get(SOURCE_HASH_HEADER.lower()) != _source_hash(po_bytes):
        log.info("%s is out of date: parsing %s", mo_path.name, po_path)
        return None
    messages: dict[str, str] = translations._catalog  # type: ignore[attr-defined]
    return {k: v for k, v in messages.items() if isinstance(k, str) and k and v}


def load_domain(path: Path) -> dict[str, str]:
    """msgid -> text of one ``.po`` domain: from its up-to-date ``.mo``, else from the ``.po``."""
    po_bytes = path.read_bytes()
    compiled = _read_mo(path, po_bytes)
    return compiled if compiled is not None else _parse_po(path)


@cache
def catalog(lang: str) -> dict[str, str]:
    """msgid -> text for ``lang``, all domains merged (untranslated and fuzzy entries left out)."""
    merged: dict[str, str] = {}
    for path in po_files(lang):
        merged.update(load_domain(path))
    return merged


def compile_catalogs(locale_dir: Path = LOCALE_DIR, *, force: bool = False) -> list[Path]:
    """Compile every ``.po`` under ``locale_dir`` whose ``.mo`` is missing or out of date;
    returns the ``.mo`` files written. Fuzzy and untranslated entries are left out (as
    msgfmt does); the header records the source's SHA-256."""
    import polib

    written: list[Path] = []
    for po_path in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        po_bytes = po_path.read_bytes()
        if not force and _read_mo(po_path, po_bytes) is not None:
            continue
        po = polib.pofile(po_bytes.decode("utf-8"))
        po.metadata[SOURCE_HASH_HEADER] = _source_hash(po_bytes)
        mo_path = po_path.with_suffix(".mo")
        tmp = mo_path.with_suffix(".mo.tmp")
        po.save_as_mofile(str(tmp))
        tmp.replace(mo_path)
        written.append(mo_path)
    return written


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


def main(argv: list[str] | None = None) -> int:
    """``python -m kiosk.i18n compile [--force] [DIR]``: compile the catalogs (set-up, build)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] != "compile":
        print("usage: python -m kiosk.i18n compile [--force] [LOCALE_DIR]", file=sys.stderr)
        return 64
    force = "--force" in args
    rest = [a for a in args[1:] if a != "--force"]
    locale_dir = Path(rest[0]) if rest else LOCALE_DIR
    written = compile_catalogs(locale_dir, force=force)
    print(f"i18n: {len(written)} catalog(s) compiled in {locale_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
