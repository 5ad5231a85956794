"""``kiosk-sim idcard``: a SAM_V ID card reader on a TCP socket or a pty, with a control API.

    kiosk-sim idcard --listen tcp://127.0.0.1:0 | --pty [--control PORT] [--pace]
                     [--baud 115200] [--scenario FILE] [--state-dir DIR]

Ready line: ``{"sim": "idcard", "url": "socket://127.0.0.1:N" | "/dev/pts/N",
"control": "http://127.0.0.1:M"}``. Control API (JSON, loopback):
``POST /card`` (``{"person": "<scenario id>"}`` or identity fields), ``DELETE /card``,
``POST /fault`` (``{"kind": "checksum|garbage|noise|silence|sam_fail|sam_unauthorised|
read_fail|select_fail|unknown_card", "count": N?}``), ``DELETE /fault``, ``GET /log``,
``GET /state``, ``GET /scenario`` (the ``people`` section).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from peripherals_sim.control import ControlServer
from peripherals_sim.idcard.card import CardDataError, card_for
from peripherals_sim.idcard.reader import FAULT_KINDS, SimReader
from peripherals_sim.idcard.transport import PtyTransport, TcpTransport
from peripherals_sim.scenario import by_id, load_scenario


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="kiosk-sim idcard",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--listen", help="tcp://HOST:PORT (port 0: ephemeral)")
    where.add_argument("--pty", action="store_true", help="open a pseudo-terminal")
    p.add_argument("--control", type=int, default=0, help="control API port (0: ephemeral)")
    p.add_argument("--pace", action="store_true", help="send bytes at the baud rate")
    p.add_argument("--baud", type=int, default=115200, help="line rate for --pace")
    p.add_argument("--scenario", help="scenario YAML (default: the demo scenario)")
    p.add_argument("--state-dir", help="where the command log is written (optional)")
    p.add_argument("--person", help="scenario person whose card is on the pad at start")
    return p


class IdCardSimulator:
    """The reader, its transport and its control API."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.scenario = load_scenario(args.scenario)
        self.people: list[dict[str, Any]] = list(self.scenario.get("people") or [])
        self.reader = SimReader()
        baud = args.baud if args.pace else None
        if args.pty:
            self.transport: PtyTransport | TcpTransport = PtyTransport(self.reader, baud)
        else:
            url = urlparse(args.listen)
            if url.scheme != "tcp" or not url.hostname:
                raise SystemExit("kiosk-sim idcard: --listen takes tcp://HOST:PORT")
            self.transport = TcpTransport(self.reader, url.hostname, url.port or 0, baud)
        self.control = ControlServer(port=args.control)
        self.state_dir = Path(args.state_dir) if args.state_dir else None
        self._routes()
        if args.person:
            self.insert({"person": args.person})

    def _routes(self) -> None:
        c = self.control
        c.add("POST", "/card", lambda body: (200, self.insert(body)))
        c.add("DELETE", "/card", lambda body: (200, self.remove()))
        c.add("POST", "/fault", lambda body: (200, self.set_fault(body)))
        c.add("DELETE", "/fault", lambda body: (200, self.clear_fault()))
        c.add("GET", "/log", lambda body: (200, list(self.reader.log)))
        c.add("GET", "/state", lambda body: (200, self.reader.state()))
        c.add("GET", "/scenario", lambda body: (200, {"people": self.people}))

    def insert(self, body: dict[str, Any]) -> dict[str, Any]:
        person = by_id(self.people, str(body["person"])) if "person" in body else body
        try:
            card = card_for(person)
        except CardDataError as exc:
            raise ValueError(str(exc)) from exc
        self.reader.insert(card)
        return self.reader.state()

    def remove(self) -> dict[str, Any]:
        self.reader.remove()
        return self.reader.state()

    def set_fault(self, body: dict[str, Any]) -> dict[str, Any]:
        kind = str(body.get("kind"))
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r} (one of {', '.join(FAULT_KINDS)})")
        count = body.get("count")
        self.reader.set_fault(kind, None if count is None else int(count))
        return self.reader.state()

    def clear_fault(self) -> dict[str, Any]:
        self.reader.clear_fault()
        return self.reader.state()

    def start(self) -> dict[str, str]:
        self.transport.start()
        self.control.start()
        return {"sim": "idcard", "url": self.transport.url, "control": self.control.url}

    def stop(self) -> None:
        self.control.stop()
        self.transport.stop()
        if self.state_dir is not None:
            self.state_dir.mkdir(parents=True, exist_ok=True)
            with (self.state_dir / "idcard-log.jsonl").open("a", encoding="utf-8") as fh:
                for entry in self.reader.log:
                    fh.write(json.dumps(entry) + "\n")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    sim = IdCardSimulator(args)
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    ready = sim.start()
    print(json.dumps(ready), flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
