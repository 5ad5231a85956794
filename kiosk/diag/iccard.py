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
from typing import Any

from devices.base import DeviceState
from devices.iccard.contract import CardAccount, CardApplication, IccardStatus
from kiosk.cli import EXIT_DEVICE_ERROR, EXIT_OK, UsageArgumentParser
from kiosk.diag import emit
from kiosk.diag.common import (
    call,
    cancel_after,
    device_settings,
    reveal,
    table,
    unexpected_arguments,
    with_device,
)

ACTIONS = ("read", "status")
DEFAULT_READ_TIMEOUT = 15.0


def _from_options(args: argparse.Namespace) -> tuple[str, dict[str, Any]] | None:
    if not args.reader:
        return None
    return (args.backend or "pcsc"), {"reader": args.reader}


def _extra_parser() -> argparse.ArgumentParser:
    p = UsageArgumentParser(prog="kiosk diag iccard read", add_help=False)
    p.add_argument("--aid", default=None)
    p.add_argument("--card", default=None)
    return p


def run(action: str, args: argparse.Namespace, extra: list[str]) -> int:
    options = _extra_parser().parse_args(extra) if action == "read" else None
    if action != "read" and extra:
        return unexpected_arguments("iccard", action, extra)
    backend, params = device_settings(args, "iccard", _from_options)
    params = dict(params)
    params["selection"] = "priority"  # the technician sees the list; no farmer to ask
    if backend == "fake" and options is not None and options.card:
        params["insert"] = options.card

    def act(device: Any) -> int:
        if action == "status":
            status = call(device, "probe")
            assert isinstance(status, IccardStatus)
            obj = {"device": status.device.value, "media": status.media.value,
                   "reader": status.reader, "backend": backend}
            emit(args, obj, f"device {obj['device']}, reader {obj['reader']!r}, "
                            f"card {obj['media']}")
            return EXIT_OK if status.device is DeviceState.ONLINE else EXIT_DEVICE_ERROR
        assert options is not None
        shown = reveal(args, "iccard", backend)
        timeout = DEFAULT_READ_TIMEOUT if args.timeout is None else args.timeout
        with cancel_after(timeout) as cancel:
            listed = call(device, "list_applications", wait=True, cancel=cancel)
            account = call(device, "read_account", wait=False, aid=options.aid, cancel=cancel)
        assert isinstance(account, CardAccount)
        apps: tuple[CardApplication, ...] = tuple(listed or ())
        out: dict[str, Any] = account.to_json(shown)
        out["applications"] = [a.to_json() for a in apps]
        text = table((k, v) for k, v in out.items() if k != "applications")
        text += "\napplications     " + ", ".join(f"{a.aid} {a.label} (priority {a.priority})"
                                                  for a in apps)
        emit(args, out, text)
        return EXIT_OK

    return with_device(args, "iccard", backend, params, act)
