"""Every simulator is an independent implementation: nothing under ``peripherals_sim`` imports
the kiosk's drivers (``devices``), the kiosk (``kiosk``) or the screens (``screens``), so a
codec bug cannot hide on both sides (ARCHITECTURE.md §2).

The one documented exception: the PIN pad and bank host simulators hold real keys and use the
shared crypto module ``devices/crypto.py`` (``from devices import crypto`` or
``from devices.crypto import ...``); nothing else from ``devices``, and no other simulator.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import peripherals_sim

ROOT = Path(peripherals_sim.__file__).parent
FORBIDDEN = ("devices", "kiosk", "screens")
CRYPTO = "devices.crypto"
MAY_USE_CRYPTO = {"pinpad", "bank_host"}

PACKAGES = sorted(p.name for p in ROOT.iterdir() if (p / "__init__.py").is_file())
MODULES = sorted(p.stem for p in ROOT.glob("*.py"))


def imported_names(path: Path) -> list[str]:
    """Every absolute module name ``path`` imports (``from a import b`` gives ``a.b``)."""
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names += [f"{node.module}.{a.name}" for a in node.names]
    return names


def forbidden_imports(files: list[Path], crypto_allowed: bool) -> list[str]:
    bad = []
    for path in files:
        for name in imported_names(path):
            if name.split(".")[0] not in FORBIDDEN:
                continue
            if crypto_allowed and (name == CRYPTO or name.startswith(CRYPTO + ".")):
                continue
            bad.append(f"{path.parent.name}/{path.name} imports {name}")
    return bad


def test_every_simulator_is_checked() -> None:
    assert {"idcard", "iccard", "pinpad", "printer", "bank_host"} <= set(PACKAGES)
    assert {"launcher", "control", "scenario", "process", "cli"} <= set(MODULES)


@pytest.mark.parametrize("package", PACKAGES)
def test_simulator_package_imports_nothing_from_the_kiosk(package: str) -> None:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files
    assert forbidden_imports(files, package in MAY_USE_CRYPTO) == []


@pytest.mark.parametrize("module", MODULES)
def test_shared_simulator_module_imports_nothing_from_the_kiosk(module: str) -> None:
    assert forbidden_imports([ROOT / f"{module}.py"], crypto_allowed=False) == []


def test_the_rule_catches_what_it_should(tmp_path: Path) -> None:
    """The checker itself: a kiosk import is caught, crypto passes only where allowed."""
    probe = tmp_path / "probe.py"
    probe.write_text("from devices import crypto\nfrom devices.crypto import mac\n"
                     "from . import sibling\nimport json\n", encoding="utf-8")
    assert forbidden_imports([probe], crypto_allowed=True) == []
    assert len(forbidden_imports([probe], crypto_allowed=False)) == 2
    probe.write_text("from devices import base\nimport kiosk.masking\nfrom screens import x\n",
                     encoding="utf-8")
    assert len(forbidden_imports([probe], crypto_allowed=True)) == 3
