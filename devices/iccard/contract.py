"""The bank card (PBOC 3.0 / UnionPay IC chip) reader contract.

A reader selects a UnionPay application on the chip and hands back a :class:`CardAccount`
(the card-account fields of INTERFACES.md §4). Every backend (``fake``, ``pcsc``, a plug-in)
offers the methods of :class:`IcCardReader` and raises :class:`devices.base.DeviceOperationError`
with an :class:`IccardError` when a command fails for a class reason, ``DeviceTimeout`` with
``CARD_MUTE`` when the chip does not answer, and ``DeviceInitError`` (``NO_READER`` or
``SERVICE_UNAVAILABLE``) when the reader or the PC/SC service is gone: the worker then reports
``noDevice`` and reopens with back-off.

Choosing the application: a card may carry several UnionPay applications (debit and credit,
say). The candidates are ordered by their application priority indicator. When more than one
remains, ``read_account(aid=None)`` either asks (raises ``APPLICATION_CHOICE_REQUIRED``; the flow
then calls :meth:`IcCardReader.list_applications`, lets the farmer choose, and reads again with
``aid=``), or takes the first by priority, as the backend's ``selection`` setting says.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from devices.base import (
    CancelToken,
    CompletionCode,
    DeviceInitError,
    DeviceOperationError,
    DeviceState,
    DeviceStatus,
    DeviceTimeout,
    EventSink,
    discard_events,
)
from devices.masking import mask_id_number, mask_name, mask_pan

KIND = "iccard"

#: UnionPay debit, credit and quasi-credit (pboc_ic_card.md §1.4). E-cash (…0106) is not an
#: account, so the kiosk does not select it by default.
DEFAULT_AIDS: tuple[str, ...] = ("A000000333010101", "A000000333010102", "A000000333010103")


class IccardError(StrEnum):
    """Why a bank card command failed (the ``error`` of a Completion)."""

    NO_READER = "no_reader"  # the configured reader is not there
    SERVICE_UNAVAILABLE = "service_unavailable"  # pcscd not running, or restarted
    NO_CARD = "no_card"  # not waiting, and no card in the reader
    CARD_MUTE = "card_mute"  # the chip does not answer
    CARD_REMOVED = "card_removed"  # the card left the reader during the read
    NOT_PBOC = "not_pboc"  # no UnionPay application on the chip
    CARD_BLOCKED = "card_blocked"  # 6A81 on SELECT: the card is blocked
    APPLICATION_BLOCKED = "application_blocked"  # 6283 on SELECT AID
    NOT_ACCEPTED = "not_accepted"  # 6985 on GPO for every candidate
    EXPIRED = "expired"  # application expiry date before today
    INVALID_DATA = "invalid_data"  # malformed TLV/AFL, no PAN, PAN check digit wrong
    UNKNOWN_STATUS = "unknown_status"  # a status word the flow has no rule for
    APPLICATION_CHOICE_REQUIRED = "application_choice_required"  # several; ask the farmer
    READER_ERROR = "reader_error"  # any other PC/SC failure (sharing violation, ...)


ERROR_COMPLETION: dict[IccardError, CompletionCode] = {
    IccardError.NO_READER: CompletionCode.DEVICE_NOT_READY,
    IccardError.SERVICE_UNAVAILABLE: CompletionCode.DEVICE_NOT_READY,
    IccardError.NO_CARD: CompletionCode.USER_ERROR,
    IccardError.CARD_MUTE: CompletionCode.TIMEOUT,
    IccardError.CARD_REMOVED: CompletionCode.USER_ERROR,
    IccardError.NOT_PBOC: CompletionCode.USER_ERROR,
    IccardError.CARD_BLOCKED: CompletionCode.USER_ERROR,
    IccardError.APPLICATION_BLOCKED: CompletionCode.USER_ERROR,
    IccardError.NOT_ACCEPTED: CompletionCode.USER_ERROR,
    IccardError.EXPIRED: CompletionCode.USER_ERROR,
    IccardError.INVALID_DATA: CompletionCode.INVALID_DATA,
    IccardError.UNKNOWN_STATUS: CompletionCode.HARDWARE_ERROR,
    IccardError.APPLICATION_CHOICE_REQUIRED: CompletionCode.USER_ERROR,
    IccardError.READER_ERROR: CompletionCode.HARDWARE_ERROR,
}


def iccard_error(
    error: IccardError, detail: str = ""
) -> DeviceOperationError | DeviceTimeout | DeviceInitError:
    """The exception a backend raises for ``error`` (its completion code from the table)."""
    detail = detail or error.value
    if error is IccardError.CARD_MUTE:
        return DeviceTimeout(detail, error)
    if error in (IccardError.NO_READER, IccardError.SERVICE_UNAVAILABLE):
        return DeviceInitError(detail, error)
    return DeviceOperationError(error, detail, ERROR_COMPLETION[error])


class MediaState(StrEnum):
    """Whether a card sits in the reader."""

    PRESENT = "present"
    NOT_PRESENT = "notPresent"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class IccardStatus(DeviceStatus):
    """Status of the bank card reader; every field starts as unknown."""

    device: DeviceState = DeviceState.UNKNOWN
    media: MediaState = MediaState.UNKNOWN
    reader: str = ""


#: 9F62 cardholder ID type (pboc_ic_card.md §1.7).
ID_TYPES: dict[int, str] = {
    0x00: "resident_id",
    0x01: "military_officer",
    0x02: "passport",
    0x03: "entry_permit",
    0x04: "temporary_id",
    0x05: "other",
}


@dataclass(frozen=True)
class CardApplication:
    """One candidate application on the chip (from PPSE/PSE or the FCI)."""

    aid: str
    label: str = ""
    priority: int = 0  # 1 = highest, 0 = none given (sorted last)
    preferred_name: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"aid": self.aid, "label": self.label, "priority": self.priority,
                "preferred_name": self.preferred_name}




@dataclass(frozen=True)
class CardAccount:
    """The account read from a bank card (INTERFACES.md §4 "card account").

    ``expiry`` is ``YYYY-MM``; ``expiry_date`` the last day the card is valid. ``repr``/``str``
    show the PAN, the name and the ID number masked only.
    """

    aid: str
    label: str
    pan: str
    pan_sequence: str | None
    expiry: str
    cardholder_name: str | None = None
    id_number: str | None = None
    id_type: str | None = None
    track2_present: bool = False
    expiry_date: dt.date | None = None

    def __repr__(self) -> str:
        return (
            f"CardAccount(aid={self.aid}, label={self.label!r}, pan={mask_pan(self.pan)}, "
            f"expiry={self.expiry}, cardholder_name="
            f"{None if self.cardholder_name is None else mask_name(self.cardholder_name)!r}, "
            f"id_number={None if self.id_number is None else mask_id_number(self.id_number)!r})"
        )

    __str__ = __repr__

    def to_json(self, reveal: bool = False) -> dict[str, Any]:
        """The card account as JSON; PAN, name and ID number masked unless ``reveal``."""
        pan, name, id_number = self.pan, self.cardholder_name, self.id_number
        if not reveal:
            pan = mask_pan(pan)
            name = None if name is None else mask_name(name)
            id_number = None if id_number is None else mask_id_number(id_number)
        return {
            "aid": self.aid,
            "label": self.label,
            "pan": pan,
            "pan_sequence": self.pan_sequence,
            "expiry": self.expiry,
            "cardholder_name": name,
            "id_number": id_number,
            "id_type": self.id_type,
            "track2_present": self.track2_present,
        }


@runtime_checkable
class IcCardReader(Protocol):
    """What every bank card reader backend offers (run on its DeviceWorker thread).

    - ``read_account(wait=True)`` waits for a card (emitting :class:`devices.base.CardInserted`),
      selects the application (``aid`` or the rule in the module docstring), runs GPO with
      ``amount`` in the PDOL, reads the AFL records and returns the :class:`CardAccount`. With
      ``wait=False`` and no card it raises ``NO_CARD``. It stops within 100 ms of ``cancel``
      while waiting, and between APDUs while reading.
    - ``list_applications(wait=True)`` returns the candidates ordered by priority.
    - ``wait_for_removal()`` returns once the reader is empty (emitting ``CardRemoved``).
    - ``card_present()`` says whether a card is in the reader now.
    - ``poll(events)`` (called by the worker while idle) emits ``CardRemoved`` when the card
      is taken out outside a command.
    """

    kind: str
    status_type: type[IccardStatus]

    def open(self) -> None: ...

    def close(self) -> None: ...

    def probe(self) -> IccardStatus: ...

    def read_account(
        self,
        *,
        wait: bool = True,
        aid: str | None = None,
        amount: Decimal = Decimal("0"),
        events: EventSink = discard_events,
        cancel: CancelToken | None = None,
    ) -> CardAccount: ...

    def list_applications(
        self,
        *,
        wait: bool = True,
        events: EventSink = discard_events,
        cancel: CancelToken | None = None,
    ) -> tuple[CardApplication, ...]: ...

    def wait_for_removal(
        self, *, events: EventSink = discard_events, cancel: CancelToken | None = None
    ) -> None: ...

    def card_present(self) -> bool: ...
