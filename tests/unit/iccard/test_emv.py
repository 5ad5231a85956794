"""The PBOC read flow without PC/SC: T=0 procedure, PDOL, track 2, account checks, the
published traces of pboc_ic_card.md §1.8, and the flow against the simulator's card engine."""

from __future__ import annotations

import datetime as dt

import pytest

from devices.base import CompletionCode, DeviceOperationError
from devices.iccard import tlv
from devices.iccard.contract import CardApplication, IccardError
from devices.iccard.emv import (
    PbocCardSession,
    SelectionSettings,
    TerminalData,
    applications_from,
    build_account,
    build_dol_data,
    exchange,
    parse_dol,
    parse_gpo,
    parse_track2,
)
from peripherals_sim.iccard.card import VirtualPbocCard
from peripherals_sim.scenario import by_id, load_scenario

H = bytes.fromhex
NOW = dt.datetime(2026, 11, 28, 9, 30, 15)


class Replay:
    """A card that answers from a recorded trace; fails the test on any unexpected APDU."""

    def __init__(self, steps: list[tuple[str, str]]) -> None:
        self.steps = [(c.replace(" ", ""), r.replace(" ", "")) for c, r in steps]
        self.sent: list[str] = []

    def __call__(self, apdu: bytes) -> tuple[bytes, int]:
        cmd = apdu.hex().upper()
        self.sent.append(cmd)
        assert self.steps, f"unexpected extra APDU {cmd}"
        want, resp = self.steps.pop(0)
        assert cmd.startswith(want), f"sent {cmd}, trace has {want}"
        raw = H(resp)
        return raw[:-2], int.from_bytes(raw[-2:], "big")


# --- T=0 procedure ------------------------------------------------------------------------


def test_61xx_is_followed_by_get_response_and_the_data_appended():
    card = Replay([("00A4040002AABB00", "6105"), ("00C0000005", "0102030405" + "6102"),
                   ("00C0000002", "0607" + "9000")])
    data, sw = exchange(card, H("00A4040002AABB00"))
    assert (data, sw) == (H("01020304050607"), 0x9000)


def test_6cxx_resends_the_same_command_with_the_right_le():
    card = Replay([("00B2010C00", "6C03"), ("00B2010C03", "700100" + "9000")])
    assert exchange(card, H("00B2010C00")) == (H("700100"), 0x9000)


def test_endless_61xx_is_invalid_data():
    class Endless:
        def __call__(self, apdu: bytes) -> tuple[bytes, int]:
            return b"\x00", 0x6101

    with pytest.raises(DeviceOperationError) as err:
        exchange(Endless(), H("00C0000001"))
    assert err.value.error is IccardError.INVALID_DATA


# --- PDOL -----------------------------------------------------------------------------------

QPBOC_PDOL = "9F66049F02069F03069F1A0295055F2A029A039C019F3704"


def test_pdol_filled_with_chinese_terminal_data():
    values = TerminalData().values(12345, NOW, H("98231772"))
    data = build_dol_data(parse_dol(H(QPBOC_PDOL)), values)
    assert data.hex().upper() == (
        "46000000" "000000012345" "000000000000" "0156" "0000000000" "0156" "261128" "00"
        "98231772")
    assert len(data) == 0x21


def test_pdol_inquiry_type_and_pboc3_indicators():
    values = TerminalData(sm_supported=True).values(0, NOW, H("01020304"))
    data = build_dol_data(parse_dol(H("DF6001DF69019C01")), values)
    assert data == H("00" "01" "31")


def test_dol_sizing_rules_numeric_and_others():
    values = {"9F02": H("000000012345"), "50": b"ABC"}
    # numeric too long: rightmost bytes; numeric too short: left zero pad; other: right pad
    assert build_dol_data([("9F02", 4)], values) == H("00012345")
    assert build_dol_data([("9F02", 8)], values) == H("0000000000012345")
    assert build_dol_data([("50", 5)], values) == b"ABC\0\0"
    assert build_dol_data([("50", 2)], values) == b"AB"
    assert build_dol_data([("9F99", 3)], values) == bytes(3)  # unknown tag: zeros


# --- account fields -------------------------------------------------------------------------


def test_track2_equivalent_data_is_split():
    t2 = parse_track2(H("6217991000001234561D30122200000000000F"))
    assert (t2.pan, t2.expiry_yymm, t2.service_code) == ("6217991000001234561", "3012", "220")


def _tags(**kw: str) -> dict[str, bytes]:
    return {k: H(v) for k, v in kw.items()}


APP = CardApplication("A000000333010101", "PBOC DEBIT", 1)


def test_pan_comes_from_5a_else_from_track2():
    from_5a = build_account(APP, _tags(**{"5A": "6217991000001234561F", "5F24": "301231"}),
                            NOW.date())
    from_57 = build_account(APP, _tags(**{"57": "6217991000001234561D30122200000000000F"}),
                            NOW.date())
    assert from_5a.pan == from_57.pan == "6217991000001234561"
    assert from_5a.expiry == from_57.expiry == "2030-12"
    assert not from_5a.track2_present and from_57.track2_present
    assert from_57.pan_sequence is None


def test_wrong_check_digit_and_expired_card_are_refused():
    with pytest.raises(DeviceOperationError) as bad:
        build_account(APP, _tags(**{"5A": "6217991000001234562F", "5F24": "301231"}),
                      NOW.date())
    assert bad.value.error is IccardError.INVALID_DATA
    with pytest.raises(DeviceOperationError) as old:
        build_account(APP, _tags(**{"5A": "6217991000006789015F", "5F24": "240229"}),
                      NOW.date())
    assert old.value.error is IccardError.EXPIRED
    assert old.value.code is CompletionCode.USER_ERROR


def test_holder_data_gb18030_name_and_padded_id_number():
    tags = _tags(**{"5A": "6217991000005678904F", "5F24": "300131",
                    "9F61": "3631303432353139383831313039313531360000", "9F62": "00"})
    tags["5F20"] = "刘䶮".encode("gb18030")
    acc = build_account(APP, tags, NOW.date())
    assert acc.cardholder_name == "刘䶮"
    assert acc.id_number == "610425198811091516" and acc.id_type == "resident_id"
    assert "刘䶮" not in repr(acc) and "6217991000005678904" not in repr(acc)
    masked = acc.to_json()
    assert masked["pan"] == "621799*********8904" and masked["cardholder_name"] == "刘*"


# --- the published traces (pboc_ic_card.md §1.8) -------------------------------------------

TRACE_C_PPSE = ("6F30840E325041592E5359532E4444463031A51EBF0C1B61194F08A000000333010101500A50"
                "424F432044454249548701019000")
TRACE_C_FCI = ("6F598408A000000333010101A54D500A50424F432044454249548701019F38189F66049F0206"
               "9F03069F1A0295055F2A029A039C019F37045F2D027A689F1101019F120A50424F4320444542"
               "4954BF0C0A9F4D020B0ADF4D020C0A9000")
TRACE_C_GPO = ("774F82027C009F36020ADC57116299999999999999D201120101234567899F101307010103A0"
               "0000010A010000038787868FD1FC9F2608AD03EE811AFAD4845F3401009F6C0200009F5D0600"
               "00000387879000")


def test_trace_c_qpboc_decodes():
    apps = applications_from(tlv.parse(H(TRACE_C_PPSE)[:-2]))
    assert apps == [CardApplication("A000000333010101", "PBOC DEBIT", 1)]
    fci = tlv.parse(H(TRACE_C_FCI)[:-2])
    pdol = parse_dol(fci[0].find("9F38").value)
    assert [t for t, _ in pdol] == ["9F66", "9F02", "9F03", "9F1A", "95", "5F2A", "9A", "9C",
                                    "9F37"]
    assert sum(n for _, n in pdol) == 0x21  # the Lc-2 of the trace's GPO
    gpo = parse_gpo(H(TRACE_C_GPO)[:-2])
    assert gpo.aip == H("7C00") and gpo.afl == ()
    data = {o.tag: o.value for o in gpo.data}
    t2 = parse_track2(data["57"])
    assert (t2.pan, t2.expiry_yymm, t2.service_code) == ("6299999999999999", "2011", "201")
    assert data["9F36"] == H("0ADC") and data["5F34"] == H("00")


def test_trace_b_cmb_pse_answer_gives_sfi_1():
    objs = tlv.parse(H("6F1E840E315041592E5359532E4444463031A50C5F2D027A689F110101880101"))
    assert objs[0].find("88").value == b"\x01"
    assert objs[0].find("5F2D").value == b"zh"


# Trace (D): pyscard -> pcscd -> vpcd -> a T=0 card, PSE, 61xx/6Cxx everywhere.
TRACE_D = [
    ("00A404000E325041592E5359532E444446303100", "6A82"),  # we ask PPSE first: not there
    ("00A404000E315041592E5359532E444446303100", "6120"),
    ("00C0000020", "6F1E840E315041592E5359532E4444463031A50C8801015F2D027A689F110101 9000"),
    ("00B2010C00", "6C2A"),
    ("00B2010C2A", "7028 6126 4F08A000000333010101 500A50424F43204445424954 "
                   "9F120A50424F43204445424954 870101 9000"),
    ("00B2020C00", "6A83"),
    ("00A4040008A00000033301010100", "6140"),
    ("00C0000040", "6F3E 8408A000000333010101 A532 500A50424F43204445424954 870101 "
                   "9F3818 9F6604 9F0206 9F0306 9F1A02 9505 5F2A02 9A03 9C01 9F3704 "
                   "BF0C05 9F4D020B0A 9000"),
    ("80A8000023832146000000000000000000000000000000015600000000000156261128",
     "610C"),
    ("00C000000C", "800A7C00080102001801010 1 9000"),
    ("00B2010C00", "6C17"),
    ("00B2010C17", "7015 5713 6212341234567890123D30122200000000000F 9000"),
    ("00B2020C00", "6C24"),
    ("00B2020C24", "7022 9F6114 313130313031313939303031303131323334 0000 9F620100 "
                   "5F2004D5C5C8FD 9000"),
    ("00B2011C00", "6C23"),
    ("00B2011C23", "7021 5A0A6212341234567890123F 5F2403301231 5F2503200101 5F340101 "
                   "5F28020156 9000"),
]


def test_trace_d_is_replayed_by_the_flow_and_its_bad_check_digit_caught():
    card = Replay(TRACE_D)
    session = PbocCardSession(card, SelectionSettings(terminal=TerminalData()), clock=lambda: NOW,
                              random=lambda n: H("98231772"))
    with pytest.raises(DeviceOperationError) as err:
        session.read_account()
    # every step of the published trace was sent in order (GPO with its terminal data), and
    # the trace's fake PAN 6212341234567890123 fails the Luhn check, as it should
    assert card.steps == []
    assert card.sent[8].startswith("80A800002383214600000000000000000000000000000001560000000000"
                                   "0156261128319823177200")
    assert err.value.error is IccardError.INVALID_DATA and "check digit" in err.value.detail


def test_trace_d_records_decode_to_name_and_id():
    rec = tlv.parse(H("70229F611431313031303131393930303130313132333400009F6201005F2004D5C5C8FD"))
    tags = {o.tag: o.value for o in rec[0].walk() if not o.constructed}
    tags["5A"] = H("6217991000001234561F")  # a valid PAN in place of the trace's fake one
    tags["5F24"] = H("301231")
    acc = build_account(APP, tags, NOW.date())
    assert (acc.cardholder_name, acc.id_number, acc.id_type) == (
        "张三", "110101199001011234", "resident_id")


# --- the flow against the simulator's (independent) card engine ----------------------------

SCENARIO = load_scenario()


def _session(card_id: str, **settings) -> tuple[PbocCardSession, VirtualPbocCard]:
    card = by_id(SCENARIO["cards"], card_id)
    person = by_id(SCENARIO["people"], card["person"])
    vcard = VirtualPbocCard.from_scenario(card, person)
    vcard.power(True)

    def transmit(apdu: bytes) -> tuple[bytes, int]:
        raw = vcard.process(apdu).data
        return raw[:-2], int.from_bytes(raw[-2:], "big")

    return PbocCardSession(transmit, SelectionSettings(**settings), clock=lambda: NOW), vcard


@pytest.mark.parametrize("card_id", [c["id"] for c in SCENARIO["cards"]
                                     if c["id"] not in ("expired_debit", "wang_dual")])
def test_every_scenario_card_reads_in_process(card_id):
    card = by_id(SCENARIO["cards"], card_id)
    session, vcard = _session(card_id)
    acc = session.read_account()
    assert acc.pan == card["pan"] and acc.expiry == card["expiry"]
    if vcard.t0:
        assert any(e.get("r", "").startswith("61") for e in vcard.log)
        assert any(e.get("r", "").startswith("6C") for e in vcard.log)


def test_two_applications_ask_or_take_the_priority():
    ask, _ = _session("wang_dual")
    with pytest.raises(DeviceOperationError) as err:
        ask.read_account()
    assert err.value.error is IccardError.APPLICATION_CHOICE_REQUIRED
    assert [a.aid for a in ask.list_applications()] == ["A000000333010101", "A000000333010102"]
    credit = ask.read_account(aid="A000000333010102")
    assert credit.pan == "6258991000009012344" and credit.label == "PBOC CREDIT"
    first, _ = _session("wang_dual", selection="priority")
    assert first.read_account().aid == "A000000333010101"


def test_pse_only_t0_card_uses_the_directory_records():
    session, vcard = _session("zhao_pse_t0")
    acc = session.read_account()
    sent = [e["c"] for e in vcard.log if "c" in e]
    assert sent[0].startswith("00A404000E32")  # PPSE asked first: 6A82
    assert sent[1].startswith("00A404000E31") and "00B2010C00" in sent
    assert acc.track2_present and acc.pan_sequence is None


def test_gpo_refused_everywhere_is_not_accepted():
    session, vcard = _session("li_debit")
    vcard.fault.update({"kind": "sw", "command": "gpo", "sw": "6985"})
    with pytest.raises(DeviceOperationError) as err:
        session.read_account()
    assert err.value.error is IccardError.NOT_ACCEPTED


def _custom(chip: dict) -> tuple[PbocCardSession, VirtualPbocCard]:
    card = {"id": "custom", "pan": "6217991000002345671", "expiry": "2031-06", "chip": chip}
    vcard = VirtualPbocCard.from_scenario(card)

    def transmit(apdu: bytes) -> tuple[bytes, int]:
        raw = vcard.process(apdu).data
        return raw[:-2], int.from_bytes(raw[-2:], "big")

    return PbocCardSession(transmit, SelectionSettings(), clock=lambda: NOW), vcard


def test_card_without_any_directory_is_found_by_the_aid_list():
    session, vcard = _custom({"directories": [], "applications": [
        {"aid": "A000000333010102", "label": "PBOC CREDIT"}]})
    acc = session.read_account()
    assert acc.aid == "A000000333010102" and acc.label == "PBOC CREDIT"
    selects = [e["c"][10:26] for e in vcard.log if e.get("c", "").startswith("00A4040008")]
    assert selects[:2] == ["A000000333010101", "A000000333010102"]  # terminal list order


def test_blocked_card_6a81_ends_the_session():
    session, vcard = _custom({})
    vcard.fault.update({"kind": "sw", "command": "select", "sw": "6A81"})
    with pytest.raises(DeviceOperationError) as err:
        session.read_account()
    assert err.value.error is IccardError.CARD_BLOCKED
