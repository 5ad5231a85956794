"""Real-time status bytes (DLE EOT 1..4, GS r 1) -> :class:`PrinterStatus`.

Bit meanings from escpos_printing.md §6. A DLE EOT reply has bits 1 and 4 set and bits 0
and 7 clear (``0xx1xx10``); anything else, or no byte at all, is *unknown*, never "fine".
"""

from __future__ import annotations

from devices.base import DeviceState
from devices.printer.contract import CoverState, FaultState, PaperState, PrinterStatus

DLE_EOT = b"\x10\x04"
QUERY_DLE_EOT = DLE_EOT + b"\x01" + DLE_EOT + b"\x02" + DLE_EOT + b"\x03" + DLE_EOT + b"\x04"
QUERY_GS_R = DLE_EOT + b"\x01" + DLE_EOT + b"\x02" + DLE_EOT + b"\x03" + b"\x1dr\x01"
QUERY_PAPER = DLE_EOT + b"\x02" + DLE_EOT + b"\x04"


def valid_dle_eot(b: int | None) -> bool:
    """True for a well-formed DLE EOT reply byte (fixed bits 0xx1xx10)."""
    return b is not None and (b & 0x93) == 0x12


def valid_gs_r(b: int | None) -> bool:
    """True for a well-formed GS r 1 reply byte (bits 4 and 7 fixed to 0)."""
    return b is not None and (b & 0x90) == 0


def _paper_from_eot4(b: int) -> PaperState:
    if b & 0x60:
        return PaperState.OUT
    if b & 0x0C:
        return PaperState.NEAR_END
    return PaperState.OK


def _paper_from_gs_r(b: int) -> PaperState:
    if b & 0x0C:
        return PaperState.OUT
    if b & 0x03:
        return PaperState.NEAR_END
    return PaperState.OK


def parse_status(reply: bytes, mode: str = "dle_eot") -> PrinterStatus:
    """Status from the replies to :data:`QUERY_DLE_EOT` (or :data:`QUERY_GS_R`), in order.

    Missing or malformed bytes leave their fields unknown. ``device`` is ``online`` or
    ``offline`` only when DLE EOT 1 answered; with no reply at all everything is unknown.
    """
    b = list(reply[:4]) + [None] * (4 - len(reply[:4]))
    r1, r2, r3, r4 = (x if isinstance(x, int) else None for x in b)
    device = DeviceState.UNKNOWN
    if valid_dle_eot(r1):
        assert r1 is not None
        device = DeviceState.OFFLINE if r1 & 0x08 else DeviceState.ONLINE
    cover = CoverState.UNKNOWN
    paper = PaperState.UNKNOWN
    if valid_dle_eot(r2):
        assert r2 is not None
        cover = CoverState.OPEN if r2 & 0x04 else CoverState.CLOSED
        if r2 & 0x20:  # printing stopped by paper end
            paper = PaperState.OUT
    fault = FaultState.UNKNOWN
    if valid_dle_eot(r3):
        assert r3 is not None
        if r3 & 0x08:
            fault = FaultState.CUTTER
        elif r3 & 0x20:
            fault = FaultState.UNRECOVERABLE
        elif r3 & 0x40:
            fault = FaultState.AUTO_RECOVERABLE
        else:
            fault = FaultState.NONE
    if mode == "gs_r":
        if valid_gs_r(r4) and paper is not PaperState.OUT:
            assert r4 is not None
            paper = _paper_from_gs_r(r4)
    elif valid_dle_eot(r4) and paper is not PaperState.OUT:
        assert r4 is not None
        paper = _paper_from_eot4(r4)
    return PrinterStatus(device=device, paper=paper, cover=cover, fault=fault)


def parse_paper(reply: bytes) -> tuple[PaperState, CoverState]:
    """Paper and cover from the replies to :data:`QUERY_PAPER` (DLE EOT 2, DLE EOT 4)."""
    r2 = reply[0] if len(reply) > 0 else None
    r4 = reply[1] if len(reply) > 1 else None
    cover, paper = CoverState.UNKNOWN, PaperState.UNKNOWN
    if valid_dle_eot(r2):
        assert r2 is not None
        cover = CoverState.OPEN if r2 & 0x04 else CoverState.CLOSED
        if r2 & 0x20:
            paper = PaperState.OUT
    if paper is PaperState.UNKNOWN and valid_dle_eot(r4):
        assert r4 is not None
        paper = _paper_from_eot4(r4)
    return paper, cover
