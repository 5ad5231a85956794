"""``kiosk-sim pinpad``: the KMY-family EPP on a TCP socket or a pseudo-terminal.

    kiosk-sim pinpad --listen tcp://127.0.0.1:0 | --pty [--control PORT] [--scenario F]
                     [--state-dir D] [--framing binary|ascii] [--etx] [--algorithm 3des|sm4]
                     [--sm4-convention a|b] [--reply-kcv] [--pace] [--baud 9600]

Ready line: ``{"sim": "pinpad", "url": ..., "control": ...}``. Control API (loopback):
``POST /keys {"keys": "123456E"}``, ``GET /state``, ``POST /fault {"kind": ...}``
(no_answer, checksum, key_slot_empty, noise, split), ``DELETE /fault``, ``GET /log``,
``GET /scenario``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import select
import signal
import socket
import sys
import tempfile
import termios
import threading
import time
import tty
from pathlib import Path
from typing import Any

from peripherals_sim.control import ControlServer
from peripherals_sim.pinpad.epp import FAULTS, Epp
from peripherals_sim.pinpad.wire import RequestParser, build_reply
from peripherals_sim.scenario import load_scenario


class Link:
    """Byte transport to the host plus framing, pacing and reply faults."""

    def __init__(self, epp: Epp, ascii_hex: bool, etx: bool, pace_baud: int | None) -> None:
        self.epp = epp
        self.ascii_hex = ascii_hex
        self.etx = etx
        self.pace_baud = pace_baud
        self._write_lock = threading.Lock()
        self.stopping = threading.Event()
        epp.send = self.send

    def raw_write(self, data: bytes) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def send(self, data: bytes) -> None:
        with self._write_lock:
            if self.pace_baud:
                time.sleep(len(data) * 10 / self.pace_baud)  # 8N1: ten bit times a byte
            # Nobody connected: a real pad's bytes would be lost too.
            with contextlib.suppress(OSError):
                self.raw_write(data)

    def on_bytes(self, parser: RequestParser, chunk: bytes) -> None:
        for cmd, data in parser.push(chunk):
            if isinstance(cmd, str):
                self.epp.note(dir="rx", bad=data.decode())
                continue
            if self.pace_baud:
                # The reply cannot start before the request has crossed the line.
                request_len = len(build_reply(cmd, data, self.ascii_hex, self.etx))
                time.sleep(request_len * 10 / self.pace_baud)
            with self.epp.lock:  # no key echo between a command and its reply
                result = self.epp.handle(cmd, data)
                if result is None:
                    continue
                frame = build_reply(result[0], result[1], self.ascii_hex, self.etx,
                                    corrupt=self.epp.fault == "checksum")
                if self.epp.fault == "noise":
                    frame = b"\xff\x55\xaa" + frame  # line noise, no STX, no echo code
                if self.epp.fault == "split":  # the reply dribbles in, a few bytes at a time
                    for i in range(0, len(frame), 3):
                        self.send(frame[i:i + 3])
                        time.sleep(0.003)
                    continue
                self.send(frame)


class TcpLink(Link):
    """One host connection at a time; a new one replaces the old."""

    def __init__(self, host: str, port: int, **kw: Any) -> None:
        super().__init__(**kw)
        self.server = socket.create_server((host, port))
        self.conn: socket.socket | None = None
        self.url = "socket://{}:{}".format(*self.server.getsockname()[:2])
        threading.Thread(target=self._serve, name="pinpad-tcp", daemon=True).start()

    def raw_write(self, data: bytes) -> None:
        if self.conn is None:
            raise OSError("no connection")
        self.conn.sendall(data)

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            old, self.conn = self.conn, conn
            if old is not None:
                old.close()
            threading.Thread(target=self._read, args=(conn,), daemon=True).start()

    def _read(self, conn: socket.socket) -> None:
        parser = RequestParser(self.ascii_hex)
        while not self.stopping.is_set():
            try:
                chunk = conn.recv(4096)
            except OSError:
                break
            if not chunk:
                break
            self.on_bytes(parser, chunk)
        if self.conn is conn:
            self.conn = None

    def close(self) -> None:
        self.stopping.set()
        self.server.close()
        if self.conn is not None:
            self.conn.close()


class PtyLink(Link):
    """A pseudo-terminal: the host opens the slave path like a serial port."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave, termios.TCSANOW)
        self.url = os.ttyname(self.slave)
        threading.Thread(target=self._read, name="pinpad-pty", daemon=True).start()

    def raw_write(self, data: bytes) -> None:
        os.write(self.master, data)

    def _read(self) -> None:
        parser = RequestParser(self.ascii_hex)
        while not self.stopping.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if not ready:
                continue
            try:
                chunk = os.read(self.master, 4096)
            except OSError:
                time.sleep(0.05)
                continue
            self.on_bytes(parser, chunk)

    def close(self) -> None:
        self.stopping.set()
        for fd in (self.master, self.slave):
            with contextlib.suppress(OSError):
                os.close(fd)


def build_control(epp: Epp, port: int, cards: list[dict[str, Any]]) -> ControlServer:
    server = ControlServer(port=port)

    def post_keys(body: dict[str, Any]) -> tuple[int, Any]:
        return 200, epp.press(str(body["keys"]))

    def post_fault(body: dict[str, Any]) -> tuple[int, Any]:
        kind = str(body["kind"])
        if kind not in FAULTS:
            return 400, {"error": f"unknown fault {kind!r}", "kinds": list(FAULTS)}
        epp.fault = kind
        return 200, {"fault": kind}

    def delete_fault(body: dict[str, Any]) -> tuple[int, Any]:
        epp.fault = None
        return 200, {"fault": None}

    def get_scenario(body: dict[str, Any]) -> tuple[int, Any]:
        return 200, {"terminals": epp.scenario.get("terminals", []), "cards": cards,
                     "faults": list(FAULTS)}

    server.add("POST", "/keys", post_keys)
    server.add("GET", "/state", lambda body: (200, epp.state()))
    server.add("POST", "/fault", post_fault)
    server.add("DELETE", "/fault", delete_fault)
    server.add("GET", "/log", lambda body: (200, epp.log()))
    server.add("GET", "/scenario", get_scenario)
    return server


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="kiosk-sim pinpad", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--listen", help="tcp://HOST:PORT (port 0: ephemeral)")
    where.add_argument("--pty", action="store_true", help="serve on a pseudo-terminal")
    p.add_argument("--control", type=int, default=0, help="control API port (0: ephemeral)")
    p.add_argument("--scenario", help="scenario YAML (default: the demo)")
    p.add_argument("--state-dir", help="key slots live here (default: a fresh temp dir)")
    p.add_argument("--framing", choices=("binary", "ascii"), default="binary")
    p.add_argument("--etx", action="store_true", help="ASCII framing: end replies with 03")
    p.add_argument("--algorithm", choices=("3des", "sm4"), default="3des",
                   help="which scenario TMK the pad holds on first start")
    p.add_argument("--sm4-convention", choices=("a", "b"), default="a",
                   help="SM4 PIN block widening (reference §2.3)")
    p.add_argument("--reply-kcv", action="store_true",
                   help="answer key loads with the key's check value")
    p.add_argument("--pace", action="store_true", help="pace replies at --baud")
    p.add_argument("--baud", type=int, default=9600)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(list(sys.argv[1:] if argv is None else argv))
    scenario = load_scenario(args.scenario)
    state_dir = Path(args.state_dir) if args.state_dir else Path(
        tempfile.mkdtemp(prefix="pinpad-sim-"))
    epp = Epp(state_dir, scenario, algorithm=args.algorithm,
              sm4_convention=args.sm4_convention, reply_kcv=args.reply_kcv)
    kw: dict[str, Any] = {"epp": epp, "ascii_hex": args.framing == "ascii", "etx": args.etx,
                          "pace_baud": args.baud if args.pace else None}
    link: TcpLink | PtyLink
    if args.pty:
        link = PtyLink(**kw)
    else:
        target = args.listen.split("://", 1)[-1]
        host, _, port = target.rpartition(":")
        link = TcpLink(host or "127.0.0.1", int(port), **kw)
    cards = [{"id": c.get("id"), "pan": c.get("pan"), "pin": c.get("pin")}
             for c in scenario.get("cards", [])]
    control = build_control(epp, args.control, cards)
    control.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print(json.dumps({"sim": "pinpad", "url": link.url, "control": control.url,
                      "state_dir": str(state_dir)}), flush=True)
    while not stop.wait(0.5):
        pass
    control.stop()
    link.close()
    epp.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
