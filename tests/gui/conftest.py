"""A kiosk built from its real parts (shell, runner, bridge, worker, fake ID card reader,
recording voice) with short timeouts, for the GUI tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devices.idcard.fake import FakeIdCardReader
from devices.voice.fake import RecordingVoice
from peripherals_sim.scenario import by_id

TODAY = dt.date(2026, 11, 28)


def sim_host_client(host: Any, terminal: str = "ZN610425001") -> Any:
    """The kiosk's host client for the bank host simulator ``host`` (a HostProcess), over
    mutual TLS with the terminal's certificate, short timeouts."""
    from kiosk.host import HostClient, HostSettings

    t = host.ready["terminals"][terminal]
    return HostClient(HostSettings(
        url=host.url, terminal_id=terminal, ca_file=Path(host.ready["ca_file"]),
        cert_file=Path(t["cert_file"]), key_file=Path(t["key_file"]),
        connect_timeout=3.0, read_timeout=10.0, retry_backoff=0.05))


def kiosk_config(state_dir: Path, **overrides: Any) -> Any:
    from kiosk.config import load_config

    base: dict[str, Any] = {
        "sim": False,
        "state_dir": str(state_dir),
        "language": "zh_CN",
        "timeouts.idle_seconds": 1.2,
        "timeouts.idle_warning_seconds": 0.6,
        "timeouts.card_removal_seconds": 2.0,
        "timeouts.device_command_seconds": 5.0,
        "voice.backend": "fake",
        "ui.fullscreen": False,
        "ui.width": 1280,
        "ui.height": 800,
    }
    base.update(overrides)
    return load_config(None, env={}, overrides=base)


class Rig:
    """The kiosk under test plus handles on its fake reader and recorded voice."""

    def __init__(self, kiosk: Any, reader: FakeIdCardReader, voice: RecordingVoice,
                 scenario: dict[str, Any], qtbot: Any) -> None:
        self.kiosk = kiosk
        self.reader = reader
        self.voice = voice
        self.scenario = scenario
        self.qtbot = qtbot
        self.runner = kiosk.runner
        kiosk.home  # noqa: B018 (the app builds it after the first paint; tests may be faster)
        self.shell = kiosk.shell
        self.outcomes: list[Any] = []
        kiosk.runner.journey_finished.connect(self.outcomes.append)

    @property
    def identify(self) -> Any:
        """The identify journey's views."""
        return self.runner.views_of("identify")

    def person(self, pid: str) -> dict[str, Any]:
        return dict(by_id(self.scenario["people"], pid))

    def screen(self) -> str:
        return self.shell.current_name()

    def wait_screen(self, name: str, timeout: int = 5000) -> None:
        self.qtbot.waitUntil(lambda: self.screen() == name, timeout=timeout)

    def start(self, name: str = "identify") -> None:
        """Touch the way to journey ``name`` on the home screen, as a farmer does."""
        home = self.kiosk.home
        self.qtbot.waitUntil(lambda: home.can_start(name), timeout=5000)
        for key in home.path_to(name):
            tile = home.tile(key)
            assert tile is not None and tile.isEnabled(), key
            self.click(tile)
        if name == "identify":
            self.wait_screen("insert_id")

    def click(self, button: Any) -> None:
        from PySide6.QtCore import Qt

        self.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    def spoken_texts(self) -> list[str]:
        return [text for _, text in self.voice.spoken]

    def wait_home(self, timeout: int = 5000) -> Any:
        self.qtbot.waitUntil(lambda: bool(self.outcomes), timeout=timeout)
        self.wait_screen("attract")
        return self.outcomes[-1]


@pytest.fixture()
def rig(qtbot: Any, state_dir: Path, demo_scenario: dict[str, Any]) -> Iterator[Rig]:
    from kiosk.app import Kiosk, make_qt_app

    make_qt_app("zh_CN")  # the kiosk's font and style sheet on pytest-qt's QApplication
    reader = FakeIdCardReader()
    voice = RecordingVoice()
    voice.open()
    kiosk = Kiosk(kiosk_config(state_dir), devices={"idcard": reader}, voice_device=voice,
                  remove_prompt=0.2, today=lambda: TODAY)
    qtbot.addWidget(kiosk.shell)
    kiosk.modes.settle()  # the other devices are absent on purpose: DEGRADED, not STARTING
    kiosk.start(show=True)
    try:
        yield Rig(kiosk, reader, voice, demo_scenario, qtbot)
    finally:
        kiosk.shutdown()
