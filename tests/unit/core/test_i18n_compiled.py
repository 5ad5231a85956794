"""Compiled catalogs (.mo): read at start instead of parsing the .po files, identical texts,
and a missing, stale or broken .mo falls back to its .po."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk import i18n

REPO = Path(__file__).resolve().parents[3]

PO = '''msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"

msgid "a.one"
msgstr "一"

#, fuzzy
msgid "a.fuzzy"
msgstr "还没审好"

msgid "a.empty"
msgstr ""

msgid "a.fields"
msgstr "应还{amount}元"
'''


@pytest.fixture
def locale(tmp_path: Path) -> Path:
    d = tmp_path / "locale" / "zh_CN" / "LC_MESSAGES"
    d.mkdir(parents=True)
    (d / "test.po").write_text(PO, encoding="utf-8")
    return tmp_path / "locale"


def test_the_installed_catalogs_read_from_mo_equal_the_parsed_po_files():
    i18n.compile_catalogs()
    for lang in i18n.LANGUAGES:
        for po in i18n.po_files(lang):
            assert po.with_suffix(".mo").exists(), po
            parsed = i18n._parse_po(po)
            compiled = i18n._read_mo(po, po.read_bytes())
            assert compiled == parsed, po.name


def test_compile_leaves_fuzzy_and_untranslated_out_and_records_the_source(locale: Path):
    written = i18n.compile_catalogs(locale)
    po = locale / "zh_CN" / "LC_MESSAGES" / "test.po"
    assert written == [po.with_suffix(".mo")]
    assert i18n._read_mo(po, po.read_bytes()) == {"a.one": "一", "a.fields": "应还{amount}元"}
    assert i18n.compile_catalogs(locale) == []  # up to date: nothing rewritten


def test_a_missing_mo_falls_back_to_the_po(locale: Path):
    po = locale / "zh_CN" / "LC_MESSAGES" / "test.po"
    assert not po.with_suffix(".mo").exists()
    assert i18n.load_domain(po) == {"a.one": "一", "a.fields": "应还{amount}元"}


def test_a_mo_compiled_from_an_older_po_is_ignored(locale: Path):
    po = locale / "zh_CN" / "LC_MESSAGES" / "test.po"
    i18n.compile_catalogs(locale)
    po.write_text(PO.replace('msgstr "一"', 'msgstr "一二"'), encoding="utf-8")
    assert i18n.load_domain(po)["a.one"] == "一二"
    assert i18n.compile_catalogs(locale) == [po.with_suffix(".mo")]  # recompiled
    assert i18n._read_mo(po, po.read_bytes())["a.one"] == "一二"


def test_a_broken_mo_is_ignored(locale: Path):
    po = locale / "zh_CN" / "LC_MESSAGES" / "test.po"
    po.with_suffix(".mo").write_bytes(b"\xde\x12\x04\x95 truncated")
    assert i18n.load_domain(po)["a.one"] == "一"


def test_a_fresh_clone_has_no_mo_and_the_set_up_compiles_them(tmp_path: Path):
    tracked = subprocess.run(["git", "ls-files", "kiosk/locale"], cwd=REPO, capture_output=True,
                             text=True, check=True).stdout.split()
    assert tracked and not [f for f in tracked if f.endswith(".mo")]
    assert "*.mo" in (REPO / ".gitignore").read_text().split()
    assert "kiosk.i18n compile" in (REPO / "packaging" / "setup-dev.sh").read_text()
    # the command the set-up runs, on a copy of the sources without any .mo
    copy = tmp_path / "locale"
    shutil.copytree(i18n.LOCALE_DIR, copy, ignore=shutil.ignore_patterns("*.mo"))
    out = subprocess.run([sys.executable, "-m", "kiosk.i18n", "compile", str(copy)], cwd=REPO,
                         capture_output=True, text=True, check=True).stdout
    pos = sorted(copy.glob("*/LC_MESSAGES/*.po"))
    assert f"{len(pos)} catalog(s) compiled" in out
    for po in pos:
        assert i18n._read_mo(po, po.read_bytes()) == i18n._parse_po(po)


def test_start_up_reads_no_po_when_the_mo_files_are_current():
    i18n.compile_catalogs()
    code = ("import sys; from kiosk import i18n; i18n.catalog('zh_CN'); i18n.catalog('en'); "
            "print('polib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, check=True).stdout.strip()
    assert out == "False"
