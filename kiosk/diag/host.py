"""``kiosk diag host ping|sign-in|check``: the bank host, through the app's own client.

    kiosk diag host ping    [--url https://...] [--ca F --cert F --key F] [--terminal ID] [--json]
    kiosk diag host sign-in [--url https://...] [--ca F --cert F --key F] [--terminal ID]
                            [--algorithm TDES|SM4] [--json]
    kiosk diag host check   [--url https://...] [--ca F --cert F --key F] [--json]

``check`` is the host and network check of :mod:`kiosk.technician.netcheck`: DNS, TCP, the
mutual-TLS handshake, both certificates' expiry, the answer over HTTP and the clock skew
against the host's ``Date`` (exit 2 names the first failed step).

``ping`` sends a heartbeat over mutual TLS and reports the host's dates and whether this
terminal is signed in. ``sign-in`` signs the terminal in and shows the dates, the batch number
and the check values of the new working keys (never a key: they stay wrapped under the TMK;
the app reloads them into the PIN pad at its next sign-in). Without options the configured host
(``[host]`` of kiosk.toml) and terminal id are used. Exit 0, 2 host error (JSON
``{"completion", "error", "detail"}``), 64 bad usage.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from devices.base import DeviceError
from kiosk.cli import EXIT_DEVICE_ERROR, EXIT_OK, EXIT_USAGE, UsageArgumentParser
from kiosk.config import ConfigProblem
from kiosk.diag import emit
from kiosk.diag.common import (
    NoSimulators,
    error_completion,
    failure,
    load_diag_config,
    running_simulators,
    table,
)
from kiosk.host.client import HostClient, HostSettings
from kiosk.host.errors import HostCallError, HostErrorCode
from kiosk.preflight import check_tls_files, raise_problems

ACTIONS = ("ping", "sign-in", "check")


def _extra_parser(action: str) -> argparse.ArgumentParser:
    p = UsageArgumentParser(prog=f"kiosk diag host {action}", add_help=False)
    p.add_argument("--ca", help="the bank's CA certificate (PEM)")
    p.add_argument("--cert", help="this terminal's client certificate (PEM)")
    p.add_argument("--key", help="this terminal's client key (PEM)")
    p.add_argument("--terminal", help="terminal id (default: the configured one)")
    if action == "sign-in":
        p.add_argument("--algorithm", choices=["TDES", "SM4"], default="TDES")
    return p


def settings_from(args: argparse.Namespace, opts: argparse.Namespace) -> HostSettings:
    """Host settings: the options first, then the configuration; with a simulated
    configuration (``sim = true``, the built-in demo one) the bank host of the running
    ``kiosk-sim up`` and this terminal's certificate from it."""
    config = load_diag_config(args)
    changes: dict[str, Any] = {}
    url = args.url
    if config.sim and not url:
        sims = running_simulators()
        url = sims.host_url
        if not url:
            raise NoSimulators("the running `kiosk-sim up` has no bank host")
        changes.update(sims.host_tls(opts.terminal or config.terminal.id))
    for name, value in (("ca_file", opts.ca), ("cert_file", opts.cert),
                        ("key_file", opts.key)):
        if value:
            changes[name] = Path(value)
    if opts.terminal:
        changes["terminal_id"] = opts.terminal
    if args.timeout:
        changes["read_timeout"] = args.timeout
    changes["get_retries"] = 0  # a technician wants the plain answer, at once
    url = url or config.host.url
    problems: list[Any] = []
    if not url:
        problems.append(ConfigProblem("host.url", "(missing)",
                                      "no host URL configured (give --url or set host.url)"))
    elif not config.sim and not url.lower().startswith("https://"):
        problems.append(ConfigProblem("--url", url, "a real terminal (sim = false) talks to "
                                      "the bank over https:// only"))
    if opts.ca or opts.cert or opts.key:  # the configured files were checked with the config
        problems += check_tls_files(changes.get("ca_file", config.host.ca_file),
                                    changes.get("cert_file", config.host.cert_file),
                                    changes.get("key_file", config.host.key_file))
    raise_problems(problems)
    return HostSettings.from_config(config, url=url, **changes)


def _failure(args: argparse.Namespace, exc: DeviceError, command: str) -> int:
    completion = error_completion(exc, "host", command)
    extra: dict[str, Any] = {}
    if isinstance(exc, HostCallError):
        extra["code"] = exc.host_code.code
        if exc.info.http_status is not None:
            extra["http_status"] = exc.info.http_status
    return failure(args, "host", completion, extra,
                   text=f"host: {extra.get('code', completion.code.value)} "
                        f"({completion.code.value}) {completion.detail}")


def run(action: str, args: argparse.Namespace, extra: list[str]) -> int:
    parser = _extra_parser(action)
    try:
        opts = parser.parse_args(extra)
    except SystemExit as exc:
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE
    settings = settings_from(args, opts)  # kiosk.config.ConfigError: exit 64 (kiosk.diag)
    if action == "check":
        return _check(args, settings)
    client = HostClient(settings)
    started = time.perf_counter()
    try:
        client.open()
        obj = _ping(client) if action == "ping" else _sign_in(client, opts.algorithm)
    except DeviceError as exc:
        return _failure(args, exc, action)
    finally:
        client.close()
    obj["elapsed_ms"] = round((time.perf_counter() - started) * 1000, 1)
    obj["url"] = settings.url
    obj["terminal_id"] = settings.terminal_id
    emit(args, obj, table(obj.items()))
    return EXIT_OK


def _ping(client: HostClient) -> dict[str, Any]:
    try:
        answer = client.heartbeat()
    except HostCallError as exc:
        if exc.host_code is not HostErrorCode.NOT_SIGNED_IN:
            raise
        status = client.status  # the host answered: reachable, but not signed in
        return {"reachable": True, "signed_in": False,
                "business_date": _iso(status.business_date),
                "acct_date": _iso(status.acct_date)}
    return {"reachable": True, "signed_in": answer.signed_in,
            "business_date": answer.business_date.isoformat(),
            "acct_date": answer.acct_date.isoformat()}


def _sign_in(client: HostClient, algorithm: str) -> dict[str, Any]:
    answer = client.sign_in(algorithm)
    return {"signed_in": True, "service_point": answer.service_point,
            "business_date": answer.business_date.isoformat(),
            "acct_date": answer.acct_date.isoformat(), "batch_no": answer.batch_no,
            "algorithm": answer.keys.algorithm, "pik_kcv": answer.keys.pik.kcv.upper(),
            "mak_kcv": answer.keys.mak.kcv.upper(), "mac_method": answer.mac_method,
            "pin_block_format": answer.pin_block_format}


def _iso(value: Any) -> str | None:
    return None if value is None else str(value.isoformat())


def _check(args: argparse.Namespace, settings: HostSettings) -> int:
    from kiosk.technician.netcheck import check_host

    config = load_diag_config(args)
    report = check_host(settings.url, settings.terminal_id, ca_file=settings.ca_file,
                        cert_file=settings.cert_file, key_file=settings.key_file,
                        timeout=settings.connect_timeout,
                        max_skew_seconds=config.clock.max_skew_seconds)
    emit(args, report.to_json(), report.text())
    return EXIT_OK if report.ok else EXIT_DEVICE_ERROR
