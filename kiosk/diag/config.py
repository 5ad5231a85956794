"""``kiosk diag config show``: the versions and the loaded configuration, secrets hidden
(:mod:`kiosk.technician.config_view`).

    kiosk diag config show [--config F] [--json]
"""

from __future__ import annotations

import argparse
import json

from kiosk.cli import EXIT_OK
from kiosk.diag import emit
from kiosk.diag.common import load_diag_config, unexpected_arguments
from kiosk.technician.config_view import config_view, versions

ACTIONS = ("show",)


def run(action: str, args: argparse.Namespace, extra: list[str]) -> int:
    if extra:
        return unexpected_arguments("config", action, extra)
    obj = {"versions": versions(), "config": config_view(load_diag_config(args))}
    emit(args, obj, json.dumps(obj, ensure_ascii=False, indent=2))
    return EXIT_OK
