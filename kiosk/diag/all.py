"""``kiosk diag all selftest``: every configured device's self-test.

    kiosk diag all selftest [--config F] [--json]

When the kiosk app runs, the self-test goes through the app's control socket
(``state_dir/run/kiosk-control.sock``) and each probe through the worker that owns the port,
so the app and the command line never fight over a port; when no app answers, each device is
opened here in turn. Exit 0 when every device passed, 2 when one failed (JSON: the report,
with ``failed`` naming them), 64 bad usage. The run is written to the audit log.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from kiosk.cli import EXIT_DEVICE_ERROR, EXIT_OK
from kiosk.diag import emit
from kiosk.diag.common import audit, load_diag_config, unexpected_arguments
from kiosk.i18n import Translator
from kiosk.technician import selftest
from kiosk.technician.control import AppNotRunning, ask_app

ACTIONS = ("selftest",)


def run(action: str, args: argparse.Namespace, extra: list[str]) -> int:
    if extra:
        return unexpected_arguments("all", action, extra)
    config = load_diag_config(args)
    state_dir = Path(config.state_dir).expanduser()
    try:
        report = selftest.SelftestReport.from_json(ask_app(state_dir, "selftest"))
    except AppNotRunning:
        report = selftest.with_own_devices(config)
        audit(args, "all", "diag.selftest",
              {"source": "cli", "ok": report.ok, "failed": report.failed})
    emit(args, report.to_json(), selftest.report_text(report, Translator(config.language)))
    return EXIT_OK if report.ok else EXIT_DEVICE_ERROR
