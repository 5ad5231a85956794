"""Disk and database faults on a real file system: a small tmpfs mounted by the test (root
only), full, then remounted read-only. Money is refused with a plain reason before anything
is written or sent; nothing is recreated empty."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.transactions import MoneyRefused, TransactionsService
from tests.contract.host_client.conftest import ZHANG_PAN
from tests.contract.money.conftest import ledger, make_service


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (the disk-full and read-only cases)")
    mnt = tmp_path / "tmpfs"
    mnt.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0755", "tmpfs",
                           str(mnt)], capture_output=True, text=True)
    if done.returncode != 0:  # e.g. a container without CAP_SYS_ADMIN
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def _drawdown(svc: TransactionsService, terminal):
    return svc.drawdown(customer_id="C0001", line_id="L0001", amount="5000.00", months=12,
                        method="equal-installment", pan=ZHANG_PAN,
                        pin_block=terminal.pin_block())


def _fill(directory: Path) -> Path:
    filler = directory / "filler"
    with contextlib.suppress(OSError), filler.open("wb", buffering=0) as f:
        while True:
            f.write(b"\0" * 4096)
            f.flush()
    return filler


def test_full_disk_refuses_money_before_anything_is_sent(tmpfs, host, terminal):
    svc = make_service(tmpfs, host, terminal)
    assert _drawdown(svc, terminal).state.value == "CONFIRMED"
    before = len(ledger(host))
    rows = len(svc.journal.rows())
    filler = _fill(tmpfs)
    assert svc.money_available() == (False, "JOURNAL-DISK-FULL")
    with pytest.raises(MoneyRefused) as refused:
        _drawdown(svc, terminal)
    assert refused.value.code == "JOURNAL-DISK-FULL"
    assert len(ledger(host)) == before and len(svc.journal.rows()) == rows
    svc.close()
    # A start-up on the full disk still opens the existing journal (nothing recreated).
    again = make_service(tmpfs, host, terminal)
    assert again.money_available() == (False, "JOURNAL-DISK-FULL")
    assert len(again.journal.rows()) == rows
    filler.unlink()
    assert again.money_available() == (True, None)
    again.close()


def test_a_new_journal_on_a_full_disk_is_reported_not_half_made(tmpfs, host, terminal):
    state = tmpfs / "state"
    state.mkdir()
    _fill(tmpfs)
    svc = make_service(state, host, terminal)
    ok, reason = svc.money_available()
    assert not ok and reason in ("JOURNAL-DISK-FULL", "JOURNAL-UNAVAILABLE")
    assert not (state / "journal.epoch").exists()  # no marker for a journal that never was


def test_read_only_state_dir_refuses_money(tmpfs, host, terminal):
    svc = make_service(tmpfs, host, terminal)
    assert _drawdown(svc, terminal).state.value == "CONFIRMED"
    svc.close()
    before = len(ledger(host))
    subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], check=True)
    ro = make_service(tmpfs, host, terminal)
    ok, reason = ro.money_available()
    assert not ok and reason == "JOURNAL-READ-ONLY"
    with pytest.raises(MoneyRefused) as refused:
        _drawdown(ro, terminal)
    assert refused.value.code == "JOURNAL-READ-ONLY"
    assert len(ledger(host)) == before
    ro.close()
    subprocess.run(["mount", "-o", "remount,rw", str(tmpfs)], check=True)
    back = make_service(tmpfs, host, terminal)
    assert back.money_available() == (True, None) and len(back.journal.rows()) == 1
    back.close()
