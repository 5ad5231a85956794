"""The printer simulator: a TCP ESC/POS printer (port 9100 style) that renders the paper.

One parser per connection (a printer keeps its modes across jobs); a job ends at a cut, at
the end of the connection, or after ``idle_timeout`` seconds of silence. Each job is written
to the output directory as ``NNNN.txt`` (text), ``NNNN.png`` (picture of the paper),
``NNNN.bin`` (the bytes received) and ``NNNN.json`` (summary). Status requests are answered
from the fault state: ``paper_out`` (optionally after N more lines), ``paper_near_end``,
``cover_open``, ``offline``, ``cutter_error`` and ``silent`` (never answers).
"""

from __future__ import annotations

import json
import logging
import queue
import socket
import socketserver
import threading
import time
from pathlib import Path
from typing import Any

from peripherals_sim.printer.parser import (
    EscPosParser,
    Item,
    PaperState,
    QrCode,
    Raster,
    TextLine,
)
from peripherals_sim.printer.render import describe, to_png, to_text

log = logging.getLogger(__name__)

FAULT_KINDS = ("paper_out", "paper_near_end", "cover_open", "offline", "cutter_error", "silent")


class PrinterSim:
    """Fault state, job store and rendering; the TCP server and the control API use it."""

    def __init__(self, out_dir: Path, config: dict[str, Any] | None = None) -> None:
        cfg = dict(config or {})
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.width_px = int(cfg.get("width_px", 384))
        self.columns = int(cfg.get("columns", self.width_px // 12))
        self.codec = str(cfg.get("codec", "gb18030"))
        self.font_charset = str(cfg.get("font_charset", self.codec))
        self.chinese_default = bool(cfg.get("chinese_mode_default", True))
        self.idle_timeout = float(cfg.get("idle_timeout", 2.0))
        # pace: bits per second of the line the printer is on (0: as fast as loopback goes);
        # every byte then takes 10 bit times to arrive, as on a serial line (8N1)
        self.pace = float(cfg.get("pace", 0) or 0)
        self.render_png = bool(cfg.get("render_png", True))
        self.config = cfg
        self._lock = threading.Lock()
        self._faults: set[str] = set()
        self._paper_left: int | None = None
        self._jobs: list[dict[str, Any]] = []
        self.log: list[dict[str, Any]] = []
        self._png_done: dict[int, threading.Event] = {}
        self._png_queue: queue.Queue[tuple[Path, PaperState, threading.Event]] = queue.Queue()
        if self.render_png:
            threading.Thread(target=self._png_worker, name="printer-png", daemon=True).start()

    def _png_worker(self) -> None:
        while True:
            path, paper, done = self._png_queue.get()
            try:
                path.write_bytes(to_png(paper.items, self.width_px, paper.dropped_items))
            except Exception:
                log.exception("rendering %s failed", path.name)
            finally:
                done.set()

    # --- faults -------------------------------------------------------------------------------

    def set_fault(self, kind: str, after_lines: int | None = None) -> None:
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r} (one of {', '.join(FAULT_KINDS)})")
        with self._lock:
            if kind == "paper_out" and after_lines is not None:
                self._paper_left = max(0, int(after_lines))
            else:
                self._faults.add(kind)

    def clear_fault(self) -> None:
        with self._lock:
            self._faults.clear()
            self._paper_left = None

    def faults(self) -> dict[str, Any]:
        with self._lock:
            return {"faults": sorted(self._faults), "paper_left": self._paper_left}

    def _paper_out(self) -> bool:
        return "paper_out" in self._faults or self._paper_left == 0

    def respond(self, kind: str, n: int) -> bytes:
        """The reply byte(s) of a status request, from the fault state (b"" = silent)."""
        with self._lock:
            f = self._faults
            if "silent" in f:
                return b""
            out = self._paper_out()
            if kind == "dle_eot":
                b = 0x12
                if n == 1 and (out or f & {"offline", "cover_open", "cutter_error"}):
                    b |= 0x08
                elif n == 2:
                    b |= (0x04 if "cover_open" in f else 0) | (0x20 if out else 0)
                    b |= 0x40 if "cutter_error" in f else 0
                elif n == 3:
                    b |= 0x08 if "cutter_error" in f else 0
                elif n == 4:
                    b |= 0x6C if out else (0x0C if "paper_near_end" in f else 0)
                elif n not in (1, 2, 3, 4):
                    return b""
                reply = bytes([b])
            elif kind == "gs_r":
                if n in (1, 49):
                    reply = bytes([0x0F if out else (0x03 if "paper_near_end" in f else 0)])
                else:
                    reply = b"\x00"
            elif kind == "gs_i":
                reply = {1: b"\x20", 2: b"\x02", 3: b"\x00"}.get(n, b"")
            else:
                reply = b""
            self.log.append({"query": kind, "n": n, "reply": reply.hex()})
            del self.log[:-200]
            return reply

    def can_print(self, item: Item) -> bool:
        with self._lock:
            if self._paper_out() or self._faults & {"cover_open", "offline", "cutter_error"}:
                return False  # a stopped printer prints nothing, and cannot cut
            if self._paper_left is not None and isinstance(item, TextLine | Raster | QrCode):
                self._paper_left -= 1
            return True

    # --- jobs ---------------------------------------------------------------------------------

    def new_parser(self, on_cut: Any = None) -> EscPosParser:
        return EscPosParser(self.codec, self.font_charset, self.chinese_default,
                            respond=self.respond, can_print=self.can_print, on_cut=on_cut)

    def store_job(self, paper: PaperState, raw: bytes) -> dict[str, Any]:
        """Write one job's files and remember its summary."""
        with self._lock:
            n = len(self._jobs) + 1
            entry: dict[str, Any] = {"n": n}
            self._jobs.append(entry)
        stem = self.out_dir / f"{n:04d}"
        text = to_text(paper.items, self.columns, paper.dropped_items)
        stem.with_suffix(".txt").write_text(text, encoding="utf-8")
        stem.with_suffix(".bin").write_bytes(raw)
        if self.render_png:  # off the connection thread: status replies must stay prompt
            done = threading.Event()
            self._png_done[n] = done
            self._png_queue.put((stem.with_suffix(".png"), paper, done))
        entry.update(describe(paper.items))
        entry.update({
            "errors": list(paper.errors), "unknown": list(paper.unknown),
            "not_printed": paper.dropped_items, "bytes": len(raw),
            "complete": entry.get("cut") is not None and not paper.dropped_items,
            "text": f"{n:04d}.txt", "png": f"{n:04d}.png" if self.render_png else None,
        })
        stem.with_suffix(".json").write_text(json.dumps(entry, ensure_ascii=False, indent=1),
                                             encoding="utf-8")
        log.info("printer job %d: %d lines, %d errors", n, entry["lines"], len(paper.errors))
        return entry

    def jobs(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(j) for j in self._jobs if "lines" in j]

    def job_text(self, n: int) -> str:
        return (self.out_dir / f"{n:04d}.txt").read_text(encoding="utf-8")

    def job_png(self, n: int, wait: float = 20.0) -> bytes:
        done = self._png_done.get(n)
        if done is not None:
            done.wait(wait)
        path = self.out_dir / f"{n:04d}.png"
        if not path.exists():
            raise KeyError(n)
        return path.read_bytes()

    # --- one connection -----------------------------------------------------------------------

    def serve_connection(self, sock: socket.socket, stop: threading.Event) -> None:
        """Read a connection until EOF; answer status requests; store each job."""
        raw = bytearray()
        state: dict[str, Any] = {"start": 0}

        def on_cut(offset: int) -> None:
            start = state["start"]
            paper = parser.paper
            parser.paper = PaperState()
            self.store_job(paper, bytes(raw[start - state["base"]: offset - state["base"]]))
            state["start"] = offset

        state["base"] = 0
        parser = self.new_parser(on_cut)
        sock.settimeout(self.idle_timeout)
        while not stop.is_set():
            try:
                data = sock.recv(65536)
            except TimeoutError:
                self._flush(parser, raw, state)
                continue
            except OSError:
                break
            if not data:
                break
            if self.pace:
                time.sleep(len(data) * 10 / self.pace)
            raw += data
            reply = parser.feed(data)
            if reply:
                try:
                    sock.sendall(reply)
                except OSError:
                    break
            # keep only the bytes of the job in progress
            drop = state["start"] - state["base"]
            if drop > 0:
                del raw[:drop]
                state["base"] = state["start"]
        parser.finish()
        self._flush(parser, raw, state)

    def _flush(self, parser: EscPosParser, raw: bytearray, state: dict[str, Any]) -> None:
        if parser.runs:
            parser._emit_line()
        paper = parser.paper
        if paper.items or paper.dropped_items:
            parser.paper = PaperState()
            self.store_job(paper, bytes(raw[state["start"] - state["base"]:]))
            state["start"] = state["base"] + len(raw)


class _Handler(socketserver.BaseRequestHandler):
    server: PrinterTcpServer

    def handle(self) -> None:
        self.server.sim.serve_connection(self.request, self.server.stopping)


class PrinterTcpServer(socketserver.ThreadingTCPServer):
    """The ESC/POS port; ``port`` 0 picks an ephemeral port (see ``server_address``)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, sim: PrinterSim, host: str = "127.0.0.1", port: int = 0) -> None:
        self.sim = sim
        self.stopping = threading.Event()
        super().__init__((host, port), _Handler)

    def stop(self) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()
