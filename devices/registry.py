"""Backends by name, imported lazily (the python-can pattern).

``create_device("idcard", "samv", url="socket://127.0.0.1:7001")`` builds a driver without
opening it (a worker opens it on its own thread); ``open_device`` builds and opens it.
Third-party backends register under the entry point group ``kiosk.devices`` with names of
the form ``<kind>.<backend>``, e.g. ``idcard.acme = acme_kiosk.reader:AcmeReader``.

The built-in backends are a static table: a name found there is resolved without scanning the
installed distributions' entry points (importing importlib.metadata and reading every
distribution's metadata costs tens of ms at start). The scan runs only for a name not in the
table, or when every backend is listed.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import Any

from devices.base import DeviceInitError

KINDS = ("idcard", "iccard", "printer", "pinpad", "voice")

# kind -> backend -> "module:Class". Nothing is imported until a backend is asked for.
BUILTIN_BACKENDS: dict[str, dict[str, str]] = {
    "idcard": {
        "fake": "devices.idcard.fake:FakeIdCardReader",
        "samv": "devices.idcard.samv:SamvIdCardReader",
    },
    "iccard": {
        "fake": "devices.iccard.fake:FakeIcCardReader",
        "pcsc": "devices.iccard.pcsc:PcscIcCardReader",
    },
    "printer": {
        "fake": "devices.printer.fake:FakeReceiptPrinter",
        "escpos": "devices.printer.escpos_driver:EscposReceiptPrinter",
        "file": "devices.printer.escpos_driver:FileReceiptPrinter",
    },
    "pinpad": {
        "fake": "devices.pinpad.fake:FakePinPad",
        "kmy": "devices.pinpad.kmy:KmyPinPad",
    },
    "voice": {
        "fake": "devices.voice.fake:RecordingVoice",
        "espeak": "devices.voice.espeak:EspeakVoice",
    },
}

ENTRY_POINT_GROUP = "kiosk.devices"


class UnknownBackendError(DeviceInitError):
    """No backend of that name for that kind."""


@cache
def _all_plugin_backends() -> dict[str, dict[str, str]]:
    """One scan of the installed distributions' entry points (about 10 ms each time)."""
    from importlib.metadata import entry_points

    found: dict[str, dict[str, str]] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        ep_kind, _, backend = ep.name.partition(".")
        if backend:
            found.setdefault(ep_kind, {})[backend] = ep.value
    return found


def _plugin_backends(kind: str) -> dict[str, str]:
    return dict(_all_plugin_backends().get(kind, {}))


def available_backends(kind: str) -> list[str]:
    """Names of every backend known for ``kind`` (built-in and plug-ins)."""
    return sorted({**BUILTIN_BACKENDS.get(kind, {}), **_plugin_backends(kind)})


def has_backend(kind: str, backend: str) -> bool:
    """Whether ``kind`` has a backend ``backend``: the built-in table first, then plug-ins."""
    return backend in BUILTIN_BACKENDS.get(kind, {}) or backend in _plugin_backends(kind)


def resolve_backend(kind: str, backend: str) -> type[Any]:
    """Import and return the driver class for ``kind``/``backend``."""
    target = BUILTIN_BACKENDS.get(kind, {}).get(backend) or _plugin_backends(kind).get(backend)
    if target is None:
        known = ", ".join(available_backends(kind)) or "none"
        raise UnknownBackendError(f"no {kind} backend {backend!r} (known: {known})")
    module_name, _, class_name = target.partition(":")
    module = importlib.import_module(module_name)
    cls: type[Any] = getattr(module, class_name)
    return cls


def create_device(kind: str, backend: str, **params: Any) -> Any:
    """Build a driver from configuration without opening it."""
    return resolve_backend(kind, backend)(**params)


def open_device(kind: str, backend: str, **params: Any) -> Any:
    """Build a driver and open it on the calling thread (diagnostics, tests)."""
    device = create_device(kind, backend, **params)
    device.open()
    return device
