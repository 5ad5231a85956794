"""PBOC 3.0 / EMV contact read flow, independent of the transport (pboc_ic_card.md Part 1).

``PbocCardSession(transmit)`` runs PPSE -> PSE -> AID list selection, SELECT AID, GPO with the
PDOL filled from :class:`TerminalData`, the AFL and READ RECORD, and builds the
:class:`~devices.iccard.contract.CardAccount`. ``transmit(apdu) -> (data, sw)`` is one raw
exchange; :func:`exchange` adds the T=0 procedure the application must do itself through
PC/SC (``61xx`` GET RESPONSE, ``6Cxx`` resend with Le), which pyscard does not.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from devices.iccard import tlv
from devices.iccard.contract import (
    DEFAULT_AIDS,
    ID_TYPES,
    CardAccount,
    CardApplication,
    IccardError,
    iccard_error,
)
from devices.text import clean_device_text

PPSE = b"2PAY.SYS.DDF01"
PSE = b"1PAY.SYS.DDF01"
SW_OK = 0x9000

Transmit = Callable[[bytes], tuple[bytes, int]]


# --- APDUs ------------------------------------------------------------------------------------


def select_apdu(name: bytes, next_occurrence: bool = False) -> bytes:
    """SELECT by DF name, case 4 (Le 00)."""
    return bytes([0x00, 0xA4, 0x04, 0x02 if next_occurrence else 0x00, len(name)]) + name + b"\0"


def read_record_apdu(sfi: int, record: int) -> bytes:
    """READ RECORD ``record`` of ``sfi`` (P2 = SFI<<3 | 4), Le 00."""
    return bytes([0x00, 0xB2, record, (sfi << 3) | 0x04, 0x00])


def gpo_apdu(pdol_data: bytes) -> bytes:
    """GET PROCESSING OPTIONS with the command template 83."""
    template = tlv.encode("83", pdol_data)
    return bytes([0x80, 0xA8, 0x00, 0x00, len(template)]) + template + b"\0"


def get_response_apdu(le: int) -> bytes:
    return bytes([0x00, 0xC0, 0x00, 0x00, le])


def exchange(transmit: Transmit, apdu: bytes, *, max_chain: int = 32) -> tuple[bytes, int]:
    """One command with the T=0 procedure: ``6Cxx`` -> resend with Le=xx; ``61xx`` -> GET
    RESPONSE, appended (never dropping bytes), looping while ``61`` keeps coming."""
    data, sw = transmit(apdu)
    if sw >> 8 == 0x6C and len(apdu) > 4:
        data, sw = transmit(apdu[:-1] + bytes([sw & 0xFF]))
    out = bytearray(data)
    for _ in range(max_chain):
        if sw >> 8 != 0x61:
            break
        data, sw = transmit(get_response_apdu(sw & 0xFF))
        out += data
    else:
        raise iccard_error(IccardError.INVALID_DATA, "GET RESPONSE chain too long")
    return bytes(out), sw


# --- data objects lists (PDOL) ----------------------------------------------------------------

#: Tags of numeric (n) format: right-justified, left-padded with 00, rightmost bytes kept.
NUMERIC_TAGS = frozenset({"9F02", "9F03", "9F1A", "5F2A", "9A", "9C", "9F21", "5F36", "9F41"})


@functools.lru_cache(maxsize=64)
def parse_dol(data: bytes) -> tuple[tuple[str, int], ...]:
    """A DOL is tag + one-byte length pairs (no values). Cached: cards repeat their PDOL."""
    out: list[tuple[str, int]] = []
    i = 0
    while i < len(data):
        start = i
        first = data[i]
        i += 1
        if first & 0x1F == 0x1F:
            while i < len(data) and data[i] & 0x80:
                i += 1
            i += 1
        if i >= len(data):
            raise iccard_error(IccardError.INVALID_DATA, "truncated DOL")
        out.append((data[start:i].hex().upper(), data[i]))
        i += 1
    return tuple(out)


@dataclass(frozen=True)
class TerminalData:
    """What the kiosk puts into a PDOL (pboc_ic_card.md §1.5). Hex strings; settings."""

    ttq: str = "46000000"  # 9F66 (contactless only; harmless on contact)
    country: str = "0156"  # 9F1A China
    currency: str = "0156"  # 5F2A CNY
    tvr: str = "0000000000"  # 95
    transaction_type: str | None = None  # 9C; None: 31 (inquiry) for amount 0, else 00
    capp_indicator: str = "00"  # DF60: no extended (CAPP) application
    sm_supported: bool = False  # DF69: 01 when the terminal does SM2/3/4
    ecash_support: str = "00"  # 9F7A
    merchant_name: str = ""  # 9F4E, ASCII

    def values(
        self, amount_fen: int, now: dt.datetime, unpredictable: bytes
    ) -> dict[str, bytes]:
        txn = self.transaction_type or ("31" if amount_fen == 0 else "00")
        return {
            "9F66": bytes.fromhex(self.ttq),
            "9F02": bytes.fromhex(f"{amount_fen:012d}"),
            "9F03": bytes(6),
            "9F1A": bytes.fromhex(self.country),
            "5F2A": bytes.fromhex(self.currency),
            "95": bytes.fromhex(self.tvr),
            "9A": bytes.fromhex(f"{now.year % 100:02d}{now.month:02d}{now.day:02d}"),
            "9F21": bytes.fromhex(f"{now.hour:02d}{now.minute:02d}{now.second:02d}"),
            "9C": bytes.fromhex(txn),
            "9F37": unpredictable,
            "DF60": bytes.fromhex(self.capp_indicator),
            "DF69": b"\x01" if self.sm_supported else b"\x00",
            "9F7A": bytes.fromhex(self.ecash_support),
            "9F4E": self.merchant_name.encode("ascii", "replace")[:20],
        }


def build_dol_data(dol: Sequence[tuple[str, int]], values: dict[str, bytes]) -> bytes:
    """Concatenate the values the DOL asks for, with EMV Book 3 §5.4 sizing rules; an unknown
    tag is sent as zeros."""
    out = bytearray()
    for tag, length in dol:
        value = values.get(tag)
        if value is None:
            out += bytes(length)
        elif len(value) == length:
            out += value
        elif tag in NUMERIC_TAGS:
            out += value[-length:] if len(value) > length else bytes(length - len(value)) + value
        else:
            out += value[:length] if len(value) > length else value + bytes(length - len(value))
    return bytes(out)


def amount_to_fen(amount: Decimal) -> int:
    fen = (Decimal(amount) * 100).to_integral_value()
    if fen < 0 or fen >= 10**12:
        raise ValueError(f"amount out of range: {amount}")
    return int(fen)


# --- AFL, GPO, directory ----------------------------------------------------------------------


@dataclass(frozen=True)
class AflEntry:
    """One AFL entry: records ``first``..``last`` of ``sfi``; ``oda`` of them for ODA."""

    sfi: int
    first: int
    last: int
    oda: int

    def records(self) -> range:
        return range(self.first, self.last + 1)


def parse_afl(data: bytes) -> tuple[AflEntry, ...]:
    """Parse an Application File Locator (4 bytes per entry); INVALID_DATA when malformed."""
    if len(data) % 4:
        raise iccard_error(IccardError.INVALID_DATA, f"AFL length {len(data)} not a multiple of 4")
    out = []
    for i in range(0, len(data), 4):
        b0, first, last, oda = data[i : i + 4]
        sfi = b0 >> 3
        if b0 & 0x07 or not 1 <= sfi <= 30 or first == 0 or last < first or oda > last - first + 1:
            raise iccard_error(IccardError.INVALID_DATA, f"bad AFL entry {data[i:i+4].hex()}")
        out.append(AflEntry(sfi, first, last, oda))
    return tuple(out)


@dataclass(frozen=True)
class GpoResult:
    aip: bytes
    afl: tuple[AflEntry, ...]
    data: tuple[tlv.Tlv, ...] = ()  # format 2: the other objects in template 77


def parse_gpo(data: bytes) -> GpoResult:
    """Format 1 (``80``: AIP + AFL) or format 2 (``77`` with ``82`` and, usually, ``94``)."""
    try:
        objs = tlv.parse(data)
    except tlv.TlvError as exc:
        raise iccard_error(IccardError.INVALID_DATA, f"GPO answer: {exc}") from exc
    if not objs:
        raise iccard_error(IccardError.INVALID_DATA, "empty GPO answer")
    top = objs[0]
    if top.tag == "80":
        if len(top.value) < 2:
            raise iccard_error(IccardError.INVALID_DATA, "GPO format 1 without AIP")
        return GpoResult(top.value[:2], parse_afl(top.value[2:]))
    if top.tag == "77":
        aip = top.find("82")
        afl = top.find("94")
        if aip is None:
            raise iccard_error(IccardError.INVALID_DATA, "GPO format 2 without AIP (82)")
        # qPBOC online answers carry track 2 etc. in the 77 itself and no AFL (trace C)
        return GpoResult(aip.value, parse_afl(afl.value) if afl else (), top.children)
    raise iccard_error(IccardError.INVALID_DATA, f"GPO answer template {top.tag}")


def _text(value: bytes) -> str:
    """ans fields: ASCII when plain, else GB18030 (Chinese issuers), padding stripped."""
    raw = value.rstrip(b"\x00 ").lstrip(b"\x00")
    if all(b < 0x80 for b in raw):
        return clean_device_text(raw.decode("ascii").strip())
    return clean_device_text(raw.decode("gb18030", "replace").strip())


def applications_from(objs: Iterable[tlv.Tlv]) -> list[CardApplication]:
    """Every ``61`` directory entry found in ``objs`` (repeated entries kept)."""
    found = []
    for top in objs:
        for entry in top.walk():
            if entry.tag != "61":
                continue
            fields: dict[str, bytes] = {}
            for child in entry.children:
                fields.setdefault(child.tag, child.value)
            aid = fields.get("4F")
            if aid is None:
                continue
            prio = fields.get("87")
            found.append(
                CardApplication(
                    aid=aid.hex().upper(),
                    label=_text(fields["50"]) if "50" in fields else "",
                    priority=(prio[0] & 0x0F) if prio else 0,
                    preferred_name=_text(fields["9F12"]) if "9F12" in fields else "",
                )
            )
    return found


def order_candidates(
    apps: Iterable[CardApplication], supported: Sequence[str]
) -> list[CardApplication]:
    """Keep the applications whose AID starts with a supported AID (partial selection), drop
    repeats, and order by priority (1 first; 0 = none given, last), then as found."""
    wanted = [a.upper() for a in supported]
    seen: set[str] = set()
    keep = []
    for app in apps:
        if app.aid in seen or not any(app.aid.startswith(w) for w in wanted):
            continue
        seen.add(app.aid)
        keep.append(app)
    return sorted(keep, key=lambda a: a.priority or 16)


# --- account fields ---------------------------------------------------------------------------


def luhn_ok(pan: str) -> bool:
    """ISO/IEC 7812 check digit."""
    if not pan.isdigit() or not 12 <= len(pan) <= 19:
        return False
    total = 0
    for i, ch in enumerate(reversed(pan)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


@dataclass(frozen=True)
class Track2:
    pan: str
    expiry_yymm: str
    service_code: str


def parse_track2(value: bytes) -> Track2:
    """Tag 57: PAN ``D`` YYMM service code discretionary data, padded with ``F``."""
    digits = value.hex().upper().rstrip("F")
    pan, sep, rest = digits.partition("D")
    if not sep or len(rest) < 7 or not pan.isdigit() or not rest[:7].isdigit():
        raise iccard_error(IccardError.INVALID_DATA, "malformed track 2 equivalent data")
    return Track2(pan, rest[:4], rest[4:7])


def _yymm_last_day(yymm: str) -> dt.date:
    year, month = 2000 + int(yymm[:2]), int(yymm[2:4])
    if not 1 <= month <= 12:
        raise iccard_error(IccardError.INVALID_DATA, "expiry month out of range")
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _yymmdd(value: bytes) -> dt.date:
    s = value.hex()
    try:
        return dt.date(2000 + int(s[:2]), int(s[2:4]), int(s[4:6]))
    except ValueError as exc:
        raise iccard_error(IccardError.INVALID_DATA, "bad application expiry date") from exc


def build_account(
    app: CardApplication, tags: dict[str, bytes], today: dt.date
) -> CardAccount:
    """The account from the record tags (first occurrence of each tag): PAN from 5A or 57,
    Luhn, expiry from 5F24 or 57 (and EXPIRED when past), name/ID when present."""
    track2 = parse_track2(tags["57"]) if "57" in tags else None
    if "5A" in tags:
        pan = tags["5A"].hex().upper().rstrip("F")
    elif track2 is not None:
        pan = track2.pan
    else:
        raise iccard_error(IccardError.INVALID_DATA, "no PAN (neither 5A nor 57)")
    if not luhn_ok(pan):
        raise iccard_error(IccardError.INVALID_DATA, "PAN check digit wrong")
    if "5F24" in tags:
        expiry_date = _yymmdd(tags["5F24"])
    elif track2 is not None:
        expiry_date = _yymm_last_day(track2.expiry_yymm)
    else:
        raise iccard_error(IccardError.INVALID_DATA, "no expiry date (neither 5F24 nor 57)")
    expiry = f"{expiry_date.year:04d}-{expiry_date.month:02d}"
    if expiry_date < today:
        raise iccard_error(IccardError.EXPIRED, f"card expired {expiry}")
    name_raw = tags.get("5F20") or tags.get("9F0B")
    name = _text(name_raw) if name_raw else ""
    id_number = _text(tags["9F61"]) if "9F61" in tags else ""
    id_type = None
    if "9F62" in tags and tags["9F62"] and id_number:
        id_type = ID_TYPES.get(tags["9F62"][0], "other")
    seq = tags.get("5F34")
    return CardAccount(
        aid=app.aid,
        label=app.label or app.preferred_name,
        pan=pan,
        pan_sequence=seq.hex() if seq else None,
        expiry=expiry,
        cardholder_name=name or None,
        id_number=id_number or None,
        id_type=id_type,
        track2_present=track2 is not None,
        expiry_date=expiry_date,
    )


# --- the flow ---------------------------------------------------------------------------------


@dataclass
class SelectionSettings:
    """Terminal settings of the read flow."""

    aids: tuple[str, ...] = DEFAULT_AIDS
    directories: tuple[str, ...] = ("ppse", "pse")  # tried in this order
    selection: str = "ask"  # "ask": several candidates -> APPLICATION_CHOICE_REQUIRED;
    # "priority": take the first by priority
    terminal: TerminalData = field(default_factory=TerminalData)
    max_directory_records: int = 16


def _sw(sw: int) -> str:
    return f"{sw:04X}"


class PbocCardSession:
    """The application-level read of one connected card. Not thread-safe; one per card."""

    def __init__(
        self,
        transmit: Transmit,
        settings: SelectionSettings | None = None,
        *,
        clock: Callable[[], dt.datetime] = dt.datetime.now,
        random: Callable[[int], bytes] = os.urandom,
    ) -> None:
        self._transmit = transmit
        self.settings = settings or SelectionSettings()
        self._clock = clock
        self._random = random
        self._blocked: set[str] = set()

    def command(self, apdu: bytes) -> tuple[bytes, int]:
        return exchange(self._transmit, apdu)

    # selection ---------------------------------------------------------------------------

    def _directory(self, which: str) -> list[CardApplication]:
        name = PPSE if which == "ppse" else PSE
        data, sw = self.command(select_apdu(name))
        if sw == 0x6A81:
            raise iccard_error(IccardError.CARD_BLOCKED, "6A81 on SELECT " + which.upper())
        if sw != SW_OK:
            return []  # 6A82 not there, 6283 blocked: go on with the next method
        objs = self._parse(data, "directory FCI")
        apps = applications_from(objs)
        sfi_obj = tlv.index(objs).get("88")
        if which == "pse" and sfi_obj is not None and sfi_obj.value:
            sfi = sfi_obj.value[0] & 0x1F
            for rec in range(1, self.settings.max_directory_records + 1):
                rdata, rsw = self.command(read_record_apdu(sfi, rec))
                if rsw != SW_OK:
                    break  # 6A83: end of the directory
                apps += applications_from(self._parse(rdata, "directory record"))
        return apps

    def _by_aid_list(self) -> list[CardApplication]:
        found = []
        for aid in self.settings.aids:
            data, sw = self.command(select_apdu(bytes.fromhex(aid)))
            if sw == 0x6283:
                self._blocked.add(aid)
                found.append(CardApplication(aid))
            elif sw == SW_OK:
                idx = tlv.index(self._parse(data, "FCI"))
                df, label, prio = idx.get("84"), idx.get("50"), idx.get("87")
                found.append(CardApplication(
                    df.value.hex().upper() if df else aid,
                    _text(label.value) if label else "",
                    (prio.value[0] & 0x0F) if prio and prio.value else 0,
                ))
            elif sw == 0x6A81:
                raise iccard_error(IccardError.CARD_BLOCKED, "6A81 on SELECT AID")
        return found

    def list_applications(self) -> list[CardApplication]:
        """Candidates by priority: from the first directory that lists any, else by AID list."""
        apps: list[CardApplication] = []
        for which in self.settings.directories:
            apps = self._directory(which)
            if apps:
                break
        if not apps:
            apps = self._by_aid_list()
        candidates = order_candidates(apps, self.settings.aids)
        if not candidates:
            raise iccard_error(IccardError.NOT_PBOC, "no UnionPay application on the card")
        return candidates

    # reading -----------------------------------------------------------------------------

    def read_account(self, aid: str | None = None, amount: Decimal = Decimal("0")) -> CardAccount:
        """Select, GPO, read records, build the account (see the contract module docstring)."""
        candidates = self.list_applications()
        if aid:
            chosen = [c for c in candidates if c.aid.startswith(aid.upper())]
            if not chosen:
                raise iccard_error(IccardError.NOT_PBOC, f"application {aid} not on the card")
            candidates = chosen
        elif len(candidates) > 1 and self.settings.selection == "ask":
            listed = ", ".join(f"{c.aid} {c.label}".strip() for c in candidates)
            raise iccard_error(IccardError.APPLICATION_CHOICE_REQUIRED, listed)
        outcomes: list[str] = []
        for app in candidates:
            if app.aid in self._blocked:
                outcomes.append("blocked")
                continue
            result = self._read_application(app, amount)
            if isinstance(result, CardAccount):
                return result
            outcomes.append(result)
        if "refused" in outcomes:
            raise iccard_error(IccardError.NOT_ACCEPTED, "6985 on GPO")
        if "blocked" in outcomes:
            raise iccard_error(IccardError.APPLICATION_BLOCKED, "6283 on SELECT AID")
        raise iccard_error(IccardError.NOT_PBOC, "6A82 on SELECT AID")

    def _read_application(self, app: CardApplication, amount: Decimal) -> CardAccount | str:
        """The account, or why the application is skipped: "blocked" (6283), "missing" (6A82),
        "refused" (6985 on GPO)."""
        data, sw = self.command(select_apdu(bytes.fromhex(app.aid)))
        if sw == 0x6283:
            self._blocked.add(app.aid)
            return "blocked"
        if sw == 0x6A81:
            raise iccard_error(IccardError.CARD_BLOCKED, "6A81 on SELECT AID")
        if sw == 0x6A82:
            return "missing"
        if sw != SW_OK:
            raise iccard_error(IccardError.UNKNOWN_STATUS, f"{_sw(sw)} on SELECT AID")
        fci = tlv.index(self._parse(data, "FCI"))
        pdol = fci.get("9F38")
        if not app.label:
            label = fci.get("50")
            if label is not None:
                app = CardApplication(app.aid, _text(label.value), app.priority)
        pdol_data = b""
        if pdol is not None:
            values = self.settings.terminal.values(
                amount_to_fen(amount), self._clock(), self._random(4)
            )
            pdol_data = build_dol_data(parse_dol(pdol.value), values)
        data, sw = self.command(gpo_apdu(pdol_data))
        if sw == 0x6985:
            return "refused"
        if sw != SW_OK:
            raise iccard_error(IccardError.UNKNOWN_STATUS, f"{_sw(sw)} on GPO")
        gpo = parse_gpo(data)
        tags: dict[str, bytes] = {}
        for obj in gpo.data:
            tags.setdefault(obj.tag, obj.value)
        for entry in gpo.afl:
            for rec in entry.records():
                rdata, rsw = self.command(read_record_apdu(entry.sfi, rec))
                if rsw != SW_OK:
                    raise iccard_error(
                        IccardError.UNKNOWN_STATUS,
                        f"{_sw(rsw)} on READ RECORD {rec} of SFI {entry.sfi}",
                    )
                for top in self._parse(rdata, "record"):
                    if top.tag != "70":
                        raise iccard_error(IccardError.INVALID_DATA, f"record template {top.tag}")
                    for child in top.children:
                        for obj in child.walk() if child.children else (child,):
                            if not obj.children:
                                tags.setdefault(obj.tag, obj.value)
        return build_account(app, tags, self._clock().date())

    @staticmethod
    def _parse(data: bytes, what: str) -> list[tlv.Tlv]:
        try:
            return tlv.parse(data)
        except tlv.TlvError as exc:
            raise iccard_error(IccardError.INVALID_DATA, f"{what}: {exc}") from exc
