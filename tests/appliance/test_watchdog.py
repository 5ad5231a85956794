"""The kiosk as a ``Type=notify`` service, run under a notify-socket harness: READY after
the attract screen and the sign-in decision, WATCHDOG pings from the GUI thread that stop when
the GUI thread hangs (then the harness kills it as systemd would and the restart is counted),
the memory ceiling restarting at a safe point and never in a journey."""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Any

import pytest

from kiosk.watchdog import (
    EXIT_MEMORY,
    STATE_FILE,
    RestartCounter,
    ServiceNotifier,
    sd_notify,
    watchdog_usec,
)
from tests.appliance.harness import NotifyHarness, write_config


@pytest.fixture()
def harness(tmp_path: Path) -> Any:
    h = NotifyHarness(tmp_path, watchdog_usec=1_000_000)
    yield h
    h.close()


def test_sd_notify_sends_utf8_status_and_honours_watchdog_pid(tmp_path: Path) -> None:
    h = NotifyHarness(tmp_path)
    try:
        assert sd_notify("READY=1", "STATUS=就绪", env={"NOTIFY_SOCKET": str(h.path)})
        msg = h.receive(2.0)
        assert msg is not None and msg.fields == {"READY": "1", "STATUS": "就绪"}
        assert not sd_notify("READY=1", env={})
    finally:
        h.close()
    assert watchdog_usec({"WATCHDOG_USEC": "4000000"}) == 4_000_000
    assert watchdog_usec({"WATCHDOG_USEC": "4000000", "WATCHDOG_PID": "1"}, pid=2) is None
    assert watchdog_usec({"WATCHDOG_USEC": "4000000", "WATCHDOG_PID": "2"}, pid=2) == 4_000_000
    assert watchdog_usec({}) is None


def test_restart_counter_tells_clean_stops_from_crashes(tmp_path: Path) -> None:
    c = RestartCounter(tmp_path)
    assert c.start()["starts"] == 1
    c.stop("clean")
    d = RestartCounter(tmp_path).start()  # after a clean stop
    assert (d["starts"], d["crash_restarts"], d["restarts_this_boot"]) == (2, 0, 1)
    d = RestartCounter(tmp_path).start()  # the previous run never stopped: a crash
    assert (d["starts"], d["crash_restarts"], d["previous_exit"]) == (3, 1, "unclean")


def test_hung_gui_thread_stops_the_pings_and_the_restart_is_counted(
        tmp_path: Path, harness: NotifyHarness) -> None:
    state = tmp_path / "state"
    config = write_config(tmp_path / "kiosk.toml", state)
    proc = harness.spawn(config, hang_after_ready_ms=1500)
    try:
        ready = harness.wait_for("READY", 60, proc)
        assert ready.fields["READY"] == "1"
        assert "ready" in ready.fields["STATUS"] and "no host" in ready.fields["STATUS"]
        last_ping = harness.run_watchdog(proc, limit=60)
        assert last_ping is not None, "the kiosk exited instead of hanging"
        assert proc.wait(10) == -signal.SIGABRT
        pings = [m for m in harness.messages if m.fields.get("WATCHDOG") == "1"]
        assert len(pings) >= 2  # it pinged while the GUI thread ran
        counters = json.loads((state / "service.json").read_text())
        assert counters["running"] is True  # killed: no clean stop recorded
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    # systemd's Restart=always starts it again: the restart is counted as unclean
    proc = harness.spawn(config)
    try:
        harness.wait_for("READY", 60, proc)
        counters = json.loads((state / "service.json").read_text())
        assert (counters["starts"], counters["crash_restarts"]) == (2, 1)
        assert counters["restarts_this_boot"] == 1
        st = json.loads((state / STATE_FILE).read_text())
        assert st["pid"] == proc.pid and st["ready"] is True and st["journey"] is False
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    counters = json.loads((state / "service.json").read_text())
    assert (counters["running"], counters["last_exit"]) == (False, "clean")
    assert not (state / STATE_FILE).exists()


def test_memory_ceiling_exits_for_a_restart_when_idle(tmp_path: Path,
                                                      harness: NotifyHarness) -> None:
    state = tmp_path / "state"
    config = write_config(tmp_path / "kiosk.toml", state,
                          "[service]\nmemory_max_mb = 1\nmemory_check_seconds = 0.2\n")
    proc = harness.spawn(config)
    try:
        assert proc.wait(60) == EXIT_MEMORY
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    stopping = [m for m in harness.drain() if "STOPPING" in m.fields]
    assert stopping and "memory" in stopping[0].fields["STATUS"]
    counters = json.loads((state / "service.json").read_text())
    assert (counters["last_exit"], counters["memory_restarts"]) == ("memory", 1)


def test_memory_restart_waits_for_the_journey_to_end(qtbot: Any, tmp_path: Path) -> None:
    from devices.idcard.fake import FakeIdCardReader
    from devices.voice.fake import RecordingVoice
    from kiosk.app import Kiosk, make_qt_app
    from tests.gui.conftest import kiosk_config

    make_qt_app("zh_CN")
    voice = RecordingVoice()
    voice.open()
    kiosk = Kiosk(kiosk_config(tmp_path / "state"), devices={"idcard": FakeIdCardReader()},
                  voice_device=voice)
    qtbot.addWidget(kiosk.shell)
    kiosk.modes.settle()
    kiosk.start(show=True)
    exits: list[int] = []
    notifier = ServiceNotifier(tmp_path / "state", memory_max_mb=100, quit=exits.append,
                               env={})
    try:
        notifier.attach(kiosk)
        qtbot.waitUntil(lambda: kiosk.home.can_start("identify"), timeout=5000)
        kiosk.start_journey()
        assert kiosk.runner.active
        assert notifier.check_memory(rss=200 * 2**20)
        notifier.poll()
        notifier.poll()
        assert exits == []  # a farmer is in a journey: never restart now
        st = json.loads((tmp_path / "state" / STATE_FILE).read_text())
        assert st["journey"] is True
        kiosk.runner.stop()
        assert not kiosk.runner.active
        notifier.poll()
        assert exits == [EXIT_MEMORY]
    finally:
        notifier.close()
        kiosk.shutdown()
    counters = json.loads((tmp_path / "state" / "service.json").read_text())
    assert counters["memory_restarts"] == 1
