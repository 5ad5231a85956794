"""Host and network check, step by step, so a technician sees WHERE the link breaks:

1. ``dns``: the host name resolves (addresses, time);
2. ``tcp``: a TCP connection to the first address that answers;
3. ``tls``: the mutual-TLS handshake with the bank's CA and this terminal's certificate
   (protocol, cipher), the server certificate checked against the host name;
4. ``server_certificate`` / ``client_certificate``: days until each expires (a warning
   within ``warn_days``, a failure once expired);
5. ``clock``: the skew between this terminal's clock and the host's ``Date`` header (a
   failure beyond ``max_skew_seconds``: money is refused then, see ``[clock]``);
6. ``http``: the answer of an unauthenticated-free read (``GET /v1/products``) over that
   connection.

A step that fails stops the steps that depend on it (no TLS without TCP). Qt-free; blocking
(the GUI runs it on a worker thread).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class NetStep:
    name: str
    ok: bool
    detail: str
    elapsed_ms: float = 0.0
    warning: bool = False
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "warning": self.warning,
                "detail": self.detail, "elapsed_ms": self.elapsed_ms, **self.data}


@dataclass(frozen=True)
class NetReport:
    url: str
    steps: tuple[NetStep, ...]

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.steps)

    @property
    def first_failure(self) -> str | None:
        return next((s.name for s in self.steps if not s.ok), None)

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "url": self.url, "first_failure": self.first_failure,
                "steps": [s.to_json() for s in self.steps]}

    def text(self) -> str:
        lines = [f"{'ok  ' if s.ok else 'FAIL'}{'!' if s.warning else ' '}{s.name:<19} "
                 f"{s.detail} ({s.elapsed_ms:.0f} ms)" for s in self.steps]
        lines.append("host and network: " + ("all steps passed" if self.ok else
                                             f"failed at {self.first_failure}"))
        return "\n".join(lines)


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _days_left(not_after: dt.datetime, now: dt.datetime) -> float:
    return round((not_after - now).total_seconds() / 86400, 1)


def _expiry_step(name: str, not_after: dt.datetime, now: dt.datetime,
                 warn_days: float) -> NetStep:
    days = _days_left(not_after, now)
    return NetStep(name, days > 0, f"expires {not_after:%Y-%m-%d} ({days} days)",
                   warning=0 < days < warn_days,
                   data={"not_after": not_after.isoformat(), "days_left": days})


def check_host(url: str, terminal_id: str, *, ca_file: Path | None = None,
               cert_file: Path | None = None, key_file: Path | None = None,
               timeout: float = 5.0, max_skew_seconds: float = 60.0, warn_days: float = 30.0,
               now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)) -> NetReport:
    """Run the steps against ``url`` (``https://host:port``)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    steps: list[NetStep] = []

    started = time.perf_counter()
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        steps.append(NetStep("dns", False, f"{host}: {exc.strerror or exc}", _ms(started)))
        return NetReport(url, tuple(steps))
    addresses = list(dict.fromkeys(str(i[4][0]) for i in infos))
    steps.append(NetStep("dns", True, f"{host} -> {', '.join(addresses)}", _ms(started),
                         data={"addresses": addresses}))

    started = time.perf_counter()
    sock: socket.socket | None = None
    errors = []
    for address in addresses:
        try:
            sock = socket.create_connection((address, port), timeout=timeout)
            break
        except OSError as exc:
            errors.append(f"{address}:{port} {exc.strerror or exc}")
    if sock is None:
        steps.append(NetStep("tcp", False, "; ".join(errors), _ms(started)))
        return NetReport(url, tuple(steps))
    peer = sock.getpeername()
    steps.append(NetStep("tcp", True, f"connected to {peer[0]}:{peer[1]}", _ms(started)))

    with sock:
        if parts.scheme != "https":
            steps.append(NetStep("tls", False, "not https: the bank link must use TLS"))
            return NetReport(url, tuple(steps))
        started = time.perf_counter()
        try:
            context = ssl.create_default_context(
                cafile=None if ca_file is None else str(ca_file))
            if cert_file is not None and key_file is not None:
                context.load_cert_chain(str(cert_file), str(key_file))
            tls = context.wrap_socket(sock, server_hostname=host)
        except (ssl.SSLError, OSError) as exc:
            steps.append(NetStep("tls", False, f"{type(exc).__name__}: {exc}", _ms(started)))
            return NetReport(url, tuple(steps))
        with tls:
            steps.append(NetStep("tls", True, f"{tls.version()} {tls.cipher()[0]}",
                                 _ms(started), data={"protocol": tls.version()}))
            server_cert = tls.getpeercert() or {}
            if server_cert.get("notAfter"):
                not_after = dt.datetime.fromtimestamp(
                    ssl.cert_time_to_seconds(str(server_cert["notAfter"])), dt.UTC)
                steps.append(_expiry_step("server_certificate", not_after, now(), warn_days))
            if cert_file is not None:
                steps.append(_client_certificate(cert_file, now(), warn_days))
            steps.extend(_http_and_clock(tls, host, port, terminal_id, timeout,
                                         max_skew_seconds, now))
    return NetReport(url, tuple(steps))


def _client_certificate(cert_file: Path, now: dt.datetime, warn_days: float) -> NetStep:
    from cryptography import x509

    try:
        cert = x509.load_pem_x509_certificate(Path(cert_file).read_bytes())
    except (OSError, ValueError) as exc:
        return NetStep("client_certificate", False, f"unreadable: {exc}")
    return _expiry_step("client_certificate", cert.not_valid_after_utc, now, warn_days)


def _http_and_clock(tls: ssl.SSLSocket, host: str, port: int, terminal_id: str,
                    timeout: float, max_skew: float,
                    now: Callable[[], dt.datetime]) -> list[NetStep]:
    started = time.perf_counter()
    request = (f"GET /v1/products HTTP/1.1\r\nHost: {host}:{port}\r\n"
               f"X-Terminal-Id: {terminal_id}\r\nAccept: application/json\r\n"
               f"Connection: close\r\n\r\n").encode()
    before = now()
    try:
        tls.settimeout(timeout)
        tls.sendall(request)
        head = b""
        while b"\r\n\r\n" not in head and len(head) < 65536:
            chunk = tls.recv(4096)
            if not chunk:
                break
            head += chunk
    except OSError as exc:
        return [NetStep("http", False, f"{type(exc).__name__}: {exc}", _ms(started))]
    after = now()
    lines = head.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    status_line = lines[0] if lines else ""
    headers = {k.strip().lower(): v.strip() for k, _, v in
               (line.partition(":") for line in lines[1:])}
    try:
        status = int(status_line.split()[1])
    except (IndexError, ValueError):
        return [NetStep("http", False, f"no HTTP answer: {status_line!r}", _ms(started))]
    steps = [NetStep("http", status < 500, f"GET /v1/products -> {status}", _ms(started),
                     data={"status": status})]
    date = headers.get("date")
    if not date:
        steps.append(NetStep("clock", False, "the host sent no Date header"))
        return steps
    host_time = email.utils.parsedate_to_datetime(date)
    middle = before + (after - before) / 2
    # The Date header has whole seconds: up to 1 s of skew is rounding.
    skew = round((middle - host_time).total_seconds(), 1)
    ok = abs(skew) <= max_skew + 1
    steps.append(NetStep("clock", ok, f"terminal {'ahead of' if skew >= 0 else 'behind'} the "
                         f"host by {abs(skew)} s (limit {max_skew:g} s)",
                         data={"skew_seconds": skew}))
    return steps
