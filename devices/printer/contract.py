"""The receipt printer's contract: the document it prints, its status, errors and profile.

Everything here is device level: a :class:`ReceiptDoc` is lines and blocks with alignment,
size, bold, QR, image and cut. It has no i18n and no business logic; the kiosk's receipt
templates (``kiosk.receipts``) build it. A :class:`PrinterProfile` describes a printer model
as data (columns, code system, Chinese mode, QR and cut support, timeouts).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from devices.base import DeviceOperationError, DeviceState, DeviceStatus, EventSink


class Align(StrEnum):
    """Horizontal alignment of a block."""

    LEFT = "left"
    CENTER = "center"
    RIGHT = "right"


class CutMode(StrEnum):
    """How the paper is cut at the end of a receipt."""

    FULL = "full"
    PARTIAL = "partial"
    NONE = "none"


@dataclass(frozen=True)
class TextBlock:
    """One logical line of text; the driver wraps it at the profile's columns.

    ``width``/``height`` are character magnifications (1 or 2 on receipts).
    """

    text: str
    align: Align = Align.LEFT
    bold: bool = False
    width: int = 1
    height: int = 1
    underline: bool = False


@dataclass(frozen=True)
class PairBlock:
    """A label on the left and a value on the right of one line (wraps when too long)."""

    label: str
    value: str
    bold: bool = False


@dataclass(frozen=True)
class RuleBlock:
    """A separator line filled with ``char`` across the paper."""

    char: str = "-"


@dataclass(frozen=True)
class FeedBlock:
    """Blank lines."""

    lines: int = 1


@dataclass(frozen=True)
class QrBlock:
    """A QR code with ``data`` (UTF-8); ``size`` is the module size in dots (1-16)."""

    data: str
    size: int = 6
    align: Align = Align.CENTER


@dataclass(frozen=True)
class ImageBlock:
    """A raster image given as PNG bytes (black on white), at most the paper width."""

    png: bytes
    align: Align = Align.CENTER
    description: str = "image"


@dataclass(frozen=True)
class CutBlock:
    """Cut the paper; ``None`` uses the profile's cut (a model without a cutter only feeds)."""

    mode: CutMode | None = None


Block = TextBlock | PairBlock | RuleBlock | FeedBlock | QrBlock | ImageBlock | CutBlock


@dataclass(frozen=True)
class ReceiptDoc:
    """A printable document: blocks in order. ``title`` is for logs and the fake's list."""

    blocks: tuple[Block, ...]
    title: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.blocks, tuple):
            object.__setattr__(self, "blocks", tuple(self.blocks))

    @property
    def ends_with_cut(self) -> bool:
        return bool(self.blocks) and isinstance(self.blocks[-1], CutBlock)

    def qr_payloads(self) -> tuple[str, ...]:
        return tuple(b.data for b in self.blocks if isinstance(b, QrBlock))


class PrinterError(StrEnum):
    """Class-specific reasons of a failed printer command (``Completion.error``)."""

    PAPER_OUT = "paper_out"
    PAPER_OUT_DURING_PRINT = "paper_out_during_print"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"
    NO_ANSWER = "no_answer"
    NOT_CONNECTED = "not_connected"
    CUTTER_ERROR = "cutter_error"
    HARDWARE_ERROR = "hardware_error"
    WRITE_FAILED = "write_failed"
    INVALID_DOCUMENT = "invalid_document"


class PaperState(StrEnum):
    OK = "ok"
    NEAR_END = "near_end"
    OUT = "out"
    UNKNOWN = "unknown"


class CoverState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    UNKNOWN = "unknown"


class FaultState(StrEnum):
    """Error cause as reported by ``DLE EOT 3``."""

    NONE = "none"
    CUTTER = "cutter"
    UNRECOVERABLE = "unrecoverable"
    AUTO_RECOVERABLE = "auto_recoverable"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class PrinterStatus(DeviceStatus):
    """What the printer said about itself; every field can be ``unknown``.

    ``device`` is ``online``/``offline`` only when the printer answered; ``unknown`` when it
    did not answer (a silent printer is never reported as offline, nor as out of paper).
    ``status_supported`` is False for backends that cannot read status (a plain file).
    """

    paper: PaperState = PaperState.UNKNOWN
    cover: CoverState = CoverState.UNKNOWN
    fault: FaultState = FaultState.UNKNOWN
    status_supported: bool = True

    @property
    def problem(self) -> PrinterError | None:
        """The reason no receipt can be printed now, most specific first; None when ready."""
        if self.device in (DeviceState.NO_DEVICE, DeviceState.POWER_OFF):
            return PrinterError.NOT_CONNECTED
        if self.cover is CoverState.OPEN:
            return PrinterError.COVER_OPEN
        if self.paper is PaperState.OUT:
            return PrinterError.PAPER_OUT
        if self.fault is FaultState.CUTTER:
            return PrinterError.CUTTER_ERROR
        if self.fault is FaultState.UNRECOVERABLE:
            return PrinterError.HARDWARE_ERROR
        if self.device is DeviceState.OFFLINE:
            return PrinterError.OFFLINE
        if self.device is DeviceState.HARDWARE_ERROR:
            return PrinterError.HARDWARE_ERROR
        if self.device is DeviceState.UNKNOWN and self.status_supported:
            return PrinterError.NO_ANSWER
        return None

    @property
    def ready(self) -> bool:
        """True when a receipt can be printed (paper near end still prints)."""
        return self.problem is None

    @property
    def warning(self) -> bool:
        """True when staff should act soon (paper near end) although printing works."""
        return self.paper is PaperState.NEAR_END

    def to_json(self) -> dict[str, Any]:
        """Field names and values as in ``kiosk diag printer status --json``."""
        problem = self.problem
        return {
            "device": self.device.value,
            "paper": self.paper.value,
            "cover": self.cover.value,
            "fault": self.fault.value,
            "status_supported": self.status_supported,
            "ready": self.ready,
            "problem": None if problem is None else problem.value,
        }


@dataclass(frozen=True)
class PrintResult:
    """What a successful print reports: lines sent and the status read after the cut."""

    lines: int
    bytes_sent: int
    status_after: PrinterStatus

    @property
    def confirmed(self) -> bool:
        """True when the printer answered after the cut and reported no problem.

        False means "the receipt may not have printed" (offer a reprint), never "printed".
        """
        return (self.status_after.status_supported and self.status_after.ready
                and self.status_after.device is DeviceState.ONLINE)


@dataclass(frozen=True)
class PrinterProfile:
    """A printer model as data.

    ``codec`` is the code system sent on the wire for non-ASCII lines (gb18030/gbk/gb2312);
    ``font_charset`` is what the printer's font can print (a character outside it is printed
    as a raster image of its line). ``chinese_mode_default``: the printer powers up in Chinese
    mode; FS & is sent before every non-ASCII line anyway, and FS . after it when
    ``leave_chinese_for_ascii`` is set (printers whose ASCII looks wrong in Chinese mode).
    ``status_mode``: ``dle_eot`` (real-time DLE EOT 1/2/3/4), ``gs_r`` (DLE EOT 1/2/3 plus
    GS r 1 for the paper sensor) or ``none`` (the printer cannot answer: status unknown).
    ``status_check_lines``: while printing, the paper status is read after every so many
    lines, so that paper running out mid-job is noticed and reported with what was printed
    (0: only before and after the receipt).
    """

    name: str = "generic_58mm"
    columns: int = 32
    width_px: int = 384
    codec: str = "gb18030"
    font_charset: str = "gb18030"
    chinese_mode_default: bool = True
    leave_chinese_for_ascii: bool = False
    qr_native: bool = True
    qr_module: int = 6
    cut: CutMode = CutMode.PARTIAL
    feed_before_cut: int = 0
    status_mode: str = "dle_eot"
    status_timeout: float = 1.5
    io_timeout: float = 10.0
    connect_timeout: float = 3.0
    status_check_lines: int = 12
    status_reuse: float = 0.0
    escpos_profile: str = "POS-5890"
    font_path: str = ""

    def __post_init__(self) -> None:
        for codec in (self.codec, self.font_charset):
            "a".encode(codec)  # raises LookupError on an unknown codec
        if self.status_mode not in ("dle_eot", "gs_r", "none"):
            raise ValueError(f"status_mode {self.status_mode!r}")
        if not (8 <= self.columns <= 96 and 96 <= self.width_px <= 1024):
            raise ValueError("columns or width_px out of range")

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> PrinterProfile:
        """Build from config data: ``{"base": "generic_80mm", "columns": 42, ...}``."""
        values = dict(data)
        base = PROFILES[str(values.pop("base", values.get("name", "generic_58mm")))]
        if "cut" in values:
            values["cut"] = CutMode(values["cut"])
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown printer profile fields: {sorted(unknown)}")
        return dataclasses.replace(base, **values)


PROFILES: dict[str, PrinterProfile] = {
    # Typical Chinese 58 mm kiosk printer: GB18030 font, Chinese mode on at power-up.
    "generic_58mm": PrinterProfile(),
    "generic_80mm": PrinterProfile(
        name="generic_80mm", columns=48, width_px=576, cut=CutMode.PARTIAL,
        escpos_profile="NT-80-V-UL",
    ),
    # Older firmware with a GB2312-only font (SPRT-style): rare characters become images,
    # QR codes are printed as images, GS r is used for the paper sensor.
    "gb2312_58mm": PrinterProfile(
        name="gb2312_58mm", codec="gb18030", font_charset="gb2312", qr_native=False,
        status_mode="gs_r", cut=CutMode.FULL,
    ),
    # A printer reached through a write-only path (a file or /dev/usb/lp0).
    "write_only_58mm": PrinterProfile(name="write_only_58mm", status_mode="none"),
}


def profile_named(name_or_profile: str | PrinterProfile | dict[str, Any] | None
                  ) -> PrinterProfile:
    """A profile from its name, a mapping (config) or itself; default ``generic_58mm``."""
    if name_or_profile is None:
        return PROFILES["generic_58mm"]
    if isinstance(name_or_profile, PrinterProfile):
        return name_or_profile
    if isinstance(name_or_profile, dict):
        return PrinterProfile.from_mapping(name_or_profile)
    try:
        return PROFILES[name_or_profile]
    except KeyError:
        raise ValueError(
            f"unknown printer profile {name_or_profile!r} (known: {', '.join(PROFILES)})"
        ) from None


@runtime_checkable
class ReceiptPrinter(Protocol):
    """What every printer backend provides (``fake``, ``escpos``, ``file``)."""

    kind: str
    profile: PrinterProfile
    status_type: type[PrinterStatus]

    def open(self) -> None: ...

    def close(self) -> None: ...

    def probe(self) -> PrinterStatus: ...

    def print_receipt(self, doc: ReceiptDoc, events: EventSink = ...,
                      cancel: Any = None) -> PrintResult: ...


@dataclass(frozen=True)
class PrintedPart:
    """How much of a receipt reached the paper before printing stopped.

    ``lines_printed``: lines known to be on the paper (sent before the last status reply
    that was still fine); ``lines_sent``: lines sent in all (the segment in flight may or may
    not have printed); ``last_text``: the last line known to be printed.
    """

    lines_printed: int
    lines_total: int
    last_text: str = field(default="")
    lines_sent: int = 0


class PrintInterrupted(DeviceOperationError):
    """Printing stopped part-way (paper ran out, cover opened): ``part`` says how far it got."""

    def __init__(self, error: PrinterError, part: PrintedPart) -> None:
        super().__init__(
            error,
            f"{error.value} after {part.lines_printed} of {part.lines_total} lines",
        )
        self.part = part
