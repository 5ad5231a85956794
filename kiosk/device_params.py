"""The parameters of each device backend, as typed models (``[devices.<kind>]`` of kiosk.toml).

One model per built-in backend (``samv``, ``pcsc``, ``escpos``, ``file``, ``kmy`` and the
``fake`` of each kind). Each model names exactly the keyword parameters of the driver's
constructor that configuration may set (a unit test keeps the two in step), with their types
and ranges, so an unknown or mistyped parameter is an error naming the section, the key, the
value and the reason, instead of a driver that crashes later or a kiosk that starts degraded.

A ``fake`` section also accepts the parameters of the real backends of its kind (checked with
their types, never used): switching one section to ``backend = "fake"`` for a test keeps the
rest of the file valid.

Plug-in backends (entry point group ``kiosk.devices``) have no model here: their parameters
are handed to them unchecked.

This module imports no driver: it is loaded with the configuration, before the first paint.
The choice lists mirror the drivers' enums (``devices.pinpad.kmy_frames.Framing``,
``devices.crypto.PinBlockFormat`` / ``MacMethod`` / ``Algorithm``, the printer profiles);
``tests/unit/core/test_device_params.py`` checks that they agree.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, field_validator

PRINTER_PROFILES = ("generic_58mm", "generic_80mm", "gb2312_58mm", "write_only_58mm")
FRAMINGS = ("binary", "ascii")
PIN_ALGORITHMS = ("3des", "sm4")
PIN_BLOCK_FORMATS = ("iso0", "sm4_iso0_zero_pad", "sm4_extended", "iso4")
MAC_METHODS = ("x9.9", "x9.19", "pboc_3des", "unionpay_ecb", "sm4")

#: Parameters naming where a device is; with ``sim = false`` the real backend needs one.
ADDRESS_KEYS = {"samv": ("url",), "kmy": ("url",), "escpos": ("url",), "file": ("path", "url")}

# Absent keys stay absent (the driver's own default applies): every field defaults to None
# and only the keys a file sets are handed to the driver.
Seconds = Annotated[float, Field(gt=0, le=600)] | None
Baud = Annotated[int, Field(gt=0, le=4_000_000)] | None
Retries = Annotated[int, Field(ge=0, le=10)] | None
Slot = Annotated[int, Field(ge=0, le=15)] | None



def _flag(value: Any) -> Any:
    """The KMY driver's yes/no settings: a boolean or its usual spellings."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in (
            "1", "0", "true", "false", "yes", "no", "on", "off"):
        return value
    raise ValueError("must be true or false")


def _profile(value: Any) -> Any:
    if value is None or isinstance(value, dict):
        return value
    if isinstance(value, str) and value in PRINTER_PROFILES:
        return value
    if isinstance(value, str):
        raise ValueError(f"unknown printer profile (known: {', '.join(PRINTER_PROFILES)})")
    raise ValueError("must be a profile name or a table of profile settings")


Flag = Annotated[Any, BeforeValidator(_flag)]

_HEX = re.compile(r"^[0-9A-Fa-f]*$")


class Params(BaseModel):
    """Base of every backend's parameter model: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


def _address(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    if any(ord(c) < 32 or c == "\x7f" for c in value):
        raise ValueError("contains control characters")
    return value


def _serial_url(value: str) -> str:
    """A pyserial URL (``socket://HOST:PORT``, ``rfc2217://``, ``loop://``...) or a device
    path; ``tcp://HOST:PORT`` too (the KMY driver maps it to ``socket://``)."""
    _address(value)
    if "://" in value:
        parts = urlsplit(value)
        if parts.scheme in ("socket", "tcp", "rfc2217"):
            try:
                port = parts.port
            except ValueError:
                raise ValueError("the port must be a number 1-65535") from None
            if not parts.hostname or not port:
                raise ValueError(f"needs a host and a port ({parts.scheme}://HOST:PORT)")
    elif not value.startswith("/"):
        raise ValueError("a device path (/dev/...) or a pyserial URL (socket://HOST:PORT)")
    return value


def _printer_url(value: str) -> str:
    """``tcp://HOST[:PORT]``, ``usb://VVVV:PPPP``, ``file:PATH`` or a pyserial URL/path."""
    _address(value)
    parts = urlsplit(value)
    if parts.scheme == "tcp":
        try:
            port = parts.port
        except ValueError:
            raise ValueError("the port must be a number 1-65535") from None
        if not parts.hostname or port == 0:
            raise ValueError("needs a host (tcp://HOST:PORT, port 1-65535)")
        return value
    if parts.scheme == "usb":
        vid, sep, pid = (parts.netloc or parts.path.lstrip("/")).partition(":")
        ok = bool(sep) and all(re.fullmatch(r"[0-9A-Fa-f]{1,4}", x) and int(x, 16) > 0
                               for x in (vid, pid))
        if not ok:
            raise ValueError("usb://VVVV:PPPP with hexadecimal vendor and product ids, "
                             "e.g. usb://0416:5011")
        return value
    if parts.scheme == "file":
        return value
    return _serial_url(value)


# --- ID card reader ---------------------------------------------------------------------------


class SamvParams(Params):
    """``samv``: SAM_V reader on a pyserial URL (devices/idcard/samv.py)."""

    url: str | None = None
    baud: Baud = None
    find_timeout: Seconds = None
    read_timeout: Seconds = None
    read_fingerprint_timeout: Seconds = None
    sam_timeout: Seconds = None
    write_timeout: Seconds = None
    poll_interval: Seconds = None
    retries: Retries = None
    exclusive: StrictBool | None = None
    sam_id_digits: Annotated[int, Field(ge=1, le=12)] | None = None
    read_new_address: StrictBool | None = None

    _url = field_validator("url")(lambda v: None if v is None else _serial_url(v))


class FakeIdcardParams(SamvParams):
    """``fake`` ID card reader (devices/idcard/fake.py); the samv parameters are accepted."""

    identity: dict[str, Any] | None = None
    sam_id: Annotated[str, Field(min_length=1, max_length=64)] | None = None


# --- bank card reader -------------------------------------------------------------------------


class TerminalDataParams(Params):
    """``terminal`` of the pcsc reader: the PDOL's terminal data (hex strings)."""

    ttq: Annotated[str, Field(pattern=r"^[0-9A-Fa-f]{8}$")] | None = None
    country: Annotated[str, Field(pattern=r"^[0-9]{4}$")] | None = None
    currency: Annotated[str, Field(pattern=r"^[0-9]{4}$")] | None = None
    tvr: Annotated[str, Field(pattern=r"^[0-9A-Fa-f]{10}$")] | None = None
    transaction_type: Annotated[str, Field(pattern=r"^[0-9A-Fa-f]{2}$")] | None = None
    capp_indicator: Annotated[str, Field(pattern=r"^[0-9A-Fa-f]{2}$")] | None = None
    sm_supported: StrictBool | None = None
    ecash_support: Annotated[str, Field(pattern=r"^[0-9A-Fa-f]{2}$")] | None = None
    merchant_name: Annotated[str, Field(max_length=40, pattern=r"^[ -~]*$")] | None = None


class PcscParams(Params):
    """``pcsc``: PC/SC bank card reader (devices/iccard/pcsc.py)."""

    reader: Annotated[str, Field(max_length=200)] | None = None
    aids: Annotated[list[str], Field(min_length=1, max_length=32)] | None = None
    selection: Literal["ask", "priority"] | None = None
    directories: Annotated[list[Literal["ppse", "pse"]],
                           Field(min_length=1, max_length=2)] | None = None
    removal_check_seconds: Seconds = None
    terminal: TerminalDataParams | None = None

    @field_validator("aids")
    @classmethod
    def _hex_aids(cls, value: list[str]) -> list[str]:
        for aid in value:
            if not (10 <= len(aid) <= 32 and len(aid) % 2 == 0 and _HEX.match(aid)):
                raise ValueError(f"{aid!r} is not an AID (10-32 hexadecimal digits)")
        return value


class FakeIccardParams(PcscParams):
    """``fake`` bank card reader (devices/iccard/fake.py); the pcsc parameters are accepted."""

    scenario: str | None = None
    cards: list[dict[str, Any]] | None = None
    people: list[dict[str, Any]] | None = None
    insert: str | None = None
    mute_seconds: Seconds = None


# --- receipt printer --------------------------------------------------------------------------


class _ProfileParams(Params):
    profile: Annotated[Any, BeforeValidator(_profile)] = None


class EscposParams(_ProfileParams):
    """``escpos``: ESC/POS printer over TCP, USB or a serial line
    (devices/printer/escpos_driver.py)."""

    url: str | None = None
    baudrate: Baud = None
    baud: Baud = None
    dsrdtr: StrictBool | None = None

    _url = field_validator("url")(lambda v: None if v is None else _printer_url(v))


class FileParams(_ProfileParams):
    """``file``: ESC/POS bytes appended to a file or ``/dev/usb/lp0``."""

    path: str | None = None
    url: str | None = None
    append: StrictBool | None = None

    @field_validator("path", "url")
    @classmethod
    def _file(cls, value: str | None) -> str | None:
        return None if value is None else _address(value)


class FakePrinterParams(EscposParams):
    """``fake`` printer (devices/printer/fake.py); the escpos/file parameters are accepted."""

    path: str | None = None
    append: StrictBool | None = None


# --- PIN pad ----------------------------------------------------------------------------------

class _PinCryptoParams(Params):
    algorithm: Literal["3des", "sm4"] | None = None
    sm4_pin_format: Literal["iso0", "sm4_iso0_zero_pad", "sm4_extended", "iso4"] | None = None
    mac_method: Literal["x9.9", "x9.19", "pboc_3des", "unionpay_ecb", "sm4"] | None = None


class KmyParams(_PinCryptoParams):
    """``kmy``: KMY-family encrypting PIN pad on a serial line (devices/pinpad/kmy.py)."""

    url: str | None = None
    baud: Baud = None
    framing: Literal["binary", "ascii"] | None = None
    etx: Flag = None
    master_slot: Slot = None
    pik_slot: Slot = None
    mak_slot: Slot = None
    reply_timeout: Seconds = None
    write_timeout: Seconds = None
    retries: Retries = None
    auto_enter: Flag = None
    close_keypad_param: Annotated[int, Field(ge=0, le=255)] | None = None
    reset_before_pin: Flag = None
    close_after_pin: Flag = None

    _url = field_validator("url")(lambda v: None if v is None else _serial_url(v))


class FakePinpadParams(KmyParams):
    """``fake`` PIN pad (devices/pinpad/fake.py); the kmy parameters are accepted."""

    preload: StrictBool | None = None


#: kind -> backend -> model. A backend not listed (a plug-in) is not checked.
MODELS: dict[str, dict[str, type[Params]]] = {
    "idcard": {"samv": SamvParams, "fake": FakeIdcardParams},
    "iccard": {"pcsc": PcscParams, "fake": FakeIccardParams},
    "printer": {"escpos": EscposParams, "file": FileParams, "fake": FakePrinterParams},
    "pinpad": {"kmy": KmyParams, "fake": FakePinpadParams},
}

#: The parameters each fake uses itself; the others it accepts (its kind's real backends'
#: parameters) are checked and then dropped.
FAKE_OWN: dict[str, frozenset[str]] = {
    "idcard": frozenset({"identity", "poll_interval", "sam_id", "read_new_address"}),
    "iccard": frozenset({"scenario", "cards", "people", "aids", "selection", "insert",
                         "mute_seconds"}),
    "printer": frozenset({"profile"}),
    "pinpad": frozenset({"algorithm", "preload", "sm4_pin_format", "mac_method"}),
}


def params_model(kind: str, backend: str) -> type[Params] | None:
    """The parameter model of ``kind``/``backend`` (None: a plug-in, not checked here)."""
    return MODELS.get(kind, {}).get(backend)


def check_params(kind: str, backend: str, params: dict[str, Any]) -> dict[str, Any]:
    """The parameters to hand to the driver: ``params`` validated by the backend's model
    (``pydantic.ValidationError`` when not valid) and converted (``"9600"`` -> 9600), only the
    keys that were given; for a fake, only those it uses. A plug-in's are returned as given."""
    model = params_model(kind, backend)
    if model is None:
        return dict(params)
    checked = model.model_validate(params).model_dump(exclude_unset=True)
    if backend == "fake":
        checked = {k: v for k, v in checked.items() if k in FAKE_OWN[kind]}
    return checked
