"""Shared test set-up: headless Qt, a private state directory, the demo scenario."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

# Headless by default (CI, a bare box). A developer with a display may export QT_QPA_PLATFORM.
if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

# python-escpos's capability database without its pickle cache, before any test module
# imports escpos directly (devices/printer/escpos_capabilities.py).
import devices.printer  # noqa: F401

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _private_default_state_dir(tmp_path_factory: pytest.TempPathFactory,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Code that falls back to the configured state directory (diagnostics' audit records,
    logs) writes under a temporary folder, never into the developer's home."""
    if "KIOSK_STATE_DIR" not in os.environ:
        monkeypatch.setenv("KIOSK_STATE_DIR", str(tmp_path_factory.mktemp("default-state")))


@pytest.fixture(autouse=True)
def _collect_garbage_on_the_main_thread() -> Iterator[None]:
    """Once a test made the QApplication, cyclic collection runs on the GUI thread only
    (kiosk/shell/gc_pin.py): after each test, what is due is collected here, so a test
    without an event loop does not pile up cycles."""
    yield
    pin = sys.modules.get("kiosk.shell.gc_pin")
    if pin is not None:
        pin.collect_due()


@pytest.fixture()
def state_dir(tmp_path: Path) -> Path:
    """A fresh state directory (logs, journal, receipts) for one test."""
    d = tmp_path / "state"
    d.mkdir()
    return d


@pytest.fixture(scope="session")
def demo_scenario() -> dict:
    from peripherals_sim.scenario import load_scenario

    return load_scenario()


@pytest.fixture(scope="session")
def signature_png() -> str:
    """A signature picture as the signature pad sends it (a real PNG with ink, base64)."""
    from tests.pictures import signature_png

    return signature_png()
