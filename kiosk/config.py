"""The kiosk's configuration: typed, validated, layered.

Layers, lowest first (each later layer overrides single keys of the earlier ones):

1. built-in defaults (the field defaults of the models below);
2. one TOML file: ``--config FILE``, else ``/etc/zhunong-kiosk/kiosk.toml`` when it exists,
   else the built-in demo configuration ``kiosk/demo_config.toml`` (every peripheral simulated);
3. the environment: ``KIOSK_<SECTION>__<KEY>`` (``__`` separates levels, names are case
   insensitive), e.g. ``KIOSK_DEVICES__IDCARD__URL``, ``KIOSK_TIMEOUTS__IDLE_SECONDS``, or a
   top-level key ``KIOSK_LANGUAGE``. A variable without ``__`` that does not name a top-level
   key (``KIOSK_HW_IDCARD`` of the hardware test tier) is not configuration and is ignored;
   a variable with ``__`` must name a real key;
4. command-line overrides: dotted keys, ``{"language": "en", "devices.idcard.backend": "fake"}``.

Every problem (TOML syntax, unknown key, wrong type, bad value) raises :class:`ConfigError`,
whose message names the key, the value, the reason and the layer the value came from. The
configuration is read-only at runtime: every model is frozen. Documentation of every key:
``docs/config.md``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from devices.registry import available_backends, has_backend
from kiosk.device_params import ADDRESS_KEYS, check_params
from kiosk.first_paint import (  # one definition, pydantic-free for the first paint
    DEMO_CONFIG as DEMO_CONFIG,
)
from kiosk.first_paint import (
    ENV_PREFIX,
    default_config_path,
)
from kiosk.first_paint import (
    SYSTEM_CONFIG as SYSTEM_CONFIG,
)

DEVICE_KINDS = ("idcard", "iccard", "printer", "pinpad")


# --- errors -----------------------------------------------------------------------------------


class ConfigProblem:
    """One invalid key: where it is, what it holds, why it is wrong, which layer set it."""

    __slots__ = ("key", "reason", "source", "value")

    def __init__(self, key: str, value: Any, reason: str, source: str = "") -> None:
        self.key = key
        self.value = value
        self.reason = reason
        self.source = source

    def __str__(self) -> str:
        where = f" (from {self.source})" if self.source else ""
        return f"{self.key} = {self.value!r}{where}: {self.reason}"


class ConfigError(ValueError):
    """The configuration cannot be used. ``str()`` is the complete message for the operator.

    ``key``, ``value``, ``reason`` and ``source`` describe the first problem; ``problems``
    holds all of them.
    """

    def __init__(
        self,
        key: str,
        value: Any,
        reason: str,
        *,
        source: str = "",
        problems: list[ConfigProblem] | None = None,
    ) -> None:
        self.key = key
        self.value = value
        self.reason = reason
        self.source = source
        self.problems = problems or [ConfigProblem(key, value, reason, source)]
        super().__init__(self._message())

    def _message(self) -> str:
        if len(self.problems) == 1:
            return f"invalid configuration: {self.problems[0]}"
        lines = [f"invalid configuration ({len(self.problems)} problems):"]
        lines += [f"  {p}" for p in self.problems]
        return "\n".join(lines)


def format_config_error(exc: ConfigError) -> str:
    """The text ``kiosk run`` prints on stderr before exiting 64."""
    return f"kiosk: {exc}"


class _KeyedValueError(ValueError):
    """A model validator's error that knows which sub-key is wrong; ``more`` holds further
    ``(subkey, value, reason)`` problems found by the same validator."""

    def __init__(self, subkey: str, value: Any, reason: str,
                 more: list[tuple[str, Any, str]] | None = None) -> None:
        super().__init__(reason)
        self.subkey = subkey
        self.value = value
        self.reason = reason
        self.more = more or []

    @classmethod
    def of(cls, problems: list[tuple[str, Any, str]]) -> _KeyedValueError:
        (subkey, value, reason), *more = problems
        return cls(subkey, value, reason, more)


def _check_backend(kind: str, value: str) -> str:
    if not has_backend(kind, value):
        known = available_backends(kind)
        raise ValueError(f"unknown {kind} backend (known: {', '.join(known)})")
    return value


def _plain_loc(loc: tuple[Any, ...]) -> list[str]:
    """Key names and list positions of an error's location, without pydantic's union tags
    (``literal['a','b']``, ``dict[str,any]``)."""
    return [str(p) for p in loc if isinstance(p, int) or re.fullmatch(r"[a-z_][a-z0-9_]*",
                                                                          str(p))]


def _param_reason(err: Any, backend: str) -> str:
    reason = str(err["msg"])
    if reason.startswith("Value error, "):
        reason = reason[len("Value error, "):]
    if err["type"] == "extra_forbidden":
        reason = (f"unknown parameter of the {backend} backend (check the spelling; see "
                  "docs/config.md)")
    return reason


# --- the models -------------------------------------------------------------------------------


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)


class TerminalConfig(_Section):
    """Who this terminal is: its id at the bank and the service point it stands in."""

    id: str = Field(default="ZN610425001", min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")
    service_point: str = Field(default="礼泉县烟霞镇助农服务点", min_length=1)
    #: the branch's phone for the farmer (on the intention slip and its screen)
    branch_phone: str = Field(default="029-35561234", max_length=32)


class TimeoutsConfig(_Section):
    """Seconds. Fractions are allowed so tests can run the idle countdown quickly."""

    idle_seconds: float = Field(default=60, gt=0)
    idle_warning_seconds: float = Field(default=15, ge=0)
    card_removal_seconds: float = Field(default=30, gt=0)
    device_command_seconds: float = Field(default=30, gt=0)

    @model_validator(mode="after")
    def _warning_before_timeout(self) -> TimeoutsConfig:
        if self.idle_warning_seconds >= self.idle_seconds:
            raise _KeyedValueError(
                "idle_warning_seconds",
                self.idle_warning_seconds,
                f"must be less than idle_seconds ({self.idle_seconds:g})",
            )
        return self


_ALSA_PCM = re.compile(r"[A-Za-z][A-Za-z0-9_]*(:[A-Za-z0-9_]+(=[A-Za-z0-9_]+)?"
                       r"(,[A-Za-z0-9_]+(=[A-Za-z0-9_]+)?)*)?")


def _alsa_pcm_name(value: str | None) -> str | None:
    """An ALSA PCM name (``plughw:CARD=Headset,DEV=0``, ``hw:1,0``, ``default``): the
    headset jack of the audio-guided mode is usually its own card."""
    if value is None or value == "":
        return None
    if not _ALSA_PCM.fullmatch(value):
        raise ValueError("not an ALSA device name (e.g. plughw:CARD=Headset,DEV=0, "
                         "hw:1,0, default; see `aplay -L`)")
    return value


class VoiceConfig(_Section):
    """Spoken guidance (espeak-ng in a child process, or the recording fake)."""

    enabled: bool = True
    backend: str = "espeak"
    voice: str = Field(default="cmn-latn-pinyin", min_length=1)  # espeak-ng voice for zh_CN
    voice_en: str = Field(default="en", min_length=1)  # espeak-ng voice for en
    rate: int = Field(default=150, ge=80, le=450)  # words per minute; slow for elderly listeners
    care_rate: int = Field(default=120, ge=80, le=450)  # words per minute in 关怀模式
    sentence_pause_ms: int = Field(default=350, ge=0, le=3000)  # silence after 。！？
    #: 重听 says the whole prompt again ("prompt") or only its last sentence
    repeat: Literal["prompt", "last_sentence"] = "prompt"
    volume: int = Field(default=100, ge=0, le=100)
    muted: bool = False
    wav_dir: Path | None = None  # write WAV files here instead of playing (headless, tests)
    audio_device: str | None = None  # aplay -D; None: the default ALSA device

    @field_validator("backend")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        return _check_backend("voice", value)

    @field_validator("audio_device")
    @classmethod
    def _alsa_name(cls, value: str | None) -> str | None:
        return _alsa_pcm_name(value)

    @field_validator("wav_dir")
    @classmethod
    def _expand(cls, value: Path | None) -> Path | None:
        return None if value is None else value.expanduser()


class DeviceConfig(BaseModel):
    """One peripheral: ``backend`` plus the parameters that backend takes.

    The other keys (``url``, ``baud``, ``reader``, ``profile``, ...) are checked against the
    backend's parameter model (``kiosk/device_params.py``) by :class:`DevicesConfig` and
    handed to the driver's constructor as ``params``.
    """

    model_config = ConfigDict(frozen=True, extra="allow")

    backend: str = Field(min_length=1)
    _checked: dict[str, Any] | None = PrivateAttr(default=None)

    @property
    def params(self) -> dict[str, Any]:
        """The backend's parameters as checked and converted (``"9600"`` -> 9600); for a
        ``fake``, only the ones it uses."""
        if self._checked is not None:
            return dict(self._checked)
        return dict(self.model_extra or {})


class DevicesConfig(_Section):
    """The four peripherals. No defaults on purpose: a terminal file must name every backend,
    so a forgotten section never silently gives a real terminal a fake device."""

    idcard: DeviceConfig
    iccard: DeviceConfig
    printer: DeviceConfig
    pinpad: DeviceConfig

    @model_validator(mode="after")
    def _known_backends_and_parameters(self) -> DevicesConfig:
        problems: list[tuple[str, Any, str]] = []
        for kind in DEVICE_KINDS:
            device: DeviceConfig = getattr(self, kind)
            if not has_backend(kind, device.backend):
                known = ", ".join(available_backends(kind))
                problems.append((f"{kind}.backend", device.backend,
                                 f"unknown {kind} backend (known: {known})"))
                continue
            try:
                device._checked = check_params(kind, device.backend, device.model_extra or {})
            except ValidationError as exc:
                seen: set[str] = set()
                for err in exc.errors():
                    key = ".".join([kind, *_plain_loc(err["loc"])])
                    if key not in seen:  # one line per key (a union reports each member)
                        seen.add(key)
                        problems.append((key, err.get("input"),
                                         _param_reason(err, device.backend)))
        if problems:
            raise _KeyedValueError.of(problems)
        return self

    def for_kind(self, kind: str) -> DeviceConfig:
        """The configuration of device ``kind`` (idcard, iccard, printer, pinpad)."""
        if kind not in DEVICE_KINDS:
            raise KeyError(kind)
        device: DeviceConfig = getattr(self, kind)
        return device


class HostConfig(_Section):
    """The bank's platform. ``url`` None: with ``sim`` the simulated host's address is used."""

    url: str | None = None
    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    connect_timeout: float = Field(default=5.0, gt=0)
    read_timeout: float = Field(default=20.0, gt=0)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("must be an http:// or https:// URL")
        return value

    @field_validator("ca_file", "cert_file", "key_file")
    @classmethod
    def _expand(cls, value: Path | None) -> Path | None:
        return None if value is None else value.expanduser()


class LimitsConfig(_Section):
    """Money limits (Decimal, yuan)."""

    supervised_drawdown_amount: Decimal = Field(default=Decimal("50000.00"), gt=0, decimal_places=2)

    @field_validator("supervised_drawdown_amount", mode="before")
    @classmethod
    def _no_binary_float(cls, value: Any) -> Any:
        # TOML gives 50000.0 as a float: go through its shortest repr, never the binary value.
        return Decimal(repr(value)) if isinstance(value, float) else value

    @field_validator("supervised_drawdown_amount")
    @classmethod
    def _cents(cls, value: Decimal) -> Decimal:
        return value.quantize(Decimal("0.01"))


class CalculatorConfig(_Section):
    """The loan calculator's keypad limits and the rate it starts from (journey 11)."""

    min_amount: Decimal = Field(default=Decimal("1000"), gt=0)
    max_amount: Decimal = Field(default=Decimal("500000"), gt=0)
    min_months: int = Field(default=1, ge=1, le=360)
    max_months: int = Field(default=60, ge=1, le=360)
    annual_rate: Decimal = Field(default=Decimal("0.0435"), gt=0, lt=1)
    max_rate: Decimal = Field(default=Decimal("0.24"), gt=0, lt=1)

    @field_validator("min_amount", "max_amount", "annual_rate", "max_rate", mode="before")
    @classmethod
    def _no_binary_float(cls, value: Any) -> Any:
        return Decimal(repr(value)) if isinstance(value, float) else value


#: What a PIN pad key can be: a digit, a function key, or a key the picture leaves blank.
PIN_PAD_KEYS = frozenset({*"0123456789", "enter", "cancel", "clear", "backspace", "blank",
                          "00", ".", "*", "#"})
_HEX_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")


class PinPadLayoutConfig(_Section):
    """The PIN pad's real key layout and key colours, drawn on the PIN screen so the farmer
    sees the pad in front of them (issue 18). ``rows``: top row first, each a list of keys
    (``0``-``9``, ``enter`` 确认, ``cancel`` 取消, ``clear`` 更正, ``backspace``, ``00``, ``.``,
    ``*``, ``#``, ``blank``)."""

    rows: tuple[tuple[str, ...], ...] = (
        ("1", "2", "3", "cancel"),
        ("4", "5", "6", "clear"),
        ("7", "8", "9", "blank"),
        ("blank", "0", "blank", "enter"),
    )
    body_colour: str = "#37474F"  # the pad's case
    key_colour: str = "#ECEFF1"  # digit keys
    enter_colour: str = "#1B5E20"  # 确认: green
    cancel_colour: str = "#9A1B1B"  # 取消: red
    clear_colour: str = "#F9A825"  # 更正: yellow
    backspace_colour: str = "#F9A825"

    @field_validator("rows")
    @classmethod
    def _valid_rows(cls, rows: tuple[tuple[str, ...], ...]) -> tuple[tuple[str, ...], ...]:
        if not 3 <= len(rows) <= 6:
            raise ValueError(f"{len(rows)} rows; a PIN pad has 3 to 6 rows of keys")
        widths = {len(row) for row in rows}
        if len(widths) != 1 or not 3 <= widths.pop() <= 5:
            raise ValueError("every row needs the same number of keys, 3 to 5")
        keys = [key for row in rows for key in row]
        unknown = sorted(set(keys) - PIN_PAD_KEYS)
        if unknown:
            raise ValueError(f"unknown key {unknown[0]!r} (known: "
                             f"{', '.join(sorted(PIN_PAD_KEYS))})")
        for key in (*"0123456789", "enter", "cancel"):
            if keys.count(key) != 1:
                raise ValueError(f"key {key!r} must appear exactly once "
                                 f"(found {keys.count(key)} times)")
        for key in PIN_PAD_KEYS - {"blank"}:
            if keys.count(key) > 1:
                raise ValueError(f"key {key!r} appears {keys.count(key)} times")
        return rows

    @field_validator("body_colour", "key_colour", "enter_colour", "cancel_colour",
                     "clear_colour", "backspace_colour")
    @classmethod
    def _hex(cls, value: str) -> str:
        if not _HEX_COLOUR.match(value):
            raise ValueError("a colour is written #RRGGBB, e.g. #1B5E20")
        return value.upper()

    def colour_of(self, key: str) -> str:
        """The face colour of ``key`` on the real pad."""
        return {"enter": self.enter_colour, "cancel": self.cancel_colour,
                "clear": self.clear_colour, "backspace": self.backspace_colour}.get(
                    key, self.key_colour)


class UiConfig(_Section):
    """Window geometry: fullscreen on a terminal; width/height for a window or a test; the
    PIN pad's key layout for its picture."""

    fullscreen: bool = True
    width: int | None = Field(default=None, ge=320, le=7680)
    height: int | None = Field(default=None, ge=240, le=4320)
    pin_pad: PinPadLayoutConfig = PinPadLayoutConfig()


class LoggingConfig(_Section):
    """Log level of the JSON log under ``state_dir/logs``."""

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value


class ServiceConfig(_Section):
    """The kiosk as a systemd service (kiosk/watchdog.py): the memory ceiling that asks for a
    restart at the next safe point between journeys."""

    memory_max_mb: int = Field(default=800, ge=0)  # 0: no ceiling
    memory_check_seconds: float = Field(default=30, gt=0)


class ClockConfig(_Section):
    """The terminal's clock against the host's (kiosk/clock.py): no money while the skew
    measured at sign-in exceeds ``max_skew_seconds``."""

    max_skew_seconds: float = Field(default=60, gt=0)


class TelemetryConfig(_Section):
    """Fleet monitoring over MQTT (kiosk/telemetry, docs/fleet.md). ``broker_url`` None: no
    telemetry, except under ``sim`` when ``kiosk-sim up`` runs a local broker."""

    broker_url: str | None = None
    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    command_key: Path | None = None  # the operations desk's Ed25519 public key (PEM)
    heartbeat_seconds: float = Field(default=60, gt=0)
    max_buffered_heartbeats: int = Field(default=1000, ge=1)
    keepalive_seconds: int = Field(default=60, ge=5, le=65535)
    command_skew_seconds: float = Field(default=120, ge=0)

    @field_validator("broker_url")
    @classmethod
    def _mqtt_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^mqtts?://[^/\s]+", value):
            raise ValueError("must be an mqtts:// (or mqtt://) URL")
        return value

    @field_validator("ca_file", "cert_file", "key_file", "command_key")
    @classmethod
    def _expand(cls, value: Path | None) -> Path | None:
        return None if value is None else value.expanduser()


class StaffConfig(_Section):
    """Staff and technician sign-in (kiosk/staff.py, docs/staff.md): lockout after failures,
    automatic sign-out, and the hidden entry gesture."""

    max_failures: int = Field(default=5, ge=1, le=20)
    lockout_seconds: float = Field(default=300, gt=0)
    idle_sign_out_seconds: float = Field(default=600, gt=0)
    day_end: dt.time | None = dt.time(18, 0)  # local time; None: no day-end sign-out
    entry_hold_seconds: float = Field(default=3.0, ge=1.0, le=10.0)
    entry_code: tuple[str, ...] = ("backspace", "clear", "backspace", "enter")

    @field_validator("day_end", mode="before")
    @classmethod
    def _no_day_end(cls, value: Any) -> Any:
        return None if value in ("", "none", "off") else value


class MoneyConfig(_Section):
    """The transaction journal and outbox (``kiosk/transactions.py``, ``docs/money.md``)."""

    resolve_seconds: float = Field(default=30.0, gt=0)  # status queries on the spot (处理中)
    # after the last send: from then on, "no record at the host" means "not applied"
    in_flight_seconds: float = Field(default=120.0, gt=0)
    min_free_bytes: int = Field(default=1 << 20, ge=0)  # below this, money journeys are refused


class AccessibilityConfig(_Section):
    """The audio-guided mode (无障碍, screens/audio.py, docs/journeys.md): every journey by ear
    and by the PIN pad's keys. While the mode is on, the voice plays on ``audio_device`` (the
    headset jack: amounts and dates are not heard by everyone in the shop); unset, on
    ``voice.audio_device`` as always."""

    enabled: bool = True
    #: the PIN pad key that starts it on the home screen: enter (确认) or a digit
    enter_key: Literal["enter", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9"] = "enter"
    #: the PIN pad is listened to in plain mode in slices this long (other pad users and the
    #: status probe get their turn between two slices)
    listen_seconds: float = Field(default=5.0, ge=0.5, le=60.0)
    #: the home screen says how to start it every this many seconds while nobody is there
    #: (0: only when touched)
    announce_seconds: float = Field(default=90.0, ge=0.0, le=3600.0)
    #: ALSA device of the headset jack (``plughw:CARD=Headset,DEV=0``); None: the loudspeaker
    audio_device: str | None = None

    @field_validator("audio_device")
    @classmethod
    def _alsa_name(cls, value: str | None) -> str | None:
        return _alsa_pcm_name(value)


class KioskConfig(_Section):
    """The whole configuration (frozen). See ``docs/config.md`` for every key."""

    terminal: TerminalConfig = TerminalConfig()
    language: Literal["zh_CN", "en"] = "zh_CN"
    state_dir: Path = Path("~/.local/state/zhunong-kiosk")
    sim: bool = False
    scenario: Path | None = None
    timeouts: TimeoutsConfig = TimeoutsConfig()
    voice: VoiceConfig = VoiceConfig()
    devices: DevicesConfig
    host: HostConfig = HostConfig()
    limits: LimitsConfig = LimitsConfig()
    calculator: CalculatorConfig = CalculatorConfig()
    ui: UiConfig = UiConfig()
    logging: LoggingConfig = LoggingConfig()
    service: ServiceConfig = ServiceConfig()
    clock: ClockConfig = ClockConfig()
    telemetry: TelemetryConfig = TelemetryConfig()
    staff: StaffConfig = StaffConfig()
    money: MoneyConfig = MoneyConfig()
    accessibility: AccessibilityConfig = AccessibilityConfig()

    @field_validator("state_dir", "scenario")
    @classmethod
    def _expand(cls, value: Path | None) -> Path | None:
        return None if value is None else value.expanduser()

    @model_validator(mode="after")
    def _real_terminal(self) -> KioskConfig:
        """A real terminal (``sim = false``) talks to the bank over HTTPS only and names
        where each device is."""
        if self.sim:
            return self
        problems: list[tuple[str, Any, str]] = []
        if self.host.url is not None and not self.host.url.lower().startswith("https://"):
            problems.append(("host.url", self.host.url,
                             "a real terminal (sim = false) talks to the bank over https:// "
                             "only"))
        for kind in DEVICE_KINDS:
            device = self.devices.for_kind(kind)
            keys = ADDRESS_KEYS.get(device.backend, ())
            if keys and not any(k in (device.model_extra or {}) for k in keys):
                problems.append((f"devices.{kind}.{keys[0]}", "(missing)",
                                 f"the {device.backend} backend needs to know where the "
                                 "device is (sim = false)"))
        if problems:
            raise _KeyedValueError.of(problems)
        return self


# --- layering ---------------------------------------------------------------------------------

_MISSING = object()


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError("--config", str(path), "file not found") from None
    except IsADirectoryError:
        raise ConfigError("--config", str(path), "is a directory, not a file") from None
    except PermissionError:
        raise ConfigError("--config", str(path), "permission denied") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), "", f"not valid TOML: {exc}", source=str(path)) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(str(path), "", f"not UTF-8: {exc}", source=str(path)) from None


def _field_model(model: type[BaseModel], path: list[str]) -> tuple[bool, bool]:
    """(declared, is_section) for a dotted path: whether the models declare it."""
    current: type[BaseModel] | None = model
    for i, part in enumerate(path):
        if current is None:
            return False, False
        field = current.model_fields.get(part)
        if field is None:
            return False, False
        ann = field.annotation
        nxt = ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None
        if i == len(path) - 1:
            return True, nxt is not None
        current = nxt
    return False, False


def _guess_scalar(text: str) -> Any:
    """An undeclared (driver parameter) value from the environment: a TOML scalar if it
    parses as one (``9600`` -> int, ``true`` -> bool), else the plain string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def _set(tree: dict[str, Any], path: list[str], value: Any, sources: dict[str, str],
         source: str) -> None:
    node = tree
    for part in path[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    if isinstance(value, Mapping):
        existing = node.get(path[-1])
        target = existing if isinstance(existing, dict) else {}
        node[path[-1]] = target
        for k, v in value.items():
            _set(target, [str(k)], v, sources, source)
            _record(sources, [*path, str(k)], v, source)
        return
    node[path[-1]] = value
    sources[".".join(path)] = source


def _record(sources: dict[str, str], path: list[str], value: Any, source: str) -> None:
    if isinstance(value, Mapping):
        for k, v in value.items():
            _record(sources, [*path, str(k)], v, source)
    else:
        sources[".".join(path)] = source


def _env_layer(env: Mapping[str, str]) -> list[tuple[list[str], Any, str]]:
    found: list[tuple[list[str], Any, str]] = []
    for name in sorted(env):
        if not name.upper().startswith(ENV_PREFIX):
            continue
        rest = name[len(ENV_PREFIX):]
        path = [p.lower() for p in rest.split("__")]
        if len(path) == 1 and path[0] not in KioskConfig.model_fields:
            continue  # KIOSK_HW_* and friends: not configuration
        if any(not p for p in path):
            raise ConfigError(name, env[name], "empty key segment in variable name",
                              source=f"environment {name}")
        declared, _ = _field_model(KioskConfig, path)
        value: Any = env[name] if declared else _guess_scalar(env[name])
        found.append((path, value, f"environment {name}"))
    return found


def _override_layer(overrides: Mapping[str, Any]) -> list[tuple[list[str], Any, str]]:
    found = []
    for key, value in overrides.items():
        path = [p for p in str(key).split(".")]
        if any(not p for p in path):
            raise ConfigError(str(key), value, "empty key segment", source="command line")
        found.append((path, value, "command line"))
    return found


def _problems(exc: ValidationError, merged: Mapping[str, Any],
              sources: Mapping[str, str]) -> list[ConfigProblem]:
    problems: list[ConfigProblem] = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        reason = str(err["msg"])
        value: Any = err.get("input", _MISSING)
        ctx_error = (err.get("ctx") or {}).get("error")
        more: list[ConfigProblem] = []
        if isinstance(ctx_error, _KeyedValueError):
            for subkey, more_value, more_reason in ctx_error.more:
                more_key = ".".join([*loc, *subkey.split(".")])
                more.append(ConfigProblem(
                    more_key, more_value, more_reason,
                    sources.get(more_key) or _section_source(sources, more_key)))
            loc = [*loc, *ctx_error.subkey.split(".")]
            value = ctx_error.value
            reason = ctx_error.reason
        if reason.startswith("Value error, "):
            reason = reason[len("Value error, "):]
        if err["type"] == "extra_forbidden":
            reason = "unknown key (check the spelling; see docs/config.md)"
        if err["type"] == "missing":
            value = "(missing)"
        key = ".".join(loc) or "(root)"
        if isinstance(value, dict):
            value = _lookup(merged, loc)
            if isinstance(value, dict):
                value = "{...}"
        source = sources.get(key) or _section_source(sources, key)
        if not source and _lookup(merged, loc) is _MISSING and err["type"] != "missing":
            source = "built-in default"
        problems.append(ConfigProblem(key, "(missing)" if value is _MISSING else value,
                                      reason, source))
        problems += more
    return problems


def _lookup(tree: Mapping[str, Any], path: list[str]) -> Any:
    node: Any = tree
    for part in path:
        if not isinstance(node, Mapping) or part not in node:
            return _MISSING
        node = node[part]
    return node


def _section_source(sources: Mapping[str, str], key: str) -> str:
    found = {src for k, src in sources.items() if k.startswith(key + ".")}
    return found.pop() if len(found) == 1 else ""


def load_config(
    path: Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> KioskConfig:
    """Build the configuration from the four layers (see the module docstring).

    ``path``: the TOML file (``--config``); None uses :func:`default_config_path`.
    ``env``: the environment to read ``KIOSK_*`` from (default ``os.environ``).
    ``overrides``: dotted keys from the command line.
    """
    file_path = Path(path).expanduser() if path is not None else default_config_path()
    merged: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for key, value in _read_toml(file_path).items():
        _set(merged, [key], value, sources, str(file_path))
    for layer in (_env_layer(os.environ if env is None else env),
                  _override_layer(overrides or {})):
        for key_path, value, source in layer:
            _set(merged, key_path, value, sources, source)
    try:
        return KioskConfig.model_validate(merged)
    except ValidationError as exc:
        problems = _problems(exc, merged, sources)
        first = problems[0]
        raise ConfigError(first.key, first.value, first.reason, source=first.source,
                          problems=problems) from None


def config_as_dict(config: KioskConfig) -> dict[str, Any]:
    """A JSON-friendly view (the technician's config view; contains no secrets)."""
    return config.model_dump(mode="json")
