"""Base vocabulary of every device class (after XFS4IoT): states, completions, errors, events.

Drivers are small, blocking and cancellable. They raise the exception hierarchy below; the
:class:`devices.worker.DeviceWorker` (or :func:`run_command` outside a worker) turns every
exception into a :class:`Completion` at one boundary, so the GUI never sees a raw exception.

This package never imports Qt, ``kiosk`` or ``screens``.
"""

from __future__ import annotations

import dataclasses
import inspect
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from typing import Any, Generic, Protocol, TypeVar, runtime_checkable

log = logging.getLogger(__name__)

T = TypeVar("T")


class DeviceState(StrEnum):
    """Overall state of a device (XFS4IoT Common.DeviceEnum, plus ``unknown`` before a probe)."""

    ONLINE = "online"
    OFFLINE = "offline"
    POWER_OFF = "powerOff"
    NO_DEVICE = "noDevice"
    HARDWARE_ERROR = "hardwareError"
    USER_ERROR = "userError"
    BUSY = "busy"
    UNKNOWN = "unknown"


class CompletionCode(StrEnum):
    """How a command ended (XFS4IoT completionCode, the subset the kiosk needs)."""

    SUCCESS = "success"
    CANCELED = "canceled"
    TIMEOUT = "timeout"
    DEVICE_NOT_READY = "deviceNotReady"
    HARDWARE_ERROR = "hardwareError"
    INVALID_DATA = "invalidData"
    UNSUPPORTED = "unsupported"
    USER_ERROR = "userError"
    SEQUENCE_ERROR = "sequenceError"
    INTERNAL_ERROR = "internalError"


@dataclass(frozen=True)
class Completion(Generic[T]):
    """The one result of every device command.

    ``error`` is the class-specific reason (e.g. ``IdCardError.NO_CARD``) or ``None``;
    ``detail`` is technician text (never personal data).
    """

    request_id: int
    code: CompletionCode
    error: Enum | None = None
    data: T | None = None
    detail: str = ""
    device: str = ""
    command: str = ""

    @property
    def ok(self) -> bool:
        return self.code is CompletionCode.SUCCESS

    def to_json(self) -> dict[str, Any]:
        """The failed-command JSON shape of INTERFACES.md §4 (without data)."""
        return {
            "completion": self.code.value,
            "error": None if self.error is None else str(self.error.value),
            "detail": self.detail,
        }


# --- exceptions raised by drivers -------------------------------------------------------------


class DeviceError(Exception):
    """Base of everything a driver raises on purpose."""

    code: CompletionCode = CompletionCode.HARDWARE_ERROR

    def __init__(self, detail: str = "", error: Enum | None = None) -> None:
        super().__init__(detail or (error.value if error is not None else ""))
        self.detail = detail
        self.error = error


class DeviceInitError(DeviceError):
    """The device cannot be opened, or was lost (port gone, daemon stopped).

    Raised by ``open()``, or by a command when the connection disappeared: the worker then
    closes the device, reports ``noDevice`` and reopens it with back-off.
    """

    code = CompletionCode.DEVICE_NOT_READY


class DeviceOperationError(DeviceError):
    """A command failed for a class-specific reason (``error``)."""

    def __init__(
        self,
        error: Enum,
        detail: str = "",
        code: CompletionCode = CompletionCode.HARDWARE_ERROR,
    ) -> None:
        super().__init__(detail, error)
        self.code = code


class DeviceTimeout(DeviceError):
    """The device did not answer in time."""

    code = CompletionCode.TIMEOUT


class DeviceCanceled(DeviceError):
    """The command was cancelled (by the caller or by the worker's timeout)."""

    code = CompletionCode.CANCELED


# --- cancellation -----------------------------------------------------------------------------


class CancelToken:
    """Cooperative cancellation, checked by drivers between frames or polls."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.reason: CompletionCode = CompletionCode.CANCELED

    def cancel(self, reason: CompletionCode = CompletionCode.CANCELED) -> None:
        if not self._event.is_set():
            self.reason = reason
            self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def wait(self, timeout: float) -> bool:
        """Sleep up to ``timeout`` seconds; True as soon as the token is cancelled."""
        return self._event.wait(timeout)

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            if self.reason is CompletionCode.TIMEOUT:
                raise DeviceTimeout("timed out")
            raise DeviceCanceled("cancelled")


# --- status and events ------------------------------------------------------------------------


@dataclass(frozen=True)
class DeviceStatus:
    """Status of a device. Device classes subclass it; every field defaults to unknown."""

    device: DeviceState = DeviceState.UNKNOWN


@dataclass(frozen=True)
class DeviceEvent:
    """Base of every event. ``device`` is filled in by the worker."""

    device: str = field(default="", kw_only=True)


@dataclass(frozen=True)
class SolicitedEvent(DeviceEvent):
    """An event that belongs to a running command; the worker fills in ``request_id``."""

    request_id: int = field(default=0, kw_only=True)


@dataclass(frozen=True)
class CardInserted(SolicitedEvent):
    """A card was inserted while a command waited for one."""


@dataclass(frozen=True)
class PrintProgress(SolicitedEvent):
    done: int = 0
    total: int = 0


class Key(StrEnum):
    """A key on the PIN pad as the app may see it: in PIN mode digits are never told apart
    (only in plain mode, outside any PIN entry, does :class:`KeyPressed` carry the digit)."""

    DIGIT = "digit"
    BACKSPACE = "backspace"
    CLEAR = "clear"
    ENTER = "enter"
    CANCEL = "cancel"
    FUNCTION = "function"


@dataclass(frozen=True)
class KeyPressed(SolicitedEvent):
    """A masked key event: which kind of key, and how many digits are entered now.

    ``value``: the digit pressed ('0'..'9'), set only in plain mode (the pad's "system
    keyboard", no PIN key active: menu choices and amounts); always empty in PIN mode."""

    key: Key = Key.DIGIT
    digits: int = 0
    value: str = ""


@dataclass(frozen=True)
class CardRemoved(DeviceEvent):
    """Unsolicited: the card was taken out."""


@dataclass(frozen=True)
class ErrorEvent(DeviceEvent):
    """Unsolicited: something went wrong outside a command."""

    error: Enum | None = None
    detail: str = ""


@dataclass(frozen=True)
class StatusChanged(DeviceEvent):
    """Published by the worker when a probe gives a status different from the last one."""

    old: DeviceStatus = field(default_factory=DeviceStatus)
    new: DeviceStatus = field(default_factory=DeviceStatus)

    @property
    def changed_fields(self) -> tuple[str, ...]:
        names = [f.name for f in dataclasses.fields(self.new)]
        return tuple(n for n in names if getattr(self.old, n, None) != getattr(self.new, n))


EventSink = Callable[[DeviceEvent], None]


def discard_events(event: DeviceEvent) -> None:
    """An event sink that drops everything (for diagnostics and tests that do not care)."""


@runtime_checkable
class Device(Protocol):
    """What every driver provides. Commands are further methods of the class contract."""

    kind: str

    def open(self) -> None: ...

    def close(self) -> None: ...

    def probe(self) -> DeviceStatus: ...


# --- the one boundary where exceptions become completions -------------------------------------


def _takes(fn: Callable[..., Any], name: str) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def call_with_hooks(
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    events: EventSink,
    cancel: CancelToken,
) -> Any:
    """Call a driver command, passing ``events`` and ``cancel`` when it takes them."""
    kw = dict(kwargs)
    if _takes(fn, "events"):
        kw.setdefault("events", events)
    if _takes(fn, "cancel"):
        kw.setdefault("cancel", cancel)
    return fn(*args, **kw)


def completion_from_exception(
    request_id: int, exc: BaseException, device: str = "", command: str = ""
) -> Completion[Any]:
    """Map a driver exception to a Completion; unexpected exceptions become internalError."""
    if isinstance(exc, DeviceError):
        return Completion(
            request_id,
            exc.code,
            error=exc.error,
            detail=exc.detail or type(exc).__name__,
            device=device,
            command=command,
        )
    log.error("unexpected exception in %s.%s", device, command, exc_info=exc)
    return Completion(
        request_id,
        CompletionCode.INTERNAL_ERROR,
        detail=f"{type(exc).__name__}: {exc}",
        device=device,
        command=command,
    )


def run_command(
    device: Any,
    command: str,
    *args: Any,
    events: EventSink = discard_events,
    cancel: CancelToken | None = None,
    request_id: int = 0,
    **kwargs: Any,
) -> Completion[Any]:
    """Run one command synchronously on the calling thread (diagnostics, tests)."""
    token = cancel or CancelToken()
    name = getattr(device, "kind", type(device).__name__)
    try:
        data = call_with_hooks(getattr(device, command), args, kwargs, events, token)
    except Exception as exc:  # the boundary: every exception becomes a Completion
        return completion_from_exception(request_id, exc, name, command)
    return Completion(
        request_id, CompletionCode.SUCCESS, data=data, device=name, command=command
    )
