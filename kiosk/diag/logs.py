"""``kiosk diag logs export --to PATH``: logs, audit log and journal, masked, into one
``.tar.gz`` on a USB stick or in a folder (:mod:`kiosk.technician.export`). Audited.

    kiosk diag logs export --to /media/usb [--config F] [--json]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from kiosk.cli import EXIT_DEVICE_ERROR, EXIT_OK, EXIT_USAGE, UsageArgumentParser
from kiosk.diag import emit
from kiosk.diag.common import audit, load_diag_config
from kiosk.technician.export import export_bundle

ACTIONS = ("export",)


def run(action: str, args: argparse.Namespace, extra: list[str]) -> int:
    p = UsageArgumentParser(prog="kiosk diag logs export", add_help=False)
    p.add_argument("--to", type=Path, required=True, help="folder (a USB stick) or FILE.tar.gz")
    try:
        opts = p.parse_args(extra)
    except SystemExit as exc:
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE
    config = load_diag_config(args)
    try:
        result = export_bundle(Path(config.state_dir), opts.to, config.terminal.id)
    except OSError as exc:
        emit(args, {"completion": "hardwareError", "error": "export", "detail": str(exc)},
             f"logs: export failed: {exc}")
        return EXIT_DEVICE_ERROR
    audit(args, "logs", "diag.export", {"file": result.path.name, "bytes": result.size,
                                        "sha256": result.sha256})
    emit(args, result.to_json(), f"exported {len(result.files)} files, {result.size} bytes "
                                 f"to {result.path}")
    return EXIT_OK
