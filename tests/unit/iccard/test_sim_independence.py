"""The simulator is an independent implementation: it imports nothing from the kiosk's drivers,
the kiosk or the screens, so a codec bug cannot hide on both sides."""

from __future__ import annotations

import ast
from pathlib import Path

import peripherals_sim.iccard as sim_pkg

FORBIDDEN = ("devices", "kiosk", "screens")


def test_simulator_imports_nothing_from_the_kiosk():
    for path in Path(sim_pkg.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in FORBIDDEN, f"{path.name} imports {name}"
