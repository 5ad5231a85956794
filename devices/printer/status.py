"""Real-time status bytes (DLE EOT 1..4, GS r 1) -> :class:`PrinterStatus`.

Bit meanings from escpos_printing.md §6. A DLE EOT reply has bits 1 and 4 set and bits 0
and 7 clear (``0xx1xx10``); anything else, or no byte at all, is *unknown*, never "fine".
A reply of the wrong length (a byte missing, one too many) or with one malformed byte is not
a status reply at all (line noise, a reply to something else): everything is *unknown*.
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


STATUS_REPLY_LEN = 4  # one byte per query of QUERY_DLE_EOT / QUERY_GS_R
PAPER_REPLY_LEN = 2  # one byte per query of QUERY_PAPER


def valid_status_reply(reply: bytes, mode: str = "dle_eot") -> bool:
    """True when every byte of a four-byte status reply has its fixed bits right."""
    last_ok = valid_gs_r if mode == "gs_r" else valid_dle_eot
    return (len(reply) == STATUS_REPLY_LEN and all(valid_dle_eot(b) for b in reply[:3])
            and last_ok(reply[3]))


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

    Exactly four well-formed bytes give a status; anything else (no reply, fewer or more
    bytes, a byte with the wrong fixed bits) is all ``unknown``, so never ``ready``.
    """
    if len(reply) != STATUS_REPLY_LEN or not valid_status_reply(reply, mode):
        return PrinterStatus()
    r1, r2, r3, r4 = reply
    device = DeviceState.OFFLINE if r1 & 0x08 else DeviceState.ONLINE
    cover = CoverState.OPEN if r2 & 0x04 else CoverState.CLOSED
    if r3 & 0x08:
        fault = FaultState.CUTTER
    elif r3 & 0x20:
        fault = FaultState.UNRECOVERABLE
    elif r3 & 0x40:
        fault = FaultState.AUTO_RECOVERABLE
    else:
        fault = FaultState.NONE
    if r2 & 0x20:  # printing stopped by paper end
        paper = PaperState.OUT
    else:
        paper = _paper_from_gs_r(r4) if mode == "gs_r" else _paper_from_eot4(r4)
    return PrinterStatus(device=device, paper=paper, cover=cover, fault=fault)


def parse_paper(reply: bytes) -> tuple[PaperState, CoverState]:
    """Paper and cover from the replies to :data:`QUERY_PAPER` (DLE EOT 2, DLE EOT 4);
    a reply of the wrong length or with a malformed byte says nothing (both unknown)."""
    cover, paper = CoverState.UNKNOWN, PaperState.UNKNOWN
    if len(reply) != PAPER_REPLY_LEN or not all(valid_dle_eot(b) for b in reply):
        return paper, cover
    r2, r4 = reply[0], reply[1]
    cover = CoverState.OPEN if r2 & 0x04 else CoverState.CLOSED
    paper = PaperState.OUT if r2 & 0x20 else _paper_from_eot4(r4)
    return paper, cover
