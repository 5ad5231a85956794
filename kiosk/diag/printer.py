"""``kiosk diag printer status|test-print``: the receipt printer through the app's drivers.

    kiosk diag printer status     [--url URL] [--backend escpos|file|fake] [--json]
    kiosk diag printer test-print [--url URL] [--profile NAME] [--lang zh_CN|en] [--json]

URL: ``tcp://HOST:PORT``, ``usb://VVVV:PPPP``, ``file:PATH`` (write-only) or a pyserial URL
(``/dev/ttyS0``, ``socket://HOST:PORT``, ``rfc2217://…``). Without ``--url``/``--backend`` the
configured printer is used. ``status`` exits 0 when the printer answered and can print,
2 (with ``completion``/``error``) otherwise: a printer that does not answer is reported as
``no_answer``, never as out of paper.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from devices.base import Completion, CompletionCode, DeviceInitError, run_command
from devices.printer.contract import PrinterStatus, PrintResult, profile_named
from devices.registry import create_device
from kiosk.cli import EXIT_DEVICE_ERROR, EXIT_OK, EXIT_USAGE, UsageArgumentParser
from kiosk.diag import emit
from kiosk.i18n import Translator
from kiosk.receipts.model import ReceiptHeader, TestPage
from kiosk.receipts.templates import render

ACTIONS = ("status", "test-print")


def device_settings(args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    """Backend name and parameters: command line, else the configuration."""
    if args.url:
        backend = args.backend or ("file" if args.url.startswith("file:") else "escpos")
        return backend, ({"path": args.url} if backend == "file" else {"url": args.url})
    if args.backend == "fake":
        return "fake", {}
    from kiosk.config import load_config

    path = getattr(args, "config", None)
    config = load_config(Path(path) if path else None)
    device = config.devices.printer
    return args.backend or device.backend, device.params


def _failure(args: argparse.Namespace, completion: Completion[Any],
             extra: dict[str, Any] | None = None) -> int:
    obj = completion.to_json()
    obj.update(extra or {})
    emit(args, obj, f"printer: {completion.code.value} "
                    f"{'' if completion.error is None else completion.error.value} "
                    f"{completion.detail}".rstrip())
    return EXIT_DEVICE_ERROR


def _options(extra: list[str]) -> argparse.Namespace:
    p = UsageArgumentParser(prog="kiosk diag printer", add_help=False)
    p.add_argument("--profile", default=None)
    p.add_argument("--lang", default="zh_CN")
    return p.parse_args(extra)


def _status_text(status: PrinterStatus) -> str:
    j = status.to_json()
    return (f"device {j['device']}, paper {j['paper']}, cover {j['cover']}, "
            f"fault {j['fault']}, ready {'yes' if j['ready'] else 'no'}"
            + (f" ({j['problem']})" if j["problem"] else ""))


def run(action: str, args: argparse.Namespace, extra: list[str]) -> int:
    opts = _options(extra)
    try:
        backend, params = device_settings(args)
        if opts.profile:
            profile_named(opts.profile)  # unknown names are a usage error, not a device error
            params = {**params, "profile": opts.profile}
    except ValueError as exc:
        print(f"kiosk diag printer: {exc}")
        return EXIT_USAGE
    try:
        device = create_device("printer", backend, **params)
        device.open()
    except DeviceInitError as exc:
        return _failure(args, Completion(0, exc.code, exc.error, detail=exc.detail or str(exc),
                                         device="printer", command="open"))
    try:
        completion = run_command(device, "probe")
        if not completion.ok:
            return _failure(args, completion)
        status = completion.data
        assert isinstance(status, PrinterStatus)
        if action == "status":
            obj = {**status.to_json(), "backend": backend, "profile": device.profile.name}
            if status.problem is not None:
                code = (CompletionCode.TIMEOUT if status.problem.value == "no_answer"
                        else CompletionCode.DEVICE_NOT_READY)
                return _failure(args, Completion(0, code, status.problem,
                                                 detail=_status_text(status)), obj)
            emit(args, obj, _status_text(status))
            return EXIT_OK
        # test-print
        now = dt.datetime.now().replace(microsecond=0)
        page = TestPage(ReceiptHeader(terminal_id="DIAG", service_point="-",
                                      serial_no=f"T{now:%Y%m%d%H%M%S}", txn_time=now),
                        profile_name=device.profile.name)
        doc = render(page, Translator(opts.lang))
        completion = run_command(device, "print_receipt", doc)
        if not completion.ok:
            return _failure(args, completion)
        result = completion.data
        assert isinstance(result, PrintResult)
        obj = {"printed": True, "confirmed": result.confirmed, "lines": result.lines,
               "bytes": result.bytes_sent, "status_after": result.status_after.to_json()}
        emit(args, obj, f"test page sent: {result.lines} lines, {result.bytes_sent} bytes, "
                        f"{'confirmed' if result.confirmed else 'NOT confirmed by the printer'}")
        return EXIT_OK
    finally:
        device.close()
