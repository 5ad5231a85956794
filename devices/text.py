"""Text that came from a device (a card's name field, a chip's label, a pad's version string)
is data, never instructions to a terminal or a screen.

- :func:`clean_device_text`: what the drivers return: control characters (C0, DEL, C1) and
  the Unicode bidirectional overrides become U+FFFD, so an escape sequence or a right-to-left
  override planted on a card cannot reach a screen, a receipt or a log raw;
- :func:`escape_controls`: what technician text output prints: the same characters shown as
  visible escapes (``\\x1b``, ``\\u202e``), so the technician sees exactly what the device sent.
"""

from __future__ import annotations

import re

#: C0 controls, DEL, C1 controls, and the bidi embedding/override/isolate characters.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
REPLACEMENT = "\ufffd"


def clean_device_text(text: str) -> str:
    """``text`` with every control character replaced by U+FFFD."""
    return _CONTROLS.sub(REPLACEMENT, text)


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"


def _escape_json(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def escape_controls(text: str, keep: str = "", *, json_string: bool = False) -> str:
    """``text`` with control characters shown as escapes; characters in ``keep`` (e.g. the
    newlines between lines of a table) are left as they are. ``json_string``: ``text`` is a
    JSON document and every escape is a JSON ``\\uXXXX`` (the same value when parsed)."""
    escape = _escape_json if json_string else _escape
    if keep:
        return "".join(c if c in keep else _CONTROLS.sub(escape, c) for c in text)
    return _CONTROLS.sub(escape, text)
