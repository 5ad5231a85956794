"""Who is signed in beside the farmer (staff) or at the terminal (technician). Qt-free.

:class:`StaffService` keeps the one person signed in at this terminal, checks credentials
through the bank host (``POST /v1/staff/sign-in``), locks the sign-in after repeated failures
(count and time from ``[staff]``, kept in the state directory so a restart does not reset it),
signs out on request, after an idle time and at day end, and writes every step to the audit
log (:mod:`kiosk.audit`). Passwords and session tokens are never written anywhere.

Threading: the host call is the only slow step. The GUI does ``begin_sign_in`` (lockout
check, on the GUI thread), runs the host call on the host worker, and hands the answer or the
error to ``finish_sign_in`` on the GUI thread; :meth:`StaffService.sign_in` does all three in
one blocking call for the command line and tests.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from pathlib import Path
from typing import Any, NoReturn, Protocol

from devices.atomicfile import write_json_atomic
from kiosk.audit import AuditLog
from kiosk.masking import mask_name

log = logging.getLogger(__name__)

LOCKOUT_FILE = Path("staff") / "lockout.json"  # relative to the state directory


class StaffRole(StrEnum):
    """Roles the host gives a staff member (``StaffSignInResponse.role``)."""

    ASSISTANT = "assistant"  # 协理员
    OFFICER = "officer"  # 客户经理 / 信贷员
    TECHNICIAN = "technician"  # 技术员: diagnostics mode only


#: Who may enter staff mode (supervise, staff functions, authorise) and technician mode.
STAFF_ROLES = frozenset({StaffRole.ASSISTANT, StaffRole.OFFICER})
TECHNICIAN_ROLES = frozenset({StaffRole.TECHNICIAN})


class SignOutReason(StrEnum):
    MANUAL = "manual"
    IDLE = "idle"
    DAY_END = "day_end"
    REPLACED = "replaced"  # another person signed in
    SHUTDOWN = "shutdown"


class RefusalReason(StrEnum):
    LOCKED = "locked"  # too many failures: wait
    WRONG_CREDENTIALS = "wrong_credentials"
    ROLE = "role"  # the host knows the person, but not for this mode
    HOST = "host"  # the host could not be asked (offline, TLS, ...): not counted


class SignInRefused(Exception):
    """Sign-in did not succeed. ``error_code`` is the staff-facing code (``STAFF-*``, see
    ``kiosk/error_codes/staff.yaml``); ``locked_seconds`` how long the lockout still lasts;
    ``tries_left`` before the lockout."""

    def __init__(self, reason: RefusalReason, error_code: str, detail: str = "",
                 locked_seconds: float = 0.0, tries_left: int | None = None) -> None:
        super().__init__(f"{error_code}: {detail}" if detail else error_code)
        self.reason = reason
        self.error_code = error_code
        self.detail = detail
        self.locked_seconds = locked_seconds
        self.tries_left = tries_left


@dataclass(frozen=True)
class StaffSettings:
    """``[staff]`` of kiosk.toml."""

    max_failures: int = 5
    lockout_seconds: float = 300.0
    idle_sign_out_seconds: float = 600.0
    day_end: dt.time | None = dt.time(18, 0)

    @classmethod
    def from_config(cls, config: Any) -> StaffSettings:
        section = getattr(config, "staff", None)
        if section is None:
            return cls()
        return cls(section.max_failures, float(section.lockout_seconds),
                   float(section.idle_sign_out_seconds), section.day_end)


@dataclass(frozen=True)
class StaffMember:
    """The person signed in. ``session_token`` is the host's, never shown, logged or
    audited; ``actor`` is how the audit log names them (``staff:S1001``)."""

    staff_id: str
    name: str
    role: StaffRole
    session_token: str = field(repr=False)
    signed_in_at: dt.datetime
    acct_date: dt.date | None = None

    @property
    def masked_name(self) -> str:
        """As the status strip shows it (孙*, 周*明): masked like a farmer's name."""
        return mask_name(self.name)

    @property
    def is_technician(self) -> bool:
        return self.role is StaffRole.TECHNICIAN

    @property
    def actor(self) -> str:
        return f"{'technician' if self.is_technician else 'staff'}:{self.staff_id}"


class StaffHost(Protocol):
    """What the service needs of the host client (:class:`kiosk.host.client.HostClient`)."""

    def staff_sign_in(self, staff_id: str, password: str) -> Any: ...


SignInListener = Callable[[StaffMember], None]
SignOutListener = Callable[[StaffMember, SignOutReason], None]


def _host_code(error: BaseException | Enum) -> Any:
    """The :class:`~kiosk.host.errors.HostErrorCode` of a failed host call: from the
    exception (a direct call) or as a worker's completion carries it (``completion.error``)."""
    from kiosk.host.errors import HostCallError, HostErrorCode

    if isinstance(error, HostCallError):
        return error.host_code
    return error if isinstance(error, HostErrorCode) else HostErrorCode.CONNECTION


def _is_auth_failure(error: BaseException | Enum) -> bool:
    from kiosk.host.errors import HostErrorCode

    return bool(_host_code(error) is HostErrorCode.STAFF_AUTH_FAILED)


def host_error_code(error: BaseException | Enum) -> str:
    """The unified code of a failed host call (``HOST-…``), for the staff screen."""
    return str(_host_code(error).code)


class StaffService:
    """The person signed in at this terminal, the lockout, sign-out rules, and their audit.

    ``wall`` (seconds since the epoch) times the lockout, which survives a restart;
    ``monotonic`` times the idle sign-out; ``now`` (local time) finds the day end.
    """

    def __init__(self, audit: AuditLog, settings: StaffSettings | None = None,
                 state_dir: Path | None = None, *,
                 wall: Callable[[], float] = time.time,
                 monotonic: Callable[[], float] = time.monotonic,
                 now: Callable[[], dt.datetime] = dt.datetime.now) -> None:
        self.audit = audit
        self.settings = settings or StaffSettings()
        self._lockout_path = None if state_dir is None else Path(state_dir) / LOCKOUT_FILE
        self._wall = wall
        self._monotonic = monotonic
        self._now = now
        self.current: StaffMember | None = None
        self._last_activity = 0.0
        self._day_end_at: dt.datetime | None = None
        self._failures, self._locked_until = self._load_lockout()
        self.signed_in_listeners: list[SignInListener] = []
        self.signed_out_listeners: list[SignOutListener] = []

    # --- lockout --------------------------------------------------------------------------

    def _load_lockout(self) -> tuple[int, float]:
        if self._lockout_path is None:
            return 0, 0.0
        try:
            data = json.loads(self._lockout_path.read_text(encoding="utf-8"))
            return int(data["failures"]), float(data["locked_until"])
        except FileNotFoundError:
            return 0, 0.0
        except (OSError, ValueError, KeyError, TypeError) as exc:
            # An unreadable lockout file must not open the door: count it as a lockout.
            log.error("staff lockout file unreadable (%s): sign-in locked", exc)
            return self.settings.max_failures, self._wall() + self.settings.lockout_seconds

    def _save_lockout(self) -> None:
        if self._lockout_path is None:
            return
        self._lockout_path.parent.mkdir(parents=True, exist_ok=True)
        write_json_atomic(self._lockout_path, {"failures": self._failures,
                                               "locked_until": self._locked_until})

    def lockout_remaining(self) -> float:
        """Seconds until sign-in is possible again (0: not locked)."""
        remaining = self._locked_until - self._wall()
        if remaining <= 0 and self._locked_until:
            self._locked_until, self._failures = 0.0, 0  # the lockout ran out: a fresh count
            self._save_lockout()
            self.audit.append("kiosk", "staff.lockout.ended", {})
            return 0.0
        return max(0.0, remaining)

    @property
    def tries_left(self) -> int:
        return max(0, self.settings.max_failures - self._failures)

    # --- sign-in ---------------------------------------------------------------------------

    def begin_sign_in(self, staff_id: str) -> None:
        """Raise :class:`SignInRefused` (``LOCKED``) while the sign-in is locked; the GUI calls
        this before it sends the credentials to the host."""
        remaining = self.lockout_remaining()
        if remaining > 0:
            self.audit.append("kiosk", "staff.sign_in.locked_attempt",
                              {"staff_id": staff_id, "locked_seconds": round(remaining)})
            raise SignInRefused(RefusalReason.LOCKED, "STAFF-LOCKED",
                                f"locked for {remaining:.0f} s", locked_seconds=remaining,
                                tries_left=0)

    def finish_sign_in(self, staff_id: str, answer: Any = None,
                       error: BaseException | Enum | None = None,
                       roles: Collection[StaffRole] = STAFF_ROLES) -> StaffMember:
        """Take the host's ``answer`` (a ``StaffSignInResponse``) or ``error`` (the exception,
        or the ``HostErrorCode`` of a worker's completion) of the sign-in of ``staff_id``;
        the person must hold one of ``roles``. Returns the signed-in member or raises
        :class:`SignInRefused`."""
        if error is not None:
            self._refuse(staff_id, error)
        self._credential_accepted()
        return self._adopt(answer, roles)

    def check_credential(self, host: StaffHost, staff_id: str, password: str) -> Any:
        """Blocking: the host checks ``staff_id``/``password`` now (lockout and failure count
        as for a sign-in) without changing who is signed in; returns the host's answer (with
        a fresh session token). Used by the authorisation of a step."""
        self.begin_sign_in(staff_id)
        try:
            answer = host.staff_sign_in(staff_id, password)
        except Exception as exc:
            self._refuse(staff_id, exc)
        self._credential_accepted()
        return answer

    def sign_in(self, host: StaffHost, staff_id: str, password: str,
                roles: Collection[StaffRole] = STAFF_ROLES) -> StaffMember:
        """Blocking: lockout check, the host call, the result (command line, tests, or a
        worker thread). Raises :class:`SignInRefused`."""
        return self._adopt(self.check_credential(host, staff_id, password), roles)

    def _refuse(self, staff_id: str, error: BaseException | Enum) -> NoReturn:
        if _is_auth_failure(error):
            self._failed(staff_id)
        code = host_error_code(error)
        self.audit.append("kiosk", "staff.sign_in.host_error",
                          {"staff_id": staff_id, "code": code})
        raise SignInRefused(RefusalReason.HOST, "STAFF-HOST", code)

    def _credential_accepted(self) -> None:
        if self._failures:
            self._failures = 0
            self._save_lockout()

    def _adopt(self, answer: Any, roles: Collection[StaffRole]) -> StaffMember:
        role = StaffRole(answer.role)
        if role not in roles:
            self.audit.append("kiosk", "staff.sign_in.wrong_role",
                              {"staff_id": answer.staff_id, "role": role.value,
                               "wanted": sorted(r.value for r in roles)})
            raise SignInRefused(RefusalReason.ROLE, "STAFF-ROLE", role.value)
        if self.current is not None:
            self.sign_out(SignOutReason.REPLACED)
        member = StaffMember(answer.staff_id, answer.name, role, answer.session_token,
                             self._now(), _date(getattr(answer, "acct_date", None)))
        self.current = member
        self._last_activity = self._monotonic()
        self._day_end_at = self._next_day_end(member.signed_in_at)
        self.audit.append(member.actor, "staff.sign_in",
                          {"staff_id": member.staff_id, "role": role.value})
        for fn in list(self.signed_in_listeners):
            fn(member)
        return member

    def _failed(self, staff_id: str) -> NoReturn:
        self._failures += 1
        detail: dict[str, Any] = {"staff_id": staff_id, "failures": self._failures}
        self.audit.append("kiosk", "staff.sign_in.failed", detail)
        if self._failures >= self.settings.max_failures:
            self._locked_until = self._wall() + self.settings.lockout_seconds
            self.audit.append("kiosk", "staff.lockout",
                              {"failures": self._failures,
                               "seconds": self.settings.lockout_seconds})
            self._save_lockout()
            raise SignInRefused(RefusalReason.LOCKED, "STAFF-LOCKED",
                                f"{self._failures} failures",
                                locked_seconds=self.settings.lockout_seconds, tries_left=0)
        self._save_lockout()
        raise SignInRefused(RefusalReason.WRONG_CREDENTIALS, "STAFF-WRONG-CREDENTIALS",
                            tries_left=self.tries_left)

    # --- activity, sign-out ---------------------------------------------------------------

    def touch(self) -> None:
        """The signed-in person did something: the idle time starts again."""
        self._last_activity = self._monotonic()

    def idle_seconds(self) -> float:
        return self._monotonic() - self._last_activity if self.current else 0.0

    def sign_out(self, reason: SignOutReason = SignOutReason.MANUAL) -> StaffMember | None:
        """Sign the current person out (nothing when nobody is signed in)."""
        member, self.current = self.current, None
        if member is None:
            return None
        minutes = (self._now() - member.signed_in_at).total_seconds() / 60
        self.audit.append(member.actor, "staff.sign_out",
                          {"staff_id": member.staff_id, "reason": reason.value,
                           "minutes": round(minutes, 1)})
        for fn in list(self.signed_out_listeners):
            fn(member, reason)
        return member

    def tick(self) -> SignOutReason | None:
        """Called periodically (a QTimer in the app): sign out after the idle time or at the
        day end. Returns the reason when it signed someone out."""
        if self.current is None:
            return None
        if self._day_end_at is not None and self._now() >= self._day_end_at:
            self.sign_out(SignOutReason.DAY_END)
            return SignOutReason.DAY_END
        if self.idle_seconds() >= self.settings.idle_sign_out_seconds:
            self.sign_out(SignOutReason.IDLE)
            return SignOutReason.IDLE
        return None

    def _next_day_end(self, at: dt.datetime) -> dt.datetime | None:
        if self.settings.day_end is None:
            return None
        boundary = dt.datetime.combine(at.date(), self.settings.day_end, at.tzinfo)
        return boundary if at < boundary else boundary + dt.timedelta(days=1)

    # --- actions ----------------------------------------------------------------------------

    def record(self, action: str, detail: dict[str, Any] | None = None) -> None:
        """Audit an action of the signed-in person (``actor`` from :attr:`current`); also
        counts as activity. Raises when the audit log cannot be written: an action the log
        does not know of must not happen."""
        actor = self.current.actor if self.current is not None else "kiosk"
        self.audit.append(actor, action, detail or {})
        self.touch()


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None
