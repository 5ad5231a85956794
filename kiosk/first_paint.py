"""The first paint of ``kiosk run``: the attract screen (正在准备) shown before the
configuration is validated, so a farmer sees the terminal come up at about the speed of a bare
Qt window (issue 11 item 7: first paint <= 1.5x a bare PySide6 window).

Validating ``kiosk.toml`` means importing pydantic and building the configuration models
(about half of the time to the first paint before this module existed). The window needs only
a handful of values (language, window geometry, the terminal's id and service point), so they
are read here from the same layers (the TOML file, ``KIOSK_*`` variables, the command line)
with the standard library alone. This is a guess and never a decision: right after the paint
the full validation runs as before (:func:`kiosk.preflight.start`), and an invalid
configuration still exits 64 naming the key (the window closes first); a value that is wrong
or of the wrong type here falls back to its default for the paint and is reported by the
validation. When the validated values differ from the guess (they cannot for a valid file,
only for a value whose validation changes it), the window is built again from them.

No early window when another kiosk already holds the lock of the guessed state directory (the
second process exits 75 as before, without a flash of a window), or when the file cannot be
read at all (the validation says why).
"""

from __future__ import annotations

import fcntl
import os
import time
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: The configuration file used without ``--config`` (kiosk.config re-exports these).
SYSTEM_CONFIG = Path("/etc/zhunong-kiosk/kiosk.toml")
DEMO_CONFIG = Path(__file__).with_name("demo_config.toml")
ENV_PREFIX = "KIOSK_"
LANGUAGES = ("zh_CN", "en")
PAINT_WAIT_SECONDS = 2.0  # at most this long for the first paint before validating anyway


def default_config_path() -> Path:
    """The file used without ``--config``: the system file if present, else the demo."""
    return SYSTEM_CONFIG if SYSTEM_CONFIG.is_file() else DEMO_CONFIG


@dataclass(frozen=True)
class PaintSettings:
    """What the first paint needs; the defaults are :class:`kiosk.config.KioskConfig`'s
    (a unit test keeps them equal)."""

    language: str = "zh_CN"
    terminal_id: str = "ZN610425001"
    service_point: str = "礼泉县烟霞镇助农服务点"
    fullscreen: bool = True
    width: int | None = None
    height: int | None = None
    state_dir: Path = field(default=Path("~/.local/state/zhunong-kiosk"))

    @classmethod
    def of(cls, config: Any) -> PaintSettings:
        """The same values from a validated :class:`kiosk.config.KioskConfig`."""
        return cls(config.language, config.terminal.id, config.terminal.service_point,
                   config.ui.fullscreen, config.ui.width, config.ui.height,
                   Path(config.state_dir))

    def same_window(self, other: PaintSettings) -> bool:
        """Whether a window painted with ``self`` is the one ``other`` asks for."""
        return (self.language, self.terminal_id, self.service_point, self.fullscreen,
                self.width, self.height) == (other.language, other.terminal_id,
                                             other.service_point, other.fullscreen,
                                             other.width, other.height)


# (dotted key, PaintSettings field, accepted type)
_KEYS: tuple[tuple[str, str, type | tuple[type, ...]], ...] = (
    ("language", "language", str),
    ("terminal.id", "terminal_id", str),
    ("terminal.service_point", "service_point", str),
    ("ui.fullscreen", "fullscreen", bool),
    ("ui.width", "width", int),
    ("ui.height", "height", int),
    ("state_dir", "state_dir", str),
)

_ENV_BOOL = {"true": True, "false": False, "1": True, "0": False}


def _lookup(tree: Mapping[str, Any], dotted: str) -> Any:
    node: Any = tree
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _from_env(env: Mapping[str, str], dotted: str, kind: type | tuple[type, ...]) -> Any:
    raw = env.get(ENV_PREFIX + dotted.upper().replace(".", "__"))
    if raw is None:
        return None
    if kind is bool:
        return _ENV_BOOL.get(raw.strip().lower())
    if kind is int:
        try:
            return int(raw)
        except ValueError:
            return None
    return raw


def guess(path: Path | None, overrides: Mapping[str, Any],
          env: Mapping[str, str] | None = None) -> PaintSettings | None:
    """The first paint's settings from the file, the environment and ``overrides`` (dotted
    keys, as for :func:`kiosk.config.load_config`); None when the file cannot be read."""
    env = os.environ if env is None else env
    file_path = Path(path).expanduser() if path is not None else default_config_path()
    try:
        with file_path.open("rb") as f:
            tree = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return None
    values: dict[str, Any] = {}
    for dotted, name, kind in _KEYS:
        for value in (_lookup(tree, dotted), _from_env(env, dotted, kind),
                      overrides.get(dotted)):
            if value is None:
                continue
            if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
                values[name] = value
            else:
                values.pop(name, None)  # wrong type: the default paints, validation reports
    if values.get("language") not in (None, *LANGUAGES):
        values.pop("language")
    for name in ("width", "height"):
        if name in values and not 0 < values[name] <= 8000:
            values.pop(name)
    if "state_dir" in values:
        values["state_dir"] = Path(values["state_dir"])
    return PaintSettings(**values)


def lock_held_elsewhere(state_dir: Path, name: str = "kiosk") -> bool:
    """Whether another process holds the single-instance lock (kiosk.single_instance) in
    ``state_dir``; looks only, never creates anything."""
    path = Path(state_dir).expanduser() / f"{name}.lock"
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(fd)  # also drops the shared lock taken to look
    return False


class EarlyWindow:
    """The QApplication and the shell window painted with :class:`PaintSettings`."""

    def __init__(self, app: Any, shell: Any, settings: PaintSettings) -> None:
        self.app, self.shell, self.settings = app, shell, settings
        self.painted = False

    def close(self) -> None:
        self.shell.close()
        self.shell.deleteLater()
        self.app.processEvents()


def paint(settings: PaintSettings, devices: tuple[str, ...],
          on_paint: Any = None) -> EarlyWindow:
    """Build the QApplication and the shell (attract screen, 正在准备), show it and return
    once it has been painted (or after :data:`PAINT_WAIT_SECONDS`). ``on_paint(widget)``
    installs a benchmark probe on the attract screen before it is shown."""
    from PySide6.QtCore import QEvent, QObject

    from kiosk.app import make_qt_app, setup_qt_environment
    from kiosk.i18n import Translator
    from kiosk.shell.window import ShellWindow

    setup_qt_environment()
    app = make_qt_app(settings.language, qt_translations=False)
    shell = ShellWindow(Translator(settings.language), settings.terminal_id,
                        settings.service_point, devices)
    early = EarlyWindow(app, shell, settings)

    class _Painted(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                watched.removeEventFilter(self)
                early.painted = True
            return False

    probe = _Painted(shell.attract)
    if on_paint is not None:
        on_paint(shell.attract)
    shell.attract.installEventFilter(probe)
    shell.show_kiosk(fullscreen=settings.fullscreen, width=settings.width,
                     height=settings.height)
    deadline = time.monotonic() + PAINT_WAIT_SECONDS
    while not early.painted and time.monotonic() < deadline:
        app.processEvents()
        if not early.painted:
            time.sleep(0.002)
    app.processEvents()  # the painted frame goes out (the backing store's flush)
    return early
