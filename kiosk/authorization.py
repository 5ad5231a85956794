"""Second-person authorisation: a step that needs a staff member's confirmation. Qt-free.

A journey (drawdown above the configured amount, change of repayment account, reprint of a
money receipt, resolving an unresolved transaction by hand) asks :class:`Authorizer`:

    need = AuthorizationNeed(AuthorizationAction.DRAWDOWN, customer_id, amount=Decimal(...))
    if authorizer.required(need):
        ticket = authorizer.request(need)          # GUI thread; NO_STAFF when nobody signed in
        ... the staff member types their own password on the staff keyboard ...
        result = authorizer.confirm(ticket, password, host_client)   # on the host worker
        # or authorizer.refuse(ticket) when the staff member says no
        if result.granted: host.drawdown(..., authorization_id=result.authorization_id)
        else: speak result.farmer_text_id to the farmer, end the step

``confirm`` checks the credential with the host at that moment (``POST /v1/staff/sign-in``
with the password just typed, counted by the same lockout as the staff sign-in) and records
the authorisation with both identities (``POST /v1/authorizations``: the staff id and the
farmer's customer id, or the transaction reference for a reprint). The signed-in staff member
is the one who authorises; if they are signed out while the ticket is open (idle, day end,
sign-out) the ticket is void and the step cannot continue. Every request, grant, refusal and
void is in the audit log; the password is never written anywhere.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol

from kiosk.staff import (
    STAFF_ROLES,
    RefusalReason,
    SignInRefused,
    SignOutReason,
    StaffMember,
    StaffService,
    host_error_code,
)

log = logging.getLogger(__name__)


class AuthorizationAction(StrEnum):
    """What is authorised (the host's ``action``)."""

    DRAWDOWN = "drawdown"
    REPAYMENT_ACCOUNT_CHANGE = "repayment_account_change"
    RECEIPT_REPRINT = "receipt_reprint"
    TRANSACTION_RESOLVE = "transaction_resolve"
    LINE_SIGN = "line_sign"
    REPAYMENT = "repayment"


#: Actions that need no customer id: their ``reference`` names the transaction.
REFERENCE_ACTIONS = frozenset({AuthorizationAction.RECEIPT_REPRINT,
                               AuthorizationAction.TRANSACTION_RESOLVE})


class Outcome(StrEnum):
    GRANTED = "granted"
    REFUSED = "refused"  # the staff member said no, or the host refused to record it
    WRONG_CREDENTIAL = "wrong_credential"  # the password was wrong: the ticket stays open
    LOCKED = "locked"  # too many wrong passwords: the sign-in lockout
    STAFF_SIGNED_OUT = "staff_signed_out"  # signed out while the ticket was open
    NO_STAFF = "no_staff"  # nobody signed in who may authorise
    HOST_ERROR = "host_error"  # the host could not be asked


#: Message ids (staff.po) of what the farmer hears and sees for each outcome that ends the
#: step; the staff screen shows ``error_code`` beside it.
FARMER_TEXT = {
    Outcome.REFUSED: "staff.auth.farmer.refused",
    Outcome.LOCKED: "staff.auth.farmer.refused",
    Outcome.STAFF_SIGNED_OUT: "staff.auth.farmer.staff_gone",
    Outcome.NO_STAFF: "staff.auth.farmer.no_staff",
    Outcome.HOST_ERROR: "staff.auth.farmer.host_error",
}


@dataclass(frozen=True)
class AuthorizationNeed:
    """What the journey wants authorised. ``customer_id`` is the host's id of the farmer
    (not personal data); ``reference`` the transaction (idempotency key or serial)."""

    action: AuthorizationAction
    customer_id: str | None = None
    amount: Decimal | None = None
    reference: str | None = None

    def __post_init__(self) -> None:
        if self.customer_id is None and self.action not in REFERENCE_ACTIONS:
            raise ValueError(f"{self.action.value} needs the customer id")
        if self.customer_id is None and not self.reference:
            raise ValueError(f"{self.action.value} needs a reference")

    def audit_detail(self) -> dict[str, Any]:
        return {"action": self.action.value, "customer_id": self.customer_id,
                "amount": None if self.amount is None else f"{self.amount:.2f}",
                "reference": self.reference}


@dataclass(frozen=True)
class AuthorizationResult:
    """How a ticket ended (or, for ``WRONG_CREDENTIAL``, how one try went)."""

    outcome: Outcome
    ticket_id: int
    authorization_id: str | None = None
    staff_id: str | None = None
    error_code: str | None = None  # STAFF-* / HOST-* for the staff screen
    tries_left: int | None = None

    @property
    def granted(self) -> bool:
        return self.outcome is Outcome.GRANTED

    @property
    def final(self) -> bool:
        """False only for a wrong password with tries left: ask again."""
        return self.outcome is not Outcome.WRONG_CREDENTIAL

    @property
    def farmer_text_id(self) -> str | None:
        return FARMER_TEXT.get(self.outcome)


@dataclass
class AuthorizationTicket:
    """One open request for a staff member's confirmation."""

    ticket_id: int
    need: AuthorizationNeed
    staff: StaffMember | None
    result: AuthorizationResult | None = None

    @property
    def open(self) -> bool:
        return self.result is None


class AuthorizationHost(Protocol):
    """What :meth:`Authorizer.confirm` needs of the host client."""

    def staff_sign_in(self, staff_id: str, password: str) -> Any: ...

    def authorize(self, staff_id: str, session_token: str, customer_id: str | None,
                  action: str, amount: Decimal | str | None = None,
                  reference: str | None = None) -> Any: ...


_ticket_ids = itertools.count(1)


class Authorizer:
    """Asks the signed-in staff member for a second-person authorisation and records it.

    ``drawdown_threshold``: a drawdown above it needs one (``[limits]
    supervised_drawdown_amount``); the other actions always do.
    """

    def __init__(self, staff: StaffService, drawdown_threshold: Decimal) -> None:
        self.staff = staff
        self.drawdown_threshold = drawdown_threshold
        self._open: dict[int, AuthorizationTicket] = {}
        self.listeners: list[Callable[[AuthorizationTicket], None]] = []
        staff.signed_out_listeners.append(self._on_signed_out)

    def required(self, need: AuthorizationNeed) -> bool:
        """Whether the step needs a staff member's confirmation."""
        if need.action is AuthorizationAction.DRAWDOWN:
            return need.amount is not None and need.amount > self.drawdown_threshold
        return need.action is not AuthorizationAction.REPAYMENT

    def request(self, need: AuthorizationNeed) -> AuthorizationTicket:
        """Open a ticket for ``need``. With nobody signed in who may authorise, the ticket is
        already closed with ``NO_STAFF`` (the step cannot continue)."""
        member = self.staff.current
        ticket = AuthorizationTicket(next(_ticket_ids), need, member)
        detail = {"ticket": ticket.ticket_id, **need.audit_detail()}
        if member is None or member.role not in STAFF_ROLES:
            self.staff.audit.append("kiosk", "authorization.no_staff", detail)
            ticket.result = AuthorizationResult(Outcome.NO_STAFF, ticket.ticket_id,
                                                error_code="STAFF-NOT-SIGNED-IN")
            return ticket
        self.staff.record("authorization.requested", detail)
        self._open[ticket.ticket_id] = ticket
        return ticket

    def _close(self, ticket: AuthorizationTicket, result: AuthorizationResult,
               action: str, detail: dict[str, Any] | None = None) -> AuthorizationResult:
        ticket.result = result
        self._open.pop(ticket.ticket_id, None)
        actor = ticket.staff.actor if ticket.staff is not None else "kiosk"
        self.staff.audit.append(actor, action, {
            "ticket": ticket.ticket_id, **ticket.need.audit_detail(),
            "outcome": result.outcome.value, **(detail or {})})
        for fn in list(self.listeners):
            fn(ticket)
        return result

    def _still_signed_in(self, ticket: AuthorizationTicket) -> bool:
        current = self.staff.current
        return (ticket.staff is not None and current is not None
                and current.staff_id == ticket.staff.staff_id
                and current.session_token == ticket.staff.session_token)

    def confirm(self, ticket: AuthorizationTicket, password: str,
                host: AuthorizationHost) -> AuthorizationResult:
        """The staff member confirms with their own ``password``: blocking (host calls), run
        it on the thread that owns the host client. A wrong password leaves the ticket open
        (``WRONG_CREDENTIAL`` with ``tries_left``) until the lockout closes it."""
        if ticket.result is not None:
            return ticket.result
        if not self._still_signed_in(ticket):
            return self._close(ticket, AuthorizationResult(
                Outcome.STAFF_SIGNED_OUT, ticket.ticket_id, error_code="STAFF-SIGNED-OUT"),
                "authorization.void")
        assert ticket.staff is not None
        staff_id = ticket.staff.staff_id
        try:
            fresh = self.staff.check_credential(host, staff_id, password)
        except SignInRefused as refused:
            if refused.reason is RefusalReason.WRONG_CREDENTIALS:
                result = AuthorizationResult(Outcome.WRONG_CREDENTIAL, ticket.ticket_id,
                                             staff_id=staff_id, error_code=refused.error_code,
                                             tries_left=refused.tries_left)
                self.staff.audit.append(ticket.staff.actor, "authorization.wrong_credential",
                                        {"ticket": ticket.ticket_id,
                                         "tries_left": refused.tries_left})
                return result
            outcome = (Outcome.LOCKED if refused.reason is RefusalReason.LOCKED
                       else Outcome.HOST_ERROR)
            return self._close(ticket, AuthorizationResult(
                outcome, ticket.ticket_id, staff_id=staff_id, error_code=refused.error_code),
                "authorization.refused", {"by": "kiosk", "code": refused.detail})
        if ticket.result is not None:  # voided (signed out) while the host checked
            return ticket.result
        try:
            answer = host.authorize(staff_id, fresh.session_token, ticket.need.customer_id,
                                    ticket.need.action.value, ticket.need.amount,
                                    ticket.need.reference)
        except Exception as exc:
            code = host_error_code(exc)
            from kiosk.host.errors import HostCallError

            outcome = (Outcome.REFUSED if isinstance(exc, HostCallError)
                       and exc.info.http_status is not None and exc.info.http_status < 500
                       else Outcome.HOST_ERROR)
            return self._close(ticket, AuthorizationResult(
                outcome, ticket.ticket_id, staff_id=staff_id, error_code=code),
                "authorization.refused", {"by": "host", "code": code})
        if ticket.result is not None or not self._still_signed_in(ticket):
            # Signed out while the host was recording it: the record exists at the host but
            # is never used (an authorisation id is single-use and stays with this ticket).
            self.staff.audit.append(ticket.staff.actor, "authorization.unused",
                                    {"ticket": ticket.ticket_id,
                                     "authorization_id": answer.authorization_id})
            if ticket.result is not None:
                return ticket.result
            return self._close(ticket, AuthorizationResult(
                Outcome.STAFF_SIGNED_OUT, ticket.ticket_id, None, staff_id,
                "STAFF-SIGNED-OUT"), "authorization.void")
        self.staff.touch()
        return self._close(ticket, AuthorizationResult(
            Outcome.GRANTED, ticket.ticket_id, answer.authorization_id, staff_id),
            "authorization.granted", {"authorization_id": answer.authorization_id})

    def refuse(self, ticket: AuthorizationTicket) -> AuthorizationResult:
        """The staff member says no: the step cannot continue."""
        if ticket.result is not None:
            return ticket.result
        staff_id = ticket.staff.staff_id if ticket.staff is not None else None
        return self._close(ticket, AuthorizationResult(
            Outcome.REFUSED, ticket.ticket_id, staff_id=staff_id,
            error_code="STAFF-AUTH-REFUSED"), "authorization.refused", {"by": "staff"})

    def _on_signed_out(self, member: StaffMember, reason: SignOutReason) -> None:
        for ticket in list(self._open.values()):
            if ticket.staff is not None and ticket.staff.staff_id == member.staff_id:
                self._close(ticket, AuthorizationResult(
                    Outcome.STAFF_SIGNED_OUT, ticket.ticket_id, staff_id=member.staff_id,
                    error_code="STAFF-SIGNED-OUT"), "authorization.void",
                    {"reason": reason.value})
