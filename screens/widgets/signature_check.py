"""Whether strokes can be a signature (Qt-free; the signature pad's check): nothing written,
or only dots and specks (a tap, a slip of the finger), is refused with the reason."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise

Stroke = Sequence[tuple[float, float]]

#: A signature needs at least this much ink (the summed length of its strokes, pixels on the
#: pad) and must span at least this much (width or height of all strokes together).
MIN_INK_PX = 60.0
MIN_SPAN_PX = 40.0


class SignatureProblem(StrEnum):
    """Why a signature is refused (the catalog says it: ``sign.pad.<value>``)."""

    EMPTY = "empty"          # nothing written
    TOO_SMALL = "too_small"  # only dots or specks: not a name


@dataclass(frozen=True)
class SignatureCheck:
    """The limits (pixels on the pad); a setting of whoever uses the pad."""

    min_ink_px: float = MIN_INK_PX
    min_span_px: float = MIN_SPAN_PX

    def problem(self, strokes: Sequence[Stroke]) -> SignatureProblem | None:
        """None when ``strokes`` can be a signature, else why not (Qt-free)."""
        points = [p for s in strokes for p in s]
        if not points:
            return SignatureProblem.EMPTY
        ink = sum(math.dist(a, b) for s in strokes for a, b in pairwise(s))
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        span = max(max(xs) - min(xs), max(ys) - min(ys))
        if ink < self.min_ink_px or span < self.min_span_px:
            return SignatureProblem.TOO_SMALL
        return None
