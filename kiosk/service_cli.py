"""``kiosk service may-stop|first-start|status``: the package's maintainer scripts and the
systemd unit ask the terminal here (docs/appliance.md).

- ``may-stop``: exit 0 when the kiosk may be stopped now; exit 1, with the reason, while a
  customer's journey is in progress (the running kiosk's ``run/service-state.json``, see
  kiosk/watchdog.py) or a money transaction is unresolved (the journal, see
  :func:`unresolved_transactions`); exit 0 anyway, saying so, when the technician forces it
  with ``ZHUNONG_KIOSK_FORCE=1``. The packages' ``preinst``/``prerm`` fail on exit 1, so dpkg
  leaves the old version installed and running (``--maintainer``: say how to force).
- ``first-start``: the check at the first start after an upgrade (the unit's
  ``ExecStartPre``): when ``upgrade-pending`` exists in the state directory, the new version
  must import, verify the audit log's hash chain and open the journal (which applies its
  versioned migrations); on success the marker goes, on failure the start fails and says
  how to roll back.
- ``status``: the counters and state as one JSON object.

Works without a valid kiosk.toml (the installed one has its device sections commented out
until the technician fills them): only ``state_dir`` is read from it.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import tomllib
from pathlib import Path
from typing import Any

from devices.atomicfile import write_atomic
from kiosk.cli import UsageArgumentParser

DEFAULT_STATE_DIR = Path("/var/lib/zhunong-kiosk")
UPGRADE_PENDING = "upgrade-pending"
EXIT_REFUSE = 1
FORCE_ENV = "ZHUNONG_KIOSK_FORCE"  # =1: the technician forces the stop (docs/appliance.md)


def state_dir_from(config: Path | None) -> Path:
    """``state_dir`` of the config file (``KIOSK_STATE_DIR`` first), else the default."""
    env = os.environ.get("KIOSK_STATE_DIR")
    if env:
        return Path(env)
    from kiosk.config import SYSTEM_CONFIG

    path = config or SYSTEM_CONFIG
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return DEFAULT_STATE_DIR
    value = data.get("state_dir")
    return Path(value).expanduser() if isinstance(value, str) and value else DEFAULT_STATE_DIR


def _alive(pid: Any) -> bool:
    return isinstance(pid, int) and pid > 0 and Path(f"/proc/{pid}").exists()


def running_state(state_dir: Path) -> dict[str, Any] | None:
    """The running kiosk's state file, or None when no kiosk runs."""
    from kiosk.watchdog import STATE_FILE, read_json

    state = read_json(state_dir / STATE_FILE)
    return state if state and _alive(state.get("pid")) else None


def _open_journal(state_dir: Path) -> Any:
    """The journal (offline_queue/journal.py) if this terminal has one, else None. Opening it
    applies its versioned migrations."""
    from offline_queue.journal import Journal

    if not (state_dir / Journal.FILE).exists():
        return None
    return Journal.open(state_dir, terminal_id="", create=False)


def unresolved_transactions(state_dir: Path) -> list[str]:
    """Idempotency keys of money transactions the journal has not resolved with the host
    (PREPARED, SENT, UNKNOWN). Raises the journal's error when it cannot be read."""
    journal = _open_journal(state_dir)
    if journal is None:
        return []
    try:
        return [row.key for row in journal.unresolved()]
    finally:
        journal.close()


def may_stop(state_dir: Path) -> tuple[bool, list[str]]:
    """(may stop, reasons it may not)."""
    reasons: list[str] = []
    state = running_state(state_dir)
    if state is not None and state.get("journey"):
        reasons.append(f"SVC-JOURNEY: a customer's journey is in progress on the running kiosk "
                       f"(pid {state['pid']}); try again between customers")
    try:
        keys = unresolved_transactions(state_dir)
    except Exception as exc:  # corrupt, too new, unreadable: say so, never guess
        reasons.append(f"SVC-JOURNAL: the transaction journal cannot be read ({exc}); "
                       f"it may hold unresolved money")
        keys = []
    if keys:
        shown = ", ".join(k[:8] + "…" for k in keys[:5])
        reasons.append(f"SVC-UNRESOLVED: {len(keys)} money transaction(s) not yet resolved "
                       f"with the bank host ({shown}); let the kiosk settle them online "
                       f"(`kiosk journal` lists them)")
    return not reasons, reasons


def first_start(state_dir: Path) -> tuple[bool, str]:
    """The check after an upgrade; (ok, message)."""
    marker = state_dir / UPGRADE_PENDING
    if not marker.exists():
        return True, "no upgrade pending"
    pending = marker.read_text(encoding="utf-8").strip()
    problems: list[str] = []
    for module in ("kiosk.app", "kiosk.watchdog", "devices.registry", "screens.runner",
                   "offline_queue.journal"):
        try:
            importlib.import_module(module)
        except Exception as exc:
            problems.append(f"cannot import {module}: {exc}")
    from kiosk.audit import AUDIT_FILE, verify

    audit = state_dir / AUDIT_FILE
    if audit.exists():
        ok, bad = verify(audit)
        if not ok:
            problems.append(f"the audit log's hash chain breaks at line {bad}")
    try:
        journal = _open_journal(state_dir)  # migrates it forward to this version's schema
        if journal is not None:
            journal.close()
    except Exception as exc:
        problems.append(f"the journal did not open/migrate: {exc}")
    if problems:
        return False, (f"SVC-UPGRADE-CHECK: the upgrade ({pending}) failed its first-start "
                       f"check: " + "; ".join(problems) + ". Roll back: see "
                       "/usr/share/doc/zhunong-kiosk/appliance.md (Rolling back)")
    marker.unlink()
    write_atomic(state_dir / "last-good-version", pending + "\n", mode=0o644)
    return True, f"upgrade {pending}: first-start check passed"


def build_parser() -> argparse.ArgumentParser:
    p = UsageArgumentParser(prog="kiosk service", description=__doc__.split("\n")[0])
    p.add_argument("action", choices=("may-stop", "first-start", "status"))
    p.add_argument("--config", type=Path, help="kiosk.toml (default: the installed one)")
    p.add_argument("--state-dir", type=Path, help="the state directory (default: from the "
                   "config, else /var/lib/zhunong-kiosk)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--maintainer", action="store_true",
                   help="called by the package's scripts: say how to force it")
    return p


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    state_dir = args.state_dir or state_dir_from(args.config)
    if args.action == "may-stop":
        ok, reasons = may_stop(state_dir)
        forced = not ok and os.environ.get(FORCE_ENV) == "1"
        if args.json:
            print(json.dumps({"may_stop": ok, "forced": forced, "reasons": reasons},
                             ensure_ascii=False))
        for r in reasons:
            print(f"zhunong-kiosk: {r}", file=sys.stderr)
        if forced:
            print(f"zhunong-kiosk: {FORCE_ENV}=1: going on anyway (technician's decision)",
                  file=sys.stderr)
            return 0
        if not ok and args.maintainer:
            print("zhunong-kiosk: the package was not changed: try again between customers "
                  "once the money is settled, or force it (a technician's decision):\n"
                  f"zhunong-kiosk:   {FORCE_ENV}=1 apt-get ...   "
                  "(/usr/share/doc/zhunong-kiosk/appliance.md)", file=sys.stderr)
        return 0 if ok else EXIT_REFUSE
    if args.action == "first-start":
        ok, message = first_start(state_dir)
        print(f"kiosk service: {message}", file=sys.stdout if ok else sys.stderr)
        return 0 if ok else EXIT_REFUSE
    from kiosk.watchdog import COUNTERS_FILE, read_json

    print(json.dumps({"state_dir": str(state_dir), "running": running_state(state_dir),
                      "counters": read_json(state_dir / COUNTERS_FILE),
                      "upgrade_pending": (state_dir / UPGRADE_PENDING).exists()},
                     ensure_ascii=False, sort_keys=True))
    return 0
