"""``kiosk diag DEVICE ACTION``: the technician's tool, using the same drivers as the app.

Each device has a module ``kiosk.diag.<device>`` with ``ACTIONS`` (a tuple of action names)
and ``run(action, args, extra) -> int``, where ``args`` holds the common options below and
``extra`` the remaining words (action arguments such as the text of ``voice say``).
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from typing import Any

from devices.text import escape_controls
from kiosk.cli import EXIT_USAGE, UsageArgumentParser

DEVICES = ("idcard", "iccard", "pinpad", "printer", "voice", "host", "all", "logs", "config",
           "ports")


def build_parser() -> argparse.ArgumentParser:
    p = UsageArgumentParser(prog="kiosk diag", description=__doc__)
    p.add_argument("device", choices=DEVICES)
    p.add_argument("action", nargs="?", help="what to do (optional when the device has a "
                   "default, e.g. `kiosk diag ports`)")
    p.add_argument("--config", help="kiosk.toml (default: the installed or built-in demo)")
    p.add_argument("--backend", help="device backend, e.g. samv, pcsc, kmy, escpos, fake")
    p.add_argument("--url", help="port or address: pyserial URL, tcp://, usb://, file:, https://")
    p.add_argument("--reader", help="PC/SC reader name substring")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--reveal", action="store_true",
                   help="show personal data unmasked (written to the audit log)")
    p.add_argument("--timeout", type=float, default=None, help="seconds to wait")
    return p


def emit(args: argparse.Namespace, obj: dict[str, Any], text: str) -> None:
    """Print ``obj`` as one JSON line with --json, else the human text.

    Control characters that a device sent (an escape sequence in a card's name field, a bidi
    override) never reach the technician's terminal raw: JSON escapes them (``\\u001b``), the
    text shows them as ``\\x1b``; only the newlines between lines of the text stay.
    """
    if args.json:
        print(escape_controls(json.dumps(obj, ensure_ascii=False, sort_keys=True),
                              json_string=True))
    else:
        print(escape_controls(text, keep="\n"))


def main(argv: list[str]) -> int:
    args, extra = build_parser().parse_known_args(argv)
    from kiosk.config import ConfigError, format_config_error
    from kiosk.diag.common import load_diag_config

    try:
        load_diag_config(args)  # every diag command checks the configuration first (exit 64)
        return _run(args, extra)
    except ConfigError as exc:
        print(format_config_error(exc).replace("kiosk:", "kiosk diag:", 1), file=sys.stderr)
        return EXIT_USAGE


def _run(args: argparse.Namespace, extra: list[str]) -> int:
    try:
        module = importlib.import_module(f"kiosk.diag.{args.device}")
    except ModuleNotFoundError as exc:
        if exc.name != f"kiosk.diag.{args.device}":
            raise
        print(f"kiosk diag: no diagnostics for {args.device} yet", file=sys.stderr)
        return EXIT_USAGE
    actions: tuple[str, ...] = module.ACTIONS
    if args.action is None:
        args.action = getattr(module, "DEFAULT_ACTION", None)
        if args.action is None:
            print(f"kiosk diag {args.device}: an action is needed (one of: "
                  f"{', '.join(actions)})", file=sys.stderr)
            return EXIT_USAGE
    if args.action not in actions:
        print(f"kiosk diag {args.device}: unknown action {args.action!r} "
              f"(one of: {', '.join(actions)})", file=sys.stderr)
        return EXIT_USAGE
    from kiosk.diag.common import NoSimulators

    try:
        return int(module.run(args.action, args, extra))
    except NoSimulators as exc:
        emit(args, {"completion": "deviceNotReady", "error": "noSimulator", "detail": str(exc)},
             f"kiosk diag {args.device}: {exc}")
        return 2
