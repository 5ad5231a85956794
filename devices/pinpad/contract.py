"""What every PIN pad backend offers, and the values it hands out.

The PIN never leaves the pad: the app sees masked :class:`devices.base.KeyPressed` events (a key
kind and a digit count) and, at the end, a :class:`PinBlock` encrypted under the PIN key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable

from devices.base import CancelToken, DeviceState, DeviceStatus, EventSink
from devices.crypto import Algorithm, PinBlockFormat


class PinpadError(StrEnum):
    """Class-specific reasons of a failed PIN pad command (``Completion.error``)."""

    NO_ANSWER = "noAnswer"
    CHECKSUM = "checksum"
    PROTOCOL = "protocol"
    PARAMETER = "parameterError"
    INVALID_COMMAND = "invalidCommand"
    KEY_NOT_LOADED = "keyNotLoaded"
    KEY_CHECK_FAILED = "keyCheckFailed"
    USER_CANCELED = "userCanceled"
    ENTRY_TIMEOUT = "entryTimeout"
    SELF_TEST_FAILED = "selfTestFailed"
    DATA_TOO_LONG = "dataTooLong"


class KeypadMode(StrEnum):
    """What the keypad is doing (``PinpadStatus.keypad``)."""

    OFF = "off"
    PIN = "pin"
    PLAIN = "plain"
    UNKNOWN = "unknown"


class KeyState(StrEnum):
    """Whether a key (master or working) is usable."""

    LOADED = "loaded"
    MISSING = "missing"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class PinpadStatus(DeviceStatus):
    """Status of the PIN pad; every field may be unknown."""

    version: str = ""
    keypad: KeypadMode = KeypadMode.UNKNOWN
    master_key: KeyState = KeyState.UNKNOWN
    working_keys: KeyState = KeyState.UNKNOWN
    algorithm: str = "unknown"


@dataclass(frozen=True)
class PinBlock:
    """An encrypted PIN block as the pad gave it: ciphertext, its format, the key that made it.

    ``key_id`` names the PIN key as ``"<master slot>/<working slot>"``.
    """

    ciphertext: bytes
    format: PinBlockFormat
    key_id: str

    def hex(self) -> str:
        """The ciphertext in upper-case hex (what host messages carry)."""
        return self.ciphertext.hex().upper()


@runtime_checkable
class PinPad(Protocol):
    """The PIN pad contract, implemented by ``fake`` and ``kmy``."""

    kind: str
    status_type: type[PinpadStatus]

    def open(self) -> None: ...

    def close(self) -> None: ...

    def probe(self) -> PinpadStatus: ...

    def version(self) -> str: ...

    def load_master_key(self, components: Sequence[bytes], algorithm: Algorithm,
                        slot: int | None = None) -> bytes:
        """Key ceremony: XOR the components, load the TMK, return its check value."""
        ...

    def load_working_keys(self, pik_encrypted: bytes, pik_kcv: bytes, mak_encrypted: bytes,
                          mak_kcv: bytes, algorithm: Algorithm) -> None:
        """Load PIK and MAK delivered under the TMK; raises ``KEY_CHECK_FAILED`` on a bad KCV."""
        ...

    def get_pin(self, pan: str, min_len: int = 4, max_len: int = 6, timeout: float = 30.0,
                *, events: EventSink, cancel: CancelToken) -> PinBlock: ...

    def mac(self, data: bytes) -> bytes: ...

    def keytest(self, duration: float = 30.0, *, events: EventSink,
                cancel: CancelToken) -> list[str]:
        """Plain (non-PIN) mode: the names of the keys pressed until Enter, Cancel or time."""
        ...

    def listen(self, duration: float = 3.0, *, events: EventSink,
               cancel: CancelToken) -> list[str]:
        """Plain mode for ``duration`` or until cancelled: every key an event, digits with
        their value (the audio-guided mode's menu keys and amounts; never a PIN)."""
        ...


def online_status(**fields: object) -> PinpadStatus:
    """A status with ``device=online`` and the given fields."""
    return PinpadStatus(device=DeviceState.ONLINE, **fields)  # type: ignore[arg-type]
