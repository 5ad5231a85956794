"""Signature pictures as the signature pad sends them (PNG, base64): one with ink, and a blank
one (white only), for the host simulator's signature check."""

from __future__ import annotations

import base64
import io


def signature_png(*, blank: bool = False, size: tuple[int, int] = (600, 240)) -> str:
    from PIL import Image, ImageDraw

    image = Image.new("L", size, 255)
    if not blank:
        w, h = size
        ImageDraw.Draw(image).line([(w * 0.07, h * 0.8), (w * 0.27, h * 0.15),
                                    (w * 0.47, h * 0.85), (w * 0.67, h * 0.2),
                                    (w * 0.93, h * 0.8)], fill=0, width=6)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")
