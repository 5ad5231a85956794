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
import sys
from typing import Any

from devices.base import Completion, CompletionCode
from devices.printer.contract import PrinterStatus, PrintResult, profile_named
from devices.printer.escpos_driver import parse_printer_url
from kiosk.cli import EXIT_OK, EXIT_USAGE, UsageArgumentParser
from kiosk.diag import emit
from kiosk.diag.common import call, device_settings, failure, with_device
from kiosk.i18n import Translator
from kiosk.receipts.model import ReceiptHeader, TestPage
from kiosk.receipts.templates import render

ACTIONS = ("status", "test-print")


def _from_options(args: argparse.Namespace) -> tuple[str, dict[str, Any]] | None:
    if not args.url:
        return None
    backend = args.backend or ("file" if args.url.startswith("file:") else "escpos")
    return backend, ({"path": args.url} if backend == "file" else {"url": args.url})


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
        backend, params = device_settings(args, "printer", _from_options)
        if backend == "escpos":
            parse_printer_url(params.get("url", ""))  # a bad address is a usage error (64)
        if opts.profile:
            profile_named(opts.profile)  # unknown names are a usage error, not a device error
            params = {**params, "profile": opts.profile}
    except ValueError as exc:
        print(f"kiosk diag printer: {exc}", file=sys.stderr)
        return EXIT_USAGE

    def act(device: Any) -> int:
        status = call(device, "probe")
        assert isinstance(status, PrinterStatus)
        if action == "status":
            obj = {**status.to_json(), "backend": backend, "profile": device.profile.name}
            if status.problem is not None:
                code = (CompletionCode.TIMEOUT if status.problem.value == "no_answer"
                        else CompletionCode.DEVICE_NOT_READY)
                return failure(args, "printer", Completion(0, code, status.problem,
                                                           detail=_status_text(status)), obj)
            emit(args, obj, _status_text(status))
            return EXIT_OK
        # test-print
        now = dt.datetime.now().replace(microsecond=0)
        page = TestPage(ReceiptHeader(terminal_id="DIAG", service_point="-",
                                      serial_no=f"T{now:%Y%m%d%H%M%S}", txn_time=now),
                        profile_name=device.profile.name)
        doc = render(page, Translator(opts.lang))
        result = call(device, "print_receipt", doc)
        assert isinstance(result, PrintResult)
        obj = {"printed": True, "confirmed": result.confirmed, "lines": result.lines,
               "bytes": result.bytes_sent, "status_after": result.status_after.to_json()}
        emit(args, obj, f"test page sent: {result.lines} lines, {result.bytes_sent} bytes, "
                        f"{'confirmed' if result.confirmed else 'NOT confirmed by the printer'}")
        return EXIT_OK

    return with_device(args, "printer", backend, params, act)
