"""``kiosk journal``: the transaction journal and the outbox, for staff and technicians.

    kiosk journal list [--state S] [--json]          every row (or those in state S)
    kiosk journal show SERIAL|KEY [--json]           one row with every state change
    kiosk journal recover [--wait SECONDS] [--json]  settle PREPARED/SENT/UNKNOWN rows against
                                                     the configured host (status query by key)
    kiosk journal export FILE                        rows, state changes and outbox (masked)
    kiosk journal retire --confirm                   technician: set a damaged or missing
                                                     journal aside and start a new one

Common options: ``--config FILE``, ``--state-dir DIR`` (default: the configured state
directory); ``recover`` also takes ``--url``, ``--ca``, ``--cert``, ``--key``.

Exit codes: 0 success (``recover``: nothing left unresolved); 2 journal or host error
(``recover``: rows left unresolved; JSON ``{"completion", "error", "detail"}`` on an error);
64 bad usage. Nothing printed holds clear personal data: the journal keeps masked values and
host ids only, and ``export`` leaves the outbox's bodies out.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from devices.atomicfile import write_json_atomic
from kiosk.cli import EXIT_DEVICE_ERROR, EXIT_OK, EXIT_USAGE, UsageArgumentParser

STATES = ("PREPARED", "SENT", "UNKNOWN", "CONFIRMED", "DECLINED")


def build_parser() -> argparse.ArgumentParser:
    p = UsageArgumentParser(prog="kiosk journal", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="action", required=True, parser_class=UsageArgumentParser)

    def common(q: argparse.ArgumentParser) -> None:
        q.add_argument("--config", help="kiosk.toml (default: installed or built-in)")
        q.add_argument("--state-dir", help="state directory (default: the configured one)")

    q = sub.add_parser("list", help="the rows, oldest first")
    q.add_argument("--state", choices=STATES, type=str.upper)
    q.add_argument("--json", action="store_true", help="one JSON array")
    common(q)
    q = sub.add_parser("show", help="one row and its state changes")
    q.add_argument("row", metavar="SERIAL|KEY")
    q.add_argument("--json", action="store_true")
    common(q)
    q = sub.add_parser("recover", help="settle unresolved rows against the host")
    q.add_argument("--wait", type=float, default=0.0,
                   help="keep asking with back-off for up to this many seconds")
    q.add_argument("--url", help="host URL (default: the configured one)")
    q.add_argument("--ca", help="the bank's CA certificate (PEM)")
    q.add_argument("--cert", help="this terminal's client certificate (PEM)")
    q.add_argument("--key", help="this terminal's client key (PEM)")
    q.add_argument("--json", action="store_true")
    common(q)
    q = sub.add_parser("export", help="write rows, state changes and outbox as JSON (masked)")
    q.add_argument("file")
    common(q)
    q = sub.add_parser("retire", help="technician: set a damaged or missing journal aside and "
                                      "start a new one (audited; refused for a healthy one)")
    q.add_argument("--confirm", action="store_true", required=True)
    q.add_argument("--json", action="store_true")
    common(q)
    return p


def _fail(args: argparse.Namespace, code: str, detail: str, completion: str = "deviceNotReady"
          ) -> int:
    if getattr(args, "json", False):
        print(json.dumps({"completion": completion, "error": code, "detail": detail},
                         ensure_ascii=False))
    else:
        print(f"kiosk journal: {code}: {detail}", file=sys.stderr)
    return EXIT_DEVICE_ERROR


def _config(args: argparse.Namespace) -> Any:
    from kiosk.config import load_config

    return load_config(Path(args.config) if args.config else None)


def _state_dir(args: argparse.Namespace, config: Any) -> Path:
    return Path(args.state_dir).expanduser() if args.state_dir else Path(config.state_dir)


def main(argv: list[str]) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE
    from kiosk.config import ConfigError
    from offline_queue.db import JournalError, JournalMissing
    from offline_queue.journal import Journal

    try:
        config = _config(args)
    except ConfigError as exc:
        print(f"kiosk journal: {exc}", file=sys.stderr)
        return EXIT_USAGE
    state_dir = _state_dir(args, config)
    if args.action == "retire":
        return _retire(args, state_dir, config)
    try:
        journal = Journal.open(state_dir, config.terminal.id, create=False,
                               min_free_bytes=config.money.min_free_bytes)
    except JournalMissing as exc:
        if args.action in ("list", "export") and not (state_dir / "journal.epoch").exists():
            return _empty(args, state_dir)
        return _fail(args, exc.code, exc.detail)
    except JournalError as exc:
        return _fail(args, exc.code, exc.detail)
    try:
        if args.action == "list":
            return _list(args, journal)
        if args.action == "show":
            return _show(args, journal)
        if args.action == "export":
            return _export(args, journal)
        return _recover(args, journal, config)
    finally:
        journal.close()


def _empty(args: argparse.Namespace, state_dir: Path) -> int:
    if args.action == "export":
        Path(args.file).write_text(json.dumps({"rows": [], "outbox": []}) + "\n")
    elif args.json:
        print("[]")
    else:
        print(f"no journal in {state_dir}")
    return EXIT_OK


def _table(rows: list[Any]) -> str:
    head = ("serial", "key", "kind", "state", "amount", "updated", "host_ref", "reason",
            "receipt")
    body = [(str(r.serial), r.key, r.kind, r.state.value,
             "" if r.amount is None else f"{r.amount:,.2f}", r.updated[:19].replace("T", " "),
             r.host_ref or "", r.reason or "",
             "printed" if r.receipt_printed else ("REPRINT" if r.reprint_due else "-"))
            for r in rows]
    widths = [max([len(h)] + [len(b[i]) for b in body]) for i, h in enumerate(head)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(b, widths, strict=True)) for b in body]
    return "\n".join(lines)


def _serials(rows: list[Any], most: int = 12) -> str:
    """`` (1, 2, 3 … +9 more)``: the serials a staff member looks up next."""
    if not rows:
        return ""
    shown = ", ".join(str(r.serial) for r in rows[:most])
    more = f" … +{len(rows) - most} more" if len(rows) > most else ""
    return f" ({shown}{more})"


def _summary(journal: Any) -> str:
    from offline_queue.outbox import Outbox

    counts = journal.counts()
    unresolved = journal.unresolved()
    reprint = journal.reprint_due()
    stats = Outbox(journal).stats()
    parts = [", ".join(f"{s} {counts.get(s, 0)}" for s in STATES if counts.get(s))
             or "no rows"]
    parts.append(f"unresolved {len(unresolved)}{_serials(unresolved)}")
    parts.append(f"receipts to reprint {len(reprint)}{_serials(reprint)}")
    age = "" if stats.age_seconds is None else f", oldest {stats.age_seconds:.0f} s"
    parts.append(f"outbox {stats.depth} pending{age}, {stats.rejected} rejected")
    return "; ".join(parts)


def _list(args: argparse.Namespace, journal: Any) -> int:
    rows = journal.rows(args.state)
    if args.json:
        print(json.dumps([r.to_json() for r in rows], ensure_ascii=False))
        return EXIT_OK
    print(_table(rows) if rows else "(no rows)")
    print(f"-- terminal {journal.terminal_id}, journal {journal.epoch}: {_summary(journal)}")
    return EXIT_OK


def _show(args: argparse.Namespace, journal: Any) -> int:
    row = journal.get(args.row, with_events=True)
    if row is None:
        return _fail(args, "JOURNAL-ROW-NOT-FOUND", f"no row {args.row}", "invalidData")
    if args.json:
        print(json.dumps(row.to_json(with_events=True), ensure_ascii=False))
        return EXIT_OK
    obj = row.to_json()
    for name in ("serial", "key", "kind", "state", "amount", "customer_ref", "account_masked",
                 "host_ref", "business_date", "acct_date", "reason", "attempts", "staff_id",
                 "receipt_required", "receipt_printed", "created", "updated", "request_digest"):
        print(f"{name:<17}{'' if obj[name] is None else obj[name]}")
    for k, v in obj["detail"].items():
        print(f"  {k:<15}{v}")
    print("state changes:")
    for e in row.events:
        print(f"  {e.seq:>3}  {e.at}  {e.state.value:<9}  {e.note}")
    return EXIT_OK


def _export(args: argparse.Namespace, journal: Any) -> int:
    from offline_queue import db as dbmod
    from offline_queue.outbox import Outbox

    out = {"terminal_id": journal.terminal_id, "journal_epoch": journal.epoch,
           "schema_version": dbmod.SCHEMA_VERSION, "exported_at": dbmod.now_text(),
           "counts": journal.counts(),
           "rows": [journal.get(r.serial, with_events=True).to_json(with_events=True)
                    for r in journal.rows()],
           "outbox": [i.to_json() for i in Outbox(journal).items()]}
    target = Path(args.file)
    write_json_atomic(target, out, indent=1)  # 0600: rows name customers (masked)
    print(f"{len(out['rows'])} rows, {len(out['outbox'])} outbox messages -> {target}")
    return EXIT_OK


def _recover(args: argparse.Namespace, journal: Any, config: Any) -> int:
    from kiosk.host.client import HostClient, HostSettings
    from kiosk.transactions import MoneySettings, TransactionsService

    changes: dict[str, Any] = {"get_retries": 0}
    for name, value in (("ca_file", args.ca), ("cert_file", args.cert), ("key_file", args.key)):
        if value:
            changes[name] = Path(value)
    try:
        settings = HostSettings.from_config(config, url=args.url, **changes)
    except ValueError as exc:
        return _fail(args, "config", str(exc))
    client = HostClient(settings)
    service = TransactionsService(journal, client, MoneySettings.from_config(config))
    try:
        report = service.recover(wait_seconds=args.wait)
    finally:
        client.close()
    obj = {"resolved": [r.to_json() for r in report.resolved],
           "unresolved": [r.to_json() for r in report.unresolved],
           "reprint": [r.to_json() for r in report.reprint]}
    if args.json:
        print(json.dumps(obj, ensure_ascii=False))
    else:
        for r in report.resolved:
            print(f"resolved   {r.serial:>6}  {r.key}  {r.state.value}"
                  + (f" ({r.reason})" if r.reason else ""))
        for r in report.unresolved:
            print(f"UNRESOLVED {r.serial:>6}  {r.key}  {r.state.value}")
        for r in report.reprint:
            print(f"reprint    {r.serial:>6}  {r.key}  {r.state.value}")
        print(f"{len(report.resolved)} resolved, {len(report.unresolved)} unresolved, "
              f"{len(report.reprint)} receipts to reprint")
    return EXIT_OK if report.clean else EXIT_DEVICE_ERROR


def _retire(args: argparse.Namespace, state_dir: Path, config: Any) -> int:
    """Only for a journal that cannot be opened (corrupt, missing, too new): its files go to
    ``journal.db.retired-<time>/`` (the copies kept aside at detection stay too), a new
    journal with a new epoch is created, and the audit log records it."""
    from kiosk.audit import audit_log
    from offline_queue import db as dbmod
    from offline_queue.journal import Journal

    try:
        Journal.open(state_dir, config.terminal.id, create=False).close()
    except dbmod.JournalError as exc:
        problem = exc
    else:
        return _fail(args, "JOURNAL-HEALTHY", "the journal opens: nothing to retire",
                     "invalidData")
    if isinstance(problem, dbmod.JournalMissing) and not (
            state_dir / dbmod.EPOCH_MARKER).exists():
        return _fail(args, "JOURNAL-MISSING", "no journal here to retire", "invalidData")
    if isinstance(problem, (dbmod.JournalReadOnly, dbmod.JournalDiskFull)):
        return _fail(args, problem.code, problem.detail)
    try:
        audit_log(state_dir).append("technician", "journal.retire",
                                    {"code": problem.code, "detail": problem.detail[:200]})
    except Exception as exc:
        return _fail(args, "AUDIT-UNAVAILABLE", f"cannot audit the retirement: {exc}")
    kept = dbmod.retire(state_dir / Journal.FILE, f"{problem.code}: {problem.detail}")
    journal = Journal.open(state_dir, config.terminal.id)
    obj = {"retired": str(kept), "reason": problem.code, "new_epoch": journal.epoch}
    journal.close()
    if args.json:
        print(json.dumps(obj, ensure_ascii=False))
    else:
        print(f"{problem.code}: old journal moved to {kept}; new journal {obj['new_epoch']}")
    return EXIT_OK
