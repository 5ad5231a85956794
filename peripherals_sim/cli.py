"""``kiosk-sim``: the simulators. Each subcommand lives in its simulator's package.

Convention for every simulator process: once it listens, it prints ONE JSON line on stdout,
e.g. ``{"sim": "idcard", "url": "socket://127.0.0.1:40001", "control": "http://127.0.0.1:40002"}``
(``url`` is what the kiosk's driver opens), flushes, and runs until SIGTERM or SIGINT.
Port 0 in ``--listen``/``--control`` means an ephemeral port; the ready line tells which.
"""

from __future__ import annotations

import importlib
import sys

SUBCOMMANDS = {
    "up": "peripherals_sim.launcher",
    "idcard": "peripherals_sim.idcard.cli",
    "iccard": "peripherals_sim.iccard.cli",
    "pinpad": "peripherals_sim.pinpad.cli",
    "printer": "peripherals_sim.printer.cli",
    "host": "peripherals_sim.bank_host.cli",
    "broker": "peripherals_sim.broker.cli",
}

USAGE = "usage: kiosk-sim {" + ",".join(SUBCOMMANDS) + "} [options]  (kiosk-sim CMD --help)"


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if args else 64
    cmd, rest = args[0], args[1:]
    if cmd not in SUBCOMMANDS:
        print(f"kiosk-sim: unknown simulator {cmd!r}\n{USAGE}", file=sys.stderr)
        return 64
    module = importlib.import_module(SUBCOMMANDS[cmd])
    return int(module.main(rest) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
