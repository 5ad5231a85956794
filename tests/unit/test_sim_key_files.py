"""Simulator files holding keys are created 0600 from the start (os.open with the mode, no
chmod afterwards) and written atomically (peripherals_sim/atomicfile.py), even under a lax
umask; certificates stay readable (issue 10 items 2 and 3, simulator side)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from peripherals_sim.atomicfile import write_atomic
from peripherals_sim.bank_host.tls import ensure_pki
from peripherals_sim.pinpad.epp import Epp
from peripherals_sim.scenario import load_scenario


@pytest.fixture()
def lax_umask():
    old = os.umask(0o022)
    yield
    os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_pki_keys_are_private_and_certificates_readable(tmp_path: Path, lax_umask):
    ensure_pki(tmp_path, ["ZN610425001"])
    files = sorted((tmp_path / "tls").rglob("*"))
    keys = [p for p in files if p.is_file() and p.name.endswith(".key")]
    certs = [p for p in files if p.is_file() and p.suffix in (".pem", ".crt")]
    assert keys and certs
    assert {p.name: _mode(p) for p in keys} == {p.name: 0o600 for p in keys}
    assert all(_mode(p) == 0o644 for p in certs)
    assert not [p for p in files if p.name.endswith(".tmp")]


def test_pin_pad_key_slots_are_private(tmp_path: Path, lax_umask):
    Epp(tmp_path, load_scenario())
    slots = list(tmp_path.glob("*.json"))
    assert slots and all(_mode(p) == 0o600 for p in slots)


def test_a_stale_temporary_file_does_not_lend_its_mode(tmp_path: Path, lax_umask):
    target = tmp_path / "k.key"
    stale = tmp_path / f".k.key.{os.getpid()}.tmp"
    stale.write_bytes(b"old")
    stale.chmod(0o666)
    write_atomic(target, b"secret")
    assert target.read_bytes() == b"secret" and _mode(target) == 0o600
    assert not stale.exists()
