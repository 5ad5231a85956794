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
import logging
import sys
import threading
from pathlib import Path
from typing import Any

from devices.base import CancelToken, Completion, CompletionCode, DeviceInitError, run_command
from devices.idcard.contract import IdCardStatus, Identity
from devices.registry import create_device
from kiosk.cli import EXIT_DEVICE_ERROR, EXIT_OK, EXIT_USAGE
from kiosk.diag import emit

log = logging.getLogger(__name__)

ACTIONS = ("read", "status", "samid")
DEFAULT_READ_TIMEOUT = 15.0


def device_settings(args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    """Backend name and parameters: command line, else the configuration."""
    if args.url:
        # A technician wants everything the chip holds, the appended address included.
        return (args.backend or "samv"), {"url": args.url, "read_new_address": True}
    if args.backend == "fake":
        return "fake", {}
    from kiosk.config import load_config

    path = getattr(args, "config", None)
    config = load_config(Path(path) if path else None)
    device = config.devices.idcard
    backend = args.backend or device.backend
    return backend, device.params


def _audit_reveal(args: argparse.Namespace, backend: str) -> bool:
    """Write the reveal to the audit log (state_dir/audit/audit.jsonl); False if it cannot
    be written, and the data then stays masked."""
    try:
        from kiosk.audit import AuditLog
        from kiosk.config import load_config

        path = getattr(args, "config", None)
        state_dir = Path(load_config(Path(path) if path else None).state_dir).expanduser()
        AuditLog(state_dir / "audit" / "audit.jsonl").append(
            "technician", "diag.reveal", {"device": "idcard", "backend": backend}
        )
    except Exception as exc:  # no audit record, no reveal
        log.warning("cannot write the audit record of --reveal (%s); output stays masked", exc)
        print(f"kiosk diag idcard: --reveal not audited ({exc}); output masked", file=sys.stderr)
        return False
    return True


def _failure(args: argparse.Namespace, completion: Completion[Any]) -> int:
    emit(
        args,
        completion.to_json(),
        f"idcard: {completion.code.value} "
        f"{'' if completion.error is None else completion.error.value} {completion.detail}",
    )
    return EXIT_DEVICE_ERROR


def _identity_text(identity: Identity, reveal: bool) -> str:
    def shown(key: str, value: Any) -> str:
        if value is None:
            return "长期 (long-term)" if key == "valid_to" else "-"
        return str(value)

    data = identity.to_json(reveal)
    return "\n".join(f"{key:<20} {shown(key, value)}" for key, value in data.items())


def run(action: str, args: argparse.Namespace, extra: list[str]) -> int:
    if extra:
        print(f"kiosk diag idcard {action}: unexpected arguments {' '.join(extra)}")
        return EXIT_USAGE
    try:
        backend, params = device_settings(args)
        device = create_device("idcard", backend, **params)
        device.open()
    except DeviceInitError as exc:
        return _failure(
            args,
            Completion(
                0,
                exc.code,
                exc.error,
                detail=exc.detail or str(exc),
                device="idcard",
                command="open",
            ),
        )
    try:
        if action == "status":
            completion = run_command(device, "probe")
            if not completion.ok:
                return _failure(args, completion)
            status = completion.data
            assert isinstance(status, IdCardStatus)
            obj = {
                "device": status.device.value,
                "sam": status.sam.value,
                "card": status.card.value,
                "backend": backend,
            }
            emit(args, obj, f"device {obj['device']}, SAM {obj['sam']}, card {obj['card']}")
            return EXIT_OK
        if action == "samid":
            completion = run_command(device, "sam_id")
            if not completion.ok:
                return _failure(args, completion)
            emit(args, {"sam_id": completion.data}, f"SAM ID {completion.data}")
            return EXIT_OK
        # read
        reveal = bool(args.reveal) and _audit_reveal(args, backend)
        timeout = DEFAULT_READ_TIMEOUT if args.timeout is None else args.timeout
        cancel = CancelToken()
        timer = threading.Timer(timeout, cancel.cancel, args=(CompletionCode.TIMEOUT,))
        timer.daemon = True
        timer.start()
        try:
            completion = run_command(device, "read_identity", wait=True, cancel=cancel)
        finally:
            timer.cancel()
        if not completion.ok:
            return _failure(args, completion)
        identity = completion.data
        assert isinstance(identity, Identity)
        emit(args, identity.to_json(reveal), _identity_text(identity, reveal))
        return EXIT_OK
    finally:
        device.close()
