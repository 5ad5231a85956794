"""``kiosk diag iccard read|status``: the bank card reader, through the app's own drivers.

    kiosk diag iccard read   [--reader NAME] [--backend pcsc|fake] [--json] [--reveal]
                             [--timeout S] [--aid AID] [--card ID (fake only)]
    kiosk diag iccard status [--reader NAME] [--backend pcsc|fake] [--json]

Without ``--reader``/``--backend`` the configured reader is used (``kiosk.config``);
``--reader`` alone means the ``pcsc`` driver on the first reader whose name contains NAME.
``read`` waits up to ``--timeout`` seconds (default 15) for a card, takes the application of
highest priority (or ``--aid``) and prints the card account (INTERFACES.md §4) plus the list of
``applications`` on the chip. PAN, name and ID number are masked unless ``--reveal``, which is
written to the audit log (``state_dir/audit/audit.jsonl``) as a technician action, without
the data itself; when that record cannot be written the output stays masked.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from pathlib import Path
from typing import Any

from devices.base import CancelToken, Completion, CompletionCode, DeviceInitError, run_command
from devices.iccard.contract import CardAccount, CardApplication, IccardStatus
from devices.registry import create_device
from kiosk.cli import EXIT_DEVICE_ERROR, EXIT_OK, EXIT_USAGE, UsageArgumentParser
from kiosk.diag import emit

log = logging.getLogger(__name__)

ACTIONS = ("read", "status")
DEFAULT_READ_TIMEOUT = 15.0


def device_settings(args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    """Backend name and parameters: command line, else the configuration."""
    if args.reader:
        return (args.backend or "pcsc"), {"reader": args.reader}
    if args.backend == "fake":
        return "fake", {}
    from kiosk.config import load_config

    path = getattr(args, "config", None)
    config = load_config(Path(path) if path else None)
    device = config.devices.iccard
    return (args.backend or device.backend), device.params


def _audit_reveal(args: argparse.Namespace, backend: str) -> bool:
    """Record the reveal in the audit log; False (and masked output) when it cannot be."""
    try:
        from kiosk.audit import audit_log
        from kiosk.config import load_config

        path = getattr(args, "config", None)
        state_dir = Path(load_config(Path(path) if path else None).state_dir).expanduser()
        audit_log(state_dir).append("technician", "diag.reveal",
                                    {"device": "iccard", "backend": backend})
    except Exception as exc:  # no audit record, no reveal
        log.warning("cannot write the audit record of --reveal (%s); output stays masked", exc)
        print(f"kiosk diag iccard: --reveal not audited ({exc}); output masked", file=sys.stderr)
        return False
    return True


def _failure(args: argparse.Namespace, completion: Completion[Any]) -> int:
    emit(args, completion.to_json(),
         f"iccard: {completion.code.value} "
         f"{'' if completion.error is None else completion.error.value} {completion.detail}")
    return EXIT_DEVICE_ERROR


def _extra_parser() -> argparse.ArgumentParser:
    p = UsageArgumentParser(prog="kiosk diag iccard read", add_help=False)
    p.add_argument("--aid", default=None)
    p.add_argument("--card", default=None)
    return p


def run(action: str, args: argparse.Namespace, extra: list[str]) -> int:
    options = _extra_parser().parse_args(extra) if action == "read" else None
    if action != "read" and extra:
        print(f"kiosk diag iccard {action}: unexpected arguments {' '.join(extra)}")
        return EXIT_USAGE
    try:
        backend, params = device_settings(args)
        params = dict(params)
        params["selection"] = "priority"  # the technician sees the list; no farmer to ask
        if backend == "fake" and options is not None and options.card:
            params["insert"] = options.card
        device = create_device("iccard", backend, **params)
        device.open()
    except DeviceInitError as exc:
        return _failure(args, Completion(0, exc.code, exc.error, detail=exc.detail or str(exc),
                                         device="iccard", command="open"))
    try:
        if action == "status":
            completion = run_command(device, "probe")
            if not completion.ok:
                return _failure(args, completion)
            status = completion.data
            assert isinstance(status, IccardStatus)
            obj = {"device": status.device.value, "media": status.media.value,
                   "reader": status.reader, "backend": backend}
            emit(args, obj, f"device {obj['device']}, reader {obj['reader']!r}, "
                            f"card {obj['media']}")
            return EXIT_OK
        assert options is not None
        reveal = bool(args.reveal) and _audit_reveal(args, backend)
        timeout = DEFAULT_READ_TIMEOUT if args.timeout is None else args.timeout
        cancel = CancelToken()
        timer = threading.Timer(timeout, cancel.cancel, args=(CompletionCode.TIMEOUT,))
        timer.daemon = True
        timer.start()
        try:
            listed = run_command(device, "list_applications", wait=True, cancel=cancel)
            if not listed.ok:
                return _failure(args, listed)
            completion = run_command(device, "read_account", wait=False, aid=options.aid,
                                     cancel=cancel)
        finally:
            timer.cancel()
        if not completion.ok:
            return _failure(args, completion)
        account = completion.data
        assert isinstance(account, CardAccount)
        apps: tuple[CardApplication, ...] = tuple(listed.data or ())
        out: dict[str, Any] = account.to_json(reveal)
        out["applications"] = [a.to_json() for a in apps]
        text = "\n".join(f"{k:<16} {v}" for k, v in out.items() if k != "applications")
        text += "\napplications     " + ", ".join(f"{a.aid} {a.label} (priority {a.priority})"
                                                  for a in apps)
        emit(args, out, text)
        return EXIT_OK
    finally:
        device.close()
