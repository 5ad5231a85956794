"""A virtual PBOC 3.0 (UnionPay) contact card: an APDU engine built from a scenario entry.

An independent implementation (imports nothing from ``devices``/``kiosk``): its own TLV
encoder, its own file layout and its own T=0 behaviour, so that a bug in the kiosk's codec
cannot hide on both sides. Design after pboc_ic_card.md §2.5:

- directories: PPSE (``2PAY.SYS.DDF01``, entries in ``BF0C``) and/or PSE (``1PAY.SYS.DDF01``,
  directory records in SFI 1 under the PSE DF);
- applications with FCI (label, priority, PDOL), GPO format 1 or 2, AFL and records;
- READ RECORD reads the *selected* DF's files, and refuses with ``6985`` before GPO;
- T=0 cards answer case-4 commands with ``61xx`` (data fetched by GET RESPONSE) and READ
  RECORD with ``6Cxx`` when Le is wrong; T=1 cards answer directly.

Scenario entry (the ``cards`` section; ``chip`` is optional, defaults in :func:`chip_spec`)::

    - id: zhang_debit
      person: zhang_weiguo
      pan: "6217991000001234561"
      expiry: 2030-12
      chip:
        atr: t1                   # t1 | t0
        directories: [ppse, pse]  # which directory files the card has
        holder_data: true         # 5F20 / 9F61 / 9F62 from the person
        applications:
          - {aid: A000000333010101, label: PBOC DEBIT, priority: 1, layout: standard}
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

ATR_T1 = bytes.fromhex("3B8880014A4954505250424F43C0")  # T=1, historical "JITPRPBOC"
ATR_T0 = bytes.fromhex("3B6D000080650849048653000000000000")  # T=0 only (public trace)

PPSE = b"2PAY.SYS.DDF01"
PSE = b"1PAY.SYS.DDF01"

LABELS = {
    "A000000333010101": "PBOC DEBIT",
    "A000000333010102": "PBOC CREDIT",
    "A000000333010103": "PBOC QUASI CREDIT",
    "A000000333010106": "PBOC E-CASH",
}

# PDOL variants: the qPBOC list of the public traces, the same with the PBOC 3.0 indicators
# DF60 (CAPP) and DF69 (SM support) in front, or none.
PDOLS = {
    "qpboc": "9F66049F02069F03069F1A0295055F2A029A039C019F3704",
    "pboc3": "DF6001DF69019F66049F02069F03069F1A0295055F2A029A039C019F3704",
    "none": "",
}

FAULT_KINDS = ("mute", "remove_during_read", "no_ppse", "blocked", "not_pboc", "sw")


def tlv(tag: str, value: bytes) -> bytes:
    n = len(value)
    if n < 0x80:
        head = bytes([n])
    elif n < 0x100:
        head = bytes([0x81, n])
    else:
        head = bytes([0x82, n >> 8, n & 0xFF])
    return bytes.fromhex(tag) + head + value


def _gbk(text: str) -> bytes:
    return text.encode("gb18030")


def _cn(digits: str) -> bytes:
    """Compressed numeric: digits, padded right with F to whole bytes."""
    if len(digits) % 2:
        digits += "F"
    return bytes.fromhex(digits)


def _dol_length(dol_hex: str) -> int:
    data = bytes.fromhex(dol_hex)
    total, i = 0, 0
    while i < len(data):
        if data[i] & 0x1F == 0x1F:
            i += 1
            while data[i] & 0x80:
                i += 1
        i += 1
        total += data[i]
        i += 1
    return total


def _dol_fields(dol_hex: str, data: bytes) -> dict[str, str]:
    dol = bytes.fromhex(dol_hex)
    out: dict[str, str] = {}
    i = pos = 0
    while i < len(dol):
        start = i
        if dol[i] & 0x1F == 0x1F:
            i += 1
            while dol[i] & 0x80:
                i += 1
        i += 1
        tag = dol[start:i].hex().upper()
        n = dol[i]
        i += 1
        out[tag] = data[pos : pos + n].hex().upper()
        pos += n
    return out


def chip_spec(card: dict[str, Any]) -> dict[str, Any]:
    """The card's ``chip`` block with defaults filled in."""
    chip = dict(card.get("chip") or {})
    chip.setdefault("atr", "t1")
    chip.setdefault("directories", ["ppse", "pse"])
    chip.setdefault("holder_data", False)
    apps = chip.get("applications") or [{"aid": "A000000333010101"}]
    chip["applications"] = [dict(a) for a in apps]
    for app in chip["applications"]:
        app["aid"] = str(app["aid"]).upper()
        app.setdefault("label", LABELS.get(app["aid"], "UNIONPAY"))
        app.setdefault("priority", 1)
        app.setdefault("layout", "standard")
        app.setdefault("pdol", "qpboc")
        app.setdefault("gpo_format", 1)
        app.setdefault("pan_sequence", "01")
    return chip


@dataclass
class Application:
    """One ADF: its FCI, its AFL and its records ``{(sfi, record): bytes}``."""

    aid: bytes
    fci: bytes
    pdol: str
    gpo_format: int
    aip: bytes
    afl: bytes
    records: dict[tuple[int, int], bytes]
    extra_gpo: bytes = b""


def _expiry_date(expiry: str) -> dt.date:
    year, month = (int(x) for x in str(expiry).split("-")[:2])
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def build_application(
    card: dict[str, Any], app: dict[str, Any], person: dict[str, Any] | None, holder: bool
) -> Application:
    pan = str(app.get("pan") or card["pan"])
    expiry = _expiry_date(str(app.get("expiry") or card["expiry"]))
    track2 = _cn(f"{pan}D{expiry:%y%m}220{'0' * 10}")
    aid = bytes.fromhex(app["aid"])
    pdol = PDOLS[app["pdol"]]
    a5 = tlv("50", app["label"].encode("ascii")) + tlv("87", bytes([int(app["priority"])]))
    if pdol:
        a5 += tlv("9F38", bytes.fromhex(pdol))
    a5 += tlv("5F2D", b"zh") + tlv("9F11", b"\x01") + tlv("9F12", app["label"].encode("ascii"))
    a5 += tlv("BF0C", tlv("9F4D", b"\x0b\x0a"))
    fci = tlv("6F", tlv("84", aid) + tlv("A5", a5))
    holder_rec = b""
    if holder and person:
        id_number = str(person.get("id_number") or "").encode("ascii")
        holder_rec = tlv("70", tlv("9F61", id_number + bytes(2)) + tlv("9F62", b"\x00")
                         + tlv("5F20", _gbk(str(person.get("name") or ""))))
    records: dict[tuple[int, int], bytes] = {}
    if app["layout"] == "track2_only":
        records[(1, 1)] = tlv("70", tlv("57", track2))
        afl = bytes.fromhex("08010100")
    else:
        effective = expiry.replace(year=expiry.year - 10, day=1)
        records[(1, 1)] = tlv("70", tlv("57", track2) + tlv("9F1F", b"0" * 8))
        sfi1_last = 1
        if holder_rec:
            records[(1, 2)] = holder_rec
            sfi1_last = 2
        records[(3, 1)] = tlv(
            "70",
            tlv("5A", _cn(pan))
            + tlv("5F24", bytes.fromhex(f"{expiry:%y%m%d}"))
            + tlv("5F25", bytes.fromhex(f"{effective:%y%m%d}"))
            + tlv("5F34", bytes.fromhex(str(app["pan_sequence"])))
            + tlv("9F07", b"\xff\x00")
            + tlv("5F28", b"\x01\x56")
            + tlv("8E", bytes(8) + b"\x42\x03\x1e\x03\x1f\x03"),
        )
        afl = bytes([0x08, 1, sfi1_last, 0]) + bytes.fromhex("18010101")
    return Application(aid, fci, pdol, int(app["gpo_format"]), b"\x7c\x00", afl, records,
                       extra_gpo=tlv("9F36", b"\x00\x01") if app["gpo_format"] == 2 else b"")


def _dir_entry(app: Application, label: str, priority: int) -> bytes:
    return tlv("61", tlv("4F", app.aid) + tlv("50", label.encode("ascii"))
               + tlv("87", bytes([priority])))


@dataclass
class Response:
    """What the card does with one APDU: answer ``data`` (with SW), or a line-level action."""

    data: bytes = b""
    action: str = ""  # "", "mute" (hold, then the reader gives up), "remove" (card pulled)


@dataclass
class VirtualPbocCard:
    """One inserted card. ``process`` is called by the vpcd link for every C-APDU."""

    card_id: str
    t0: bool
    ppse: bytes | None
    pse_fci: bytes | None
    pse_records: dict[int, bytes]
    apps: list[Application]
    fault: dict[str, Any] = field(default_factory=dict)
    log: list[dict[str, Any]] = field(default_factory=list)
    selected: str = ""  # "", "ppse", "pse", or the hex AID
    gpo_done: bool = False
    pending: bytes = b""
    apdu_count: int = 0
    atc: int = 0

    @property
    def atr(self) -> bytes:
        return ATR_T0 if self.t0 else ATR_T1

    @classmethod
    def from_scenario(
        cls, card: dict[str, Any], person: dict[str, Any] | None = None
    ) -> VirtualPbocCard:
        chip = chip_spec(card)
        apps = [build_application(card, a, person, bool(chip["holder_data"]))
                for a in chip["applications"]]
        entries = b"".join(_dir_entry(app, a["label"], int(a["priority"]))
                           for app, a in zip(apps, chip["applications"], strict=True))
        ppse = None
        if "ppse" in chip["directories"]:
            ppse = tlv("6F", tlv("84", PPSE) + tlv("A5", tlv("BF0C", entries)))
        pse_fci = None
        pse_records: dict[int, bytes] = {}
        if "pse" in chip["directories"]:
            pse_fci = tlv("6F", tlv("84", PSE) + tlv("A5", tlv("88", b"\x01")
                                                        + tlv("5F2D", b"zh")
                                                        + tlv("9F11", b"\x01")))
            # one directory record per application, as the China Merchants Bank trace shows
            for n, (app, a) in enumerate(zip(apps, chip["applications"], strict=True), 1):
                pse_records[n] = tlv("70", _dir_entry(app, a["label"], int(a["priority"])))
        return cls(str(card["id"]), chip["atr"] == "t0", ppse, pse_fci, pse_records, apps)

    # power --------------------------------------------------------------------------------

    def power(self, on: bool) -> None:
        """Power on, off or reset: the volatile state goes."""
        self.selected = ""
        self.gpo_done = False
        self.pending = b""

    # APDUs --------------------------------------------------------------------------------

    def process(self, apdu: bytes) -> Response:
        self.apdu_count += 1
        kind = self.fault.get("kind")
        if kind == "mute":
            return Response(action="mute")
        if kind == "remove_during_read" and self.apdu_count >= int(self.fault.get("after", 3)):
            return Response(action="remove")
        try:
            data = self._dispatch(apdu)
        except (IndexError, ValueError):
            data = b"\x67\x00"
        self.log.append({"card": self.card_id, "c": apdu.hex().upper(), "r": data.hex().upper()})
        return Response(data)

    def _forced_sw(self, command: str) -> bytes | None:
        if self.fault.get("kind") == "sw" and self.fault.get("command", "gpo") == command:
            return bytes.fromhex(str(self.fault.get("sw", "6F00")))
        return None

    def _dispatch(self, apdu: bytes) -> bytes:
        if len(apdu) < 4:
            return b"\x67\x00"
        cla, ins, p1, p2 = apdu[:4]
        if ins == 0xC0 and cla == 0x00:
            return self._get_response(apdu[4] if len(apdu) > 4 else 0)
        self.pending = b""
        if cla == 0x00 and ins == 0xA4:
            return self._select(apdu, p1, p2)
        if cla == 0x00 and ins == 0xB2:
            return self._read_record(p1, p2, apdu[4] if len(apdu) > 4 else 0)
        if cla == 0x80 and ins == 0xA8:
            return self._gpo(apdu)
        if cla == 0x80 and ins == 0xCA:
            return self._get_data(p1, p2, apdu[4] if len(apdu) > 4 else 0)
        if cla not in (0x00, 0x80):
            return b"\x6e\x00"
        return b"\x6d\x00"

    # T=0: case 4 -> 61xx then GET RESPONSE; case 2 with the wrong Le -> 6Cxx
    def _case4(self, data: bytes, sw: bytes = b"\x90\x00") -> bytes:
        if not self.t0 or not data:
            return data + sw
        self.pending = data
        return bytes([0x61, len(data) & 0xFF])

    def _case2(self, data: bytes, le: int) -> bytes:
        if self.t0 and (le or 256) != len(data):
            return bytes([0x6C, len(data) & 0xFF])
        return data + b"\x90\x00"

    def _get_response(self, le: int) -> bytes:
        if not self.pending:
            return b"\x69\x85"
        n = le or 256
        out, self.pending = self.pending[:n], self.pending[n:]
        if self.pending:
            return out + bytes([0x61, min(len(self.pending), 256) & 0xFF])
        return out + b"\x90\x00"

    def _select(self, apdu: bytes, p1: int, p2: int) -> bytes:
        if p1 != 0x04:
            return b"\x6a\x86"
        lc = apdu[4]
        name = apdu[5 : 5 + lc]
        forced = self._forced_sw("select")
        if forced is not None:
            return forced
        if self.fault.get("kind") == "not_pboc":
            self.selected = ""
            return b"\x6a\x82"
        if name == PPSE and self.ppse is not None and self.fault.get("kind") != "no_ppse":
            self.selected, self.gpo_done = "ppse", False
            return self._case4(self.ppse)
        if name == PSE and self.pse_fci is not None:
            self.selected, self.gpo_done = "pse", False
            return self._case4(self.pse_fci)
        matches = [a for a in self.apps if a.aid.startswith(name) and len(name) >= 5]
        if p2 & 0x02 and self.selected in [a.aid.hex().upper() for a in matches]:
            idx = [a.aid.hex().upper() for a in matches].index(self.selected)
            matches = matches[idx + 1 :]
        if not matches:
            return b"\x6a\x82"
        app = matches[0]
        self.selected, self.gpo_done = app.aid.hex().upper(), False
        if self.fault.get("kind") == "blocked":
            return self._case4(app.fci, b"\x62\x83") if not self.t0 else b"\x62\x83"
        return self._case4(app.fci)

    def _app(self) -> Application | None:
        return next((a for a in self.apps if a.aid.hex().upper() == self.selected), None)

    def _read_record(self, rec: int, p2: int, le: int) -> bytes:
        if p2 & 0x07 != 0x04:
            return b"\x6a\x86"
        sfi = p2 >> 3
        forced = self._forced_sw("read")
        if forced is not None:
            return forced
        if self.selected == "pse":
            data = self.pse_records.get(rec) if sfi == 1 else None
            return self._case2(data, le) if data else b"\x6a\x83"
        app = self._app()
        if app is None:
            return b"\x69\x85"
        if not self.gpo_done:
            return b"\x69\x85"  # READ RECORD before GPO (pboc_ic_card.md §1.1, shortcut)
        data = app.records.get((sfi, rec))
        return self._case2(data, le) if data else b"\x6a\x83"

    def _gpo(self, apdu: bytes) -> bytes:
        app = self._app()
        if app is None:
            return b"\x69\x85"
        forced = self._forced_sw("gpo")
        if forced is not None:
            return forced
        lc = apdu[4]
        body = apdu[5 : 5 + lc]
        if len(body) < 2 or body[0] != 0x83 or body[1] != len(body) - 2:
            return b"\x67\x00"
        pdol_data = body[2:]
        expected = _dol_length(app.pdol) if app.pdol else 0
        if len(pdol_data) != expected:
            return b"\x67\x00"
        fields = _dol_fields(app.pdol, pdol_data) if app.pdol else {}
        self.log.append({"card": self.card_id, "gpo": fields})
        self.gpo_done = True
        self.atc += 1
        if app.gpo_format == 2:
            data = tlv("77", tlv("82", app.aip) + tlv("94", app.afl) + app.extra_gpo)
        else:
            data = tlv("80", app.aip + app.afl)
        return self._case4(data)

    def _get_data(self, p1: int, p2: int, le: int) -> bytes:
        tag = bytes([p1, p2])
        if tag == b"\x9f\x36":
            return self._case2(tlv("9F36", self.atc.to_bytes(2, "big")), le)
        if tag == b"\x9f\x17":
            return self._case2(tlv("9F17", b"\x03"), le)
        return b"\x6a\x88"
