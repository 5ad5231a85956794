"""``kiosk-sim printer --listen tcp://127.0.0.1:PORT --out DIR [--control PORT] [--pace BPS]``.

Prints one ready line ``{"sim": "printer", "url": "tcp://127.0.0.1:N", "control": …,
"out": DIR}`` and runs until SIGTERM/SIGINT. Control API (loopback HTTP JSON):
``GET /receipts``, ``GET /receipts/N`` (text), ``GET /receipts/N.png``, ``GET /receipts/N.bin``,
``POST /fault {"kind": …, "after_lines": N}``, ``DELETE /fault``, ``GET /fault``,
``GET /log``, ``GET /scenario``.
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
from urllib.parse import urlsplit

from peripherals_sim.control import ControlServer
from peripherals_sim.printer.server import FAULT_KINDS, PrinterSim, PrinterTcpServer
from peripherals_sim.scenario import load_scenario


def build_control(sim: PrinterSim, scenario: dict[str, Any], port: int) -> ControlServer:
    """The control API routes over ``sim``."""
    ctl = ControlServer(port=port)

    def receipts(body: Any) -> tuple[int, Any]:
        return 200, sim.jobs()

    def receipt_png(body: Any, n: str) -> tuple[int, Any]:
        try:
            return 200, sim.job_png(int(n))
        except (KeyError, FileNotFoundError):
            return 404, {"error": f"no receipt {n}"}

    def receipt_bin(body: Any, n: str) -> tuple[int, Any]:
        path = sim.out_dir / f"{int(n):04d}.bin"
        if not path.exists():
            return 404, {"error": f"no receipt {n}"}
        return 200, path.read_bytes()

    def receipt_text(body: Any, n: str) -> tuple[int, Any]:
        try:
            return 200, sim.job_text(int(n))
        except FileNotFoundError:
            return 404, {"error": f"no receipt {n}"}

    def post_fault(body: Any) -> tuple[int, Any]:
        kind = body.get("kind")
        if kind not in FAULT_KINDS:
            return 400, {"error": f"kind must be one of {', '.join(FAULT_KINDS)}"}
        after = body.get("after_lines")
        sim.set_fault(kind, None if after is None else int(after))
        return 200, sim.faults()

    def delete_fault(body: Any) -> tuple[int, Any]:
        sim.clear_fault()
        return 200, sim.faults()

    ctl.add("GET", "/receipts", receipts)
    ctl.add("GET", "/receipts/{n}.png", receipt_png, "image/png")
    ctl.add("GET", "/receipts/{n}.bin", receipt_bin, "application/octet-stream")
    ctl.add("GET", "/receipts/{n}", receipt_text)
    ctl.add("POST", "/fault", post_fault)
    ctl.add("DELETE", "/fault", delete_fault)
    ctl.add("GET", "/fault", lambda body: (200, sim.faults()))
    ctl.add("GET", "/log", lambda body: (200, list(sim.log)))
    ctl.add("GET", "/scenario", lambda body: (200, {
        "printer": scenario.get("printer", {}), "terminals": scenario.get("terminals", [])}))
    return ctl


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="kiosk-sim printer", description=__doc__)
    ap.add_argument("--listen", default="tcp://127.0.0.1:0", help="tcp://HOST:PORT (0: any)")
    ap.add_argument("--out", help="directory for NNNN.txt/png/bin (default: STATE_DIR/printer)")
    ap.add_argument("--control", type=int, default=None, help="control API port (0: any)")
    ap.add_argument("--scenario", default=None)
    ap.add_argument("--state-dir", default=None)
    ap.add_argument("--no-png", action="store_true", help="do not render PNG pictures")
    ap.add_argument("--pace", type=float, default=0,
                    help="take bytes at this line rate in bit/s (e.g. 115200), 10 bits a byte")
    args = ap.parse_args(argv)
    listen = urlsplit(args.listen)
    if listen.scheme != "tcp" or not listen.hostname:
        ap.error("--listen must be tcp://HOST:PORT")
        return 64
    scenario = load_scenario(args.scenario)
    state_dir = Path(args.state_dir or tempfile.mkdtemp(prefix="printer-sim-"))
    out = Path(args.out) if args.out else state_dir / "printer"
    config = dict(scenario.get("printer") or {})
    if args.no_png:
        config["render_png"] = False
    if args.pace:
        config["pace"] = args.pace
    sim = PrinterSim(out, config)
    server = PrinterTcpServer(sim, listen.hostname, listen.port or 0)
    threading.Thread(target=server.serve_forever, name="printer-sim", daemon=True).start()
    ctl = None
    if args.control is not None:
        ctl = build_control(sim, scenario, args.control)
        ctl.start()
    host, port = str(server.server_address[0]), int(server.server_address[1])
    print(json.dumps({"sim": "printer", "url": f"tcp://{host}:{port}",
                      "control": ctl.url if ctl else None, "out": str(out)}), flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    while not done.wait(0.5):
        pass
    server.stop()
    if ctl is not None:
        ctl.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
