"""``kiosk audit verify|head``: check the tamper-evident audit log (kiosk/audit.py).

    kiosk audit verify [--file F] [--anchors F.json] [--host] [--config F] [--json]
    kiosk audit head   [--file F] [--json]

``verify`` checks the hash chain record by record, then the anchors: the local seal
(``audit.head``), the anchors in ``--anchors`` (a JSON list of ``{"seq", "hash"}``, e.g. saved
from the host) and, with ``--host``, every anchor the bank host received with the heartbeats
(``GET /v1/terminal/audit-anchors`` over the configured mutual TLS). It names the first broken
record (its seq, which is its line number) and why: ``unreadable``, ``changed``,
``chain_broken`` (a record removed or inserted before it), ``sequence``, ``reformatted``,
``truncated`` (an anchored record is gone), ``rewritten`` (an anchored record has another hash).
Exit 0 intact, 2 broken (or the host's anchors could not be fetched), 64 bad usage.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from kiosk.audit import AUDIT_FILE, Anchor, ChainCheck, check, head
from kiosk.cli import EXIT_DEVICE_ERROR, EXIT_OK, EXIT_USAGE, UsageArgumentParser


def _parser() -> UsageArgumentParser:
    p = UsageArgumentParser(prog="kiosk audit", description=__doc__)
    p.add_argument("action", choices=("verify", "head"))
    p.add_argument("--file", type=Path, help="the audit log (default: the configured "
                   "state_dir/audit/audit.jsonl)")
    p.add_argument("--config", type=Path, help="kiosk.toml")
    p.add_argument("--anchors", type=Path, help='JSON list of {"seq", "hash"} to check')
    p.add_argument("--host", action="store_true",
                   help="also check the anchors the bank host received")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    return p


def _config(path: Path | None) -> Any:
    from kiosk.config import load_config

    return load_config(path)


def _host_anchors(config: Any) -> list[Anchor]:
    from kiosk.host.client import HostClient, HostSettings

    client = HostClient(HostSettings.from_config(config, get_retries=0))
    try:
        client.open()
        return [Anchor(a.seq, a.hash) for a in client.audit_anchors().anchors]
    finally:
        client.close()


def _text(result: ChainCheck, path: Path) -> str:
    if result.ok:
        h = result.head
        where = f"head seq {h.seq} {h.hash[:16]}…" if h else "empty"
        return (f"audit log intact: {result.records} records, {where}, "
                f"{result.anchors_checked} anchor(s) checked ({path})")
    assert result.problem is not None
    return (f"audit log BROKEN at record {result.first_bad} ({result.problem.value}); "
            f"records 1–{result.records} intact ({path})")


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    config = None
    path = args.file
    if path is None or args.host:
        try:
            config = _config(args.config)
        except ValueError as exc:
            print(f"kiosk audit: {exc}", file=sys.stderr)
            return EXIT_USAGE
        if path is None:
            path = Path(config.state_dir).expanduser() / AUDIT_FILE
    if args.action == "head":
        found = head(path)
        obj = {"seq": found[0], "hash": found[1]} if found else None
        print(json.dumps(obj) if args.json else
              (f"seq {found[0]} {found[1]}" if found else "empty"))
        return EXIT_OK
    anchors: list[Anchor] = []
    if args.anchors:
        try:
            anchors += [Anchor.from_json(a) for a in json.loads(args.anchors.read_text())]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            print(f"kiosk audit: cannot read anchors {args.anchors}: {exc}", file=sys.stderr)
            return EXIT_USAGE
    if args.host:
        try:
            anchors += _host_anchors(config)
        except Exception as exc:  # host unreachable, TLS, not configured: say so, exit 2
            detail = f"host anchors not fetched: {exc}"
            if args.json:
                print(json.dumps({"ok": False, "error": "host", "detail": detail}))
            else:
                print(f"kiosk audit: {detail}", file=sys.stderr)
            return EXIT_DEVICE_ERROR
    result = check(path, anchors)
    if args.json:
        print(json.dumps({**result.to_json(), "file": str(path)}, ensure_ascii=False))
    else:
        print(_text(result, path))
    return EXIT_OK if result.ok else EXIT_DEVICE_ERROR
