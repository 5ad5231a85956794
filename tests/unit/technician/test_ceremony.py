"""kiosk/technician/ceremony.py, the key ceremony shared by the screen and ``kiosk diag
pinpad load-keys``: order of steps, check values, components dropped, every step audited and
none run without its record."""

from __future__ import annotations

from typing import Any

import pytest

from devices.crypto import Algorithm, kcv, xor_components
from kiosk.technician.ceremony import CeremonyError, KeyCeremony, parse_component

C1, C2 = bytes.fromhex("0123456789ABCDEF" * 2), bytes.fromhex("FEDCBA9876543210" * 2)


class Log:
    def __init__(self, fail: bool = False) -> None:
        self.records: list[tuple[str, dict[str, Any]]] = []
        self.fail = fail

    def __call__(self, action: str, detail: Any) -> None:
        if self.fail:
            raise OSError("disk full")
        self.records.append((action, dict(detail)))


def test_parse_component():
    assert parse_component("01 23 45 67 89 AB CD EF 01 23 45 67 89 ab cd ef") == C1
    for bad in ("", "12345", "G" * 32, "0" * 33):
        assert parse_component(bad) is None


def test_a_ceremony_in_order_loads_the_xor_and_audits_only_check_values():
    log = Log()
    c = KeyCeremony(log, Algorithm.TDES)
    with pytest.raises(CeremonyError):
        c.add(C1.hex(), "S1")  # not started
    c.start()
    assert c.add(C1.hex(), "S1") == kcv(C1, Algorithm.TDES).hex().upper()
    with pytest.raises(CeremonyError):
        c.load(lambda *a: b"")  # one component only
    c.add(C2.hex(), "S2")
    seen: list[Any] = []
    check = c.load(lambda parts, alg, slot: seen.append((parts, alg, slot)) or kcv(
        xor_components(*parts), alg))
    assert check == kcv(xor_components(C1, C2), Algorithm.TDES).hex().upper()
    assert seen[0][0] == [C1, C2] and c.components == []  # dropped after the load
    assert [a for a, _ in log.records] == ["pinpad.key_ceremony.start",
                                           "pinpad.key_ceremony.part",
                                           "pinpad.key_ceremony.part",
                                           "pinpad.key_ceremony.loaded"]
    text = repr(log.records).upper()
    assert C1.hex().upper() not in text and C2.hex().upper() not in text


def test_no_step_without_its_audit_record_and_an_abort_is_audited():
    c = KeyCeremony(Log(fail=True))
    with pytest.raises(OSError):
        c.start()
    assert not c.started
    log = Log()
    c = KeyCeremony(log, Algorithm.SM4)
    c.start()
    c.add(C1.hex(), "S1")
    with pytest.raises(CeremonyError):
        c.add("nonsense", "S2")
    c.abort("cancelled")
    assert c.components == [] and log.records[-1] == (
        "pinpad.key_ceremony.aborted", {"reason": "cancelled", "entered": 1})


def test_a_failed_load_drops_the_components():
    c = KeyCeremony(Log())
    c.start()
    c.add(C1.hex())
    c.add(C2.hex())

    def broken(*_: Any) -> bytes:
        raise RuntimeError("pad gone")

    with pytest.raises(RuntimeError):
        c.load(broken)
    assert c.components == [] and c.kcv is None
