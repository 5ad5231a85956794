"""``kiosk-fleet``: the operations console and its tools.

    kiosk-fleet serve --state-dir DIR --broker mqtts://HOST:PORT --pki BROKER_DIR
    kiosk-fleet add-operator --state-dir DIR NAME        (password on stdin)
    kiosk-fleet simulate --terminals N --broker URL --pki BROKER_DIR [--interval S]

``--pki`` is the state directory of ``kiosk-sim broker`` (its CA, the console's certificate
and the operations desk's command key); on a real desk give ``--ca/--cert/--key/
--signing-key`` instead. ``serve`` prints one JSON line ``{"fleet": "up", "url": ...}`` once
listening and runs until SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any

EXIT_USAGE = 64


def _pki_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--broker", required=True, help="mqtts://HOST:PORT")
    p.add_argument("--pki", type=Path, help="a kiosk-sim broker state directory")
    p.add_argument("--ca", type=Path)
    p.add_argument("--cert", type=Path)
    p.add_argument("--key", type=Path)


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from fleet.alerts import AlertSettings
    from fleet.ingest import Ingest
    from fleet.store import Store
    from fleet.web import Console, create_app
    from kiosk.audit import AuditLog
    from kiosk.telemetry.mqtt import Endpoint
    from kiosk.telemetry.wire import load_private_key

    state = Path(args.state_dir)
    state.mkdir(parents=True, exist_ok=True)
    ca, cert, key, signing = args.ca, args.cert, args.key, args.signing_key
    if args.pki:
        ca = ca or args.pki / "tls" / "ca.pem"
        cert = cert or args.pki / "tls" / f"{args.client_id}.pem"
        key = key or args.pki / "tls" / f"{args.client_id}.key"
        signing = signing or args.pki / "ops" / "command.key"
    store = Store(state / "fleet.sqlite3")
    ingest = Ingest(store, Endpoint(args.broker, ca, cert, key, args.client_id),
                    state_dir=state, share_group=args.share_group,
                    alerts=AlertSettings(offline_minutes=args.offline_minutes,
                                         unresolved_minutes=args.unresolved_minutes,
                                         clock_skew_seconds=args.clock_skew_seconds))
    console = Console(store, ingest, load_private_key(signing) if signing else None,
                      AuditLog(state / "audit" / "audit.jsonl"), state)
    app = create_app(console)
    host, _, port = args.listen.rpartition(":")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host or "127.0.0.1", int(port or 0)))
    ingest.start()
    config = uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False)
    server = uvicorn.Server(config)  # handles SIGTERM/SIGINT itself

    def announce() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.02)
        if server.started:
            print(json.dumps({"fleet": "up", "url": f"http://{host or '127.0.0.1'}:"
                              f"{sock.getsockname()[1]}", "pid": os.getpid()}), flush=True)

    threading.Thread(target=announce, name="announce", daemon=True).start()
    try:
        server.run(sockets=[sock])
    finally:
        ingest.stop()
        store.close()
    return 0


def add_operator(args: argparse.Namespace) -> int:
    from fleet.store import Store

    password = sys.stdin.readline().rstrip("\n")
    try:
        Store(Path(args.state_dir) / "fleet.sqlite3").add_operator(args.name, password)
    except ValueError as exc:
        print(f"kiosk-fleet: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"operator {args.name} added")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="kiosk-fleet", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve", help="the operations console")
    s.add_argument("--state-dir", required=True)
    _pki_args(s)
    s.add_argument("--signing-key", type=Path, help="the operations desk's Ed25519 key")
    s.add_argument("--client-id", default="fleet-console")
    s.add_argument("--listen", default="127.0.0.1:0")
    s.add_argument("--share-group", help="MQTT shared-subscription group (several consoles)")
    s.add_argument("--offline-minutes", type=float, default=10.0)
    s.add_argument("--unresolved-minutes", type=float, default=30.0)
    s.add_argument("--clock-skew-seconds", type=float, default=60.0)
    a = sub.add_parser("add-operator", help="add or reset an operator (password on stdin)")
    a.add_argument("--state-dir", required=True)
    a.add_argument("name")
    g = sub.add_parser("simulate", help="load generator: N simulated terminals")
    _pki_args(g)
    g.add_argument("--terminals", type=int, required=True)
    g.add_argument("--interval", type=float, default=60.0, help="heartbeat seconds each")
    g.add_argument("--duration", type=float, default=0, help="seconds (0: until SIGTERM)")
    g.add_argument("--events-per-hour", type=float, default=2.0, help="per terminal")
    g.add_argument("--prefix", default="SIM")
    g.add_argument("--connect-rate", type=float, default=200.0, help="new connections/s")
    g.add_argument("--procs", type=int, default=1, help="load generator processes")
    g.add_argument("--offset", type=int, default=0, help="number of the first terminal")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.cmd == "serve":
        if not args.pki and not (args.ca and args.cert and args.key):
            p.error("serve needs --pki or --ca/--cert/--key")
        return serve(args)
    if args.cmd == "add-operator":
        return add_operator(args)
    from fleet.simulate import run_simulation

    result: dict[str, Any] = run_simulation(args)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
