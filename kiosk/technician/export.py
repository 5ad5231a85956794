"""Log and journal export for a technician: one ``.tar.gz`` on a USB stick or in a folder,
masked, with a manifest of SHA-256 sums.

What goes in: the JSON logs and crash logs (every line masked again on the way out, although
the logging filter already masked them), the audit log and its seal byte for byte (they hold
no personal data, and a changed byte would make them unverifiable), the transaction journal as
JSON (rows and their events, masked), and ``manifest.json``. The archive is written beside its
final name and renamed when complete and fsync'd, so a pulled stick never holds half of one
under the final name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import os
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.logs import mask_sensitive, mask_value

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExportResult:
    path: Path
    files: tuple[str, ...]
    size: int
    sha256: str
    journal_rows: int | None

    def to_json(self) -> dict[str, Any]:
        return {"path": str(self.path), "files": list(self.files), "bytes": self.size,
                "sha256": self.sha256, "journal_rows": self.journal_rows}


def _masked_text(path: Path) -> bytes:
    text = path.read_text(encoding="utf-8", errors="replace")
    return "".join(mask_sensitive(line) + "\n" for line in text.splitlines()).encode("utf-8")


def _journal_json(state_dir: Path, terminal_id: str) -> tuple[bytes, int] | None:
    from offline_queue.journal import Journal

    if not (state_dir / Journal.FILE).exists():
        return None
    journal = Journal.open(state_dir, terminal_id, create=False)
    try:
        rows = [mask_value(r.to_json(with_events=True)) for r in journal.rows()]
    finally:
        journal.close()
    return json.dumps(rows, ensure_ascii=False, indent=1).encode("utf-8"), len(rows)


def export_bundle(state_dir: Path, dest: Path, terminal_id: str,
                  now: dt.datetime | None = None) -> ExportResult:
    """Write the archive into the folder ``dest`` (or to ``dest`` when it ends in
    ``.tar.gz``); returns where and what."""
    state_dir = Path(state_dir).expanduser()
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    dest = Path(dest)
    target = dest if dest.name.endswith(".tar.gz") else (
        dest / f"zhunong-{terminal_id}-{stamp}.tar.gz")
    target.parent.mkdir(parents=True, exist_ok=True)
    members: dict[str, bytes] = {}
    for folder in ("logs", "crash"):
        for path in sorted((state_dir / folder).glob("*")):
            if path.is_file():
                members[f"{folder}/{path.name}"] = _masked_text(path)
    for name in ("audit.jsonl", "audit.head"):
        path = state_dir / "audit" / name
        if path.is_file():
            members[f"audit/{name}"] = path.read_bytes()
    journal = _journal_json(state_dir, terminal_id)
    if journal is not None:
        members["journal.json"] = journal[0]
    manifest = {"terminal_id": terminal_id, "created": stamp,
                "journal_rows": None if journal is None else journal[1],
                "files": {name: hashlib.sha256(data).hexdigest()
                          for name, data in members.items()}}
    members["manifest.json"] = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
    tmp = target.with_name(target.name + ".part")
    mtime = int(dt.datetime.now().timestamp())
    with open(tmp, "wb") as raw:
        with tarfile.open(fileobj=raw, mode="w:gz") as tar:
            for name, data in members.items():
                info = tarfile.TarInfo(f"zhunong-{terminal_id}-{stamp}/{name}")
                info.size, info.mtime, info.mode = len(data), mtime, 0o640
                tar.addfile(info, io.BytesIO(data))
        raw.flush()
        os.fsync(raw.fileno())
    os.replace(tmp, target)
    data = target.read_bytes()
    log.info("export written to %s (%d files, %d bytes)", target, len(members), len(data))
    return ExportResult(target, tuple(members), len(data), hashlib.sha256(data).hexdigest(),
                        None if journal is None else journal[1])
