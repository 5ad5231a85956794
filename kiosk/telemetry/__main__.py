"""``python -m kiosk.telemetry``: the telemetry alone, without the GUI (a terminal's health
reporter for tests, benchmarks and a technician checking the broker link).

Reports system figures only (versions, uptime, memory, disk, buffer); devices, journal and
mode come from the kiosk when it runs. Prints one JSON line once started, then runs until
SIGTERM/SIGINT. ``--screen`` and ``--journey`` set what the remote-command checks see (tests).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from kiosk.audit import audit_log
from kiosk.telemetry.client import Telemetry, TelemetrySettings
from kiosk.telemetry.mqtt import Endpoint
from kiosk.telemetry.providers import Actions, Providers


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m kiosk.telemetry")
    p.add_argument("--url", required=True, help="mqtts://HOST:PORT")
    p.add_argument("--ca", type=Path, required=True)
    p.add_argument("--cert", type=Path, required=True)
    p.add_argument("--key", type=Path, required=True)
    p.add_argument("--id", required=True, help="terminal id (the certificate CN)")
    p.add_argument("--service-point", default="")
    p.add_argument("--command-key", type=Path, help="the operations desk's public key (PEM)")
    p.add_argument("--state-dir", type=Path, required=True)
    p.add_argument("--interval", type=float, default=60.0, help="heartbeat seconds")
    p.add_argument("--keepalive", type=int, default=60)
    p.add_argument("--screen", default="attract")
    p.add_argument("--journey", default=None)
    args = p.parse_args(argv)
    state: dict[str, Any] = {"screen": args.screen, "journey": args.journey,
                             "mode": "inService"}
    providers = Providers(mode=lambda: state["mode"], journey=lambda: state["journey"])
    actions = Actions(screen=lambda: state["screen"],
                      out_of_service=lambda reason: state.update(mode="outOfService"),
                      in_service=lambda: state.update(mode="inService"))
    settings = TelemetrySettings(args.id, args.service_point,
                                 Endpoint(args.url, args.ca, args.cert, args.key, args.id),
                                 command_key=args.command_key, heartbeat_seconds=args.interval,
                                 keepalive=args.keepalive)
    tel = Telemetry(settings, args.state_dir, providers=providers, actions=actions,
                    audit=audit_log(args.state_dir))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda s, f: stop.set())
    signal.signal(signal.SIGINT, lambda s, f: stop.set())
    tel.start()
    connected = tel.connected.wait(20)
    print(json.dumps({"telemetry": "up", "connected": connected}), flush=True)
    while not stop.wait(0.5):
        pass
    tel.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
