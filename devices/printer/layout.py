"""Line layout on a receipt: display columns, wrapping, label/value pairs, alignment.

On a Chinese ESC/POS printer every character sent as a multi-byte code (hanzi, full-width
punctuation, ￥) prints full width, i.e. two columns of the ASCII font; ASCII prints one.
The encoder and the fake share this layout, so what the fake keeps is what would print.
"""

from __future__ import annotations

from dataclasses import dataclass

from devices.printer.contract import (
    Align,
    Block,
    CutBlock,
    FeedBlock,
    ImageBlock,
    PairBlock,
    PrinterProfile,
    QrBlock,
    ReceiptDoc,
    RuleBlock,
    TextBlock,
)


def char_columns(ch: str) -> int:
    """Columns one character takes: 1 for ASCII, 2 for everything sent as a 2/4-byte code."""
    return 1 if ord(ch) < 0x80 else 2


def text_columns(text: str) -> int:
    """Display width of ``text`` in printer columns (CJK counted as two)."""
    # the ASCII-only bytes tell how many characters are not ASCII (C speed, no loop)
    return 2 * len(text) - len(text.encode("ascii", "ignore"))


#: Characters a Chinese line must not start with (line-breaking rule 避头点).
NO_LINE_START = frozenset("，。、；：！？）」』】》〉”’…—·,.;:!?)]}%")


def wrap(text: str, columns: int) -> list[str]:
    """Split ``text`` into lines of at most ``columns`` display columns.

    ASCII words are kept whole when they fit on a line (a long one breaks after a hyphen or
    slash before it breaks anywhere); CJK text breaks between characters,
    but never so that a line starts with closing punctuation (the character before it moves
    down with it) unless the two together would not fit on a line.
    """
    if columns <= 0:
        raise ValueError("columns must be positive")
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        width = 0
        for token in _tokens(paragraph):
            tw = text_columns(token)
            if width + tw <= columns:
                current += token
                width += tw
                continue
            if token.isspace():
                lines.append(current.rstrip())
                current, width = "", 0
                continue
            if tw <= columns and current:
                carry = ""
                if (token in NO_LINE_START and len(current) > 1 and not current[-1].isspace()
                        and text_columns(current[-1] + token) <= columns):
                    current, carry = current[:-1], current[-1]
                lines.append(current.rstrip())
                current = carry + token
                width = text_columns(current)
                continue
            for ch in token:  # a token longer than a line (or CJK): break anywhere
                cw = char_columns(ch)
                if width + cw > columns:
                    carry = ""
                    if (ch in NO_LINE_START and len(current) > 1
                            and text_columns(current[-1] + ch) <= columns):
                        current, carry = current[:-1], current[-1]
                    lines.append(current.rstrip())
                    current, width = carry, text_columns(carry)
                current += ch
                width += cw
        lines.append(current.rstrip())
    return lines


#: An ASCII word may break after these (a journal key ``T-epoch-serial``, a path, a URL).
BREAK_AFTER = frozenset("-/")


def _tokens(text: str) -> list[str]:
    """ASCII words (split after a hyphen or slash inside them), runs of spaces, and single
    non-ASCII characters."""
    out: list[str] = []
    buf = ""
    for ch in text:
        if ord(ch) < 0x80 and not ch.isspace():
            if buf and buf[-1] in BREAK_AFTER and ch not in BREAK_AFTER:
                out.append(buf)
                buf = ""
            buf += ch
            continue
        if buf:
            out.append(buf)
            buf = ""
        out.append(ch)
    if buf:
        out.append(buf)
    return out


def pad(text: str, columns: int, align: Align) -> str:
    """``text`` padded with spaces to ``columns`` for ``align`` (used for plain-text views)."""
    free = max(0, columns - text_columns(text))
    if align is Align.RIGHT:
        return " " * free + text
    if align is Align.CENTER:
        return " " * (free // 2) + text
    return text


@dataclass(frozen=True)
class Line:
    """One physical text line on the paper."""

    text: str
    align: Align = Align.LEFT
    bold: bool = False
    width: int = 1
    height: int = 1
    underline: bool = False


Laid = Line | FeedBlock | QrBlock | ImageBlock | CutBlock


def pair_lines(block: PairBlock, columns: int) -> list[Line]:
    """``label ..... value`` on one line when it fits, else the value right-aligned below."""
    label, value = block.label, block.value
    gap = columns - text_columns(label) - text_columns(value)
    if gap >= 1:
        return [Line(label + " " * gap + value, bold=block.bold)]
    lines = [Line(t, bold=block.bold) for t in wrap(label, columns)]
    for t in wrap(value, columns):
        lines.append(Line(" " * (columns - text_columns(t)) + t, bold=block.bold))
    return lines


def layout_block(block: Block, profile: PrinterProfile) -> list[Laid]:
    """The physical lines (and non-text items) of one block."""
    if isinstance(block, TextBlock):
        if not 1 <= block.width <= 8 or not 1 <= block.height <= 8:
            raise ValueError("text magnification must be 1..8")
        cols = max(1, profile.columns // block.width)
        return [
            Line(t, block.align, block.bold, block.width, block.height, block.underline)
            for t in wrap(block.text, cols)
        ]
    if isinstance(block, PairBlock):
        return list(pair_lines(block, profile.columns))
    if isinstance(block, RuleBlock):
        unit = max(1, text_columns(block.char))
        return [Line(block.char * (profile.columns // unit))]
    if isinstance(block, FeedBlock | QrBlock | ImageBlock | CutBlock):
        return [block]
    raise TypeError(f"not a receipt block: {block!r}")


def layout(doc: ReceiptDoc, profile: PrinterProfile) -> list[list[Laid]]:
    """Per block, its laid-out items (same order as ``doc.blocks``)."""
    return [layout_block(b, profile) for b in doc.blocks]


def plain_text(doc: ReceiptDoc, profile: PrinterProfile) -> str:
    """The receipt as plain text, the way a reader sees the paper (QR shown by its payload)."""
    out: list[str] = []
    for items in layout(doc, profile):
        for item in items:
            if isinstance(item, Line):
                cols = profile.columns // item.width
                out.append(pad(item.text, cols, item.align).rstrip())
            elif isinstance(item, FeedBlock):
                out.extend([""] * item.lines)
            elif isinstance(item, QrBlock):
                out.append(f"[QR {item.data}]")
            elif isinstance(item, ImageBlock):
                out.append(f"[IMAGE {item.description}]")
            elif isinstance(item, CutBlock):
                out.append(f"[CUT {(item.mode or profile.cut).value}]")
    return "\n".join(out) + "\n"
