"""The unified error-code table: what a farmer reads and hears, what staff see, per error.

Each area keeps its own table ``kiosk/error_codes/<area>.yaml``: a list of entries
``{code: IDC-EXPIRED, device: idcard, error: expired, completion: userError, retryable: false}``.
``device`` defaults to the file's name (``core.yaml``: no device); ``error`` is the value of the
device class's error enum; ``completion`` a :class:`devices.base.CompletionCode` value. An entry
without device and error is the generic fallback for its completion code (``GEN-TIMEOUT``...).

Texts live in the catalogs under ``error.<CODE>.farmer`` (plain words, what to do next),
``error.<CODE>.staff`` (technical meaning; may use ``{detail}``, ``{device}``, ``{error}``,
``{completion}``) and ``error.<CODE>.voice`` (what is spoken).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from devices.base import Completion, CompletionCode
from kiosk.i18n import DEFAULT_LANGUAGE, Translator, catalog

log = logging.getLogger(__name__)

TABLE_DIR = Path(__file__).with_name("error_codes")
CODE_PATTERN = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$")
FALLBACK_CODE = "GEN-INTERNAL"
TEXT_KINDS = ("farmer", "staff", "voice")


class ErrorTableError(ValueError):
    """An error table file is malformed (names the file, the entry and the reason)."""


@dataclass(frozen=True)
class ErrorCodeEntry:
    """One row of an error table."""

    code: str
    retryable: bool
    device: str | None = None
    error: str | None = None
    completion: CompletionCode | None = None
    area: str = ""


@dataclass(frozen=True)
class ErrorInfo:
    """An error as people see it, in one language."""

    code: str
    farmer: str
    staff: str
    voice: str
    retryable: bool


@dataclass(frozen=True)
class ErrorTable:
    """All areas' entries with the lookups ``error_for_completion`` needs."""

    entries: tuple[ErrorCodeEntry, ...]

    def by_code(self, code: str) -> ErrorCodeEntry | None:
        for entry in self.entries:
            if entry.code == code:
                return entry
        return None

    def codes(self) -> set[str]:
        return {e.code for e in self.entries}

    def match(self, device: str | None, error: str | None,
              completion: CompletionCode) -> ErrorCodeEntry:
        """Most specific entry: (device, error), then (device, completion) without error,
        then the generic entry of the completion code, then GEN-INTERNAL."""
        err = _norm(error)
        if err is not None:
            for wanted_device in (device, None):
                for entry in self.entries:
                    if (entry.error is not None and _norm(entry.error) == err
                            and entry.device == wanted_device):
                        return entry
        for entry in self.entries:
            if entry.device == device and device is not None and entry.error is None and (
                    entry.completion is completion):
                return entry
        for entry in self.entries:
            if entry.device is None and entry.error is None and entry.completion is completion:
                return entry
        fallback = self.by_code(FALLBACK_CODE)
        assert fallback is not None, "core.yaml must define GEN-INTERNAL"
        return fallback


def _norm(value: str | None) -> str | None:
    return None if value is None else re.sub(r"[^a-z0-9]", "", value.lower())


def _parse_entry(raw: Any, path: Path, index: int) -> ErrorCodeEntry:
    where = f"{path.name} entry {index + 1}"
    if not isinstance(raw, dict):
        raise ErrorTableError(f"{where}: not a mapping")
    unknown = set(raw) - {"code", "device", "error", "completion", "retryable"}
    if unknown:
        raise ErrorTableError(f"{where}: unknown keys {sorted(unknown)}")
    code = raw.get("code")
    if not isinstance(code, str) or not CODE_PATTERN.match(code):
        raise ErrorTableError(f"{where}: code {code!r} is not of the form AREA-NAME")
    retryable = raw.get("retryable", False)
    if not isinstance(retryable, bool):
        raise ErrorTableError(f"{where}: retryable {retryable!r} is not true/false")
    completion = raw.get("completion")
    try:
        completion_code = None if completion is None else CompletionCode(completion)
    except ValueError:
        known = ", ".join(c.value for c in CompletionCode)
        raise ErrorTableError(f"{where}: completion {completion!r} is not one of {known}"
                              ) from None
    area = path.stem
    device = raw.get("device", None if area == "core" else area)
    error = raw.get("error")
    if error is not None and not isinstance(error, str):
        error = str(error)
    return ErrorCodeEntry(code=code, retryable=retryable, device=device, error=error,
                          completion=completion_code, area=area)


def load_error_table(directory: Path = TABLE_DIR) -> ErrorTable:
    """Read and check every ``*.yaml`` table in ``directory``."""
    entries: list[ErrorCodeEntry] = []
    seen: dict[tuple[str | None, str | None], str] = {}
    for path in sorted(directory.glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        except yaml.YAMLError as exc:
            raise ErrorTableError(f"{path.name}: not valid YAML: {exc}") from None
        if not isinstance(data, list):
            raise ErrorTableError(f"{path.name}: must be a list of entries")
        for index, raw in enumerate(data):
            entry = _parse_entry(raw, path, index)
            if entry.error is not None:
                key = (entry.device, _norm(entry.error))
                if key in seen and seen[key] != entry.code:
                    raise ErrorTableError(
                        f"{path.name}: {entry.device}/{entry.error} mapped to both "
                        f"{seen[key]} and {entry.code}")
                seen[key] = entry.code
            entries.append(entry)
    return ErrorTable(tuple(entries))


@cache
def error_table() -> ErrorTable:
    """The installed table (cached)."""
    return load_error_table()


def _text(code: str, kind: str, translator: Translator, fields: dict[str, Any],
          fallback_code: str) -> str:
    for candidate in (code, fallback_code, FALLBACK_CODE):
        msgid = f"error.{candidate}.{kind}"
        if msgid in catalog(translator.lang) or msgid in catalog(DEFAULT_LANGUAGE):
            try:
                return translator.gettext(msgid, **fields)
            except (KeyError, IndexError, ValueError):
                log.warning("catalog text %s has a bad field", msgid)
                return translator.gettext(msgid)
        log.warning("no catalog text %s", msgid)
    return code


def error_info(code: str, translator: Translator, /, **fields: Any) -> ErrorInfo:
    """The texts of ``code`` in the translator's language. A code without texts (a table
    and catalog out of step) falls back to its completion's generic texts, then GEN-INTERNAL,
    but keeps its own code so staff can see it."""
    table = error_table()
    entry = table.by_code(code)
    fallback = FALLBACK_CODE
    if entry is not None and entry.completion is not None:
        fallback = table.match(None, None, entry.completion).code
    defaults = {"detail": "", "device": "", "error": "", "completion": ""}
    merged = {**defaults, **fields}
    return ErrorInfo(
        code=code,
        farmer=_text(code, "farmer", translator, merged, fallback),
        staff=_text(code, "staff", translator, merged, fallback),
        voice=_text(code, "voice", translator, merged, fallback),
        retryable=entry.retryable if entry is not None else False,
    )


def code_for_completion(completion: Completion[Any], kind: str | None = None) -> str:
    """The error code of a failed completion (device from the completion, else ``kind``)."""
    device = completion.device or kind
    error = completion.error
    error_value = None if error is None else str(
        error.value if isinstance(error, Enum) else error)
    return error_table().match(device, error_value, completion.code).code


def error_for_completion(completion: Completion[Any], translator: Translator,
                         kind: str | None = None) -> ErrorInfo:
    """What to tell people about a failed command (see :class:`ErrorTable.match`)."""
    error = completion.error
    error_value = "" if error is None else str(
        error.value if isinstance(error, Enum) else error)
    return error_info(
        code_for_completion(completion, kind),
        translator,
        detail=completion.detail,
        device=completion.device or kind or "",
        error=error_value,
        completion=completion.code.value,
    )
