"""The Chinese text path and the python-escpos composition, byte for byte."""

from __future__ import annotations

import dataclasses
import io

import pytest
from escpos.printer import Dummy
from PIL import Image

from devices.base import DeviceOperationError
from devices.printer.contract import (
    PROFILES,
    Align,
    CutBlock,
    CutMode,
    FeedBlock,
    ImageBlock,
    PairBlock,
    PrinterError,
    PrinterProfile,
    QrBlock,
    ReceiptDoc,
    RuleBlock,
    TextBlock,
    profile_named,
)
from devices.printer.encoder import ReceiptEncoder, printable
from devices.printer.layout import pair_lines, plain_text, text_columns, wrap

P58 = PROFILES["generic_58mm"]
GB2312 = PROFILES["gb2312_58mm"]


def encode(*blocks, profile=P58):
    return ReceiptEncoder(profile).encode(ReceiptDoc(tuple(blocks)))


def test_chinese_line_is_fs_ampersand_plus_gb18030():
    data = encode(TextBlock("账户余额：￥1,234.50")).data
    assert data == bytes.fromhex(
        "1b40" "1c26" "d5cbbba7d3e0b6eea3baa3a4312c3233342e3530" "0a")


def test_full_width_punctuation_and_yuan_without_ideograph_never_become_question_marks():
    # python-escpos text() sends "?" for this line (escpos_printing.md §2)
    bad = Dummy()
    bad.text("￥100：\n")
    assert b"?" in bad.output
    data = encode(TextBlock("￥100：")).data
    assert data == bytes.fromhex("1b40" "1c26" "a3a4313030a3ba" "0a")
    assert b"?" not in data


def test_rare_name_character_is_sent_in_gb18030():
    data = encode(TextBlock("刘䶮")).data
    assert bytes.fromhex("1c26c1f5fe9f0a") in data


def test_ascii_line_has_no_chinese_mode_command():
    assert encode(TextBlock("ZN610425001")).data == b"\x1b@ZN610425001\n"


def test_profile_that_leaves_chinese_mode_for_ascii_sends_fs_dot():
    prof = dataclasses.replace(P58, leave_chinese_for_ascii=True)
    data = encode(TextBlock("中文"), TextBlock("abc"), profile=prof).data
    assert data == bytes.fromhex("1b40" "1c26d6d0cec41c2e0a" "6162630a")


def test_character_the_font_lacks_is_printed_as_a_raster_image_of_the_line():
    assert not printable("欧*䶮", GB2312) and printable("欧*䶮", P58)
    enc = encode(TextBlock("客户：欧*䶮"), profile=GB2312)
    assert enc.image_lines == 1
    chunk = enc.chunks[1]
    assert chunk.data.startswith(b"\x1dv0\x00")  # GS v 0, 384 dots = 48 bytes wide
    assert chunk.data[4:8] == bytes([48, 0, 30, 0])  # 24 dots + the line spacing
    assert len(chunk.data) == 8 + 48 * 30  # header + bitmap only: no text, no "?"


def test_bold_double_size_centered_title():
    data = encode(TextBlock("回单", Align.CENTER, bold=True, width=2, height=2)).data
    assert data == bytes.fromhex("1b40" "1b6101" "1b4501" "1d2111" "1c26bbd8b5a5" "0a")


def test_style_is_reset_only_when_it_changes():
    data = encode(TextBlock("a", bold=True), TextBlock("b", bold=True), TextBlock("c")).data
    assert data == b"\x1b@" + b"\x1bE\x01a\n" + b"b\n" + b"\x1bE\x00c\n"


def test_native_qr_matches_the_reference_byte_sequence():
    data = encode(QrBlock("HELLO", size=4, align=Align.LEFT)).data
    assert data == bytes.fromhex(
        "1b40" "1b6100"
        "1d286b040031413200" "1d286b03003143 04" "1d286b0300314531"
        "1d286b080031503048454c4c4f" "1d286b0300315130" "0a" "1b6100")


def test_image_qr_for_profiles_without_native_qr():
    enc = encode(QrBlock("HELLO"), profile=GB2312)
    assert b"\x1d(k" not in enc.data and b"\x1dv0" in enc.data


def test_cut_follows_the_profile():
    assert encode(CutBlock()).data.endswith(b"\x1bd\x06\x1dV\x01")  # partial on 58 mm
    assert encode(CutBlock(), profile=GB2312).data.endswith(b"\x1bd\x06\x1dV\x00")
    assert encode(CutBlock(CutMode.FULL)).data.endswith(b"\x1bd\x06\x1dV\x00")
    no_cutter = dataclasses.replace(P58, cut=CutMode.NONE)
    data = encode(CutBlock(), profile=no_cutter).data
    assert b"\x1dV" not in data and data.endswith(b"\x1bd\x06")


def test_image_block_and_too_wide_image():
    img = Image.new("1", (64, 16), 1)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    assert b"\x1dv0" in encode(ImageBlock(buf.getvalue())).data
    wide = Image.new("1", (800, 8), 1)
    buf = io.BytesIO()
    wide.save(buf, "PNG")
    with pytest.raises(DeviceOperationError) as err:
        encode(ImageBlock(buf.getvalue()))
    assert err.value.error is PrinterError.INVALID_DOCUMENT


def test_magnification_out_of_range_is_an_invalid_document():
    with pytest.raises(DeviceOperationError) as err:
        encode(TextBlock("x", width=9))
    assert err.value.error is PrinterError.INVALID_DOCUMENT


def test_cjk_counts_two_columns():
    assert text_columns("金额：￥1,234.50") == 6 + 2 + 8
    assert [text_columns(line) for line in wrap("中" * 20, 32)] == [32, 8]
    assert wrap("中文ab中文", 5) == ["中文", "ab中", "文"]  # ASCII words stay whole


def test_a_journal_key_longer_than_the_line_breaks_after_a_hyphen():
    key = "ZN-0001-261203194512123456-0000012"  # <terminal>-<epoch>-<serial>, 34 columns
    (label, *value) = pair_lines(PairBlock("流水号：", key), 32)
    assert label.text == "流水号："
    assert [line.text.strip() for line in value] == ["ZN-0001-261203194512123456-", "0000012"]
    assert all(text_columns(line.text) == 32 for line in value)  # right-aligned
    assert wrap("well-known words", 8) == ["well-", "known", "words"]


def test_line_never_starts_with_closing_punctuation():
    lines = wrap("交易正在处理，结果以银行通知为准，请勿重复操作。", 32)
    assert all(not line.startswith(("，", "。")) for line in lines)
    assert "".join(lines) == "交易正在处理，结果以银行通知为准，请勿重复操作。"


def test_pair_fits_on_one_line_or_puts_the_value_right_aligned_below():
    (one,) = pair_lines(PairBlock("金额：", "￥10,000.00"), 32)
    assert text_columns(one.text) == 32 and one.text.startswith("金额：")
    two = pair_lines(PairBlock("Service point: ", "礼泉县烟霞镇助农服务点"), 32)
    assert [line.text.strip() for line in two] == ["Service point:", "礼泉县烟霞镇助农服务点"]
    assert text_columns(two[1].text) == 32


def test_rule_fills_the_paper_and_plain_text_shows_qr_and_cut():
    text = plain_text(ReceiptDoc((RuleBlock(), FeedBlock(1), QrBlock("X"), CutBlock())), P58)
    assert text == "-" * 32 + "\n\n[QR X]\n[CUT partial]\n"


def test_profiles_as_data():
    prof = profile_named({"base": "generic_80mm", "columns": 42})
    assert (prof.columns, prof.width_px) == (42, 576)
    with pytest.raises(ValueError):
        profile_named("nope")
    with pytest.raises(ValueError):
        profile_named({"base": "generic_58mm", "colour": "red"})
    with pytest.raises(LookupError):
        PrinterProfile(codec="klingon")
