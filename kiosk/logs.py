"""Structured logging: JSON lines with session and request ids, and masking of personal data.

``setup_logging(state_dir)`` sends every record of the process to a rotating file
``state_dir/logs/kiosk.jsonl`` (and, optionally, to a stream) as one JSON object per line::

    {"ts": "2026-11-28T23:40:01.123Z", "level": "INFO", "logger": "devices.worker",
     "msg": "...", "session_id": "s-...", "request_id": 17, "thread": "device-idcard", ...}

Every record passes :class:`MaskingFilter` first, whatever the log call does: the message and
its args, every ``extra`` field (nested dicts and lists too), the exception text and the stack.
Masked: ID, card and mobile numbers anywhere in the text (:func:`kiosk.masking.mask_numbers`:
glued to other digits, full-width, grouped with spaces or dashes) and the current customer's
name (:func:`set_customer_name`). Masks follow :mod:`kiosk.masking` (610425********3012,
621799*********4561, 138****5678, 张*国).

Ids: :func:`set_session` sets the current customer session for the whole process (one farmer
at a time; device worker threads log for that session too). :func:`log_context` sets a
session and/or request id for the current context only (a device command, a host request).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import logging.handlers
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from kiosk.masking import mask_name, mask_numbers

LOG_FILE_NAME = "kiosk.jsonl"
MAX_BYTES = 5 * 1024 * 1024
BACKUP_COUNT = 10

_UNSET: Any = object()
_session_var: contextvars.ContextVar[Any] = contextvars.ContextVar("session_id", default=_UNSET)
_request_var: contextvars.ContextVar[Any] = contextvars.ContextVar("request_id", default=None)
_state_lock = threading.Lock()
_current_session: str | None = None
_customer_names: tuple[str, ...] = ()
_installed: list[logging.Handler] = []

# --- what is personal data --------------------------------------------------------------------

def mask_sensitive(text: str) -> str:
    """Mask ID numbers, card numbers, mobile numbers and the current customer's name."""
    if not text:
        return text
    for name in _customer_names:
        if name in text:
            text = text.replace(name, mask_name(name))
        elif name.isascii() and name.lower() in text.lower():
            text = re.sub(re.escape(name), mask_name(name), text, flags=re.IGNORECASE)
    return mask_numbers(text)


def mask_value(value: Any, depth: int = 0) -> Any:
    """:func:`mask_sensitive` applied to a value and everything nested in it (dicts, lists);
    integers of 13 or more digits are treated as numbers to mask."""
    if isinstance(value, str):
        return mask_sensitive(value)
    if depth > 6:
        return mask_sensitive(repr(value))
    if isinstance(value, dict):
        return {k: mask_value(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [mask_value(v, depth + 1) for v in value]
    if value is None or isinstance(value, (bool, int, float)):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**12:
            return mask_sensitive(str(value))  # a card or phone number passed as an int
        return value
    return mask_sensitive(str(value))


# --- context ----------------------------------------------------------------------------------


def set_session(session_id: str | None) -> None:
    """The current customer session for every thread (None: no session)."""
    global _current_session
    with _state_lock:
        _current_session = session_id


def current_session() -> str | None:
    value = _session_var.get()
    return _current_session if value is _UNSET else value


def current_request() -> Any:
    return _request_var.get()


def set_customer_name(name: str | None, *other_names: str | None) -> None:
    """The current customer's name (and other spellings of it, e.g. the English name on a
    foreign permanent resident card); masked in every log line until set to None."""
    global _customer_names
    names: list[str] = []
    for candidate in (name, *other_names):
        if not candidate or len(candidate.strip()) < 2:
            continue
        stripped = candidate.strip()
        names.append(stripped)
        compact = re.sub(r"\s+", "", stripped)
        if compact != stripped:
            names.append(compact)
    names.sort(key=len, reverse=True)  # the longest first: 欧阳建华 before a shorter alias
    with _state_lock:
        _customer_names = tuple(names) if name else ()


@contextmanager
def log_context(session_id: Any = _UNSET, request_id: Any = _UNSET) -> Iterator[None]:
    """Set the session id and/or the request id for log lines written inside the block."""
    tokens: list[tuple[contextvars.ContextVar[Any], contextvars.Token[Any]]] = []
    if session_id is not _UNSET:
        tokens.append((_session_var, _session_var.set(session_id)))
    if request_id is not _UNSET:
        tokens.append((_request_var, _request_var.set(request_id)))
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


# --- filter and formatter ---------------------------------------------------------------------

_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message", "asctime", "taskName"}


class MaskingFilter(logging.Filter):
    """Masks personal data in a record (message, args, extra fields, exception, stack) and
    stamps it with ``session_id`` and ``request_id``. Never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_kiosk_masked", False):
            return True
        try:
            message = record.getMessage()
        except Exception as exc:  # a bad format string must not lose the line
            message = f"{record.msg!r} % {record.args!r} ({exc})"
        record.msg = mask_sensitive(message)
        record.args = None
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.exc_info = None
        if record.exc_text:
            record.exc_text = mask_sensitive(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_sensitive(record.stack_info)
        for key in list(vars(record)):
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                setattr(record, key, mask_value(getattr(record, key)))
        if getattr(record, "session_id", None) is None:
            record.session_id = current_session()
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request()
        record._kiosk_masked = True
        return True


class JsonLineFormatter(logging.Formatter):
    """One JSON object per record (after :class:`MaskingFilter`)."""

    def format(self, record: logging.LogRecord) -> str:
        ts = dt.datetime.fromtimestamp(record.created, dt.UTC)
        obj: dict[str, Any] = {
            "ts": ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "session_id": getattr(record, "session_id", None),
            "request_id": getattr(record, "request_id", None),
            "thread": record.threadName,
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_") and key not in obj:
                obj[key] = value
        if record.exc_text:
            obj["exc"] = record.exc_text
        if record.stack_info:
            obj["stack"] = record.stack_info
        return json.dumps(obj, ensure_ascii=False, default=str)


def setup_logging(state_dir: Path, level: str | int = "INFO", *,
                  stream: IO[str] | None = None,
                  max_bytes: int = MAX_BYTES, backup_count: int = BACKUP_COUNT) -> Path:
    """Log every record of the process, masked, as JSON lines to
    ``state_dir/logs/kiosk.jsonl`` (rotating) and to ``stream`` when given.

    Calling it again replaces the handlers it installed before. Returns the log file path.
    """
    log_dir = Path(state_dir) / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / LOG_FILE_NAME
    teardown_logging()
    masking = MaskingFilter()
    formatter = JsonLineFormatter()
    handlers: list[logging.Handler] = [
        logging.handlers.RotatingFileHandler(path, maxBytes=max_bytes,
                                             backupCount=backup_count, encoding="utf-8")]
    if stream is not None:
        handlers.append(logging.StreamHandler(stream))
    root = logging.getLogger()
    for handler in handlers:
        handler.addFilter(masking)
        handler.setFormatter(formatter)
        root.addHandler(handler)
        _installed.append(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    logging.captureWarnings(True)
    return path


def teardown_logging() -> None:
    """Remove (and close) the handlers :func:`setup_logging` installed."""
    root = logging.getLogger()
    while _installed:
        handler = _installed.pop()
        root.removeHandler(handler)
        handler.close()


def stderr_stream() -> IO[str]:
    """The stream for ``setup_logging(..., stream=...)`` when logs should also go to stderr."""
    return sys.stderr
