"""The paper model -> plain text and a PNG picture of the paper (CJK rendered with Pillow)."""

from __future__ import annotations

import io
import os
from functools import cache
from typing import Any

import qrcode
from PIL import Image, ImageDraw, ImageFont

from peripherals_sim.printer.parser import Cut, Feed, Item, QrCode, Raster, TextLine

CELL_W, CELL_H = 12, 24  # ASCII cell of font A on a 203 dpi head; CJK is two cells wide
LINE_GAP = 6
MARGIN = 8

FONTS = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),  # index 2: SC
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
)


def char_cells(ch: str) -> int:
    return 1 if ord(ch) < 0x80 else 2


def line_text(line: TextLine, columns: int) -> str:
    """A text line as plain text, aligned within ``columns`` ASCII columns."""
    text = line.text
    used = sum(char_cells(c) * r.style.width for r in line.runs for c in r.text)
    free = max(0, columns - used)
    if line.align == 1:
        text = " " * (free // 2) + text
    elif line.align == 2:
        text = " " * free + text
    return text.rstrip()


def to_text(items: list[Item], columns: int, dropped: int = 0) -> str:
    """The receipt as a reader would copy it from the paper (QR codes by their payload)."""
    out: list[str] = []
    for item in items:
        if isinstance(item, TextLine):
            out.append(line_text(item, columns))
        elif isinstance(item, QrCode):
            out.append(f"[QR {item.payload}]")
        elif isinstance(item, Raster):
            out.append(f"[IMAGE {item.width}x{item.height}]")
        elif isinstance(item, Feed):
            continue
        elif isinstance(item, Cut):
            out.append(f"[CUT {item.mode}]")
    if dropped:
        out.append(f"[NOT PRINTED: {dropped} items while paper out or cover open]")
    return "\n".join(out) + "\n"


def describe(items: list[Item]) -> dict[str, Any]:
    """Counts and payloads for the control API's receipt list."""
    return {
        "lines": sum(1 for i in items if isinstance(i, TextLine)),
        "qr": [i.payload for i in items if isinstance(i, QrCode)],
        "images": [f"{i.width}x{i.height}" for i in items if isinstance(i, Raster)],
        "cut": next((i.mode for i in items if isinstance(i, Cut)), None),
    }


@cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    for path, index in FONTS:
        if os.path.exists(path):
            return ImageFont.truetype(path, size, index=index)
    raise FileNotFoundError("no CJK font (fonts-noto-cjk or fonts-wqy-microhei)")


@cache
def _glyph(ch: str, bold: bool, w: int, h: int) -> Image.Image:
    cells = char_cells(ch)
    img = Image.new("L", (CELL_W * cells, CELL_H), 255)
    if ch.strip():
        font = _font(22)
        left, top, right, bottom = font.getbbox(ch, stroke_width=1 if bold else 0)
        gw = int(right - left)
        y = (CELL_H - (bottom - top)) / 2 - top if cells == 2 else 20 - font.getbbox("H")[3]
        canvas = Image.new("L", (max(gw, 1) + 2, CELL_H), 255)
        ImageDraw.Draw(canvas).text((1 - left, y), ch, font=font, fill=0,
                                    stroke_width=1 if bold else 0, stroke_fill=0)
        if canvas.width > img.width:  # wide ASCII glyphs (m, W) squeezed into their cell
            canvas = canvas.resize((img.width, CELL_H))
        img.paste(canvas, ((img.width - canvas.width) // 2, 0))
    if w != 1 or h != 1:
        img = img.resize((img.width * w, img.height * h))
    return img


def _raster_image(r: Raster) -> Image.Image:
    wb = (r.width + 7) // 8
    data = r.data[: wb * r.height].ljust(wb * r.height, b"\x00")
    img = Image.frombytes("1", (wb * 8, r.height), bytes(b ^ 0xFF for b in data))
    return img.convert("L")


def _qr_image(q: QrCode) -> Image.Image:
    ec = [qrcode.constants.ERROR_CORRECT_L, qrcode.constants.ERROR_CORRECT_M,
          qrcode.constants.ERROR_CORRECT_Q, qrcode.constants.ERROR_CORRECT_H][q.ec % 4]
    code = qrcode.QRCode(box_size=max(1, q.module), border=0, error_correction=ec)
    code.add_data(q.data)
    code.make(fit=True)
    image: Image.Image = code.make_image().get_image().convert("L")
    return image


def _place_x(width: int, item_w: int, align: int) -> int:
    free = max(0, width - item_w)
    return {1: free // 2, 2: free}.get(align, 0)


def to_png(items: list[Item], width_px: int, dropped: int = 0) -> bytes:
    """A picture of the paper roll: white paper, black print, a dashed line at each cut."""
    parts: list[tuple[Image.Image | None, int, int]] = []  # image, x, height
    for item in items:
        if isinstance(item, TextLine):
            h = max([r.style.height for r in item.runs] or [1]) * CELL_H
            line = Image.new("L", (width_px, h), 255)
            glyphs = [( _glyph(c, r.style.bold, r.style.width, r.style.height), r.style)
                      for r in item.runs for c in r.text]
            used = sum(g.width for g, _ in glyphs)
            x = _place_x(width_px, used, item.align)
            for g, st in glyphs:
                line.paste(g, (x, h - g.height))
                if st.underline:
                    ImageDraw.Draw(line).line((x, h - 1, x + g.width, h - 1), fill=0)
                x += g.width
            parts.append((line, 0, h + LINE_GAP))
        elif isinstance(item, Raster):
            img = _raster_image(item)
            parts.append((img, _place_x(width_px, img.width, item.align), img.height + 2))
        elif isinstance(item, QrCode):
            img = _qr_image(item)
            parts.append((img, _place_x(width_px, img.width, item.align), img.height + 8))
        elif isinstance(item, Feed):
            parts.append((None, 0, item.dots))
        elif isinstance(item, Cut):
            parts.append((None, -1, 24))
    if dropped:
        parts.append((None, -2, 28))
    height = sum(h for _, _, h in parts) + 2 * MARGIN
    paper = Image.new("L", (width_px + 2 * MARGIN, max(height, 40)), 255)
    draw = ImageDraw.Draw(paper)
    y = MARGIN
    for part, x, h in parts:
        if part is not None:
            paper.paste(part, (MARGIN + x, y))
        elif x == -1:
            for dx in range(0, paper.width, 12):
                draw.line((dx, y + 12, dx + 6, y + 12), fill=128)
        elif x == -2:
            draw.text((MARGIN, y + 2), "[paper out]", fill=0, font=_font(16))
        y += h
    out = io.BytesIO()
    paper.save(out, "PNG", optimize=False)
    return out.getvalue()
