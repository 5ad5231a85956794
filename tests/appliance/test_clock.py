"""The terminal refuses money while its clock is off the host's (kiosk/clock.py), through the
transactions service's own availability check, before anything is journaled or sent."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kiosk.clock import ClockGuard, parse_host_datetime
from kiosk.errors import load_error_table
from kiosk.i18n import Translator
from kiosk.transactions import MoneyRefused, TransactionsService


def test_skew_is_measured_against_the_request_midpoint() -> None:
    g = ClockGuard(max_skew_seconds=60)
    assert g.money_refusal().code == "CLK-UNKNOWN"  # before any sign-in
    sent = dt.datetime(2026, 12, 3, 8, 0, 0, tzinfo=dt.UTC).timestamp()
    assert g.record("2026-12-03T16:00:01+08:00", sent, sent + 2.0) == pytest.approx(0.0)
    assert g.money_refusal() is None
    assert g.record("2026-12-03T16:02:00", sent, sent) == pytest.approx(120.0)  # naive: CST
    refusal = g.money_refusal()
    assert refusal is not None and (refusal.code, refusal.seconds) == ("CLK-SKEW", 120.0)
    assert g.record("2026-12-03T07:59:30Z", sent, sent) == pytest.approx(-30.0)
    assert g.money_refusal() is None
    assert parse_host_datetime("2026-12-03T08:00:00").utcoffset() == dt.timedelta(hours=8)


def test_clock_codes_have_farmer_staff_and_voice_texts() -> None:
    table = load_error_table()
    for lang in ("zh_CN", "en"):
        tr = Translator(lang)
        for code in ("CLK-SKEW", "CLK-UNKNOWN"):
            for who in ("farmer", "staff", "voice"):
                assert tr.has(f"error.{code}.{who}")
        assert "120" in tr("error.CLK-SKEW.staff", seconds=120, limit=60)
    assert {"CLK-SKEW", "CLK-UNKNOWN"} <= set(table.codes())


def test_transactions_service_refuses_money_on_a_skewed_clock(tmp_path: Path) -> None:
    from kiosk.host.client import HostClient, HostSettings

    guard = ClockGuard(max_skew_seconds=60)
    # a real client for a host nobody listens on: a refused money call never reaches it
    client = HostClient(HostSettings(url="https://127.0.0.1:9", terminal_id="ZN610425001"))
    service = TransactionsService.open(tmp_path, "ZN610425001", client, clock_guard=guard)
    try:
        assert service.money_available() == (False, "CLK-UNKNOWN")
        now = dt.datetime.now(dt.UTC)
        guard.record((now + dt.timedelta(minutes=5)).isoformat(), now.timestamp(),
                     now.timestamp())
        assert service.money_available() == (False, "CLK-SKEW")
        with pytest.raises(MoneyRefused) as info:
            service.drawdown(customer_id="C0001", line_id="L1", amount="1000.00", months=12,
                             method="equal-installment", pan="6217991000001234561",
                             pin_block="00" * 8)
        assert info.value.code == "CLK-SKEW"
        assert service.journal is not None and service.journal.rows() == []  # nothing journaled
        guard.record(now.isoformat(), now.timestamp(), now.timestamp())
        assert service.money_available() == (True, None)
    finally:
        service.close()
