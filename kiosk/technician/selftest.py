"""Self-test of every configured device: one probe per device through whoever owns its port.

In the running app that is each device's :class:`~devices.worker.DeviceWorker`
(:func:`through_workers`); on the command line with no app running, ``kiosk diag all
selftest`` opens each device itself (:func:`with_own_devices`). Both give the same
:class:`SelftestReport`: per device whether it passed, its state, the problem in words a
technician searches for (``paper_out``, ``sam_failed``, ``master_key_missing`` …), its
version and port, the probe's time, and the masked status fields.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

from devices.base import Completion, DeviceState

if TYPE_CHECKING:
    from kiosk.i18n import Translator

#: The order in which devices are tested and shown.
KINDS = ("idcard", "iccard", "pinpad", "printer", "host")
PORT_KEYS = ("url", "reader", "path", "device", "port")
#: The command that tests a device: its probe, except the host, whose probe may answer from
#: the last heartbeat; its self_test sends one now.
COMMANDS = {"host": "self_test"}

Prober = Callable[[str], Completion[Any]]


@dataclass(frozen=True)
class DeviceCheck:
    """One device's self-test result."""

    device: str
    ok: bool
    state: str
    problem: str | None
    detail: str
    version: str | None
    port: str | None
    elapsed_ms: float
    status: Mapping[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "status": dict(self.status)}


@dataclass(frozen=True)
class SelftestReport:
    """Every device's result; ``source`` says who ran it (``app`` or ``cli``)."""

    checks: tuple[DeviceCheck, ...]
    total_ms: float
    source: str

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def failed(self) -> list[str]:
        return [c.device for c in self.checks if not c.ok]

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "source": self.source, "total_ms": self.total_ms,
                "failed": self.failed, "devices": [c.to_json() for c in self.checks]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SelftestReport:
        checks = tuple(DeviceCheck(**{**c, "status": dict(c.get("status") or {})})
                       for c in data["devices"])
        return cls(checks, float(data["total_ms"]), str(data["source"]))


def status_fields(status: Any) -> dict[str, Any]:
    """A status dataclass as plain JSON values (enums by value; no nested objects)."""
    if status is None:
        return {}
    if hasattr(status, "to_json"):
        data = dict(status.to_json())
    elif dataclasses.is_dataclass(status) and not isinstance(status, type):
        data = {f.name: getattr(status, f.name) for f in dataclasses.fields(status)}
    else:
        return {"value": str(status)}
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, Enum):
            out[key] = value.value
        elif value is None or isinstance(value, (str, int, float, bool)):
            out[key] = value
        elif hasattr(value, "isoformat"):
            out[key] = value.isoformat()
    return out


def _state(status: Any) -> DeviceState:
    state = getattr(status, "device", DeviceState.UNKNOWN)
    return state if isinstance(state, DeviceState) else DeviceState.UNKNOWN


def assess(kind: str, status: Any) -> str | None:
    """The reason ``status`` of a ``kind`` device fails its self-test, ``None`` when fine."""
    state = _state(status)
    if kind == "printer":
        problem = getattr(status, "problem", None)
        if problem is not None:
            return str(getattr(problem, "value", problem))
        return None if state in (DeviceState.ONLINE, DeviceState.BUSY) else state.value
    if state not in (DeviceState.ONLINE, DeviceState.BUSY):
        return state.value
    if kind == "idcard":
        sam = getattr(status, "sam", None)
        if sam is not None and getattr(sam, "value", sam) not in ("ok", "unknown"):
            return f"sam_{getattr(sam, 'value', sam)}"
    if kind == "pinpad":
        master = getattr(status, "master_key", None)
        if master is not None and getattr(master, "value", master) == "missing":
            return "master_key_missing"
    return None  # a host that answers but has not signed this terminal in yet passes


def check_one(kind: str, probe: Prober, port: str | None) -> DeviceCheck:
    """Probe ``kind`` once and assess the answer."""
    started = time.perf_counter()
    try:
        completion = probe(kind)
    except Exception as exc:  # a worker that never answered, a driver that could not open
        elapsed = (time.perf_counter() - started) * 1000
        return DeviceCheck(kind, False, DeviceState.UNKNOWN.value, "no_answer",
                           f"{type(exc).__name__}: {exc}", None, port, round(elapsed, 1), {})
    elapsed = (time.perf_counter() - started) * 1000
    if not completion.ok:
        error = completion.error
        problem = str(getattr(error, "value", error)) if error is not None else (
            completion.code.value)
        return DeviceCheck(kind, False, DeviceState.UNKNOWN.value, problem,
                           f"{completion.code.value} {completion.detail}".strip(), None, port,
                           round(elapsed, 1), {})
    status = completion.data
    problem = assess(kind, status)
    version = getattr(status, "version", None) or None
    return DeviceCheck(kind, problem is None, _state(status).value, problem, "",
                       str(version) if version else None, port, round(elapsed, 1),
                       status_fields(status))


def run(kinds: Iterable[str], probe: Prober, ports: Mapping[str, str | None] | None = None,
        source: str = "app") -> SelftestReport:
    """Self-test each of ``kinds`` (in :data:`KINDS` order) with ``probe``."""
    started = time.perf_counter()
    wanted = set(kinds)
    order = [k for k in KINDS if k in wanted] + sorted(wanted - set(KINDS))
    checks = tuple(check_one(k, probe, (ports or {}).get(k)) for k in order)
    return SelftestReport(checks, round((time.perf_counter() - started) * 1000, 1), source)


def port_of(params: Mapping[str, Any]) -> str | None:
    """The address a device is configured on (``url``, ``reader`` …)."""
    for key in PORT_KEYS:
        if params.get(key):
            return str(params[key])
    return None


def through_workers(workers: Mapping[str, Any], ports: Mapping[str, str | None] | None = None,
                    timeout: float = 15.0) -> SelftestReport:
    """The app's self-test: each probe is queued on the device's own worker (never on the
    GUI thread: this blocks until every worker answered)."""

    def probe(kind: str) -> Completion[Any]:
        result: Completion[Any] = workers[kind].call(COMMANDS.get(kind, "probe"),
                                                     timeout=timeout)
        return result

    return run(workers.keys(), probe, ports, source="app")


def with_own_devices(config: Any, kinds: Iterable[str] = KINDS) -> SelftestReport:
    """The command line's self-test when no app holds the ports: each configured device is
    created, opened, probed and closed in turn; the host through a fresh client."""
    from devices.base import DeviceError, completion_from_exception, run_command
    from devices.registry import create_device

    ports: dict[str, str | None] = {}
    makers: dict[str, Callable[[], Any]] = {}
    for kind in kinds:
        if kind == "host":
            if not config.host.url:
                continue
            ports[kind] = config.host.url

            def make_host() -> Any:
                from kiosk.host.client import HostClient, HostSettings

                return HostClient(HostSettings.from_config(config, get_retries=0))

            makers[kind] = make_host
            continue
        device_config = config.devices.for_kind(kind)
        params = dict(device_config.params)
        ports[kind] = port_of(params)
        makers[kind] = (lambda k=kind, b=device_config.backend, p=params:
                        create_device(k, b, **p))

    def probe(kind: str) -> Completion[Any]:
        try:
            device = makers[kind]()
            device.open()
        except DeviceError as exc:  # unknown backend, port missing, host certificate missing
            return completion_from_exception(0, exc, kind, "open")
        try:
            return run_command(device, COMMANDS.get(kind, "probe"))
        finally:
            device.close()

    return run(makers.keys(), probe, ports, source="cli")


def report_text(report: SelftestReport, tr: Translator) -> str:
    """The technician's table for ``kiosk diag all selftest``: the same localized rows as
    the technician's screen (:func:`check_rows`), one line per device, then the total."""
    lines = []
    for r in check_rows(report, tr):
        mark = "\u2713" if r.ok else "\u00d7"
        version = "" if r.version == "-" else f" v{r.version}"
        lines.append(f"{mark} {r.name} {r.result} ({r.state}{version}, {r.elapsed} ms)"
                     + (f" {r.code}" if r.code else "") + (f" {r.detail}" if r.detail else ""))
    count, ms = len(report.checks), f"{report.total_ms:.0f}"
    lines.append((tr("staff.selftest.all_passed", count=count, ms=ms) if report.ok else
                  tr("staff.selftest.some_failed", failed=len(report.failed), count=count,
                     ms=ms)) + f" ({report.source})")
    return "\n".join(lines)


#: Problems that name a state rather than a device error: the error code a technician
#: looks up for them (the rest go through the error table, then DIAG-SELFTEST-FAILED).
PROBLEM_CODES = {
    ("pinpad", "master_key_missing"): "PIN-KEYS-MISSING",
    ("idcard", "sam_failed"): "IDC-SAM-SELFTEST",
    ("idcard", "sam_notAuthorised"): "IDC-SAM-UNAUTHORISED",
}
FALLBACK_CODE = "DIAG-SELFTEST-FAILED"


def error_code(check: DeviceCheck) -> str | None:
    """The error code of a failed check (``None`` when it passed): the device's own code
    for its problem (``PRN-PAPER-OUT``, ``PIN-KEYS-MISSING`` ...), else DIAG-SELFTEST-FAILED."""
    if check.ok:
        return None
    from devices.base import CompletionCode
    from kiosk.errors import error_table

    if (check.device, check.problem) in PROBLEM_CODES:
        return PROBLEM_CODES[(check.device, check.problem)]
    entry = error_table().match(check.device, check.problem, CompletionCode.DEVICE_NOT_READY)
    return entry.code if entry.error is not None else FALLBACK_CODE


@dataclass(frozen=True)
class CheckRow:
    """One device's self-test result as the technician's screen shows it (localized)."""

    device: str  # the kind, for code
    name: str  # 身份证阅读器 ...
    ok: bool
    result: str  # 正常 / 故障
    state: str  # 在线 / 离线 ...
    code: str  # error code, "" when it passed
    detail: str  # the code's staff text with the probe's detail, the port
    version: str
    elapsed: str  # milliseconds


def check_rows(report: SelftestReport, tr: Translator) -> list[CheckRow]:
    """The report's rows in the translator's language, in test order."""
    from kiosk.errors import error_info

    rows = []
    for c in report.checks:
        code = error_code(c) or ""
        parts = []
        if code:
            info = error_info(code, tr, detail=c.detail or c.problem or "",
                              device=c.device, error=c.problem or "")
            parts.append(info.staff.strip())
            if c.detail and c.detail not in info.staff:
                parts.append(c.detail)
        if c.port:
            parts.append(tr("staff.selftest.port", port=c.port))
        rows.append(CheckRow(
            c.device, tr(f"staff.device.{c.device}"), c.ok,
            tr("staff.selftest.passed" if c.ok else "staff.selftest.failed"),
            tr(f"staff.device_state.{c.state}"), code, " ".join(parts), c.version or "-",
            f"{c.elapsed_ms:.0f}"))
    return rows
