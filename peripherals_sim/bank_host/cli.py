"""``kiosk-sim host``: the bank host simulator (FastAPI + uvicorn, mutual TLS, SQLite).

    kiosk-sim host --listen https://127.0.0.1:0 --state-dir DIR [--scenario F]
                   [--control PORT] [--business-date YYYY-MM-DD] [--cutover HH:MM]

On first start it creates a CA, a server certificate (SAN 127.0.0.1, localhost) and a client
certificate per scenario terminal under ``DIR/tls``; state lives in ``DIR/host.sqlite3``.
Ready line (one JSON line on stdout)::

    {"sim": "host", "url": "https://127.0.0.1:N", "control": "http://127.0.0.1:M",
     "ca_file": ..., "terminals": {"ZN610425001": {"cert_file": ..., "key_file": ...}}}

The control API (``/sim/*``, ``/scenario``) is on the plain-HTTP loopback port ``--control``
(default: an ephemeral one) so that tests and QA tools need no certificate; it is also on the
main listener behind mutual TLS. ``http://`` listening (no TLS) trusts ``X-Terminal-Id`` and is
for quick local use only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import signal
import socket
import ssl
import sys
import tempfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from peripherals_sim.scenario import load_scenario


def _peer_cn(transport: asyncio.BaseTransport) -> str | None:
    cert = transport.get_extra_info("peercert")
    if not cert:
        return None
    for rdn in cert.get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                return str(value)
    return None


def set_nodelay(transport: asyncio.BaseTransport) -> bool:
    """Turn Nagle off on the transport's TCP socket; True when it is (now) off.

    Without it a response whose headers and body go out in two writes waits for the client's
    delayed ACK before the body is sent: ~40 ms per request on Linux loopback.
    """
    sock = transport.get_extra_info("socket")
    if sock is None or sock.family not in (socket.AF_INET, socket.AF_INET6):
        return False
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return bool(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))


def protocol_for(listener: str) -> type[H11Protocol]:
    """An h11 protocol that puts the TLS peer's CN, the listener name and the transport
    into every request's ``scope["state"]`` (uvicorn exposes no TLS extension), and sends
    without Nagle's delay (TCP_NODELAY on every accepted connection)."""

    class TerminalAwareProtocol(H11Protocol):
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            set_nodelay(transport)
            super().connection_made(transport)
            self.app_state = {**self.app_state, "listener": listener,
                              "tls_client_cn": _peer_cn(transport), "transport": transport}

    return TerminalAwareProtocol


class _Server(uvicorn.Server):
    """Signals are handled once for both listeners by :func:`serve`."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket. Created with proto IPPROTO_TCP (asyncio turns Nagle off only on
    sockets whose proto says TCP; a bare ``socket(AF_INET, SOCK_STREAM)`` has proto 0, so
    accepted connections kept Nagle on) and with TCP_NODELAY, which accepted sockets inherit."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(512)
    sock.setblocking(False)
    return sock


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kiosk-sim host", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--listen", default="https://127.0.0.1:0",
                   help="https://HOST:PORT (mutual TLS) or http://HOST:PORT; port 0 = ephemeral")
    p.add_argument("--state-dir", help="certificates and SQLite state (default: a temp dir)")
    p.add_argument("--scenario", help="scenario YAML (default: the demo scenario)")
    p.add_argument("--control", type=int, default=0,
                   help="plain-HTTP loopback port of the control API (0 = ephemeral, -1 = none)")
    p.add_argument("--business-date", help="initial business date YYYY-MM-DD (first start)")
    p.add_argument("--cutover", default="17:00", help="day-end cut-over time HH:MM")
    p.add_argument("--wall-clock", action="store_true",
                   help="time of day from the real clock (default: simulated 10:00:00)")
    p.add_argument("--auth-threshold", default="50000.00",
                   help="drawdowns above this amount need a staff authorisation")
    p.add_argument("--allocation-order", default="fees,compound,penalty,interest,principal",
                   help="bucket order inside a period (comma-separated)")
    p.add_argument("--allocation-mode", choices=("period_first", "type_first"),
                   default="period_first",
                   help="oldest period first (期次优先) or one bucket across periods first")
    p.add_argument("--reminder-days", type=int, default=7,
                   help="remind of an installment due within this many days")
    p.add_argument("--log-level", default="warning")
    return p


def make_bank(state_dir: Path, scenario: dict[str, Any], args: argparse.Namespace) -> Any:
    from peripherals_sim.bank_host.ledger import BUCKETS
    from peripherals_sim.bank_host.service import Bank, Settings
    from peripherals_sim.bank_host.store import Store

    defaults = Settings()
    settings = Settings(
        business_date=(dt.date.fromisoformat(args.business_date) if args.business_date
                       else defaults.business_date),
        cutover=dt.time.fromisoformat(args.cutover),
        time_of_day=None if args.wall_clock else defaults.time_of_day,
        authorization_threshold=Decimal(args.auth_threshold),
        allocation_order=tuple(b.strip() for b in args.allocation_order.split(",")),
        allocation_mode=args.allocation_mode, reminder_days=args.reminder_days)
    if sorted(settings.allocation_order) != sorted(BUCKETS):
        raise SystemExit(f"--allocation-order must order exactly: {', '.join(BUCKETS)}")
    return Bank(Store(state_dir / "host.sqlite3"), scenario, settings)


async def serve(args: argparse.Namespace) -> int:
    from peripherals_sim.bank_host.app import create_app
    from peripherals_sim.bank_host.tls import ensure_pki

    url = urlparse(args.listen)
    if url.scheme not in ("https", "http") or not url.hostname:
        print("kiosk-sim host: --listen must be https://HOST:PORT or http://HOST:PORT",
              file=sys.stderr)
        return 64
    state_dir = Path(args.state_dir or tempfile.mkdtemp(prefix="kiosk-sim-host-"))
    state_dir.mkdir(parents=True, exist_ok=True)
    scenario = load_scenario(args.scenario)
    terminal_ids = [t["id"] for t in scenario.get("terminals", [])]
    tls = url.scheme == "https"
    pki = ensure_pki(state_dir, terminal_ids)
    bank = make_bank(state_dir, scenario, args)
    app = create_app(bank, require_client_cert=tls)

    main_sock = _bind(url.hostname, url.port or 0)
    ssl_opts: dict[str, Any] = {}
    if tls:
        ssl_opts = {"ssl_certfile": str(pki.server_cert), "ssl_keyfile": str(pki.server_key),
                    "ssl_ca_certs": str(pki.ca_file), "ssl_cert_reqs": ssl.CERT_REQUIRED}
    common = {"lifespan": "off", "log_level": args.log_level, "access_log": False,
              "timeout_keep_alive": 30, "timeout_graceful_shutdown": 2}
    servers = [_Server(uvicorn.Config(app, http=protocol_for("main"), **ssl_opts, **common))]
    socks = [main_sock]
    control_url = None
    if args.control >= 0:
        csock = _bind("127.0.0.1", args.control)
        servers.append(_Server(uvicorn.Config(app, http=protocol_for("control"), **common)))
        socks.append(csock)
        control_url = f"http://127.0.0.1:{csock.getsockname()[1]}"

    loop = asyncio.get_running_loop()

    def stop() -> None:
        for s in servers:
            if s.should_exit:  # a second signal: do not wait for connections any more
                s.force_exit = True
            s.should_exit = True

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop)
    tasks = [asyncio.create_task(s.serve(sockets=[sk])) for s, sk in zip(servers, socks,
                                                                          strict=True)]
    while not all(s.started for s in servers):
        if any(t.done() for t in tasks):
            stop()
            await asyncio.gather(*tasks, return_exceptions=True)
            return 2
        await asyncio.sleep(0.01)
    port = main_sock.getsockname()[1]
    ready = {"sim": "host", "url": f"{url.scheme}://{url.hostname}:{port}",
             "control": control_url, "ca_file": str(pki.ca_file),
             "state_dir": str(state_dir),
             "terminals": {tid: {"cert_file": str(c), "key_file": str(k)}
                           for tid, (c, k) in pki.terminals.items()}}
    print(json.dumps(ready, ensure_ascii=False), flush=True)
    await asyncio.gather(*tasks)
    bank.store.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return asyncio.run(serve(args))


if __name__ == "__main__":
    raise SystemExit(main())
