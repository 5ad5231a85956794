"""The ID card reader contract: the identity value, the class errors, the status and the reader.

A reader reads the second-generation resident ID card (and the three other cards that share
its chip: the HK/Macao/Taiwan residence permit and the 2017 and 2023 foreign permanent-resident
cards) and hands back an :class:`Identity`. Every backend (``fake``, ``samv``, a plug-in) offers
the methods of :class:`IdCardReader` and raises :class:`devices.base.DeviceOperationError` with
an :class:`IdCardError` when a command fails for a class reason.

Card removal and what the SAM_V protocol can tell
-------------------------------------------------
A SAM_V reader answers *find card* (20 01) with "found" (9F) only for a card that is in the RF
field **and has not been read yet**: after a successful read the next find fails (80) until the
card has left the field and come back (GA 467 protection rule). So the protocol can tell
"an unread card is on the pad" but it cannot tell "the card that was just read is still lying
there" from "the pad is empty". :meth:`IdCardReader.wait_for_removal` therefore returns as soon
as no *unread* card is on the pad: right away after a successful read, and, after a failed read
(where the card stays readable), once the card is taken away. Either way the card that was
shown can no longer be read by accident; the flow's "please take your card" prompt is a
reminder, not something the reader can confirm.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from devices.base import (
    CancelToken,
    CompletionCode,
    DeviceOperationError,
    DeviceState,
    DeviceStatus,
    DeviceTimeout,
    EventSink,
    discard_events,
)
from devices.masking import mask_id_number, mask_name, mask_tail

KIND = "idcard"


class CardType(StrEnum):
    """Which card the chip says it is (type flag at text offset 248)."""

    RESIDENT = "resident"
    HK_MO_TW_PERMIT = "hk_mo_tw_permit"
    FOREIGN_PERMANENT_2017 = "foreign_permanent_2017"
    FOREIGN_PERMANENT_2023 = "foreign_permanent_2023"


class IdCardError(StrEnum):
    """Why an ID card command failed (the ``error`` of a Completion)."""

    NO_CARD = "no_card"  # SW3 80 on find, and not waiting
    SELECT_FAILED = "select_failed"  # SW3 81
    READ_FAILED = "read_failed"  # SW3 41
    NO_CONTENT = "no_content"  # SW3 91 (e.g. no appended address)
    CARD_REMOVED = "card_removed"  # the card left the field during find/select/read
    UNKNOWN_CARD_TYPE = "unknown_card_type"  # SW3 40, or a type flag we do not know
    CARD_AUTH_FAILED = "card_auth_failed"  # SW3 31: the card rejected the SAM
    SAM_AUTH_FAILED = "sam_auth_failed"  # SW3 32: the SAM rejected the card
    VERIFY_FAILED = "verify_failed"  # SW3 33
    RANDOM_FAILED = "random_failed"  # SW3 47
    SAM_SELF_TEST_FAILED = "sam_self_test_failed"  # SW3 60
    SAM_NOT_AUTHORISED = "sam_not_authorised"  # SW3 66
    CHECKSUM_ERROR = "checksum_error"  # SW3 10, or a reply whose CHK is wrong (after a retry)
    LENGTH_ERROR = "length_error"  # SW3 11, or a reply with an impossible length
    COMMAND_ERROR = "command_error"  # SW3 21
    UNAUTHORISED_OPERATION = "unauthorised_operation"  # SW3 23
    UNRECOGNISED_ERROR = "unrecognised_error"  # SW3 24, or an SW3 not in the table
    PROTOCOL_ERROR = "protocol_error"  # bytes came, but no valid frame (line noise, baud)
    NO_RESPONSE = "no_response"  # nothing came back in time (after a retry)
    EXPIRED = "expired"  # identity check: valid_to before the business date
    NOT_YET_VALID = "not_yet_valid"  # identity check: valid_from after the business date
    INVALID_ID_NUMBER = "invalid_id_number"  # identity check: format or GB 11643 check digit
    BIRTH_DATE_MISMATCH = "birth_date_mismatch"  # identity check: number vs birth field


# The completion code each class error completes with. userError: the farmer can fix it (put
# the card on the pad, take it away and back, bring a valid card); hardwareError: the reader,
# its SAM or the line needs a technician (or a retry); timeout: nothing answered.
ERROR_COMPLETION: dict[IdCardError, CompletionCode] = {
    IdCardError.NO_CARD: CompletionCode.USER_ERROR,
    IdCardError.SELECT_FAILED: CompletionCode.USER_ERROR,
    IdCardError.READ_FAILED: CompletionCode.USER_ERROR,
    IdCardError.NO_CONTENT: CompletionCode.INVALID_DATA,
    IdCardError.CARD_REMOVED: CompletionCode.USER_ERROR,
    IdCardError.UNKNOWN_CARD_TYPE: CompletionCode.USER_ERROR,
    IdCardError.CARD_AUTH_FAILED: CompletionCode.USER_ERROR,
    IdCardError.SAM_AUTH_FAILED: CompletionCode.USER_ERROR,
    IdCardError.VERIFY_FAILED: CompletionCode.USER_ERROR,
    IdCardError.RANDOM_FAILED: CompletionCode.HARDWARE_ERROR,
    IdCardError.SAM_SELF_TEST_FAILED: CompletionCode.HARDWARE_ERROR,
    IdCardError.SAM_NOT_AUTHORISED: CompletionCode.HARDWARE_ERROR,
    IdCardError.CHECKSUM_ERROR: CompletionCode.HARDWARE_ERROR,
    IdCardError.LENGTH_ERROR: CompletionCode.HARDWARE_ERROR,
    IdCardError.COMMAND_ERROR: CompletionCode.HARDWARE_ERROR,
    IdCardError.UNAUTHORISED_OPERATION: CompletionCode.HARDWARE_ERROR,
    IdCardError.UNRECOGNISED_ERROR: CompletionCode.HARDWARE_ERROR,
    IdCardError.PROTOCOL_ERROR: CompletionCode.HARDWARE_ERROR,
    IdCardError.NO_RESPONSE: CompletionCode.TIMEOUT,
    IdCardError.EXPIRED: CompletionCode.USER_ERROR,
    IdCardError.NOT_YET_VALID: CompletionCode.USER_ERROR,
    IdCardError.INVALID_ID_NUMBER: CompletionCode.INVALID_DATA,
    IdCardError.BIRTH_DATE_MISMATCH: CompletionCode.INVALID_DATA,
}


def idcard_error(error: IdCardError, detail: str = "") -> DeviceOperationError | DeviceTimeout:
    """The exception a backend raises for ``error``, with the completion code of the table."""
    if error is IdCardError.NO_RESPONSE:
        return DeviceTimeout(detail or "the reader did not answer", error)
    return DeviceOperationError(error, detail or error.value, ERROR_COMPLETION[error])


class SamState(StrEnum):
    """What the last SAM status check (11 FF) said."""

    OK = "ok"
    FAILED = "failed"  # SW3 60: self test failed
    NOT_AUTHORISED = "notAuthorised"  # SW3 66
    UNKNOWN = "unknown"


class CardPresence(StrEnum):
    """Whether an *unread* card is on the pad (see the module docstring for why "unread")."""

    PRESENT = "present"
    ABSENT = "absent"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class IdCardStatus(DeviceStatus):
    """Status of the ID card reader; every field starts as unknown."""

    device: DeviceState = DeviceState.UNKNOWN
    sam: SamState = SamState.UNKNOWN
    card: CardPresence = CardPresence.UNKNOWN


# --- masking: devices/masking.py (the kiosk's kiosk.masking re-exports it) ------------------


MASKED_DATE = "****-**-**"


def _iso(d: dt.date | None) -> str | None:
    return None if d is None else d.isoformat()


def _date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


@dataclass(frozen=True)
class Identity:
    """The identity read from a card (field names of INTERFACES.md §4).

    ``valid_to`` is ``None`` for a long-term card (有效期 长期). ``nation`` is ``None`` on cards
    without a nation code. ``new_address`` is the latest appended address (最新追加住址, read
    with 30 03 when the reader is configured to) or ``None``. The type-specific fields are
    ``None`` where the card has no such field. ``photo`` (the encrypted 1024-byte WLT image)
    and ``fingerprint`` are kept raw and never appear in ``repr``/``str``; name, ID number and
    address appear there masked only.
    """

    name: str
    gender: str
    nation: str | None
    birth_date: dt.date | None
    address: str
    id_number: str
    issuing_authority: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    card_type: CardType = CardType.RESIDENT
    english_name: str | None = None
    nationality: str | None = None
    permit_number: str | None = None
    issue_count: str | None = None
    card_version: str | None = None
    new_address: str | None = None
    photo: bytes = field(default=b"", repr=False, compare=False)
    fingerprint: bytes = field(default=b"", repr=False, compare=False)

    @property
    def long_term(self) -> bool:
        """True for a card valid without end (长期)."""
        return self.valid_to is None

    def __repr__(self) -> str:
        return (
            f"Identity(card_type={self.card_type.value}, name={mask_name(self.name)!r}, "
            f"id_number={mask_id_number(self.id_number)!r}, valid_to={_iso(self.valid_to)}, "
            f"photo_length={len(self.photo)}, fingerprint_length={len(self.fingerprint)})"
        )

    __str__ = __repr__

    def to_json(self, reveal: bool = False) -> dict[str, Any]:
        """The identity as JSON (INTERFACES.md §4); name, ID number, birth date (which the
        masked ID number hides too: ``****-**-**``), address and the other personal numbers
        are masked unless ``reveal``."""
        name, id_number, address = self.name, self.id_number, self.address
        new_address = self.new_address
        english = self.english_name
        permit = self.permit_number
        if not reveal:
            name = mask_name(name)
            id_number = mask_id_number(id_number)
            address = mask_tail(address)
            new_address = None if new_address is None else mask_tail(new_address)
            english = None if english is None else mask_name(english)
            permit = None if permit is None else mask_id_number(permit, 2, 2)
        out: dict[str, Any] = {
            "name": name,
            "gender": self.gender,
            "nation": self.nation,
            "birth_date": _iso(self.birth_date) if reveal or self.birth_date is None
            else MASKED_DATE,
            "address": address,
            "id_number": id_number,
            "issuing_authority": self.issuing_authority,
            "valid_from": _iso(self.valid_from),
            "valid_to": _iso(self.valid_to),
            "card_type": self.card_type.value,
            "photo_length": len(self.photo),
            "fingerprint_length": len(self.fingerprint),
        }
        extras = {
            "english_name": english,
            "nationality": self.nationality,
            "permit_number": permit,
            "issue_count": self.issue_count,
            "card_version": self.card_version,
            "new_address": new_address,
        }
        out.update({k: v for k, v in extras.items() if v is not None})
        return out

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Identity:
        """Build an identity from the JSON shape (or a scenario ``people`` entry).

        Unknown keys (``id``, ``photo_length`` ...) are ignored; dates are ISO strings or
        ``date`` objects; ``photo``/``fingerprint`` may be bytes or hex strings.
        """

        def opt(key: str) -> str | None:
            v = obj.get(key)
            return None if v is None else str(v)

        def blob(key: str) -> bytes:
            v = obj.get(key)
            if v is None:
                return b""
            if isinstance(v, bytes | bytearray):
                return bytes(v)
            return bytes.fromhex(str(v))

        return cls(
            name=str(obj.get("name") or ""),
            gender=str(obj.get("gender") or ""),
            nation=opt("nation"),
            birth_date=_date(obj.get("birth_date")),
            address=str(obj.get("address") or ""),
            id_number=str(obj.get("id_number") or ""),
            issuing_authority=str(obj.get("issuing_authority") or ""),
            valid_from=_date(obj.get("valid_from")),
            valid_to=_date(obj.get("valid_to")),
            card_type=CardType(obj.get("card_type") or CardType.RESIDENT.value),
            english_name=opt("english_name"),
            nationality=opt("nationality"),
            permit_number=opt("permit_number"),
            issue_count=opt("issue_count"),
            card_version=opt("card_version"),
            new_address=opt("new_address"),
            photo=blob("photo"),
            fingerprint=blob("fingerprint"),
        )


@runtime_checkable
class IdCardReader(Protocol):
    """What every ID card reader backend offers (run on its DeviceWorker thread).

    - ``read_identity(wait=True)`` polls *find card* at the reader's cadence (1 s for SAM_V)
      until an unread card is on the pad, emits :class:`devices.base.CardInserted`, then reads
      it (find -> select -> read). It stops within 100 ms of ``cancel``. With ``wait=False`` and
      no card it raises ``DeviceOperationError(IdCardError.NO_CARD)``. ``fingerprints=True``
      reads the fingerprint templates too (30 10).
    - ``wait_for_removal()`` returns when no unread card is on the pad (see the module
      docstring), emitting :class:`devices.base.CardRemoved`.
    - ``sam_id()`` is the SAM's management number ("05.01-20120829-0046218765-1001063658").
    - ``probe()`` runs the SAM status check and reports :class:`IdCardStatus`.
    """

    kind: str
    status_type: type[IdCardStatus]

    def open(self) -> None: ...

    def close(self) -> None: ...

    def probe(self) -> IdCardStatus: ...

    def read_identity(
        self,
        *,
        wait: bool = True,
        fingerprints: bool = False,
        events: EventSink = discard_events,
        cancel: CancelToken | None = None,
    ) -> Identity: ...

    def wait_for_removal(
        self, *, events: EventSink = discard_events, cancel: CancelToken | None = None
    ) -> None: ...

    def sam_id(self) -> str: ...
