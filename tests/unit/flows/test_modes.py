"""The modes chart: STARTING until devices report, then from their states."""

from __future__ import annotations

from devices.base import DeviceState as D
from kiosk.modes import Mode, ModesChart

KINDS = ("idcard", "iccard", "printer", "pinpad")


def all_online(chart: ModesChart) -> None:
    for kind in KINDS:
        chart.device_state(kind, D.ONLINE)


def test_starting_until_every_device_reported() -> None:
    chart = ModesChart(KINDS)
    chart.device_state("idcard", D.ONLINE)
    assert chart.mode is Mode.STARTING
    all_online(chart)
    assert chart.mode is Mode.IN_SERVICE


def test_settle_ends_starting_and_counts_silent_devices_as_down() -> None:
    chart = ModesChart(KINDS)
    chart.device_state("idcard", D.ONLINE)
    assert chart.settle() is Mode.DEGRADED
    assert set(chart.down_devices()) == {"iccard", "printer", "pinpad"}


def test_mandatory_reader_down_is_out_of_service_and_back() -> None:
    seen: list[tuple[Mode, Mode]] = []
    chart = ModesChart(KINDS)
    chart.add_listener(lambda old, new: seen.append((old, new)))
    all_online(chart)
    chart.device_state("idcard", D.NO_DEVICE)
    assert chart.mode is Mode.OUT_OF_SERVICE
    chart.device_state("idcard", D.ONLINE)
    assert chart.mode is Mode.IN_SERVICE
    assert seen == [(Mode.STARTING, Mode.IN_SERVICE), (Mode.IN_SERVICE, Mode.OUT_OF_SERVICE),
                    (Mode.OUT_OF_SERVICE, Mode.IN_SERVICE)]


def test_printer_down_or_host_offline_is_degraded() -> None:
    chart = ModesChart(KINDS)
    all_online(chart)
    chart.device_state("printer", D.HARDWARE_ERROR)
    assert chart.mode is Mode.DEGRADED
    chart.device_state("printer", D.ONLINE)
    chart.host_state(False)
    assert chart.mode is Mode.DEGRADED
    chart.host_state(True)
    assert chart.mode is Mode.IN_SERVICE
