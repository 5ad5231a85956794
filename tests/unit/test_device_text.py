"""Issue 10 item 8: control characters from devices never reach a terminal or a screen raw."""

from __future__ import annotations

import argparse
import json

from devices.iccard.emv import _text as chip_text
from devices.idcard.layouts import decode_identity
from devices.text import clean_device_text, escape_controls
from kiosk.diag import emit
from kiosk.diag.common import table
from tests.unit.idcard.test_layouts import RESIDENT, block

PLANTED = "张\x1b[2J\x1b]0;pwned\x07三\u202e"


def test_the_id_card_driver_returns_no_control_characters():
    identity = decode_identity(block({**RESIDENT, 0: PLANTED, 52: "某\x9b31m地"}))
    for value in (identity.name, identity.address):
        assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or c == "\u202e"
                       for c in value), value
    assert identity.name.startswith("张\ufffd[2J\ufffd]0;pwned\ufffd")  # 15 characters


def test_the_bank_card_label_has_no_control_characters():
    assert chip_text(b"DEBIT\x1b[31m") == "DEBIT\ufffd[31m"
    assert "\x1b" not in chip_text("借记\x1b卡".encode("gb18030"))


def test_diag_text_output_shows_escapes_and_keeps_its_own_lines(capsys):
    emit(argparse.Namespace(json=False), {}, table([("name", PLANTED), ("next", "x\ny")]))
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\u202e" not in out and "\x07" not in out
    assert "\\x1b[2J" in out and "\\u202e" in out
    assert out.count("\n") == 2  # a newline inside a value cannot forge a line: x\ny


def test_diag_json_output_escapes_and_still_parses(capsys):
    emit(argparse.Namespace(json=True), {"name": PLANTED + "\x85"}, "")
    out = capsys.readouterr().out
    assert all(c not in out for c in "\x1b\x07\u202e\x85")
    assert json.loads(out) == {"name": PLANTED + "\x85"}


def test_clean_and_escape_leave_ordinary_text_alone():
    text = "李秀英 610425196208080020 礼泉县公安局 Zhang-San O'Neil"
    assert clean_device_text(text) == text and escape_controls(text) == text
