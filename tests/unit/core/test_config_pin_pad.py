"""``[ui.pin_pad]``: the PIN pad's key layout and colours, validated (issue 18)."""

from __future__ import annotations

from typing import Any

import pytest

from kiosk.config import ConfigError, load_config


def load(**overrides: Any) -> Any:
    return load_config(None, env={}, overrides={"sim": False, **overrides})


def test_the_default_is_a_4x4_pad_with_the_function_keys_on_the_right() -> None:
    pad = load().ui.pin_pad
    assert pad.rows[0] == ("1", "2", "3", "cancel") and pad.rows[-1][-1] == "enter"
    assert pad.colour_of("enter") == "#1B5E20" and pad.colour_of("7") == pad.key_colour


def test_another_pads_layout_and_colours_are_taken() -> None:
    rows = [["1", "2", "3"], ["4", "5", "6"], ["7", "8", "9"], ["cancel", "0", "enter"],
            ["clear", "blank", "backspace"]]
    pad = load(**{"ui.pin_pad.rows": rows, "ui.pin_pad.enter_colour": "#00aa00"}).ui.pin_pad
    assert pad.rows[3] == ("cancel", "0", "enter") and pad.colour_of("enter") == "#00AA00"


def test_the_environment_can_set_a_colour() -> None:
    config = load_config(None, env={"KIOSK_UI__PIN_PAD__CANCEL_COLOUR": "#AA0000"},
                         overrides={"sim": False})
    assert config.ui.pin_pad.cancel_colour == "#AA0000"


@pytest.mark.parametrize(("overrides", "reason"), [
    ({"ui.pin_pad.rows": [["1", "2", "3"], ["4", "5", "6"], ["7", "8", "9"]]},
     "key '0' must appear exactly once"),
    ({"ui.pin_pad.rows": [["1", "2", "3", "cancel"], ["4", "5", "6"], ["7", "8", "9"],
                          ["enter", "0", "blank"]]}, "same number of keys"),
    ({"ui.pin_pad.rows": [["1", "2", "3"], ["4", "5", "6"], ["7", "8", "9"],
                          ["enter", "0", "esc"]]}, "unknown key 'esc'"),
    ({"ui.pin_pad.rows": [["1", "2", "3"], ["4", "5", "6"], ["7", "8", "9"],
                          ["enter", "0", "enter"]]}, "key 'enter' must appear exactly once"),
    ({"ui.pin_pad.rows": [["1", "2", "3"], ["4", "5", "6"], ["7", "8", "9"],
                          ["cancel", "0", "enter"], ["clear", "clear", "blank"]]},
     "'clear' appears 2 times"),
    ({"ui.pin_pad.rows": [["1", "2"], ["3", "4"]]}, "3 to 6 rows"),
    ({"ui.pin_pad.enter_colour": "green"}, "#RRGGBB"),
    ({"ui.pin_pad.key_colour": "#12345"}, "#RRGGBB"),
])
def test_a_wrong_layout_or_colour_is_a_clear_error(overrides: dict[str, Any], reason: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load(**overrides)
    message = str(caught.value)
    assert reason in message and "ui.pin_pad." in message, message
