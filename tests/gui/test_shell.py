"""The shell's status strip and modes follow what the workers report."""

from __future__ import annotations

from devices.base import DeviceState, DeviceStatus, StatusChanged
from kiosk.modes import Mode

from .conftest import Rig


def test_host_link_shows_in_the_strip_and_sets_degraded(rig: Rig) -> None:
    strip = rig.shell.status_strip
    rig.qtbot.waitUntil(lambda: rig.kiosk.modes.states["idcard"] is DeviceState.ONLINE,
                        timeout=5000)
    assert strip.host.text() == "主机未连接"
    rig.kiosk.bridge.post(StatusChanged(device="host", new=DeviceStatus(DeviceState.ONLINE)))
    rig.qtbot.waitUntil(lambda: strip.host.text() == "主机在线", timeout=3000)
    assert rig.kiosk.modes.host_online is True
    rig.kiosk.bridge.post(StatusChanged(device="host", new=DeviceStatus(DeviceState.OFFLINE)))
    rig.qtbot.waitUntil(lambda: strip.host.text() == "主机离线", timeout=3000)
    assert rig.kiosk.modes.mode is Mode.DEGRADED  # the other devices are absent too


def test_absent_devices_are_marked_and_named_in_the_banner(rig: Rig) -> None:
    strip = rig.shell.status_strip
    rig.qtbot.waitUntil(lambda: rig.kiosk.modes.mode is Mode.DEGRADED, timeout=5000)
    assert strip.devices["printer"].text().endswith("✗")
    assert strip.devices["idcard"].text().endswith("✓")
    banner = rig.shell.attract.banner.text()
    assert "打印机" in banner and "身份证" not in banner
    assert rig.kiosk.home.can_start("identify")
    assert rig.shell.attract.tile("group:repay").isEnabled()  # identify is in 还钱


def test_place_label_elides_instead_of_cutting(rig: Rig) -> None:
    place = rig.shell.status_strip.place
    place.resize(120, place.height())
    assert place.text().endswith("…")
    assert place.full_text() == "礼泉县烟霞镇助农服务点  ZN610425001"


def test_an_uncaught_error_ends_the_journey_safely_and_repeats_quit(rig: Rig) -> None:
    import threading
    from pathlib import Path

    from kiosk.app import EXIT_CRASHED

    rig.start()
    session = rig.runner.session
    rig.reader.insert(rig.person("zhang_weiguo"))
    rig.wait_screen("welcome")
    t = threading.Thread(target=rig.kiosk.on_crash,
                         args=(Path("crash-1.log"), RuntimeError("boom")))
    t.start()
    t.join()
    rig.wait_home()
    assert session.identity is None and not session.active
    assert rig.kiosk.exit_code == 0
    quits: list[int] = []
    rig.kiosk.quit_app = quits.append  # type: ignore[method-assign]
    rig.kiosk.recover(Path("crash-2.log"))
    rig.kiosk.recover(Path("crash-3.log"))
    assert rig.kiosk.exit_code == EXIT_CRASHED and quits == [EXIT_CRASHED]
