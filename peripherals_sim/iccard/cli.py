"""``kiosk-sim iccard``: virtual PBOC bank cards in the vpcd reader of a real pcscd.

    kiosk-sim iccard [--vpcd HOST:PORT] [--control PORT] [--pcscd auto|no]
                     [--scenario F] [--state-dir D]

``--pcscd auto`` (the default) starts ``pcscd -f`` as our own child when none is running
(clearing stale /run/pcscd files; the daemon reads a private reader.conf.d with vpcd on the
``--vpcd`` port) and stops it on exit; ``no`` expects pcscd to be there. Ready line::

    {"sim": "iccard", "reader": "Virtual PCD 00 00", "control": "http://127.0.0.1:PORT",
     "vpcd": "127.0.0.1:35963", "pcscd": "started" | "existing" | "external"}

Control API (loopback): ``POST /card {"card": id}``, ``DELETE /card``, ``POST /fault
{"kind": "mute|remove_during_read|no_ppse|blocked|not_pboc|sw", ...}`` (``mute``: ``seconds``
the chip stays silent before the reader gives up; ``remove_during_read``: ``after`` APDUs;
``sw``: ``command`` select|gpo|read and ``sw`` hex), ``DELETE /fault``, ``GET /log``,
``GET /scenario``, ``GET /state``.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from peripherals_sim.control import ControlServer
from peripherals_sim.iccard.card import FAULT_KINDS, VirtualPbocCard
from peripherals_sim.iccard.pcscd import (
    DEFAULT_VPCD_PORT,
    READER_NAME,
    Pcscd,
    PcscdError,
    PcscdLock,
    running_pid,
)
from peripherals_sim.iccard.vpcd import VpcdSlot
from peripherals_sim.scenario import by_id, load_scenario

log = logging.getLogger("kiosk-sim.iccard")


class IccardSimulator:
    """The cards of a scenario, one vpcd slot, the fault switch and the log."""

    def __init__(self, scenario: dict[str, Any], host: str, port: int) -> None:
        self.scenario = scenario
        self.cards: list[dict[str, Any]] = list(scenario.get("cards") or [])
        self.people: list[dict[str, Any]] = list(scenario.get("people") or [])
        self.fault: dict[str, Any] = {}
        self.log: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self.slot = VpcdSlot(host, port, self._event)

    def _event(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self.log.append(entry)
            del self.log[:-2000]

    def insert(self, card_id: str) -> None:
        card = by_id(self.cards, card_id)
        person = None
        if card.get("person"):
            try:
                person = by_id(self.people, str(card["person"]))
            except KeyError:
                person = None
        vcard = VirtualPbocCard.from_scenario(card, person)
        vcard.fault = self.fault
        vcard.log = self.log
        self.slot.insert(vcard)

    def set_fault(self, fault: dict[str, Any]) -> None:
        kind = fault.get("kind")
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r} (one of {', '.join(FAULT_KINDS)})")
        self.fault.clear()
        self.fault.update(fault)
        if self.slot.card is not None:
            self.slot.card.apdu_count = 0

    def clear_fault(self) -> None:
        self.fault.clear()

    # control API ------------------------------------------------------------------------

    def routes(self, server: ControlServer) -> None:
        def post_card(body: dict[str, Any]) -> tuple[int, Any]:
            card_id = str(body.get("card") or "")
            try:
                self.insert(card_id)
            except KeyError:
                return 404, {"error": f"no card {card_id!r} in the scenario"}
            return 200, {"inserted": card_id}

        def delete_card(body: dict[str, Any]) -> tuple[int, Any]:
            return 200, {"removed": self.slot.remove()}

        def post_fault(body: dict[str, Any]) -> tuple[int, Any]:
            self.set_fault(dict(body))
            return 200, {"fault": self.fault}

        def delete_fault(body: dict[str, Any]) -> tuple[int, Any]:
            self.clear_fault()
            return 200, {"fault": None}

        def get_log(body: dict[str, Any]) -> tuple[int, Any]:
            with self._lock:
                return 200, list(self.log)

        def get_scenario(body: dict[str, Any]) -> tuple[int, Any]:
            return 200, {"cards": self.cards, "people": self.people}

        def get_state(body: dict[str, Any]) -> tuple[int, Any]:
            card = self.slot.card
            return 200, {"card": None if card is None else card.card_id,
                         "connected": self.slot.connected.is_set(),
                         "fault": self.fault or None, "fault_kinds": list(FAULT_KINDS)}

        server.add("POST", "/card", post_card)
        server.add("DELETE", "/card", delete_card)
        server.add("POST", "/fault", post_fault)
        server.add("DELETE", "/fault", delete_fault)
        server.add("GET", "/log", get_log)
        server.add("GET", "/scenario", get_scenario)
        server.add("GET", "/state", get_state)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kiosk-sim iccard", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--vpcd", default=f"127.0.0.1:{DEFAULT_VPCD_PORT}",
                   help="vpcd HOST:PORT of the reader slot (default 127.0.0.1:35963)")
    p.add_argument("--control", type=int, default=0, help="control API port (0: ephemeral)")
    p.add_argument("--pcscd", choices=("auto", "no"), default="auto")
    p.add_argument("--scenario", default=None)
    p.add_argument("--state-dir", default=None)
    p.add_argument("--card", default=None, help="insert this scenario card at start")
    p.add_argument("--verbose", action="store_true")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        stream=sys.stderr)
    host, _, port_s = args.vpcd.rpartition(":")
    port = int(port_s)
    scenario = load_scenario(args.scenario)
    state_dir = Path(args.state_dir or tempfile.mkdtemp(prefix="kiosk-sim-iccard-"))
    state_dir.mkdir(parents=True, exist_ok=True)

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())

    lock: PcscdLock | None = None
    daemon: Pcscd | None = None
    pcscd_mode = "external"
    base_port = DEFAULT_VPCD_PORT
    if args.pcscd == "auto":
        if running_pid() is not None:
            pcscd_mode = "existing"
        else:
            lock = PcscdLock()
            try:
                lock.acquire(timeout=120.0)
                if running_pid() is not None:
                    pcscd_mode = "existing"
                    lock.release()
                    lock = None
                else:
                    daemon = Pcscd(state_dir / "pcscd", port)
                    daemon.start()
                    pcscd_mode = "started"
                    base_port = port
            except PcscdError as exc:
                print(f"kiosk-sim iccard: {exc}", file=sys.stderr)
                if lock is not None:
                    lock.release()
                return 2
    slot_index = port - base_port if 0 <= port - base_port <= 1 else 0

    sim = IccardSimulator(scenario, host or "127.0.0.1", port)
    server = ControlServer(port=args.control)
    sim.routes(server)
    server.start()
    try:
        if args.card:
            sim.insert(args.card)
        ready = {
            "sim": "iccard",
            "reader": f"{READER_NAME} 00 {slot_index:02X}",
            "control": server.url,
            "vpcd": f"{host}:{port}",
            "pcscd": pcscd_mode,
        }
        print(json.dumps(ready), flush=True)
        stop.wait()
    finally:
        sim.slot.remove()
        server.stop()
        if daemon is not None:
            daemon.stop()
        if lock is not None:
            lock.release()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
