"""``kiosk diag pinpad status|keytest|load-keys``: the encrypting PIN pad, technician side.

    kiosk diag pinpad status    [--url URL] [--backend kmy|fake] [--json]
    kiosk diag pinpad keytest   [--url URL] [--timeout S] [--json]
    kiosk diag pinpad load-keys [--url URL] [--algorithm 3des|sm4] [--slot N] [--json]

Without ``--url``/``--backend`` the configured pad is used (``kiosk.config``); ``--url`` alone
means the ``kmy`` driver on that pyserial URL (``socket://``/``tcp://`` for the simulator).

``keytest`` puts the pad in plain (system keyboard) mode and lists the keys pressed; it never
starts PIN entry. ``load-keys`` is the key ceremony: two custodians enter their TMK components
one after the other (hidden input; from stdin lines when stdin is not a terminal); each
component's check value and the combined key's check value are shown. The components and the
key are sent to the pad and kept nowhere else.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from collections.abc import Mapping
from typing import Any

from devices.base import Completion, CompletionCode, DeviceEvent
from devices.crypto import Algorithm
from devices.pinpad.contract import PinpadStatus
from kiosk.cli import EXIT_DEVICE_ERROR, EXIT_OK, EXIT_USAGE, UsageArgumentParser
from kiosk.diag import emit
from kiosk.diag.common import (
    audit,
    call,
    device_settings,
    failure,
    unexpected_arguments,
    with_device,
)
from kiosk.i18n import Translator
from kiosk.technician.ceremony import (
    ALGORITHMS,
    COMPONENT_HEX,
    CUSTODIANS,
    CeremonyError,
    KeyCeremony,
)

log = logging.getLogger(__name__)

ACTIONS = ("status", "keytest", "load-keys")
DEFAULT_KEYTEST_SECONDS = 30.0


def _from_options(args: argparse.Namespace) -> tuple[str, dict[str, Any]] | None:
    return ((args.backend or "kmy"), {"url": args.url}) if args.url else None


def _read_component(tr: Translator, n: int) -> str:
    prompt = tr("pinpad.diag.ceremony.component", n=n)
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    print(prompt, file=sys.stderr, flush=True)
    return sys.stdin.readline()


def _status(args: argparse.Namespace, device: Any, backend: str, tr: Translator) -> int:
    status = call(device, "probe")
    assert isinstance(status, PinpadStatus)
    obj = {"device": status.device.value, "version": status.version,
           "keypad": status.keypad.value, "master_key": status.master_key.value,
           "working_keys": status.working_keys.value, "algorithm": status.algorithm,
           "backend": backend}
    emit(args, obj, tr("pinpad.diag.status", state=obj["device"], version=obj["version"],
                       master_key=obj["master_key"], working_keys=obj["working_keys"],
                       algorithm=obj["algorithm"]))
    return EXIT_OK if status.device.value == "online" else EXIT_DEVICE_ERROR


def _keytest(args: argparse.Namespace, device: Any, tr: Translator) -> int:
    seconds = DEFAULT_KEYTEST_SECONDS if args.timeout is None else args.timeout
    if not args.json:
        print(tr("pinpad.diag.keytest.prompt"), flush=True)

    def show(event: DeviceEvent) -> None:
        if not args.json:
            print(tr("pinpad.diag.keytest.key", name=getattr(event, "key", "?")), flush=True)

    names = list(call(device, "keytest", seconds, events=show) or [])
    emit(args, {"keys": names}, "  ".join(names) + "\n" + tr(
        "pinpad.diag.keytest.done", count=len(names)))
    return EXIT_OK


def _load_keys(args: argparse.Namespace, device: Any, extra: list[str],
               tr: Translator) -> int:
    p = UsageArgumentParser(prog="kiosk diag pinpad load-keys")
    p.add_argument("--algorithm", choices=[a.value for a in ALGORITHMS],
                   default=Algorithm.TDES.value)
    p.add_argument("--slot", type=int, default=None)
    opts = p.parse_args(extra)

    def record(action: str, detail: Mapping[str, Any]) -> None:
        problem = audit(args, "pinpad", action, dict(detail))
        if problem:
            raise OSError(problem)

    ceremony = KeyCeremony(record, Algorithm(opts.algorithm), opts.slot)
    try:  # no ceremony that the audit log does not know of
        ceremony.start()
    except OSError as exc:
        return failure(args, "pinpad", Completion(
            0, CompletionCode.SEQUENCE_ERROR, detail=f"audit log not writable: {exc}",
            device="pinpad", command="load_master_key"))
    print(tr("pinpad.diag.ceremony.intro", length=COMPONENT_HEX), file=sys.stderr)
    for n in range(1, CUSTODIANS + 1):
        try:
            check = ceremony.add(_read_component(tr, n))
        except CeremonyError:
            ceremony.abort("bad_component")
            print(tr("pinpad.diag.ceremony.bad_component", length=COMPONENT_HEX),
                  file=sys.stderr)
            return EXIT_USAGE
        print(tr("pinpad.diag.ceremony.component_kcv", n=n, kcv=check), file=sys.stderr)
    try:
        key_check = call(device, "load_master_key", ceremony.take_components(),
                         ceremony.algorithm, opts.slot)
    except BaseException:
        ceremony.abort("load_failed")
        raise
    slot = getattr(device, "master_slot", 0) if opts.slot is None else opts.slot
    assert isinstance(key_check, bytes)
    check = ceremony.loaded(key_check, slot)
    log.warning("technician key ceremony: master key slot %s loaded, KCV %s", slot, check)
    emit(args, {"slot": slot, "algorithm": ceremony.algorithm.value, "kcv": check,
                "component_kcvs": ceremony.component_kcvs},
         tr("pinpad.diag.ceremony.done", slot=slot, kcv=check))
    return EXIT_OK


def run(action: str, args: argparse.Namespace, extra: list[str]) -> int:
    """Entry point of ``kiosk diag pinpad ACTION``."""
    if extra and action != "load-keys":
        return unexpected_arguments("pinpad", action, extra)
    tr = Translator()
    backend, params = device_settings(args, "pinpad", _from_options)

    def act(device: Any) -> int:
        if action == "status":
            return _status(args, device, backend, tr)
        if action == "keytest":
            return _keytest(args, device, tr)
        return _load_keys(args, device, extra, tr)

    return with_device(args, "pinpad", backend, params, act)

