"""The running kiosk's telemetry (kiosk/telemetry/appwire.py) against a real Mosquitto: device
states and mode in the heartbeat, remote out of service and back on the attract screen, a
screenshot of the real screen, refused while a farmer's journey is on."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from PIL import Image

from kiosk.telemetry.appwire import KioskTelemetry
from kiosk.telemetry.client import TelemetrySettings
from kiosk.telemetry.wire import command_topic, load_private_key, make_command, sign_command
from peripherals_sim.broker.mosquitto import Mosquitto
from tests.gui.conftest import Rig
from tests.mqtt_fleet.conftest import Observer, endpoint

TID = "ZN0001"


def test_remote_commands_on_the_running_kiosk(rig: Rig, broker: Mosquitto, qtbot: Any,
                                              state_dir: Path) -> None:
    kiosk = rig.kiosk
    crash = state_dir / "crash" / "crash-20261203T010203-4242.log"  # left by a run that died
    crash.parent.mkdir(exist_ok=True)
    crash.write_text("Traceback (most recent call last):\nValueError: card 6228480402564890018")
    settings = TelemetrySettings(TID, "test point", endpoint(broker, TID),
                                 command_key=broker.pki.command_pub, heartbeat_seconds=3600,
                                 reconnect_min=0.2, reconnect_max=0.5)
    console = Observer(broker)
    tel = KioskTelemetry(kiosk, settings).start()
    key = load_private_key(broker.pki.command_key)
    try:
        qtbot.waitUntil(tel.telemetry.connected.is_set, timeout=10000)
        qtbot.waitUntil(lambda: "idcard" in tel._devices, timeout=5000)
        qtbot.waitUntil(lambda: any(t.endswith("/evt") and json.loads(p)["kind"] == "crash"
                                    for t, p, _ in console.seen), timeout=10000)
        crashes = [json.loads(p)["detail"] for t, p, _ in console.seen
                   if t.endswith("/evt") and json.loads(p)["kind"] == "crash"]
        assert [c["file"] for c in crashes] == [crash.name]  # once, masked
        assert "6228480402564890018" not in crashes[0]["last_line"]
        assert crashes[0]["last_line"].startswith("ValueError: card 622848")
        hb = tel.telemetry.heartbeat_now()
        assert hb["devices"]["idcard"]["state"] == "online"
        assert hb["mode"] == "degraded" and hb["journey"] is None

        def command(cmd: str, **args: Any) -> dict[str, Any]:
            body = make_command(TID, cmd, args, operator="op.wang")
            before = len(console.seen)
            console.publish(command_topic(TID), sign_command(body, key))

            def replied() -> bool:
                return any(t.endswith("/reply") and json.loads(p)["id"] == body["id"]
                           for t, p, _ in console.seen[before:])
            qtbot.waitUntil(replied, timeout=10000)
            return next(json.loads(p) for t, p, _ in console.seen[before:]
                        if t.endswith("/reply") and json.loads(p)["id"] == body["id"])

        reply = command("out_of_service", reason="打印机换纸")
        assert reply["ok"] is True
        assert kiosk.modes.mode.value == "outOfService"
        assert not kiosk.home.can_start("identify")
        assert not any(t.isEnabled() for t in kiosk.shell.attract.tiles if t.isVisible())
        assert "运维中心暂停了本机服务" in kiosk.shell.attract.banner.text()
        assert tel.telemetry.heartbeat_now()["mode"] == "outOfService"
        shot = command("screenshot")
        assert shot["ok"] is True and shot["screen"] == "out_of_service"
        import base64

        image = Image.open(io.BytesIO(base64.b64decode(shot["png"])))
        assert image.size == (kiosk.shell.width(), kiosk.shell.height())
        assert command("in_service")["ok"] is True
        assert kiosk.modes.mode.value == "degraded"
        assert kiosk.home.can_start("identify")
        modes = [json.loads(p)["detail"] for t, p, _ in console.seen
                 if t.endswith("/evt") and json.loads(p)["kind"] == "mode"]
        assert [(m["new"], m["remote"]) for m in modes][-2:] == [("outOfService", True),
                                                                 ("degraded", False)]
        rig.start()  # a farmer starts a journey: no screenshot now
        busy = command("screenshot")
        assert busy["ok"] is False and busy["error"] == "busy" and "png" not in busy
    finally:
        tel.stop()
        console.close()
