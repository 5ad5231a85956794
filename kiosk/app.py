"""Composition root: ``kiosk run [--config FILE] [--sim] [--windowed] [--lang zh_CN|en]``.

first paint (kiosk/first_paint.py: the Qt application and the shell's attract screen, 正在准备,
from the few values it needs, read without pydantic) -> config (validated as before: invalid
-> the window closes, exit 64 naming the key) -> logging -> crash handler -> single instance
-> simulators (``--sim``) -> bridge -> terminal service -> the rest of the shell and the
journey runner -> devices (registry + one DeviceWorker each, on the bring-up thread).
SIGTERM and SIGINT are handled inside the Qt loop (qutebrowser's pattern: the C-level handler
writes to a socket watched by a QSocketNotifier, so the loop wakes and the Python handler
runs), then everything stops cleanly: the journey ends (session wiped), the workers cancel and
close their devices, the voice child and the simulators are stopped.

Exit codes: 0 normal end, 64 bad usage or invalid configuration, 70 repeated uncaught errors,
73 the state directory cannot be written (disk full or read-only), 75 another kiosk is
running (start-up checks: kiosk/preflight.py).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from devices.base import DeviceState
from devices.registry import create_device
from devices.worker import DeviceWorker
from kiosk.cli import EXIT_OK, EXIT_USAGE, UsageArgumentParser
from kiosk.preflight import EXIT_CANTCREAT, EXIT_LOCKED  # noqa: F401 (exit codes of kiosk run)

log = logging.getLogger(__name__)

EXIT_CRASHED = 70  # EX_SOFTWARE: repeated uncaught errors; systemd restarts the kiosk
CRASH_LIMIT = 3  # uncaught errors within CRASH_WINDOW seconds before giving up
CRASH_WINDOW = 600.0
DEVICE_KINDS = ("idcard", "iccard", "printer", "pinpad")
SETTLE_MS = 5000  # STARTING ends after this even if a device never answered
BENCH_ENV = "KIOSK_REPORT_PAINT"  # benchmarks: print a JSON line when the attract is painted


def build_parser() -> argparse.ArgumentParser:
    p = UsageArgumentParser(prog="kiosk run", description="start the kiosk")
    p.add_argument("--config", type=Path, help="kiosk.toml (default: the installed file, else "
                   "the built-in demo configuration, which simulates everything)")
    p.add_argument("--sim", action="store_true", default=None,
                   help="start every simulator as a child process and use them")
    p.add_argument("--windowed", action="store_true", help="a normal window, not fullscreen")
    p.add_argument("--lang", choices=("zh_CN", "en"), help="language of the screens")
    p.add_argument("--scenario", type=Path, help="scenario for the simulators")
    p.add_argument("--sim-only", metavar="KINDS",
                   help="with --sim: start only these simulators (comma-separated: idcard, "
                        "iccard, pinpad, printer, host); the other devices use fakes")
    p.add_argument("--no-panel", action="store_true",
                   help="with --sim: do not open the simulator panel")
    return p


def overrides_from_args(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if args.sim:
        out["sim"] = True
    if args.windowed:
        out["ui.fullscreen"] = False
    if args.lang:
        out["language"] = args.lang
    if args.scenario:
        out["scenario"] = str(args.scenario)
    return out


def prepare_state_dir(state_dir: Path) -> None:
    """Create the state directory, and remove the python-escpos capability pickles that
    versions before 0.2 kept in ``cache/escpos`` (a pickle in a writable place runs code when
    loaded; the capabilities now come from the library's JSON file:
    :mod:`devices.printer.escpos_capabilities`)."""
    import shutil

    state_dir.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(state_dir / "cache" / "escpos", ignore_errors=True)


def setup_qt_environment() -> None:
    """Offscreen when there is no display (CI, a bare box); must run before QApplication."""
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def make_qt_app(language: str, argv: Sequence[str] | None = None, *,
                qt_translations: bool = True) -> Any:
    """The QApplication with the kiosk's font, style sheet and Qt's own translations
    (``qt_translations=False``: later, by :func:`install_qt_translations`; the first paint
    does not need them and QLocale's enums cost tens of ms)."""
    from PySide6.QtGui import QFont
    from PySide6.QtWidgets import QApplication

    from kiosk.i18n import install_qt_translator
    from kiosk.shell import theme

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(
        list(argv or [sys.argv[0]]))
    font = QFont()
    font.setFamilies([theme.FONT_FAMILY, *theme.FALLBACK_FAMILIES])
    font.setPixelSize(theme.BODY_PX)
    app.setFont(font)
    app.setStyleSheet(theme.STYLE_SHEET)
    if qt_translations:
        install_qt_translator(app, language)  # Qt's own strings (dialog buttons ...)
    from kiosk.shell import gc_pin

    gc_pin.install(app)  # cyclic garbage is collected on this thread only (gc_pin's doc)
    return app


class Kiosk:
    """The composed application: devices, workers, bridge, voice, shell, journey runner.

    The shell is built and shown first; the devices are built afterwards on a bring-up thread
    (driver imports, scenario files, the speech child) once the attract screen has been
    painted, and handed to the GUI thread through the bridge, where their workers start. Until
    then the attract screen says 正在准备 (mode STARTING). ``devices`` (kind -> driver
    instance) and ``voice_device`` replace building from configuration (tests, benchmarks):
    they are installed at once. ``on_ready`` callbacks run once the devices are installed.
    """

    def __init__(
        self,
        config: Any,
        *,
        devices: Mapping[str, Any] | None = None,
        voice_device: Any = None,
        sims: Any = None,
        remove_prompt: float = 3.0,
        pin_timeout: float = 30.0,
        today: Callable[[], Any] | None = None,
        shell: Any = None,
    ) -> None:
        from devices.voice.fake import RecordingVoice
        from kiosk.bridge import Bridge
        from kiosk.i18n import Translator
        from kiosk.requests import Requests
        from kiosk.shell.window import ShellWindow
        from kiosk.terminal import TerminalService
        from kiosk.voice import VoiceGuide
        self.config = config
        self.sims = sims
        self.translator = Translator(config.language)
        self.bridge = Bridge()
        self.devices: dict[str, Any] = {}
        self.plans: dict[str, Any] = {}  # kind -> DevicePlan
        self.workers: dict[str, DeviceWorker] = {}  # filled in place: the runner holds it
        self.requests = Requests(self.workers, self.bridge.call_soon)
        self.bridge.device_event.connect(self.requests.route_event)
        self.ready = False
        self.on_ready: list[Callable[[], None]] = []
        self._bringup: threading.Thread | None = None
        self._paint_probe: Any = None

        self._voice_given = voice_device is not None
        placeholder = voice_device
        if placeholder is None:  # silent until the speech child is up
            placeholder = RecordingVoice()
            placeholder.open()
        self.voice_device = placeholder
        self.voice = VoiceGuide(placeholder, enabled=config.voice.enabled,
                                muted=config.voice.muted, rate=config.voice.rate,
                                care_rate=config.voice.care_rate,
                                repeat_scope=config.voice.repeat)

        # ``shell``: the window kiosk.first_paint already painted (``kiosk run``)
        self._shell_painted = shell is not None
        self.shell = shell if shell is not None else ShellWindow(
            self.translator, config.terminal.id, config.terminal.service_point, DEVICE_KINDS)
        self.terminal = TerminalService(DEVICE_KINDS)
        self.modes = self.terminal.modes
        self.modes.add_listener(self._on_mode)
        self.terminal.add_listener(self._on_terminal)
        self._runner: Any = None
        self._remove_prompt = remove_prompt
        self._pin_timeout = pin_timeout
        self._today = today
        # kiosk/transactions.py: the journal, money through it, the outbox (bring-up thread)
        self.transactions: Any = None
        from kiosk.clock import ClockGuard

        self.clock = ClockGuard(config.clock.max_skew_seconds)
        self.terminal.clock = self.clock  # the sign-in records the host's clock skew
        self._home: Any = None
        self.shell.attract.touched.connect(self.speak_attract)
        self.shell.attract.repeat_requested.connect(self.speak_attract)
        self.bridge.status_changed.connect(self._on_status)
        self.shell.attract.set_mode(self.modes.mode)
        self.panel: Any = None
        self._stopped = False
        self._given = devices is not None
        if devices is not None:
            from kiosk.device_plan import DevicePlan

            given = {k: d for k, d in devices.items() if k in (*DEVICE_KINDS, "host")}
            self.transactions = self._create_transactions(given.get("host"))
            self._install(given, {k: DevicePlan(k, "given", {}) for k in given}, None)

    @property
    def runner(self) -> Any:
        """The journey runner (screens/runner.py), built on first use (after the first paint
        of the attract screen, or when a test asks for it)."""
        if self._runner is None:
            from screens.runner import JourneyRunner, Timeouts
            from screens.widgets.pinpad_picture import set_default_layout

            set_default_layout(self.config.ui.pin_pad)  # the PIN screen draws this pad
            timeouts = Timeouts.from_config(self.config.timeouts,
                                            remove_prompt=self._remove_prompt,
                                            pin_entry=self._pin_timeout)
            kwargs: dict[str, Any] = {}
            if self._today is not None:
                kwargs["today"] = self._today
            self._runner = JourneyRunner(self.shell, self.bridge, self.requests, self.terminal,
                                         self.voice, timeouts, self.config.language,
                                         config=self.config,
                                         transactions=lambda: self.transactions,
                                         staff=lambda: self.staff, **kwargs)
        return self._runner

    _staff: Any = None

    @property
    def staff(self) -> Any:
        """Staff and technician modes (screens/staff), built on first use after the first
        paint: the hidden entry on the attract screen, sign-in, staff functions, diagnostics."""
        if self._staff is None:
            import functools

            from kiosk.technician.appwire import device_ports
            from screens.staff.controller import StaffController

            self._staff = StaffController(
                shell=self.shell, bridge=self.bridge, workers=self.workers, config=self.config,
                translator=self.translator, voice=self.voice, modes=self.modes,
                terminal=self.terminal, ports=functools.partial(device_ports, self))
            self._wire_audio_to_staff()
        return self._staff

    @property
    def home(self) -> Any:
        """The home screen's presenter (screens/home.py): the services from the registry."""
        if self._home is None:
            from kiosk.shell import icons
            from screens.home import HomePresenter

            icons.load()  # the icon set, off the start-up path (buttons built before get theirs)
            self._home = HomePresenter(self.shell, self.runner, self.translator,
                                       float(self.config.timeouts.idle_seconds))
            self.audio  # noqa: B018 (the audio-guided mode works on the home's screens)
        return self._home

    _audio: Any = None

    @property
    def audio(self) -> Any:
        """The audio-guided mode (screens/audio.py): journeys by ear and the PIN pad's keys."""
        if self._audio is None:
            from screens.audio import AudioGuide

            home = self.home
            self._audio = AudioGuide(self.shell, self.runner, self.config.accessibility,
                                     self.translator,
                                     home_screens=lambda: (home.group_view,),
                                     parent=self.shell)  # its timers go with the shell
            self.on_ready.append(self._audio.refresh)
            self._audio.start_attract_loop()
            self._audio.refresh()
            self._wire_audio_to_staff()
        return self._audio

    def _wire_audio_to_staff(self) -> None:
        """The staff's entry code is typed on the PIN pad: the audio guide lets go of it while
        the corner is held and for the code's time after."""
        if self._audio is None or self._staff is None:
            return
        from screens.staff.controller import ENTRY_CODE_SECONDS

        hold, audio = self._staff.hold, self._audio
        hold.started.connect(audio.hold_started)
        hold.abandoned.connect(lambda: audio.hold_ended(False, 0.0))
        hold.held.connect(lambda: audio.hold_ended(True, ENTRY_CODE_SECONDS + 1.0))

    def start_journey(self, name: str = "identify") -> bool:
        """Start a journey as if chosen on the home screen (tools)."""
        return bool(self.runner.start(name))

    # --- building -----------------------------------------------------------------------------

    def _bring_up(self) -> None:
        """Bring-up thread: build every driver (not opened: each worker opens its own) and the
        voice device, then hand them to the GUI thread."""
        from kiosk.device_plan import DevicePlan, plan_devices

        plans = plan_devices(self.config, self.sims)
        built: dict[str, Any] = {}
        for kind in DEVICE_KINDS:
            if self._stopped:
                return
            plan = plans[kind]
            device = self._create(plan)
            if device is None and plan.backend != "fake" and self.config.sim:
                plan = DevicePlan(kind, "fake", {}, None, note="(the driver failed)")
                device = self._create(plan)
            plans[kind] = plan
            if device is not None:
                built[kind] = device
        voice = None if self._voice_given else self._create_voice()
        host = self._create_host()
        if host is not None:
            built["host"] = host
        self.transactions = self._create_transactions(host)
        self.bridge.call_soon(_Install(self, built, plans, voice))

    def _create_host(self) -> Any:
        """The bank host client (its worker heartbeats; the status strip shows the link)."""
        url = self.config.host.url
        tls: dict[str, Any] = {}
        if self.sims is not None and self.sims.host_url:
            url = self.sims.host_url
            tls = self.sims.host_tls(self.config.terminal.id)
        if not url:
            return None
        try:
            from kiosk.host.client import HostClient, HostSettings

            return HostClient(HostSettings.from_config(self.config, url=url, **tls),
                              heartbeat_info=self._heartbeat_info)
        except Exception as exc:
            log.warning("no host client: %s", exc)
            return None

    def _create_transactions(self, host: Any) -> Any:
        """The transactions service (bring-up thread: opening checks the journal file). Its own
        host client with the same settings (a client is not thread-safe); its MACs come from
        the PIN pad's worker once that exists (:meth:`_install`). A damaged, missing
        or unwritable journal does not stop the kiosk: money_available() says why."""
        try:
            from kiosk.host.client import HostClient
            from kiosk.transactions import MoneySettings, TransactionsService

            client = None if host is None else HostClient(host.settings)
            # no money on a clock the sign-in found skewed (or before any sign-in measured it)
            return TransactionsService.open(Path(self.config.state_dir).expanduser(),
                                            self.config.terminal.id, client,
                                            MoneySettings.from_config(self.config),
                                            clock_guard=getattr(self, "clock", None))
        except Exception:
            log.exception("no transactions service")
            return None

    def _heartbeat_info(self) -> Any:
        """The host heartbeat (host worker thread): the audit log's head as its anchor."""
        from kiosk.audit import audit_log
        from kiosk.host.client import HeartbeatInfo

        anchor = audit_log(Path(self.config.state_dir).expanduser()).anchor()
        money: dict[str, Any] = {}
        if self.transactions is not None and self.transactions.journal is not None:
            summary = self.transactions.summary()
            money = {"outbox_depth": summary.get("outbox_depth", 0),
                     "unresolved": summary.get("unresolved", [])}
        return HeartbeatInfo(audit_head=None if anchor is None else (anchor.seq, anchor.hash),
                             **money)

    def _install(self, devices: Mapping[str, Any], plans: Mapping[str, Any],
                 voice: Any) -> None:
        """GUI thread: adopt the built devices, give each a worker, start them if running."""
        if self._stopped:
            if voice is not None:
                voice.close()
            return
        self.plans.update(plans)
        for kind, device in devices.items():
            self.devices[kind] = device
            if kind == "host":
                from kiosk.host.worker import host_worker

                self.workers[kind] = host_worker(device, self.bridge.post)
                continue
            self.workers[kind] = DeviceWorker(
                kind, device, self.bridge.post,
                default_timeout=float(self.config.timeouts.device_command_seconds),
            )
        self.terminal.wire_host_to_pinpad(self.devices.get("host"), self.workers.get("pinpad"))
        money_client = getattr(self.transactions, "client", None)
        if money_client is not None and money_client.mac_provider is None:
            from kiosk.host.worker import mac_via_worker

            pad = self.workers.get("pinpad")
            if pad is not None:
                money_client.mac_provider = mac_via_worker(pad)
        if self.transactions is not None:  # Need.MONEY asks the journal
            self.terminal.money = self.transactions.money_available
        self.terminal.attach(self.requests, self.workers)
        for kind in DEVICE_KINDS:
            if kind not in self.workers:
                self._set_device_state(kind, DeviceState.NO_DEVICE)
        if voice is not None:
            old, self.voice_device = self.voice_device, voice
            self.voice.device = voice
            old.close()
        self.ready = True
        if self._running:
            self._start_workers()
        for fn in list(self.on_ready):
            fn()

    @staticmethod
    def _create(plan: Any) -> Any:
        try:
            try:
                device = create_device(plan.kind, plan.backend, **dict(plan.params))
            except TypeError:
                if plan.backend != "fake" or not plan.params:
                    raise
                # a real device's parameters (url, reader ...) left in the config
                device = create_device(plan.kind, plan.backend)
        except Exception as exc:
            log.warning("cannot build %s backend %s: %s", plan.kind, plan.backend, exc)
            return None
        log.info("%s: backend %s %s", plan.kind, plan.backend, plan.note)
        return device

    def _create_voice(self) -> Any:
        from kiosk.voice import create_voice_device

        try:
            device = create_voice_device(self.config.voice)
            device.open()
            return device
        except Exception as exc:
            log.warning("voice backend %s unavailable (%s); using the recording fake",
                        self.config.voice.backend, exc)
        device = create_device("voice", "fake")
        device.open()
        return device

    # --- running ------------------------------------------------------------------------------

    _running = False

    def start(self, *, show: bool = True) -> None:
        """Show the shell; bring the devices up once the attract screen is painted."""
        from PySide6.QtCore import QTimer

        self._running = True
        QTimer.singleShot(SETTLE_MS, self.modes.settle)
        if self.ready:
            self._start_workers()
        elif self._shell_painted:  # kiosk.first_paint painted it already
            QTimer.singleShot(0, self._after_first_paint)
        else:
            self._paint_probe = _AfterFirstPaint(self.shell.attract, self._after_first_paint)
            QTimer.singleShot(500, self._after_first_paint)  # also when nothing gets painted
        if show and not self._shell_painted:  # a painted shell is on screen already
            ui = self.config.ui
            self.shell.show_kiosk(fullscreen=ui.fullscreen, width=ui.width, height=ui.height)

    def _after_first_paint(self) -> None:
        if self._stopped:
            return
        self.home  # noqa: B018 (the runner and the home choices, off the start-up path)
        self.staff  # noqa: B018 (and the staff screens)
        self._start_bring_up()

    def _start_bring_up(self) -> None:
        if self._bringup is not None or self.ready or self._stopped:
            return
        self._bringup = threading.Thread(target=self._bring_up, name="device-bringup",
                                         daemon=True)
        self._bringup.start()

    def _start_workers(self) -> None:
        for worker in self.workers.values():
            if not worker.running:
                worker.start()
        if self.transactions is not None:  # start-up recovery, then resolver + outbox
            self.transactions.start_background()
        self.terminal.sign_in()

    # --- the host: the terminal service owns the link, the sign-in and the keys ---------------

    @property
    def host_status(self) -> Any:
        """The host link's last HostStatus."""
        return self.terminal.host_status

    @property
    def host_signed_in(self) -> bool:
        return self.terminal.host_signed_in

    @property
    def sign_in_outcome(self) -> bool | None:
        return self.terminal.sign_in_outcome

    def sign_in(self) -> None:
        self.terminal.sign_in()

    def wait_ready(self, app: Any, timeout: float = 60.0) -> bool:
        """Process events until the devices are installed (autopilot, tools)."""
        deadline = time.monotonic() + timeout
        while not self.ready and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.01)
        return self.ready

    def speak_attract(self) -> None:
        if self._home is not None:
            self._home.speak_home()
        else:
            self.voice.speak("voice.attract", self.translator, services="")

    def _set_device_state(self, kind: str, state: DeviceState) -> None:
        self.shell.status_strip.set_device_state(kind, state)
        self.terminal.device_state(kind, state)

    def _on_status(self, event: Any) -> None:
        if self._stopped:  # a worker's last word, queued while the kiosk shut down
            return
        if event.device == "host":
            state = event.new.device
            online = None if state is DeviceState.UNKNOWN else state is DeviceState.ONLINE
            self.shell.status_strip.set_host_online(online)
            if online and event.old.device is not DeviceState.ONLINE and (
                    self.transactions is not None):
                self.transactions.host_back()  # resolve unknown rows, forward the outbox
        else:
            self.shell.status_strip.set_device_state(event.device, event.new.device)
        self.terminal.device_status(event.device, event.new)

    def _on_terminal(self) -> None:
        """The staff see a farmer's call for help in the status strip."""
        self.shell.status_strip.set_help(self.terminal.help_requested)

    def _on_mode(self, old: Any, new: Any) -> None:
        tr = self.translator
        names = {
            "idcard": tr("shell.device.idcard"),
            "iccard": tr("shell.device.iccard"),
            "pinpad": tr("shell.device.pinpad"),
            "printer": tr("shell.device.printer"),
        }
        down = [names[d].strip() for d in self.modes.down_devices()]
        reason = tr("shell.reason.devices_down",
                    devices=tr("shell.reason.separator").join(down)) if down else ""
        log.info("mode %s -> %s %s", old.value, new.value, ",".join(self.modes.down_devices()))
        self.shell.attract.set_mode(new, reason)

    def on_crash(self, path: Path, exc: BaseException) -> None:
        """Crash-handler callback (any thread): end the journey safely on the GUI thread."""
        self.bridge.call_soon(_Recover(self, path))

    def recover(self, path: Path) -> None:
        """GUI thread, after an uncaught error: the journey ends (session wiped, home). After
        CRASH_LIMIT errors within CRASH_WINDOW seconds the kiosk quits with EXIT_CRASHED so
        that systemd starts a fresh one."""
        now = time.monotonic()
        self._crashes = [t for t in getattr(self, "_crashes", []) if now - t < CRASH_WINDOW]
        self._crashes.append(now)
        log.error("recovering from an uncaught error (crash log %s)", path.name)
        if self._audio is not None:
            self._audio.close()
        if self._runner is not None:
            self._runner.stop()
        if len(self._crashes) >= CRASH_LIMIT:
            log.critical("%d uncaught errors in %.0f s: quitting for a restart",
                         len(self._crashes), CRASH_WINDOW)
            self.exit_code = EXIT_CRASHED
            self.quit_app(EXIT_CRASHED)

    exit_code = EXIT_OK

    @staticmethod
    def quit_app(code: int) -> None:
        """Leave the Qt event loop with ``code`` (tests replace it)."""
        from PySide6.QtWidgets import QApplication

        QApplication.exit(code)

    def controls(self) -> dict[str, Any]:
        """Simulator control objects per kind (HTTP to a simulator, or in-process over a
        fake); kinds without a control module are left out."""
        from kiosk.simcontrol import ControlUnavailable, load_control

        found: dict[str, Any] = {}
        for kind, device in self.devices.items():
            if kind == "host":
                continue  # the host simulator's control API is not a farmer's device
            plan = self.plans.get(kind)
            url = plan.control_url if plan is not None else None
            try:
                found[kind] = load_control(kind, device=device, control_url=url)
            except ControlUnavailable as exc:
                log.info("no control for %s: %s", kind, exc)
            except Exception:
                log.exception("control for %s failed", kind)
        return found

    def shutdown(self) -> None:
        """Stop everything, idempotently: journey, workers, voice, simulators."""
        if self._stopped:
            return
        self._stopped = True
        log.info("shutting down")
        if self._bringup is not None:
            self._bringup.join(10.0)
        if self._audio is not None:
            self._audio.close()
        if self._runner is not None:
            self._runner.stop()
        if self.panel is not None:
            self.panel.close()
        for worker in self.workers.values():
            worker.stop(timeout=3.0)
        if self.transactions is not None:
            self.transactions.close()
        try:
            self.voice.stop()
            self.voice_device.close()
        except Exception:
            log.exception("closing the voice failed")
        if self.sims is not None:
            self.sims.stop()
        from kiosk.shell import gc_pin

        gc_pin.collect_due()  # this kiosk's cycles, freed here on the GUI thread


class _OpenPanel:
    """Opens the simulator panel once the devices (and so their controls) exist."""

    def __init__(self, kiosk: Kiosk, panel_type: Any) -> None:
        self.kiosk, self.panel_type = kiosk, panel_type

    def __call__(self) -> None:
        self.kiosk.panel = self.panel_type(self.kiosk)
        self.kiosk.panel.show()


class _Recover:
    def __init__(self, kiosk: Kiosk, path: Path) -> None:
        self.kiosk, self.path = kiosk, path

    def __call__(self) -> None:
        self.kiosk.recover(self.path)


class _Install:
    """Posted from the bring-up thread to the GUI thread (no lambdas across threads)."""

    def __init__(self, kiosk: Kiosk, devices: dict[str, Any], plans: dict[str, Any],
                 voice: Any) -> None:
        self.kiosk, self.devices, self.plans, self.voice = kiosk, devices, plans, voice

    def __call__(self) -> None:
        self.kiosk._install(self.devices, self.plans, self.voice)


class _AfterFirstPaint:
    """Calls ``fn`` (later, from the event loop) after ``widget`` is first painted."""

    def __init__(self, widget: Any, fn: Callable[[], None]) -> None:
        from PySide6.QtCore import QEvent, QObject, QTimer

        outer = self

        class Filter(QObject):
            def eventFilter(self, watched: QObject, event: QEvent) -> bool:
                if event.type() == QEvent.Type.Paint:
                    watched.removeEventFilter(self)
                    QTimer.singleShot(0, outer.fn)
                return False

        self.fn = fn
        self.filter = Filter(widget)
        widget.installEventFilter(self.filter)


class SignalHandler:
    """SIGTERM/SIGINT inside the Qt loop: ``signal.set_wakeup_fd`` writes to a socket pair
    whose read end a QSocketNotifier watches; the notifier wakes the loop and the Python
    handler runs ``on_signal`` on the GUI thread."""

    def __init__(self, on_signal: Callable[[int], None],
                 signals: Sequence[int] = (signal.SIGTERM, signal.SIGINT)) -> None:
        from PySide6.QtCore import QSocketNotifier

        self._on_signal = on_signal
        self._read, self._write = socket.socketpair()
        self._read.setblocking(False)
        self._write.setblocking(False)
        self._old_fd = signal.set_wakeup_fd(self._write.fileno())
        self._notifier = QSocketNotifier(self._read.fileno(), QSocketNotifier.Type.Read)
        self._notifier.activated.connect(self._on_wakeup)
        self._old = {s: signal.signal(s, self._handle) for s in signals}
        self.received: list[int] = []

    def _handle(self, signum: int, frame: Any) -> None:
        self.received.append(signum)
        log.info("signal %d received", signum)
        self._on_signal(signum)

    def _on_wakeup(self) -> None:
        try:
            while self._read.recv(64):
                pass
        except BlockingIOError:
            pass

    def close(self) -> None:
        self._notifier.setEnabled(False)
        signal.set_wakeup_fd(self._old_fd)
        for s, old in self._old.items():
            signal.signal(s, old)
        self._read.close()
        self._write.close()


def report_paint(widget: Any) -> None:
    """Benchmarks: print ``{"event": "painted", "t": monotonic, "cpu": process_time}`` after
    ``widget``'s first paint (CLOCK_MONOTONIC is shared by every process, so the parent can
    subtract; the CPU seconds of the process so far hold up better on a busy machine)."""
    from PySide6.QtCore import QEvent, QObject

    class _Once(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                watched.removeEventFilter(self)
                t = time.monotonic()
                print(json.dumps({"event": "painted", "t": t, "cpu": time.process_time(),
                                  "pid": os.getpid()}), flush=True)
            return False

    widget._paint_probe = _Once(widget)
    widget.installEventFilter(widget._paint_probe)


def report_ready(kiosk: Kiosk) -> None:
    """Benchmarks: print ``{"event": "start_enabled", "t"}`` when a choice of the home screen
    can first be touched and ``{"event": "ready", "t"}`` once every device is up and the
    terminal signed in (checked every 5 ms: the probe must not depend on which event is last)."""
    from PySide6.QtCore import QTimer

    seen: set[str] = set()

    def emit(event: str) -> None:
        if event not in seen:
            seen.add(event)
            print(json.dumps({"event": event, "t": time.monotonic(),
                              "cpu": time.process_time(), "pid": os.getpid()}), flush=True)

    def on_completed(completion: Any) -> None:
        if completion.device == "host" and completion.command == "sign_in" and completion.ok:
            seen.add("signed_in")

    def check() -> None:
        tiles = kiosk.shell.attract.tiles
        if any(not tile.isHidden() and tile.isEnabled() for tile in tiles):
            emit("start_enabled")
        states = kiosk.modes.states.values()
        devices_up = (all(s is not DeviceState.UNKNOWN for s in states)
                      and not kiosk.modes.down_devices())
        if devices_up and ("signed_in" in seen or kiosk.host_signed_in):
            emit("ready")
        if "ready" in seen and "start_enabled" in seen:
            timer.stop()

    kiosk.bridge.completed.connect(on_completed)
    timer = QTimer(kiosk.shell)
    timer.setInterval(5)
    timer.timeout.connect(check)
    timer.start()


class _LateServices:
    """The fleet telemetry and the technicians' control socket: started once the devices are
    up (``Kiosk.on_ready``), not before the first paint (their imports, paho and the MQTT
    client among them, cost tens of ms that the attract screen does not need)."""

    def __init__(self, kiosk: Kiosk, config: Any, service: Any) -> None:
        self.kiosk, self.config, self.service = kiosk, config, service
        self.telemetry: Any = None
        self.control: Any = None
        self._stopped = False

    def attach(self) -> None:
        if self._stopped or self.control is not None or self.telemetry is not None:
            return
        from kiosk.telemetry.appwire import attach as attach_telemetry

        self.telemetry = attach_telemetry(self.kiosk, self.config, self.service)  # fleet MQTT
        from kiosk.technician.appwire import attach as attach_control

        self.control = attach_control(self.kiosk, self.config)  # kiosk diag asks the app

    def stop(self) -> None:
        self._stopped = True
        if self.control is not None:
            self.control.stop()
        if self.telemetry is not None:
            self.telemetry.stop()


def _attach_service(kiosk: Kiosk, config: Any) -> Any:
    from kiosk.watchdog import ServiceNotifier

    def quit_for_restart(code: int) -> None:
        kiosk.exit_code = code
        kiosk.quit_app(code)

    service = ServiceNotifier.from_config(config, quit=quit_for_restart)
    service.attach(kiosk)
    return service


def main(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(list(argv))
    from kiosk import first_paint
    from kiosk.preflight import restrict_umask, start  # umask, config, TLS, state dir, logs, lock

    restrict_umask()
    overrides = overrides_from_args(args)
    # The attract screen (正在准备) first, from a guess of the few values it needs; then the
    # full validation as before (kiosk/first_paint.py says why and what stays the same).
    early = None
    guessed = first_paint.guess(args.config, overrides)
    if guessed is not None and not first_paint.lock_held_elsewhere(guessed.state_dir):
        early = first_paint.paint(guessed, DEVICE_KINDS,
                                  report_paint if os.environ.get(BENCH_ENV) else None)
    started = start(args.config, overrides)
    if isinstance(started, int):
        if early is not None:
            early.close()
        status = ("STATUS=configuration invalid (kiosk.toml)",) if started == EXIT_USAGE else ()
        return _exit(started, *status)
    config, state_dir, crash_handler = started.config, started.state_dir, started.crash_handler
    prepare_state_dir(state_dir)
    shell = None
    if early is not None:
        if early.settings.same_window(first_paint.PaintSettings.of(config)):
            shell = early.shell
        else:  # validation changed a value the window shows: build it again
            early.close()
            early = None

    sims = None
    if config.sim:
        from kiosk.sim_panel.children import SimulatorSet

        only = None if args.sim_only is None else [
            k.strip() for k in args.sim_only.split(",") if k.strip()]
        try:
            sims = SimulatorSet.start(scenario=config.scenario, state_dir=state_dir / "sim",
                                      only=only)
        except Exception as exc:  # the kiosk still starts, on fakes, and says why
            log.error("the simulators did not start (%s); every device uses its fake", exc)
            sims = SimulatorSet(None, failed={"up": str(exc)})
    try:
        setup_qt_environment()
        if early is not None:  # font and style sheet set: only Qt's own translations now
            from kiosk.i18n import install_qt_translator

            app = early.app
            install_qt_translator(app, config.language)
        else:
            app = make_qt_app(config.language)
        kiosk = Kiosk(config, sims=sims, shell=shell)
        sims = None  # the kiosk owns them now
        crash_handler.on_crash = kiosk.on_crash
        handler = SignalHandler(lambda signum: app.quit())
        if os.environ.get(BENCH_ENV):
            if shell is None:
                report_paint(kiosk.shell.attract)
            report_ready(kiosk)
        kiosk.start()
        service = _attach_service(kiosk, config)  # systemd READY/WATCHDOG (kiosk/watchdog.py)
        late = _LateServices(kiosk, config, service)  # telemetry, control socket
        if kiosk.ready:
            late.attach()
        else:
            kiosk.on_ready.append(late.attach)
        if config.sim and not args.no_panel and app.platformName() != "offscreen":
            from kiosk.sim_panel.window import SimPanel

            kiosk.on_ready.append(_OpenPanel(kiosk, SimPanel))
        try:
            app.exec()
        finally:
            kiosk.shutdown()
            late.stop()
            service.close()
            handler.close()
    finally:
        if sims is not None:
            sims.stop()
    log.info("kiosk stopped")
    return _exit(kiosk.exit_code)


def _exit(code: int, *status: str) -> int:
    """The exit status, also told to the service's notify relay (cage hides it)."""
    from kiosk.watchdog import notify_exit, sd_notify

    if status:
        sd_notify(*status)
    notify_exit(code)
    return code
