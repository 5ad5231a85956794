"""ReceiptDoc -> ESC/POS bytes, composing python-escpos for everything but Chinese text.

python-escpos builds the commands (``set``, ``qr``, ``image``, ``cut``, ``hw``) into a
``Dummy`` printer; Chinese text does not go through its ``text()`` (which sends GB18030 only
when a string contains an ideograph and ``?`` for ￥ or full-width punctuation alone, see
escpos_printing.md §2). Every non-ASCII line is sent as ``FS &`` + the profile's code system
(+ ``FS .`` when the profile leaves Chinese mode for ASCII). A line with a character the
printer's font cannot print (``font_charset``) is rendered with Pillow and a CJK font and
sent as a raster image, never as ``?``.

The result is a list of chunks, one per physical item, so the driver can send a receipt in
segments and read the paper status in between.
"""

from __future__ import annotations

import copy
import io
import os
from dataclasses import dataclass
from functools import cache
from typing import Any

from escpos.capabilities import get_profile
from escpos.constants import QR_ECLEVEL_M
from escpos.exceptions import ImageWidthError
from escpos.printer import Dummy
from PIL import Image, ImageDraw, ImageFont

from devices.base import CompletionCode, DeviceOperationError
from devices.printer.contract import (
    Align,
    CutBlock,
    CutMode,
    FeedBlock,
    ImageBlock,
    PrinterError,
    PrinterProfile,
    QrBlock,
    ReceiptDoc,
)
from devices.printer.layout import Line, layout, text_columns

FS_KANJI_ON = b"\x1c\x26"
FS_KANJI_OFF = b"\x1c\x2e"

FONT_CANDIDATES = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "Noto Sans CJK SC"),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", ""),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", ""),
)

DOT_HEIGHT = 24  # a full-width character is 24x24 dots on a 203 dpi printer (font A)
DOT_WIDTH = 12  # an ASCII character is 12 dots wide
LINE_GAP = 6  # dots between lines (ESC 2 default spacing minus the character height)


@dataclass(frozen=True)
class Chunk:
    """The bytes of one physical item and how many paper lines it makes."""

    data: bytes
    lines: int
    text: str = ""


@dataclass(frozen=True)
class EncodedReceipt:
    """A receipt as ESC/POS: ``chunks`` in order; ``data`` is all of them joined."""

    chunks: tuple[Chunk, ...]

    @property
    def data(self) -> bytes:
        return b"".join(c.data for c in self.chunks)

    @property
    def lines(self) -> int:
        return sum(c.lines for c in self.chunks)

    @property
    def image_lines(self) -> int:
        """Text lines that had to be sent as raster images (font lacks a character)."""
        return sum(1 for c in self.chunks if c.text.startswith("[image-text] "))


def escpos_capabilities(profile: PrinterProfile) -> Any:
    """The python-escpos capability profile of the model, adjusted by our profile data."""
    caps = get_profile(profile.escpos_profile)
    data = copy.deepcopy(caps.profile_data)
    data.setdefault("media", {}).setdefault("width", {})["pixels"] = profile.width_px
    features = data.setdefault("features", {})
    features["paperFullCut"] = profile.cut is not CutMode.NONE
    features["paperPartCut"] = profile.cut is CutMode.PARTIAL
    features["qrCode"] = profile.qr_native
    caps.profile_data = data
    return caps


@cache
def _font_file(font_path: str) -> tuple[str, int]:
    candidates = ((font_path, ""),) if font_path else FONT_CANDIDATES
    for path, family in candidates:
        if not os.path.exists(path):
            continue
        if not family:
            return path, 0
        for index in range(16):
            try:
                font = ImageFont.truetype(path, 24, index=index)
            except OSError:
                break
            if font.getname()[0] == family:
                return path, index
        return path, 0
    raise FileNotFoundError("no CJK font found (install fonts-noto-cjk or fonts-wqy-microhei)")


@cache
def cjk_font(size: int, font_path: str = "") -> ImageFont.FreeTypeFont:
    """The CJK font used for raster fallback lines."""
    path, index = _font_file(font_path)
    return ImageFont.truetype(path, size, index=index)


def printable(text: str, profile: PrinterProfile) -> bool:
    """True when every character can be sent as text and printed by the printer's font."""
    if text.isascii():
        return True
    try:
        text.encode(profile.font_charset)
        if profile.codec != profile.font_charset:
            text.encode(profile.codec)
    except UnicodeEncodeError:
        return False
    return True


def render_line_image(line: Line, profile: PrinterProfile) -> Image.Image:
    """A text line as a 1-bit image of the paper width (alignment and size applied).

    Characters keep the printer's grid (12 dots per ASCII column, 24 per CJK character) and
    the image includes the line spacing, so the line sits among text lines unnoticed.
    """
    font = cjk_font(DOT_HEIGHT - 2, profile.font_path)
    ref_top, ref_bottom = font.getbbox("国")[1], font.getbbox("国")[3]
    y = (DOT_HEIGHT - (ref_bottom - ref_top)) / 2 - ref_top  # centre CJK glyphs in the cell
    w = max(1, text_columns(line.text) * DOT_WIDTH)
    img = Image.new("L", (w, DOT_HEIGHT), 255)
    draw = ImageDraw.Draw(img)
    x = 0
    for ch in line.text:
        cell = DOT_WIDTH if ord(ch) < 0x80 else 2 * DOT_WIDTH
        left, _, right, _ = font.getbbox(ch)
        draw.text((x + (cell - (right - left)) / 2 - left, y), ch, font=font, fill=0,
                  stroke_width=1 if line.bold else 0, stroke_fill=0)
        x += cell
    if line.width != 1 or line.height != 1:
        img = img.resize((w * line.width, DOT_HEIGHT * line.height))
    paper = Image.new("L", (profile.width_px, img.height + LINE_GAP), 255)
    free = max(0, profile.width_px - img.width)
    offset = {Align.LEFT: 0, Align.CENTER: free // 2, Align.RIGHT: free}[line.align]
    paper.paste(img.crop((0, 0, min(img.width, profile.width_px), img.height)), (offset, 0))
    return paper.point(lambda v: 0 if v < 128 else 255).convert("1")


class ReceiptEncoder:
    """Encodes documents for one printer profile (keeps the style state of the printer)."""

    def __init__(self, profile: PrinterProfile) -> None:
        self.profile = profile
        self._caps = escpos_capabilities(profile)

    def encode(self, doc: ReceiptDoc) -> EncodedReceipt:
        """All chunks of ``doc``, starting with ``ESC @`` (the printer's state is unknown).

        Raises ``DeviceOperationError(INVALID_DOCUMENT)`` when a block cannot be printed
        (image wider than the paper, magnification out of range).
        """
        try:
            return self._encode(doc)
        except (ValueError, TypeError, ImageWidthError, OSError) as exc:
            raise DeviceOperationError(PrinterError.INVALID_DOCUMENT,
                                       f"{type(exc).__name__}: {exc}",
                                       CompletionCode.INVALID_DATA) from exc

    def _encode(self, doc: ReceiptDoc) -> EncodedReceipt:
        p = Dummy(profile=self.profile.escpos_profile)
        p.profile = self._caps
        p.hw("INIT")
        chunks = [Chunk(p.output, 0)]
        state = _Style()
        for items in layout(doc, self.profile):
            for item in items:
                p.clear()
                chunks.append(self._item(p, item, state))
        return EncodedReceipt(tuple(chunks))

    def _item(self, p: Dummy, item: object, state: _Style) -> Chunk:
        prof = self.profile
        if isinstance(item, Line):
            state.apply(p, item)
            if printable(item.text, prof):
                p._raw(self.encode_text(item.text) + b"\n")
                return Chunk(p.output, 1, item.text)
            p.image(render_line_image(item, prof), impl="bitImageRaster",
                    fragment_height=256)
            return Chunk(p.output, 1, "[image-text] " + item.text)
        if isinstance(item, FeedBlock):
            p.print_and_feed(item.lines)
            return Chunk(p.output, item.lines)
        if isinstance(item, QrBlock):
            state.reset(p)
            if prof.qr_native:
                p.set(align=item.align.value)
                p.qr(item.data, size=item.size or prof.qr_module, ec=QR_ECLEVEL_M, native=True)
                p._raw(b"\n")
                p.set(align="left")
            else:
                p.qr(item.data, size=max(1, (item.size or prof.qr_module) // 2) + 1,
                     ec=QR_ECLEVEL_M, native=False, center=item.align is Align.CENTER)
            # native: the symbol + the LF after it; image: LF, image, LF, LF (python-escpos)
            return Chunk(p.output, 2 if prof.qr_native else 4, f"[QR {item.data}]")
        if isinstance(item, ImageBlock):
            state.reset(p)
            img = Image.open(io.BytesIO(item.png))
            img.load()
            p.image(img, impl="bitImageRaster", fragment_height=256,
                    center=item.align is Align.CENTER)
            return Chunk(p.output, 1, f"[IMAGE {item.description}]")
        if isinstance(item, CutBlock):
            state.reset(p)
            mode = (item.mode or prof.cut) if prof.cut is not CutMode.NONE else CutMode.NONE
            if prof.feed_before_cut:
                p.print_and_feed(prof.feed_before_cut)
            if mode is CutMode.NONE:
                p.print_and_feed(6)
            else:  # ESC d 6 then GS V 0 (full) or GS V 1 (partial, where the model has it)
                p.cut(mode="PART" if mode is CutMode.PARTIAL else "FULL")
            return Chunk(p.output, prof.feed_before_cut + 6, f"[CUT {mode.value}]")
        raise TypeError(f"cannot encode {item!r}")

    def encode_text(self, text: str) -> bytes:
        """One line of text as bytes: ASCII as is; otherwise FS & + the code system."""
        if text.isascii():
            return text.encode("ascii")
        body = FS_KANJI_ON + text.encode(self.profile.codec)
        if self.profile.leave_chinese_for_ascii:
            body += FS_KANJI_OFF
        return body


class _Style:
    """The text style the printer is in, so commands are only sent on a change."""

    def __init__(self) -> None:
        self.align = Align.LEFT
        self.bold = False
        self.size = (1, 1)
        self.underline = False

    def apply(self, p: Dummy, line: Line) -> None:
        if line.align is not self.align:
            p.set(align=line.align.value)
            self.align = line.align
        if line.bold != self.bold:
            p.set(bold=line.bold)
            self.bold = line.bold
        if (line.width, line.height) != self.size:
            p.set(custom_size=True, width=line.width, height=line.height)
            self.size = (line.width, line.height)
        if line.underline != self.underline:
            p.set(underline=1 if line.underline else 0)
            self.underline = line.underline

    def reset(self, p: Dummy) -> None:
        self.apply(p, Line(""))
