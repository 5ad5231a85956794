"""Control objects for the simulator panel, the autopilot and tests: play the farmer.

One control interface per device class, served two ways so that the panel works the same
whichever backend runs:

- **in-process** over the ``fake`` driver (the object the DeviceWorker owns), and
- **over HTTP** to the simulator's control API (INTERFACES.md §2).

Convention for the device modules (``kiosk/simcontrol/<kind>.py``, written by each device's
owner): the module provides two factories

    in_process(device) -> <Kind>Control     # device: the fake driver instance
    over_http(control_url: str) -> <Kind>Control   # e.g. "http://127.0.0.1:40002"

(``for_fake``/``for_http`` are accepted as aliases). The returned object follows the protocol
of its kind below; every control also has ``kind``, ``fault_kinds()``, ``set_fault(kind)`` and
``clear_fault()``. :func:`load_control` picks the right factory; :class:`HttpControl` is a
small JSON client the HTTP implementations may build on.
"""

from __future__ import annotations

import importlib
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

log = logging.getLogger(__name__)

KINDS = ("idcard", "iccard", "pinpad", "printer")

_IN_PROCESS = ("in_process", "for_fake")
_OVER_HTTP = ("over_http", "for_http")


@runtime_checkable
class SimControl(Protocol):
    """What every control object offers."""

    kind: str

    def fault_kinds(self) -> Sequence[str]: ...

    def set_fault(self, kind: str) -> None: ...

    def clear_fault(self) -> None: ...


@runtime_checkable
class IdCardControl(SimControl, Protocol):
    """Place or take away a second-generation ID card."""

    def people(self) -> list[dict[str, Any]]: ...

    def insert(self, person: str | Mapping[str, Any]) -> None: ...

    def remove(self) -> None: ...


@runtime_checkable
class IcCardControl(SimControl, Protocol):
    """Insert or take out a bank card (PBOC IC card)."""

    def cards(self) -> list[dict[str, Any]]: ...

    def insert(self, card_id: str) -> None: ...

    def remove(self) -> None: ...


@runtime_checkable
class PinPadControl(SimControl, Protocol):
    """Press keys on the PIN pad ("123456E": digits, C, B, E, X)."""

    def press(self, keys: str) -> None: ...

    def state(self) -> dict[str, Any]: ...


@runtime_checkable
class PrinterControl(SimControl, Protocol):
    """Look at what was printed."""

    def receipts(self) -> list[Any]: ...

    def receipt_text(self, n: int) -> str: ...

    def receipt_png(self, n: int) -> bytes: ...


class ControlUnavailable(RuntimeError):
    """No control module for that kind yet, or it offers no factory for that transport."""


def _module(kind: str) -> Any:
    try:
        return importlib.import_module(f"kiosk.simcontrol.{kind}")
    except ModuleNotFoundError as exc:
        if exc.name != f"kiosk.simcontrol.{kind}":
            raise
        raise ControlUnavailable(f"no simulator control for {kind} yet") from exc


def available_kinds() -> list[str]:
    """Kinds whose control module exists."""
    found = []
    for kind in KINDS:
        try:
            _module(kind)
        except ControlUnavailable:
            continue
        except Exception:  # a broken module must not take the panel down
            log.exception("simcontrol.%s failed to import", kind)
            continue
        found.append(kind)
    return found


def _factory(kind: str, names: Sequence[str]) -> Any:
    module = _module(kind)
    for name in names:
        fn = getattr(module, name, None)
        if callable(fn):
            return fn
    raise ControlUnavailable(f"simcontrol.{kind} has none of {', '.join(names)}")


def load_control(kind: str, *, device: Any = None, control_url: str | None = None) -> Any:
    """The control object of ``kind``: over HTTP when ``control_url`` is given, else in-process
    over ``device`` (the fake driver)."""
    if control_url:
        return _factory(kind, _OVER_HTTP)(control_url)
    if device is None:
        raise ControlUnavailable(f"{kind}: neither a fake device nor a control URL")
    return _factory(kind, _IN_PROCESS)(device)


class HttpControlError(RuntimeError):
    """The control API answered with an error status (or not at all)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status


class HttpControl:
    """A tiny JSON client for a simulator's control API (loopback only, stdlib)."""

    def __init__(self, base_url: str, timeout: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def request(self, method: str, path: str, body: Any = None) -> Any:
        """Send ``body`` as JSON; return parsed JSON, text, or bytes by content type."""
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        req = urllib.request.Request(self.base_url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json; charset=utf-8")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                raw = resp.read()
                ctype = resp.headers.get("Content-Type", "")
        except urllib.error.HTTPError as exc:
            raise HttpControlError(exc.code, exc.read().decode("utf-8", "replace")) from exc
        except OSError as exc:
            raise HttpControlError(0, str(exc)) from exc
        if ctype.startswith("application/json"):
            return json.loads(raw) if raw else None
        if ctype.startswith("text/"):
            return raw.decode("utf-8")
        return raw

    def get(self, path: str) -> Any:
        return self.request("GET", path)

    def post(self, path: str, body: Any = None) -> Any:
        return self.request("POST", path, {} if body is None else body)

    def delete(self, path: str) -> Any:
        return self.request("DELETE", path)
