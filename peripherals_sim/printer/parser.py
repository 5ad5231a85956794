"""An ESC/POS interpreter of our own (it imports nothing from ``devices`` or ``kiosk``).

It turns the byte stream of a receipt printer into a paper model: text lines with their
styles (ESC !, ESC E, ESC -, GS !, FS !, alignment), Chinese mode (FS & / FS .) with
GB18030/GBK/GB2312 decoding, raster images (GS v 0, ESC *, GS ( L), QR codes (GS ( k),
feeds and cuts. Real-time status requests (DLE EOT n) and GS r are answered through a
callback from the printer's fault state. Undecodable bytes, characters the font lacks and
unknown commands are recorded as errors so tests can assert a clean receipt.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10

CODE_PAGES = {0: "cp437", 2: "cp850", 3: "cp860", 16: "cp1252", 17: "cp866", 19: "cp858"}


@dataclass(frozen=True)
class Style:
    bold: bool = False
    underline: bool = False
    width: int = 1
    height: int = 1
    invert: bool = False


@dataclass
class Run:
    text: str
    style: Style


@dataclass
class TextLine:
    runs: list[Run]
    align: int = 0  # 0 left, 1 center, 2 right

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


@dataclass
class Raster:
    width: int  # dots
    height: int
    data: bytes  # 1 bit per dot, rows of ceil(width/8) bytes, MSB first, 1 = black
    align: int = 0


@dataclass
class QrCode:
    data: bytes
    module: int
    ec: int
    align: int = 0

    @property
    def payload(self) -> str:
        return self.data.decode("utf-8", errors="replace")


@dataclass
class Feed:
    dots: int


@dataclass
class Cut:
    mode: str  # "full" or "partial"


Item = TextLine | Raster | QrCode | Feed | Cut


@dataclass
class PaperState:
    """What the paper looks like so far, plus what went wrong."""

    items: list[Item] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    dropped_items: int = 0


class EscPosParser:
    """Feed it bytes; it fills :attr:`paper` and calls ``on_item`` for each printed item.

    ``respond(kind, n)`` returns the reply bytes of a status request (``("dle_eot", n)`` or
    ``("gs_r", n)``), or ``b""`` for no reply. ``can_print()`` is asked before an item goes
    on the paper (False while paper is out or the cover is open: the item is dropped).
    """

    def __init__(self, codec: str = "gb18030", font_charset: str = "gb18030",
                 chinese_default: bool = True,
                 respond: Callable[[str, int], bytes] | None = None,
                 can_print: Callable[[Item], bool] | None = None,
                 on_cut: Callable[[int], None] | None = None) -> None:
        self.codec = codec
        self.font_charset = font_charset
        self.chinese_default = chinese_default
        self.respond = respond or (lambda kind, n: b"")
        self.can_print = can_print or (lambda item: True)
        self.on_cut = on_cut or (lambda offset: None)
        self.offset = 0  # bytes of the stream consumed so far
        self._cut_seen = False
        self.buf = bytearray()
        self.paper = PaperState()
        self.replies = bytearray()
        self.commands = 0
        self._reset()

    def _reset(self) -> None:
        self.chinese = self.chinese_default
        self.code_page = 0
        self.align = 0
        self.bold = False
        self.underline = False
        self.esc_bang = 0
        self.gs_size = (1, 1)
        self.fs_bang = 0
        self.invert = False
        self.line_spacing = 30
        self.runs: list[Run] = []
        self.qr_model = 2
        self.qr_module = 3
        self.qr_ec = 0
        self.qr_data = b""
        self.stored_graphic: Raster | None = None

    # --- input --------------------------------------------------------------------------------

    def feed(self, data: bytes) -> bytes:
        """Consume ``data``; returns the status replies it produced (to send back)."""
        self.buf += data
        self.replies = bytearray()
        pos = 0
        n = len(self.buf)
        while pos < n:
            used = self._step(pos)
            if used == 0:
                break  # incomplete command: wait for more bytes
            pos += used
            if self._cut_seen:
                self._cut_seen = False
                self.on_cut(self.offset + pos)
        self.offset += pos
        del self.buf[:pos]
        return bytes(self.replies)

    def finish(self) -> None:
        """End of job: print a pending partial line; report a truncated command."""
        if self.buf:
            self.paper.errors.append(f"truncated command at end of job: {self.buf[:8].hex(' ')}")
            self.buf.clear()
        if self.runs:
            self._emit_line()

    @property
    def has_content(self) -> bool:
        return bool(self.paper.items or self.runs or self.paper.dropped_items)

    # --- one command --------------------------------------------------------------------------

    def _need(self, pos: int, count: int) -> bool:
        return pos + count <= len(self.buf)

    def _step(self, pos: int) -> int:
        b = self.buf[pos]
        if b == 0x0A:
            self._emit_line()
            return 1
        if b in (0x0D, 0x00):
            return 1
        if b == 0x09:
            col = len(self._pending_text())
            self._add_text(" " * (8 - col % 8))
            return 1
        if b == 0x0C:
            self._emit_line()
            return 1
        if b == ESC:
            return self._esc(pos)
        if b == GS:
            return self._gs(pos)
        if b == FS:
            return self._fs(pos)
        if b == DLE:
            return self._dle(pos)
        if b < 0x20:
            self.paper.unknown.append(f"control 0x{b:02x}")
            return 1
        return self._text(pos)

    def _text(self, pos: int) -> int:
        buf = self.buf
        b = buf[pos]
        if b < 0x80:
            end = pos
            while end < len(buf) and 0x20 <= buf[end] < 0x80:
                end += 1
            self._add_text(buf[pos:end].decode("ascii"))
            return end - pos
        if not self.chinese:
            self._add_text(bytes([b]).decode(CODE_PAGES.get(self.code_page, "cp437"),
                                             errors="replace"))
            return 1
        end = self._multibyte_run(pos)
        if end > pos:  # a run of whole characters: decode it in one go (the common case)
            raw = bytes(buf[pos:end])
            try:
                text = raw.decode(self.codec)
                text.encode(self.font_charset)
            except (UnicodeDecodeError, UnicodeEncodeError):
                pass
            else:
                self._add_text(text)
                return end - pos
        return self._one_char(pos)

    def _char_size(self, pos: int) -> int:
        """Bytes of the character starting at ``pos`` (0: not complete yet)."""
        buf = self.buf
        if not self._need(pos, 2):
            return 0
        if self.codec == "gb18030" and 0x30 <= buf[pos + 1] <= 0x39:
            return 4 if self._need(pos, 4) else 0
        return 2

    def _multibyte_run(self, pos: int) -> int:
        buf = self.buf
        end = pos
        lead_min = 0xA1 if self.codec == "gb2312" else 0x81
        while end < len(buf) and buf[end] >= lead_min:
            size = self._char_size(end)
            if size == 0:
                break
            end += size
        return end

    def _one_char(self, pos: int) -> int:
        buf = self.buf
        b = buf[pos]
        if self.codec == "gb2312" and b < 0xA1:
            self.paper.errors.append(f"byte 0x{b:02x} is not a GB2312 lead byte")
            self._add_text("\ufffd")
            return 1
        size = self._char_size(pos)
        if size == 0:
            return 0
        raw = bytes(buf[pos:pos + size])
        try:
            ch = raw.decode(self.codec)
        except UnicodeDecodeError:
            self.paper.errors.append(f"undecodable {self.codec} bytes {raw.hex(' ')}")
            self._add_text("\ufffd")
            return size
        try:
            ch.encode(self.font_charset)
        except UnicodeEncodeError:
            self.paper.errors.append(f"font ({self.font_charset}) lacks U+{ord(ch):04X}")
            ch = "\ufffd"
        self._add_text(ch)
        return size

    def _esc(self, pos: int) -> int:
        if not self._need(pos, 2):
            return 0
        c = self.buf[pos + 1]
        one_arg = {ord("!"), ord("E"), ord("-"), ord("a"), ord("d"), ord("J"), ord("t"),
                   ord("M"), ord("G"), ord("{"), ord("V"), ord("3"), ord(" "), ord("="),
                   ord("R"), ord("r"), ord("U"), ord("K"), ord("e"), ord("S")}
        if c == ord("@"):
            self.runs = []
            self._reset()
            return 2
        if c in (ord("2"), ord("<")):
            self.line_spacing = 30
            return 2
        if c in one_arg:
            if not self._need(pos, 3):
                return 0
            n = self.buf[pos + 2]
            self._esc_arg(c, n)
            return 3
        if c in (ord("$"), ord("\\")):
            return 4 if self._need(pos, 4) else 0
        if c == ord("c"):
            return 4 if self._need(pos, 4) else 0
        if c == ord("p"):
            return 5 if self._need(pos, 5) else 0
        if c == ord("B"):
            return 4 if self._need(pos, 4) else 0
        if c == ord("D"):
            end = self.buf.find(b"\x00", pos + 2)
            return 0 if end < 0 else end - pos + 1
        if c == ord("*"):
            if not self._need(pos, 5):
                return 0
            m, nl, nh = self.buf[pos + 2], self.buf[pos + 3], self.buf[pos + 4]
            cols = nl + 256 * nh
            per = 3 if m in (32, 33) else 1
            size = 5 + cols * per
            if not self._need(pos, size):
                return 0
            self._column_image(bytes(self.buf[pos + 5:pos + size]), cols, per)
            return size
        self.paper.unknown.append(f"ESC 0x{c:02x}")
        return 2

    def _esc_arg(self, c: int, n: int) -> None:
        ch = chr(c)
        if ch == "!":
            self.esc_bang = n
        elif ch in "EG":
            self.bold = bool(n & 1)
        elif ch == "-":
            self.underline = n in (1, 2, 49, 50)
        elif ch == "a":
            self.align = {0: 0, 1: 1, 2: 2, 48: 0, 49: 1, 50: 2}.get(n, 0)
        elif ch == "d":
            self._feed_lines(n)
        elif ch == "J":
            if self.runs:
                self._emit_line()
            self._place(Feed(n))
        elif ch == "t":
            self.code_page = n
        elif ch == "3":
            self.line_spacing = n

    def _gs(self, pos: int) -> int:
        if not self._need(pos, 2):
            return 0
        c = chr(self.buf[pos + 1])
        if c in "!BhwHfIbaEr|/":
            if not self._need(pos, 3):
                return 0
            n = self.buf[pos + 2]
            if c == "!":
                self.gs_size = ((n >> 4) + 1, (n & 0x07) + 1)
            elif c == "B":
                self.invert = bool(n & 1)
            elif c == "r":
                self.replies += self.respond("gs_r", n)
            elif c == "I":
                self.replies += self.respond("gs_i", n)
            return 3
        if c in "LWP^":
            return 4 if self._need(pos, 4) else 0
        if c == "V":
            if not self._need(pos, 3):
                return 0
            m = self.buf[pos + 2]
            size = 4 if m in (65, 66, 97, 98, 103, 104) else 3
            if not self._need(pos, size):
                return 0
            if self.runs:
                self._emit_line()
            self._place(Cut("partial" if m in (1, 49, 66, 98, 104) else "full"))
            self._cut_seen = True
            return size
        if c == "v":
            if not self._need(pos, 8):
                return 0
            xl, xh, yl, yh = self.buf[pos + 4:pos + 8]
            wb, h = xl + 256 * xh, yl + 256 * yh
            size = 8 + wb * h
            if not self._need(pos, size):
                return 0
            if self.runs:
                self._emit_line()
            self._place(Raster(wb * 8, h, bytes(self.buf[pos + 8:pos + size]), self.align))
            return size
        if c == "(":
            if not self._need(pos, 5):
                return 0
            fn_class = chr(self.buf[pos + 2])
            length = self.buf[pos + 3] + 256 * self.buf[pos + 4]
            size = 5 + length
            if not self._need(pos, size):
                return 0
            body = bytes(self.buf[pos + 5:pos + size])
            if fn_class == "k":
                self._two_d(body)
            elif fn_class == "L":
                self._graphics(body)
            return size
        if c == "8":
            if not self._need(pos, 7):
                return 0
            length = int.from_bytes(self.buf[pos + 3:pos + 7], "little")
            size = 7 + length
            if not self._need(pos, size):
                return 0
            if self.buf[pos + 2] == ord("L"):
                self._graphics(bytes(self.buf[pos + 7:pos + size]))
            return size
        if c == "k":
            if not self._need(pos, 3):
                return 0
            m = self.buf[pos + 2]
            if m <= 6:
                end = self.buf.find(b"\x00", pos + 3)
                if end < 0:
                    return 0
                self.paper.unknown.append("GS k barcode (not rendered)")
                return end - pos + 1
            if not self._need(pos, 4):
                return 0
            size = 4 + self.buf[pos + 3]
            if not self._need(pos, size):
                return 0
            self.paper.unknown.append("GS k barcode (not rendered)")
            return size
        if c == "*":
            if not self._need(pos, 4):
                return 0
            size = 4 + self.buf[pos + 2] * self.buf[pos + 3] * 8
            return size if self._need(pos, size) else 0
        self.paper.unknown.append(f"GS 0x{ord(c):02x}")
        return 2

    def _fs(self, pos: int) -> int:
        if not self._need(pos, 2):
            return 0
        c = chr(self.buf[pos + 1])
        if c == "&":
            self.chinese = True
            return 2
        if c == ".":
            self.chinese = False
            return 2
        if c in "!W-C":
            if not self._need(pos, 3):
                return 0
            n = self.buf[pos + 2]
            if c == "!":
                self.fs_bang = n
            elif c == "W":
                self.fs_bang = (self.fs_bang & ~0x0C) | (0x0C if n & 1 else 0)
            return 3
        if c in "Sp":
            return 4 if self._need(pos, 4) else 0
        self.paper.unknown.append(f"FS 0x{ord(c):02x}")
        return 2

    def _dle(self, pos: int) -> int:
        if not self._need(pos, 2):
            return 0
        c = self.buf[pos + 1]
        if c in (0x04, 0x05):
            if not self._need(pos, 3):
                return 0
            if c == 0x04:
                self.replies += self.respond("dle_eot", self.buf[pos + 2])
            return 3
        if c == 0x14:
            return 5 if self._need(pos, 5) else 0
        self.paper.unknown.append(f"DLE 0x{c:02x}")
        return 2

    # --- 2D codes and graphics ----------------------------------------------------------------

    def _two_d(self, body: bytes) -> None:
        if len(body) < 2 or body[0] != 49:  # cn 49 = QR code
            self.paper.unknown.append("GS ( k other than QR")
            return
        fn = body[1]
        if fn == 65 and len(body) >= 3:
            self.qr_model = body[2] - 48
        elif fn == 67 and len(body) >= 3:
            self.qr_module = body[2]
        elif fn == 69 and len(body) >= 3:
            self.qr_ec = body[2] - 48
        elif fn == 80:
            self.qr_data = body[3:]
        elif fn == 81:
            if self.runs:
                self._emit_line()
            self._place(QrCode(self.qr_data, self.qr_module, self.qr_ec, self.align))

    def _graphics(self, body: bytes) -> None:
        if len(body) < 2:
            return
        fn = body[1]
        if fn in (112, 0x70) and len(body) >= 10:
            w = body[6] + 256 * body[7]
            h = body[8] + 256 * body[9]
            self.stored_graphic = Raster(w, h, body[10:], self.align)
        elif fn in (50, 0x32) and self.stored_graphic is not None:
            if self.runs:
                self._emit_line()
            self._place(self.stored_graphic)
            self.stored_graphic = None

    def _column_image(self, data: bytes, cols: int, per: int) -> None:
        """ESC * column data -> a raster of ``8 * per`` rows."""
        h = 8 * per
        wb = (cols + 7) // 8
        rows = bytearray(wb * h)
        for x in range(cols):
            for k in range(per):
                byte = data[x * per + k]
                for bit in range(8):
                    if byte & (0x80 >> bit):
                        y = k * 8 + bit
                        rows[y * wb + x // 8] |= 0x80 >> (x % 8)
        if self.runs:
            self._emit_line()
        self._place(Raster(wb * 8, h, bytes(rows), self.align))

    # --- text ---------------------------------------------------------------------------------

    def _style_for(self, ch: str) -> Style:
        gw, gh = self.gs_size
        if ord(ch) < 0x80:
            w = 2 if self.esc_bang & 0x20 else 1
            h = 2 if self.esc_bang & 0x10 else 1
            bold = self.bold or bool(self.esc_bang & 0x08)
            ul = self.underline or bool(self.esc_bang & 0x80)
        else:
            w = 2 if self.fs_bang & 0x04 else 1
            h = 2 if self.fs_bang & 0x08 else 1
            bold = self.bold
            ul = self.underline or bool(self.fs_bang & 0x80)
        return Style(bold, ul, max(gw, w), max(gh, h), self.invert)

    def _add_text(self, text: str) -> None:
        """Append ``text`` (all ASCII or all multi-byte: one style for the whole piece)."""
        st = self._style_for(text[0]) if text else Style()
        if self.runs and self.runs[-1].style == st:
            self.runs[-1].text += text
        else:
            self.runs.append(Run(text, st))

    def _pending_text(self) -> str:
        return "".join(r.text for r in self.runs)

    def _emit_line(self) -> None:
        line = TextLine(self.runs, self.align)
        self.runs = []
        self._place(line)

    def _feed_lines(self, n: int) -> None:
        if self.runs:
            self._emit_line()
            n -= 1
        for _ in range(max(0, n)):
            self._place(TextLine([], self.align))

    def _place(self, item: Item) -> None:
        if self.can_print(item):
            self.paper.items.append(item)
        else:
            self.paper.dropped_items += 1
