"""The version and configuration view of a technician: every setting as loaded, secrets
hidden (a value under a key that names a password, secret, token, PIN or key component, and
a password inside a URL); the versions of the kiosk, Python, Qt and the system."""

from __future__ import annotations

import platform
import re
import sys
from importlib import metadata
from typing import Any
from urllib.parse import urlsplit, urlunsplit

HIDDEN = "********"
_SECRET = re.compile(
    r"(password|passwd|secret|token|passphrase|component|tmk|(^|_)pins?(_block)?$)",
    re.IGNORECASE)


def _hide_url(text: str) -> str:
    parts = urlsplit(text)
    if parts.password is None:
        return text
    netloc = f"{parts.username}:{HIDDEN}@{parts.hostname}" + (
        f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def hide_secrets(value: Any, key: str = "") -> Any:
    """``value`` with every secret replaced by ``********``."""
    if key and _SECRET.search(key):
        return HIDDEN
    if isinstance(value, dict):
        return {k: hide_secrets(v, str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [hide_secrets(v) for v in value]
    if isinstance(value, str) and "://" in value:
        return _hide_url(value)
    return value


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def versions() -> dict[str, str]:
    """Software versions (no Qt import: read from the installed packages)."""
    return {"kiosk": _version("zhunong-kiosk"), "python": sys.version.split()[0],
            "PySide6": _version("PySide6_Essentials"), "pyscard": _version("pyscard"),
            "python-escpos": _version("python-escpos"), "system": platform.platform()}


def config_view(config: Any) -> dict[str, Any]:
    """The loaded configuration as JSON with secrets hidden."""
    return dict(hide_secrets(config.model_dump(mode="json")))
