"""Every printed receipt, stored masked in the state directory, so staff can reprint it.

One JSON file per receipt serial under ``<state_dir>/receipts/``: the masked receipt model,
the farmer's language, and each print attempt with its outcome (printed, not confirmed,
partial, failed). Nothing unmasked is ever written: the model passes through
:func:`kiosk.receipts.model.masked` first. Writes are atomic (temp file + rename).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
import threading
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from devices.printer.contract import ReceiptDoc
from kiosk.i18n import Translator
from kiosk.receipts.model import Receipt, from_json, masked, to_json
from kiosk.receipts.templates import ReceiptSettings, render


class PrintOutcome(StrEnum):
    PRINTED = "printed"  # the printer answered after the cut: fine
    UNCONFIRMED = "unconfirmed"  # sent, but the printer could not confirm
    PARTIAL = "partial"  # stopped part-way (paper out)
    FAILED = "failed"  # nothing printed
    NOT_PRINTED = "not_printed"  # stored without printing (printer down before money moved)


@dataclass(frozen=True)
class StoredReceipt:
    """A receipt as the store keeps it."""

    receipt: Receipt
    lang: str
    attempts: tuple[dict[str, Any], ...]

    @property
    def serial_no(self) -> str:
        return self.receipt.header.serial_no

    @property
    def last_outcome(self) -> PrintOutcome | None:
        return PrintOutcome(self.attempts[-1]["outcome"]) if self.attempts else None


_SAFE = re.compile(r"[^A-Za-z0-9_.-]")


class ReceiptStore:
    """The masked receipt archive of one terminal."""

    def __init__(self, state_dir: str | Path) -> None:
        self.dir = Path(state_dir) / "receipts"
        self.dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    def _path(self, serial_no: str) -> Path:
        return self.dir / f"{_SAFE.sub('_', serial_no)}.json"

    def record(self, receipt: Receipt, lang: str, outcome: PrintOutcome, detail: str = "",
               reprint: bool = False, at: dt.datetime | None = None) -> StoredReceipt:
        """Store (or update) ``receipt`` masked, appending this print attempt."""
        safe = masked(receipt)
        attempt = {"at": (at or dt.datetime.now()).isoformat(timespec="seconds"),
                   "outcome": outcome.value, "reprint": reprint, "detail": detail}
        with self._lock:
            path = self._path(safe.header.serial_no)
            attempts: list[dict[str, Any]] = []
            if path.exists():
                attempts = list(json.loads(path.read_text("utf-8")).get("attempts", []))
            attempts.append(attempt)
            data = {"receipt": to_json(safe), "lang": lang, "attempts": attempts}
            fd, tmp = tempfile.mkstemp(dir=self.dir, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, ensure_ascii=False, indent=1)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        return StoredReceipt(safe, lang, tuple(attempts))

    def get(self, serial_no: str) -> StoredReceipt:
        path = self._path(serial_no)
        if not path.exists():
            raise KeyError(serial_no)
        data = json.loads(path.read_text("utf-8"))
        return StoredReceipt(from_json(data["receipt"]), data["lang"],
                             tuple(data.get("attempts", [])))

    def list(self) -> list[StoredReceipt]:
        """All stored receipts, newest transaction first."""
        items = []
        for path in self.dir.glob("*.json"):
            try:
                data = json.loads(path.read_text("utf-8"))
                items.append(StoredReceipt(from_json(data["receipt"]), data["lang"],
                                           tuple(data.get("attempts", []))))
            except (ValueError, KeyError):
                continue  # a damaged file must not hide the others
        items.sort(key=lambda s: s.receipt.header.txn_time, reverse=True)
        return items

    def reprint_doc(self, serial_no: str, lang: str | None = None,
                    settings: ReceiptSettings | None = None) -> ReceiptDoc:
        """The document to reprint (marked as a reprint), in the stored or given language."""
        stored = self.get(serial_no)
        return render(stored.receipt, Translator(lang or stored.lang), settings, reprint=True)
