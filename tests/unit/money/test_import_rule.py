"""ARCHITECTURE.md §2: offline_queue imports no Qt, kiosk or screens; the transactions service
(kiosk/transactions.py) imports no Qt and no screens."""

from __future__ import annotations

import json
import subprocess
import sys


def _modules_after(statement: str) -> set[str]:
    code = f"import sys, json\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    return set(json.loads(out.stdout))


def _tops(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


def test_offline_queue_imports_no_qt_kiosk_or_screens():
    tops = _tops(_modules_after("import offline_queue.journal, offline_queue.outbox"))
    assert not tops & {"PySide6", "shiboken6", "kiosk", "screens", "peripherals_sim"}


def test_transactions_service_is_qt_free():
    tops = _tops(_modules_after("import kiosk.transactions"))
    assert not tops & {"PySide6", "shiboken6", "screens", "peripherals_sim"}
