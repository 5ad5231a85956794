"""The reprint store: masked on disk, every attempt recorded, reprints in either language."""

from __future__ import annotations

import json

import pytest

from devices.printer.contract import PROFILES
from devices.printer.layout import plain_text
from kiosk.receipts.model import from_json, masked, to_json
from kiosk.receipts.samples import sample_receipts
from kiosk.receipts.store import PrintOutcome, ReceiptStore

SAMPLES = sample_receipts()


def test_nothing_unmasked_reaches_the_disk(state_dir):
    store = ReceiptStore(state_dir)
    for receipt in SAMPLES.values():
        store.record(receipt, "zh_CN", PrintOutcome.PRINTED)
    blob = "".join(p.read_text("utf-8") for p in (state_dir / "receipts").glob("*.json"))
    for receipt in SAMPLES.values():
        cust = getattr(receipt, "customer", None)
        if cust is None:
            continue
        assert cust.id_number not in blob and cust.name not in blob
        if cust.card_number:
            assert cust.card_number not in blob
    assert "13812345678" not in blob and "138****5678" in blob


def test_reprint_renders_the_stored_receipt_marked_as_reprint(state_dir):
    store = ReceiptStore(state_dir)
    r = SAMPLES["drawdown"]
    store.record(r, "zh_CN", PrintOutcome.PARTIAL, detail="paper_out after 12 of 35 lines")
    store.record(r, "zh_CN", PrintOutcome.PRINTED, reprint=True)
    stored = store.get(r.header.serial_no)
    assert [a["outcome"] for a in stored.attempts] == ["partial", "printed"]
    assert stored.last_outcome is PrintOutcome.PRINTED
    text = plain_text(store.reprint_doc(r.header.serial_no), PROFILES["generic_58mm"])
    assert "补打" in text and "张*国" in text and "￥10,000.00" in text
    en = plain_text(store.reprint_doc(r.header.serial_no, "en"), PROFILES["generic_58mm"])
    assert "REPRINT" in en and "CNY 10,000.00" in en


def test_listing_is_newest_first_and_survives_a_damaged_file(state_dir):
    store = ReceiptStore(state_dir)
    for receipt in SAMPLES.values():
        store.record(receipt, "en", PrintOutcome.PRINTED)
    (state_dir / "receipts" / "broken.json").write_text("{not json", "utf-8")
    listed = store.list()
    assert len(listed) == len(SAMPLES)
    times = [s.receipt.header.txn_time for s in listed]
    assert times == sorted(times, reverse=True)
    with pytest.raises(KeyError):
        store.get("nope")


@pytest.mark.parametrize("name", list(SAMPLES))
def test_json_round_trip(name):
    r = masked(SAMPLES[name])
    assert from_json(json.loads(json.dumps(to_json(r), ensure_ascii=False))) == r


def test_a_truncated_receipt_file_is_reported_and_set_aside_not_trusted(state_dir, caplog):
    """A full disk used to leave half a file that was then read back (issue 10 item 2)."""
    from devices.atomicfile import CorruptFile

    store = ReceiptStore(state_dir)
    receipt = next(iter(SAMPLES.values()))
    serial = receipt.header.serial_no
    stored = store.record(receipt, "zh_CN", PrintOutcome.PRINTED)
    path = next((state_dir / "receipts").glob("*.json"))
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(CorruptFile):
        store.get(serial)
    assert store.list() == []
    assert "not valid JSON" in caplog.text
    again = store.record(receipt, "zh_CN", PrintOutcome.PRINTED, reprint=True)
    assert len(again.attempts) == 1 and store.get(serial).attempts == again.attempts
    aside = path.with_name(path.name + ".corrupt")
    assert aside.read_bytes() == whole[: len(whole) // 2]  # kept for a technician
    assert stored.serial_no == serial


def test_receipt_files_are_private(state_dir):
    import stat

    store = ReceiptStore(state_dir)
    store.record(next(iter(SAMPLES.values())), "zh_CN", PrintOutcome.PRINTED)
    for path in (state_dir / "receipts").iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
