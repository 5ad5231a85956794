"""Configuration: layers, environment parsing and error messages that name key, value, reason."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from kiosk.config import (
    DEMO_CONFIG,
    ConfigError,
    KioskConfig,
    format_config_error,
    load_config,
)

MINIMAL = """
[devices.idcard]
backend = "fake"
[devices.iccard]
backend = "fake"
[devices.printer]
backend = "fake"
[devices.pinpad]
backend = "fake"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_demo_config_loads_with_simulators_and_spec_defaults():
    cfg = load_config(DEMO_CONFIG, env={})
    assert cfg.sim is True
    assert cfg.language == "zh_CN"
    assert cfg.terminal.id == "ZN610425001"
    assert cfg.terminal.service_point == "礼泉县烟霞镇助农服务点"
    assert cfg.timeouts.idle_seconds == 60
    assert cfg.timeouts.idle_warning_seconds == 15
    assert cfg.timeouts.card_removal_seconds == 30
    assert cfg.voice.voice == "cmn-latn-pinyin"
    assert cfg.limits.supervised_drawdown_amount == Decimal("50000.00")
    assert cfg.devices.idcard.backend == "samv"
    assert cfg.devices.idcard.params == {"url": "/dev/ttyUSB0", "baud": 115200}
    assert cfg.devices.for_kind("iccard").params["reader"] == "Virtual PCD 00 00"


def test_builtin_defaults_fill_what_a_file_leaves_out(tmp_path):
    cfg = load_config(write(tmp_path, MINIMAL), env={})
    assert cfg.sim is False
    assert cfg.state_dir == Path("~/.local/state/zhunong-kiosk").expanduser()
    assert cfg.host.url is None
    assert cfg.logging.level == "INFO"
    assert cfg.ui.fullscreen is True and cfg.ui.width is None


def test_layers_file_then_environment_then_command_line(tmp_path):
    path = write(tmp_path, 'language = "en"\n' + MINIMAL + "[timeouts]\nidle_seconds = 90\n")
    cfg = load_config(path, env={})
    assert (cfg.language, cfg.timeouts.idle_seconds) == ("en", 90)
    env = {"KIOSK_TIMEOUTS__IDLE_SECONDS": "120", "KIOSK_LANGUAGE": "zh_CN"}
    cfg = load_config(path, env=env)
    assert (cfg.language, cfg.timeouts.idle_seconds) == ("zh_CN", 120)
    overrides = {"timeouts.idle_seconds": 2.5, "timeouts.idle_warning_seconds": 1, "language": "en"}
    cfg = load_config(path, env=env, overrides=overrides)
    assert (cfg.language, cfg.timeouts.idle_seconds) == ("en", 2.5)


def test_environment_names_nested_device_parameters_and_guesses_their_types(tmp_path):
    env = {
        "KIOSK_DEVICES__IDCARD__URL": "socket://127.0.0.1:7001",
        "KIOSK_DEVICES__IDCARD__BAUD": "9600",
        "kiosk_devices__pinpad__framing": "ascii",
        "KIOSK_VOICE__MUTED": "true",
        "KIOSK_SIM": "1",
        "KIOSK_HW_IDCARD": "/dev/ttyUSB0",  # the hardware test tier, not configuration
        "PATH": "/usr/bin",
    }
    real = MINIMAL.replace('idcard]\nbackend = "fake"', 'idcard]\nbackend = "samv"')
    real = real.replace('pinpad]\nbackend = "fake"', 'pinpad]\nbackend = "kmy"')
    cfg = load_config(write(tmp_path, real), env=env)
    assert cfg.devices.idcard.params == {"url": "socket://127.0.0.1:7001", "baud": 9600}
    assert cfg.devices.pinpad.params == {"framing": "ascii"}
    assert cfg.voice.muted is True
    assert cfg.sim is True


def test_command_line_override_switches_a_backend_to_fake_and_keeps_the_file_valid():
    cfg = load_config(DEMO_CONFIG, env={}, overrides={"devices.idcard.backend": "fake"})
    assert cfg.devices.idcard.backend == "fake"
    # the samv parameters left in the file are checked but not handed to the fake
    assert cfg.devices.idcard.model_extra == {"url": "/dev/ttyUSB0", "baud": 115200}
    assert cfg.devices.idcard.params == {}
    with pytest.raises(ConfigError, match=r"devices\.idcard\.baud = 'fast'"):
        load_config(DEMO_CONFIG, env={}, overrides={"devices.idcard.backend": "fake",
                                                     "devices.idcard.baud": "fast"})


def test_unknown_key_in_file_names_the_key_and_the_file(tmp_path):
    path = write(tmp_path, MINIMAL + "[timeouts]\nidle_secnds = 30\n")
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    err = info.value
    assert err.key == "timeouts.idle_secnds"
    assert err.value == 30
    assert "unknown key" in err.reason
    assert err.source == str(path)
    assert "timeouts.idle_secnds = 30" in str(err) and str(path) in str(err)


def test_bad_type_names_key_value_reason_and_environment_variable(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, MINIMAL), env={"KIOSK_TIMEOUTS__IDLE_SECONDS": "soon"})
    err = info.value
    assert (err.key, err.value) == ("timeouts.idle_seconds", "soon")
    assert "number" in err.reason
    assert "KIOSK_TIMEOUTS__IDLE_SECONDS" in str(err)


def test_environment_key_with_double_underscore_must_exist(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, MINIMAL), env={"KIOSK_TIMEOUT__IDLE_SECONDS": "5"})
    assert info.value.key == "timeout"
    assert "unknown key" in info.value.reason


def test_value_from_a_default_is_named_as_such():
    with pytest.raises(ConfigError) as info:
        load_config(DEMO_CONFIG, env={}, overrides={"timeouts.idle_seconds": 5})
    err = info.value
    assert (err.key, err.value) == ("timeouts.idle_warning_seconds", 15)
    assert "less than idle_seconds (5)" in err.reason


@pytest.mark.parametrize(
    ("overrides", "key", "reason_part"),
    [
        ({"language": "fr"}, "language", "zh_CN"),
        ({"voice.volume": 101}, "voice.volume", "100"),
        ({"voice.backend": "festival"}, "voice.backend", "unknown voice backend"),
        ({"devices.printer.backend": "laser"}, "devices.printer.backend", "known: "),
        ({"timeouts.idle_warning_seconds": 70}, "timeouts.idle_warning_seconds",
         "less than idle_seconds"),
        ({"host.url": "ftp://bank"}, "host.url", "http"),
        ({"limits.supervised_drawdown_amount": "-5"}, "limits.supervised_drawdown_amount",
         "greater than 0"),
        ({"limits.supervised_drawdown_amount": "1.234"}, "limits.supervised_drawdown_amount",
         "decimal places"),
        ({"terminal.id": "ZN 61"}, "terminal.id", "pattern"),
        ({"logging.level": "LOUD"}, "logging.level", "DEBUG"),
    ],
)
def test_bad_values_are_reported_with_key_value_and_reason(overrides, key, reason_part):
    with pytest.raises(ConfigError) as info:
        load_config(DEMO_CONFIG, env={}, overrides=overrides)
    err = info.value
    assert err.key == key
    assert err.value == next(iter(overrides.values())) or str(err.value) in str(err)
    assert reason_part in err.reason
    message = format_config_error(err)
    assert message.startswith("kiosk: invalid configuration")
    assert key in message and repr(err.value) in message and "command line" in message


def test_every_problem_is_listed(tmp_path):
    path = write(tmp_path, MINIMAL + '[voice]\nrate = 5\nvolume = "loud"\n')
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    keys = {p.key for p in info.value.problems}
    assert keys == {"voice.rate", "voice.volume"}
    assert "voice.rate" in str(info.value) and "voice.volume" in str(info.value)


def test_missing_device_section_is_an_error_not_a_silent_fake(tmp_path):
    path = write(tmp_path, MINIMAL.replace('[devices.pinpad]\nbackend = "fake"\n', ""))
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    assert info.value.key == "devices.pinpad"
    assert "required" in info.value.reason.lower()


def test_toml_syntax_error_and_missing_file(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, "language = \n"), env={})
    assert "not valid TOML" in str(info.value) and "line 1" in str(info.value)
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "nope.toml", env={})
    assert info.value.key == "--config" and "file not found" in str(info.value)


def test_money_from_a_toml_float_is_exact(tmp_path):
    path = write(tmp_path, MINIMAL + "[limits]\nsupervised_drawdown_amount = 30000.1\n")
    amount = load_config(path, env={}).limits.supervised_drawdown_amount
    assert amount == Decimal("30000.10") and str(amount) == "30000.10"


def test_config_is_frozen():
    cfg = load_config(DEMO_CONFIG, env={})
    with pytest.raises(ValidationError):
        cfg.language = "en"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        cfg.timeouts.idle_seconds = 1  # type: ignore[misc]
    assert isinstance(cfg, KioskConfig)


def test_paths_expand_the_home_directory(tmp_path):
    cfg = load_config(DEMO_CONFIG, env={}, overrides={"state_dir": "~/x", "voice.wav_dir": "~/w"})
    assert cfg.state_dir == Path.home() / "x"
    assert cfg.voice.wav_dir == Path.home() / "w"


def test_the_terminal_example_in_the_docs_is_valid(tmp_path):
    docs = (Path(__file__).resolve().parents[3] / "docs" / "config.md").read_text("utf-8")
    example = docs.split("```toml\n", 1)[1].split("```", 1)[0]
    cfg = load_config(write(tmp_path, example), env={})
    assert cfg.state_dir == Path("/var/lib/zhunong-kiosk")
    assert cfg.devices.printer.params == {"url": "usb://0416:5011", "profile": "generic_80mm"}
    assert cfg.host.url == "https://lending.example-rcc.cn" and cfg.sim is False


def test_system_file_is_preferred_to_the_demo_when_present(tmp_path, monkeypatch):
    import kiosk.config as config_module
    import kiosk.first_paint  # the one definition of the paths (pydantic-free)

    system = tmp_path / "etc" / "kiosk.toml"
    monkeypatch.setattr(kiosk.first_paint, "SYSTEM_CONFIG", system)
    assert config_module.default_config_path() == DEMO_CONFIG
    assert load_config(env={}).sim is True
    system.parent.mkdir()
    system.write_text('language = "en"\n' + MINIMAL, encoding="utf-8")
    assert config_module.default_config_path() == system
    cfg = load_config(env={})
    assert cfg.language == "en" and cfg.sim is False


KEYS = ("voice.audio_device", "accessibility.audio_device")


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("device", ["plughw:CARD=Headset,DEV=0", "hw:1,0", "default", "null"])
def test_the_headset_audio_device_takes_alsa_names(key, device):
    config = load_config(DEMO_CONFIG, env={}, overrides={key: device})
    section, name = key.split(".")
    assert getattr(getattr(config, section), name) == device


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("device", ["hw:1,0; rm -rf /", "plug hw", "-D hw:1", "hw:1,0\n"])
def test_an_audio_device_that_is_no_alsa_name_is_refused_with_the_key(key, device):
    with pytest.raises(ConfigError) as info:
        load_config(DEMO_CONFIG, env={}, overrides={key: device})
    assert info.value.key == key
    assert "ALSA device name" in info.value.reason


def test_the_audio_guided_mode_key_must_be_one_on_the_pad():
    config = load_config(DEMO_CONFIG, env={}, overrides={"accessibility.enter_key": "5"})
    assert config.accessibility.enter_key == "5"
    with pytest.raises(ConfigError) as info:
        load_config(DEMO_CONFIG, env={}, overrides={"accessibility.enter_key": "F1"})
    assert info.value.key == "accessibility.enter_key"
