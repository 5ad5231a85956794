"""python-escpos's capability database is read as JSON from its own installation: no pickle is
read or written (issue 10 item 2), nothing is left in the temporary folder, same data."""

from __future__ import annotations

import ast
import os
import pickle
import subprocess
import sys
from pathlib import Path

import yaml

import devices.printer  # noqa: F401 - installs the module under test
from devices.printer import escpos_capabilities
from tests.conftest import REPO


def _library_source() -> Path:
    return escpos_capabilities.capabilities_file().with_name("capabilities.py")


def test_every_public_name_of_the_library_module_is_provided():
    tree = ast.parse(_library_source().read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ClassDef | ast.FunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    public = {n for n in names if n[0].isupper() or n in {"get_profile", "get_profile_class",
                                                           "clean"}}
    import escpos.capabilities as installed

    assert installed.__file__ == escpos_capabilities.__file__
    assert public - {"CAPABILITIES"} <= set(vars(installed)), public - set(vars(installed))


def test_the_data_is_what_the_library_would_load():
    import escpos.capabilities as installed

    path = escpos_capabilities.capabilities_file()
    assert yaml.safe_load(path.read_text(encoding="utf-8")) == installed.CAPABILITIES
    profile = installed.get_profile("default")
    assert profile.get_columns("a") > 0 and profile.supports("qrCode") is not None




def test_a_planted_pickle_is_never_loaded_and_nothing_is_written(tmp_path: Path):
    """The old cache place holds a pickle that would run a command; printing still works,
    the command never runs, no file appears in the cache dir or the temporary folder."""
    cache, tmp, marker = tmp_path / "cache", tmp_path / "tmp", tmp_path / "pwned"
    cache.mkdir()
    tmp.mkdir()

    class Bomb:
        def __reduce__(self):  # type: ignore[no-untyped-def]
            return (os.system, (f"touch {marker}",))

    planted = cache / f"{sys.version.split()[0]}.capabilities.pickle"
    planted.write_bytes(pickle.dumps(Bomb(), protocol=2))
    os.utime(planted, (4102444800, 4102444800))  # newer than the library's JSON
    before = sorted(p.name for p in cache.iterdir())
    code = ("import devices.printer.escpos_driver\n"
            "from escpos.printer import Dummy\n"
            "d = Dummy(); d.text('x'); assert d.output\n"
            "from devices.printer.encoder import ReceiptEncoder\n")
    env = {**os.environ, "ESCPOS_CAPABILITIES_PICKLE_DIR": str(cache), "TMPDIR": str(tmp),
           "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert not marker.exists()
    assert sorted(p.name for p in cache.iterdir()) == before
    assert list(tmp.iterdir()) == []


def test_diag_printer_leaves_no_temporary_folder(tmp_path: Path):
    """Every ``kiosk diag printer`` run used to leave a folder with a 70 KB pickle."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp)}
    env.pop("ESCPOS_CAPABILITIES_PICKLE_DIR", None)
    proc = subprocess.run(
        [sys.executable, "-m", "kiosk", "diag", "printer", "status",
         "--url", "tcp://127.0.0.1:9", "--json"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stdout + proc.stderr  # nothing listens on port 9
    assert list(tmp.iterdir()) == []


def test_start_removes_an_old_pickle_cache_and_sets_no_pickle_dir(tmp_path, monkeypatch):
    import os

    from kiosk.app import prepare_state_dir

    monkeypatch.delenv("ESCPOS_CAPABILITIES_PICKLE_DIR", raising=False)
    old = tmp_path / "cache" / "escpos"
    old.mkdir(parents=True)
    (old / "capabilities.pickle").write_bytes(b"planted")
    prepare_state_dir(tmp_path)
    assert not old.exists()
    assert "ESCPOS_CAPABILITIES_PICKLE_DIR" not in os.environ
