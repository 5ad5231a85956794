"""``kiosk diag idcard read|status|samid``: the ID card reader, through the app's own drivers.

    kiosk diag idcard read   [--url URL] [--backend samv|fake] [--json] [--reveal] [--timeout S]
    kiosk diag idcard status [--url URL] [--json]
    kiosk diag idcard samid  [--url URL] [--json]

Without ``--url``/``--backend`` the configured reader is used (``kiosk.config``); ``--url``
alone means the ``samv`` driver on that pyserial URL. ``read`` waits up to ``--timeout``
seconds (default 15) for a card. Personal data is masked unless ``--reveal`` (which is logged
as a technician action, without the data itself).
"""

from __future__ import annotations

import argparse
from typing import Any

from devices.base import DeviceState
from devices.idcard.contract import IdCardStatus, Identity
from kiosk.cli import EXIT_DEVICE_ERROR, EXIT_OK
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

ACTIONS = ("read", "status", "samid")
DEFAULT_READ_TIMEOUT = 15.0


def _from_options(args: argparse.Namespace) -> tuple[str, dict[str, Any]] | None:
    if not args.url:
        return None
    # A technician wants everything the chip holds, the appended address included.
    return (args.backend or "samv"), {"url": args.url, "read_new_address": True}


def _identity_text(identity: Identity, reveal: bool) -> str:
    def shown(key: str, value: Any) -> str:
        if value is None:
            return "长期 (long-term)" if key == "valid_to" else "-"
        return str(value)

    data = identity.to_json(reveal)
    return table(((key, shown(key, value)) for key, value in data.items()), width=20)


def run(action: str, args: argparse.Namespace, extra: list[str]) -> int:
    if extra:
        return unexpected_arguments("idcard", action, extra)
    backend, params = device_settings(args, "idcard", _from_options)

    def act(device: Any) -> int:
        if action == "status":
            status = call(device, "probe")
            assert isinstance(status, IdCardStatus)
            obj = {"device": status.device.value, "sam": status.sam.value,
                   "card": status.card.value, "backend": backend}
            emit(args, obj, f"device {obj['device']}, SAM {obj['sam']}, card {obj['card']}")
            return EXIT_OK if status.device is DeviceState.ONLINE else EXIT_DEVICE_ERROR
        if action == "samid":
            sam_id = call(device, "sam_id")
            emit(args, {"sam_id": sam_id}, f"SAM ID {sam_id}")
            return EXIT_OK
        # read
        shown = reveal(args, "idcard", backend)
        timeout = DEFAULT_READ_TIMEOUT if args.timeout is None else args.timeout
        with cancel_after(timeout) as cancel:
            identity = call(device, "read_identity", wait=True, cancel=cancel)
        assert isinstance(identity, Identity)
        emit(args, identity.to_json(shown), _identity_text(identity, shown))
        return EXIT_OK

    return with_device(args, "idcard", backend, params, act)
