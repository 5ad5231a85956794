"""kiosk/first_paint.py: the few values the first paint needs, guessed from the same layers
as the configuration (file, KIOSK_* environment, command line) without pydantic; a wrong value
paints the default and is left to the validation; the guess never decides anything."""

from __future__ import annotations

from pathlib import Path

from kiosk.config import KioskConfig, TerminalConfig, UiConfig, load_config
from kiosk.first_paint import PaintSettings, guess, lock_held_elsewhere
from kiosk.single_instance import SingleInstance

DEVICES = """
[devices]
idcard = {backend = "fake"}
iccard = {backend = "fake"}
printer = {backend = "fake"}
pinpad = {backend = "fake"}
"""


def test_the_defaults_are_the_configurations_defaults():
    fields = KioskConfig.model_fields
    d = PaintSettings()
    assert d.language == fields["language"].default
    assert d.state_dir == fields["state_dir"].default
    assert (d.terminal_id, d.service_point) == (TerminalConfig().id,
                                                TerminalConfig().service_point)
    assert (d.fullscreen, d.width, d.height) == (UiConfig().fullscreen, UiConfig().width,
                                                 UiConfig().height)


def test_file_then_environment_then_command_line(tmp_path: Path):
    f = tmp_path / "kiosk.toml"
    f.write_text('language = "en"\nstate_dir = "/x/state"\n[terminal]\nid = "ZN1"\n'
                 'service_point = "点"\n[ui]\nfullscreen = true\nwidth = 1024\n' + DEVICES,
                 encoding="utf-8")
    g = guess(f, {}, env={})
    assert (g.language, g.terminal_id, g.service_point, g.width, g.state_dir) == (
        "en", "ZN1", "点", 1024, Path("/x/state"))
    g = guess(f, {}, env={"KIOSK_TERMINAL__ID": "ZN2", "KIOSK_UI__FULLSCREEN": "false",
                          "KIOSK_LANGUAGE": "zh_CN"})
    assert (g.terminal_id, g.fullscreen, g.language) == ("ZN2", False, "zh_CN")
    g = guess(f, {"ui.fullscreen": False, "language": "zh_CN"},
              env={"KIOSK_LANGUAGE": "en"})
    assert (g.fullscreen, g.language) == (False, "zh_CN")
    # what the validation makes of the same layers is the window the guess painted
    config = load_config(f, env={"KIOSK_TERMINAL__ID": "ZN2"}, overrides={"ui.fullscreen": False})
    assert guess(f, {"ui.fullscreen": False}, env={"KIOSK_TERMINAL__ID": "ZN2"}).same_window(
        PaintSettings.of(config))


def test_a_wrong_value_paints_the_default_and_an_unreadable_file_paints_nothing(tmp_path):
    f = tmp_path / "kiosk.toml"
    f.write_text('language = "fr"\n[terminal]\nid = 7\n[ui]\nwidth = -5\nfullscreen = "yes"\n',
                 encoding="utf-8")
    assert guess(f, {}, env={}) == PaintSettings()
    f.write_text("language = \n", encoding="utf-8")  # not TOML
    assert guess(f, {}, env={}) is None
    assert guess(tmp_path / "missing.toml", {}, env={}) is None
    assert guess(tmp_path, {}, env={}) is None  # a directory


def test_the_lock_of_a_running_kiosk_is_seen_without_taking_it(tmp_path: Path):
    assert not lock_held_elsewhere(tmp_path)  # no lock file: nothing created either
    assert not (tmp_path / "kiosk.lock").exists()
    guard = SingleInstance("kiosk", tmp_path)
    assert guard.acquire()
    try:
        assert lock_held_elsewhere(tmp_path)
    finally:
        guard.release()
    assert not lock_held_elsewhere(tmp_path)
    assert SingleInstance("kiosk", tmp_path).acquire()  # looking left no lock behind
