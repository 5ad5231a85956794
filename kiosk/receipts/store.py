"""Every printed receipt, stored masked in the state directory, so staff can reprint it.

One JSON file per receipt serial under ``<state_dir>/receipts/``: the masked receipt model,
the farmer's language, and each print attempt with its outcome (printed, not confirmed,
partial, failed). Nothing unmasked is ever written: the model passes through
:func:`kiosk.receipts.model.masked` first. Writes are atomic and 0600
(:func:`devices.atomicfile.write_json_atomic`); a file that does not read back as a receipt
(truncated by a full disk, damaged) is reported, never trusted, and kept aside as
``*.corrupt`` so nothing is lost.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from devices.atomicfile import CorruptFile, read_json, write_json_atomic
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
log = logging.getLogger(__name__)


def _stored(path: Path) -> StoredReceipt:
    """The receipt in ``path``; :class:`CorruptFile` when it is not one."""
    data = read_json(path)
    try:
        return StoredReceipt(from_json(data["receipt"]), str(data["lang"]),
                             tuple(data.get("attempts", [])))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise CorruptFile(path, f"not a stored receipt ({type(exc).__name__}: {exc})"
                          ) from None


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
            try:
                attempts = list(_stored(path).attempts)
            except FileNotFoundError:
                pass
            except CorruptFile as exc:
                self._set_aside(path, exc)
            attempts.append(attempt)
            data = {"receipt": to_json(safe), "lang": lang, "attempts": attempts}
            write_json_atomic(path, data, indent=1)
        return StoredReceipt(safe, lang, tuple(attempts))

    @staticmethod
    def _set_aside(path: Path, exc: CorruptFile) -> None:
        """Keep a damaged file for a technician (``*.corrupt``), out of the archive."""
        log.error("receipt store: %s; kept as %s.corrupt", exc, path.name)
        try:
            path.replace(path.with_name(path.name + ".corrupt"))
        except OSError as err:
            log.error("receipt store: cannot set %s aside: %s", path.name, err)

    def get(self, serial_no: str) -> StoredReceipt:
        """The stored receipt; ``KeyError`` when there is none, :class:`CorruptFile` when its
        file is damaged (reported, not trusted)."""
        path = self._path(serial_no)
        try:
            return _stored(path)
        except FileNotFoundError:
            raise KeyError(serial_no) from None
        except CorruptFile as exc:
            log.error("receipt store: %s", exc)
            raise

    def list(self) -> list[StoredReceipt]:
        """All stored receipts, newest transaction first."""
        items = []
        for path in self.dir.glob("*.json"):
            try:
                items.append(_stored(path))
            except CorruptFile as exc:  # a damaged file must not hide the others
                log.error("receipt store: %s", exc)
            except FileNotFoundError:
                continue
        items.sort(key=lambda s: s.receipt.header.txn_time, reverse=True)
        return items

    def reprint_doc(self, serial_no: str, lang: str | None = None,
                    settings: ReceiptSettings | None = None) -> ReceiptDoc:
        """The document to reprint (marked as a reprint), in the stored or given language."""
        stored = self.get(serial_no)
        return render(stored.receipt, Translator(lang or stored.lang), settings, reprint=True)
