"""What every ``kiosk diag`` device module shares: settings, the audited reveal, failures.

A device module keeps only what is specific to its device (its actions, its command-line
shortcut such as ``--url`` or ``--reader``, its output); the steps below are the same for all:

- :func:`load_diag_config` and :func:`device_settings`: the backend and its parameters, from the
  command line or else from ``kiosk.toml`` (``--config``);
- :func:`with_device`: create and open the driver, run the action, close it; a device that
  cannot be opened becomes the failed ``open`` command;
- :func:`call`: run one driver command; a failed one ends the action (:class:`CommandFailed`);
- :func:`failure`: print the failed-command JSON (or text) and return exit code 2;
- :func:`reveal`: ``--reveal`` only when its record is in the audit log;
- :func:`cancel_after`, :func:`unexpected_arguments`, :func:`table`: small shared pieces.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devices.base import (
    CancelToken,
    Completion,
    CompletionCode,
    DeviceError,
    DeviceInitError,
    run_command,
)
from devices.registry import create_device
from devices.text import escape_controls
from kiosk.cli import EXIT_DEVICE_ERROR, EXIT_USAGE
from kiosk.diag import emit

if TYPE_CHECKING:
    from kiosk.config import KioskConfig

#: Backend and parameters named on the command line (``--url``, ``--reader``), or ``None``
#: when the command line names no device and the configuration decides.
OptionSettings = Callable[[argparse.Namespace], "tuple[str, dict[str, Any]] | None"]


class CommandFailed(Exception):
    """A driver command did not succeed; :func:`with_device` reports ``completion``."""

    def __init__(self, completion: Completion[Any]) -> None:
        super().__init__(completion.detail)
        self.completion = completion


def load_diag_config(args: argparse.Namespace,
                     overrides: Mapping[str, Any] | None = None) -> KioskConfig:
    """The configuration of ``--config`` (else the installed or built-in one), with the
    dotted ``overrides`` of the command line, checked as ``kiosk run`` checks it
    (:func:`kiosk.preflight.load_checked_config`). Raises ``kiosk.config.ConfigError``."""
    from kiosk.preflight import load_checked_config

    path = getattr(args, "config", None)
    return load_checked_config(Path(path) if path else None, overrides=overrides)


class NoSimulators(Exception):
    """The configuration is simulated and the simulator to use is not running."""


def running_simulators() -> Any:
    """The published ``kiosk-sim up`` that runs now, as a ``SimulatorSet`` (its addresses and
    the bank host's certificates); :class:`NoSimulators` when none runs."""
    from kiosk.sim_panel.children import SimulatorSet
    from peripherals_sim.launcher import publish_dir, running

    line = running()
    if line is None:
        raise NoSimulators(
            "the configuration is simulated (sim = true) and no `kiosk-sim up` is running "
            f"(nothing alive in {publish_dir()}): start `kiosk-sim up`, or name the device "
            "(--url, --reader, --backend) or another --config")
    return SimulatorSet(None, dict(line.get("sims") or {}), dict(line.get("failed") or {}),
                        str(line.get("state_dir", "")))


def device_settings(args: argparse.Namespace, kind: str,
                    from_options: OptionSettings) -> tuple[str, dict[str, Any]]:
    """Backend name and parameters of the device ``kind``.

    In this order: what ``from_options(args)`` makes of the command line (the device's own
    ``--url``/``--reader`` shortcut); ``--backend fake`` alone, without parameters; with a
    simulated configuration (``sim = true``, as the built-in demo one) and no ``--backend``,
    the real driver against the simulator of the running ``kiosk-sim up``, as ``kiosk run
    --sim`` does; else the configured ``[devices.<kind>]``, its backend replaced by
    ``--backend`` when given.
    """
    chosen = from_options(args)
    if chosen is not None:
        return chosen
    if args.backend == "fake":
        return "fake", {}
    config = load_diag_config(args)
    if config.sim and not args.backend:
        from kiosk.sim_panel.children import plan_devices

        plan = plan_devices(config, running_simulators())[kind]
        if plan.backend == "fake":
            raise NoSimulators(f"the running `kiosk-sim up` has no {kind} simulator")
        return plan.backend, dict(plan.params)
    configured = getattr(config.devices, kind)
    return (args.backend or configured.backend), configured.params


def audit(args: argparse.Namespace, kind: str, action: str, detail: dict[str, Any]) -> str:
    """Append a technician record to the kiosk's audit log (:func:`kiosk.audit.audit_log`
    of the configured state directory). Returns "" when written, else why not."""
    try:
        from kiosk.audit import audit_log

        state_dir = Path(load_diag_config(args).state_dir).expanduser()
        audit_log(state_dir).append("technician", action, {"device": kind, **detail})
    except Exception as exc:  # the caller decides what an unaudited action may still do
        logging.getLogger(f"kiosk.diag.{kind}").warning(
            "cannot write the audit record of %s (%s)", action, exc)
        return str(exc) or type(exc).__name__
    return ""


def audit_reveal(args: argparse.Namespace, kind: str, backend: str) -> bool:
    """Write a ``diag.reveal`` record (detail ``device``/``backend``, never the data).
    False, with a warning, when it cannot be written: the output must then stay masked."""
    problem = audit(args, kind, "diag.reveal", {"backend": backend})
    if problem:
        print(f"kiosk diag {kind}: --reveal not audited ({problem}); output masked",
              file=sys.stderr)
        return False
    return True


def reveal(args: argparse.Namespace, kind: str, backend: str) -> bool:
    """True when personal data may be shown unmasked: ``--reveal`` was given and its audit
    record was written (:func:`audit_reveal`)."""
    return bool(args.reveal) and audit_reveal(args, kind, backend)


def error_completion(exc: DeviceError, kind: str, command: str) -> Completion[Any]:
    """The failed Completion of ``command`` on ``kind`` for a driver exception."""
    return Completion(0, exc.code, exc.error, detail=exc.detail or str(exc), device=kind,
                      command=command)


def failure(args: argparse.Namespace, kind: str, completion: Completion[Any],
            extra: Mapping[str, Any] | None = None, text: str | None = None) -> int:
    """Print a failed command and return ``EXIT_DEVICE_ERROR`` (2).

    JSON: ``{"completion", "error", "detail"}`` updated with ``extra``; text: ``text``, else
    ``"<kind>: <completion> <error> <detail>"``.
    """
    obj = completion.to_json()
    obj.update(extra or {})
    if text is None:
        error = "" if completion.error is None else completion.error.value
        text = f"{kind}: {completion.code.value} {error} {completion.detail}".rstrip()
    emit(args, obj, text)
    return EXIT_DEVICE_ERROR


def call(device: Any, command: str, *args: Any, **kwargs: Any) -> Any:
    """Run ``command`` on ``device`` (:func:`devices.base.run_command`, same arguments) and
    return its data; raise :class:`CommandFailed` when it did not succeed."""
    completion = run_command(device, command, *args, **kwargs)
    if not completion.ok:
        raise CommandFailed(completion)
    return completion.data


def with_device(args: argparse.Namespace, kind: str, backend: str, params: Mapping[str, Any],
                action: Callable[[Any], int]) -> int:
    """Create the ``kind`` driver of ``backend`` with ``params``, open it, return
    ``action(device)`` and close the device.

    A ``DeviceInitError`` from creating or opening it (unknown backend, missing port) and a
    :class:`CommandFailed` from the action are printed by :func:`failure` (exit 2).
    """
    try:
        device = create_device(kind, backend, **params)
        device.open()
    except DeviceInitError as exc:
        return failure(args, kind, error_completion(exc, kind, "open"))
    try:
        return action(device)
    except CommandFailed as exc:
        return failure(args, kind, exc.completion)
    finally:
        device.close()


@contextmanager
def cancel_after(seconds: float) -> Iterator[CancelToken]:
    """A cancel token that cancels itself with ``TIMEOUT`` after ``seconds`` (a daemon
    timer, stopped when the block ends)."""
    cancel = CancelToken()
    timer = threading.Timer(seconds, cancel.cancel, args=(CompletionCode.TIMEOUT,))
    timer.daemon = True
    timer.start()
    try:
        yield cancel
    finally:
        timer.cancel()


def unexpected_arguments(kind: str, action: str, extra: list[str]) -> int:
    """Say on stderr that ``action`` takes no further words; return ``EXIT_USAGE`` (64)."""
    print(f"kiosk diag {kind} {action}: unexpected arguments {' '.join(extra)}",
          file=sys.stderr)
    return EXIT_USAGE


def table(rows: Iterable[tuple[str, Any]], width: int = 16) -> str:
    """Human output: one ``key value`` line a row, keys left-aligned to ``width``."""
    return "\n".join(f"{key:<{width}} {escape_controls(str(value))}" for key, value in rows)
