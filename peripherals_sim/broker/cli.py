"""``kiosk-sim broker``: Debian's Mosquitto with the fleet's TLS, client certificates and ACL.

Prints one ready line, e.g.::

    {"sim": "broker", "url": "mqtts://127.0.0.1:40123", "ca_file": ".../tls/ca.pem",
     "command_key": ".../ops/command.key", "command_pub": ".../ops/command.pub",
     "terminals": {"ZN610425001": {"cert_file": ..., "key_file": ...}},
     "consoles": {"fleet-console": {"cert_file": ..., "key_file": ...}}}

and runs until SIGTERM/SIGINT (then stops mosquitto). Exit 69 (EX_UNAVAILABLE) when the
mosquitto package is not installed.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from peripherals_sim.broker.mosquitto import Mosquitto, MosquittoError, find_mosquitto
from peripherals_sim.scenario import load_scenario

EXIT_UNAVAILABLE = 69


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="kiosk-sim broker", description=__doc__.split("\n\n")[0])
    p.add_argument("--state-dir", help="PKI, configuration and persistence (default: temporary)")
    p.add_argument("--scenario", help="scenario YAML: its terminals get client certificates")
    p.add_argument("--terminals", default="", help="more terminal ids (comma-separated)")
    p.add_argument("--consoles", default="fleet-console", help="console ids (comma-separated)")
    p.add_argument("--port", type=int, default=0, help="listen port on 127.0.0.1 (0: free)")
    p.add_argument("--control", type=int, default=-1, help="ignored (no control API)")
    args = p.parse_args(argv)
    if find_mosquitto() is None:
        print("kiosk-sim broker: mosquitto is not installed (apt-get install mosquitto)",
              file=sys.stderr)
        return EXIT_UNAVAILABLE
    state_dir = Path(args.state_dir or tempfile.mkdtemp(prefix="kiosk-sim-broker-"))
    scenario = load_scenario(args.scenario)
    terminals = [t["id"] for t in scenario.get("terminals", [])]
    terminals += [t.strip() for t in args.terminals.split(",") if t.strip()]
    consoles = [c.strip() for c in args.consoles.split(",") if c.strip()]
    broker = Mosquitto(state_dir, consoles=consoles, terminals=terminals, port=args.port)
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        broker.start()
    except MosquittoError as exc:
        print(f"kiosk-sim broker: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(broker.ready_line(terminals), ensure_ascii=False), flush=True)
    try:
        while not stop.wait(0.5):
            if broker.proc is None or broker.proc.poll() is not None:
                print("kiosk-sim broker: mosquitto exited:\n" + broker.log_tail(),
                      file=sys.stderr)
                return 1
    finally:
        broker.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
