"""``kiosk``: the command line (INTERFACES.md §1). Each command lives in its own module.

Exit codes: 0 success, 2 device or host error, 64 bad usage.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import NoReturn

EXIT_OK = 0
EXIT_DEVICE_ERROR = 2
EXIT_USAGE = 64

COMMANDS = {
    "run": ("kiosk.app", "start the kiosk"),
    "demo": ("kiosk.autopilot", "drive the GUI through the journeys and save screenshots"),
    "diag": ("kiosk.diag", "technician diagnostics of a device or the host"),
    "calc": ("kiosk.lending.calc_cli", "loan calculator"),
    "audit": ("kiosk.audit_cli", "check the tamper-evident audit log"),
    "journal": ("kiosk.journal_cli", "transaction journal and outbox: list, show, recover, export"),
    "service": ("kiosk.service_cli", "the kiosk as a service: may-stop, first-start, status"),
}


class UsageArgumentParser(argparse.ArgumentParser):
    """argparse that exits 64 (EX_USAGE) on bad usage, as INTERFACES.md §1 says."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def version() -> str:
    """The installed distribution's version (the .deb's upstream version)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("zhunong-kiosk")
    except PackageNotFoundError:
        return "unknown (not installed)"


def usage() -> str:
    lines = ["usage: kiosk COMMAND [options] | kiosk --version", "", "commands:"]
    lines += [f"  {name:<8} {help_}" for name, (_, help_) in COMMANDS.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(usage())
        return EXIT_OK if args else EXIT_USAGE
    if args[0] == "--version":
        print(f"kiosk {version()}")
        return EXIT_OK
    cmd, rest = args[0], args[1:]
    if cmd not in COMMANDS:
        print(f"kiosk: unknown command {cmd!r}\n{usage()}", file=sys.stderr)
        return EXIT_USAGE
    # The kiosk uses no pydantic plug-ins: skip pydantic's scan of every installed
    # distribution's entry points when the config models are built (~15 ms at start).
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    module = importlib.import_module(COMMANDS[cmd][0])
    return int(module.main(rest) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
