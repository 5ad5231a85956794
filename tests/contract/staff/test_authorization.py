"""Second-person authorisation against the real host: granted, refused (by the staff member,
by the host), wrong credential then right, staff signed out before and mid-way, nobody to ask.
The host's own record (``/sim/ledger``) holds both identities."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kiosk.audit import check
from kiosk.authorization import (
    AuthorizationAction,
    AuthorizationNeed,
    Authorizer,
    Outcome,
)
from kiosk.staff import TECHNICIAN_ROLES, SignOutReason
from tests.contract.staff.conftest import audit_actions

REPRINT = AuthorizationNeed(AuthorizationAction.RECEIPT_REPRINT,
                            reference="ZN610425001-20260316000101")


@pytest.fixture()
def authorizer(staff) -> Authorizer:
    return Authorizer(staff, Decimal("50000.00"))


def host_record(host, authorization_id: str) -> dict:
    records = host.sim("GET", "/sim/ledger")["authorizations"]
    return next(r for r in records if r["authorization_id"] == authorization_id)


def test_what_needs_an_authorisation(authorizer):
    def need(action, amount=None):
        return AuthorizationNeed(action, "C0001", None if amount is None else Decimal(amount))

    assert not authorizer.required(need(AuthorizationAction.DRAWDOWN, "50000.00"))
    assert authorizer.required(need(AuthorizationAction.DRAWDOWN, "50000.01"))
    assert authorizer.required(need(AuthorizationAction.REPAYMENT_ACCOUNT_CHANGE))
    assert authorizer.required(REPRINT)
    assert authorizer.required(AuthorizationNeed(AuthorizationAction.TRANSACTION_RESOLVE,
                                                 reference="ZN610425001-x"))
    with pytest.raises(ValueError):
        AuthorizationNeed(AuthorizationAction.DRAWDOWN)  # a money step names its farmer


def test_a_reprint_authorised_by_the_signed_in_staff_is_recorded_by_the_host(
        host, client, staff, authorizer):
    staff.sign_in(client, "S1001", "246810")
    ticket = authorizer.request(REPRINT)
    assert ticket.open and ticket.staff.staff_id == "S1001"
    result = authorizer.confirm(ticket, "246810", client)
    assert result.granted and result.staff_id == "S1001" and result.final
    assert result.farmer_text_id is None
    record = host_record(host, result.authorization_id)
    assert record["staff_id"] == "S1001" and record["action"] == "receipt_reprint"
    assert record["reference"] == REPRINT.reference and record["terminal_id"] == "ZN610425001"
    assert audit_actions(staff)[-2:] == ["authorization.requested", "authorization.granted"]
    assert check(staff.audit.path).ok


def test_a_drawdown_authorisation_carries_both_identities_and_the_amount(
        host, client, staff, authorizer):
    staff.sign_in(client, "O2001", "112358")
    need = AuthorizationNeed(AuthorizationAction.DRAWDOWN, "C0001", Decimal("60000.00"))
    result = authorizer.confirm(authorizer.request(need), "112358", client)
    assert result.granted
    record = host_record(host, result.authorization_id)
    assert (record["staff_id"], record["customer_id"], record["amount"]) == (
        "O2001", "C0001", "60000.00")


def test_the_staff_member_refuses_and_the_farmer_is_told_in_plain_words(
        client, staff, authorizer):
    staff.sign_in(client, "S1001", "246810")
    ticket = authorizer.request(REPRINT)
    result = authorizer.refuse(ticket)
    assert result.outcome is Outcome.REFUSED and not result.granted
    assert result.farmer_text_id == "staff.auth.farmer.refused"
    assert authorizer.confirm(ticket, "246810", client) is result  # closed for good
    assert audit_actions(staff)[-1] == "authorization.refused"


def test_the_host_refusing_to_record_it_ends_the_step(client, staff, authorizer):
    staff.sign_in(client, "S1001", "246810")
    unknown = AuthorizationNeed(AuthorizationAction.REPAYMENT_ACCOUNT_CHANGE, "C9999")
    result = authorizer.confirm(authorizer.request(unknown), "246810", client)
    assert result.outcome is Outcome.REFUSED and result.error_code == "HOST-CUSTOMER-NOT-FOUND"


def test_a_wrong_password_keeps_the_ticket_open_until_the_lockout(client, staff, authorizer):
    staff.sign_in(client, "S1001", "246810")
    ticket = authorizer.request(REPRINT)
    first = authorizer.confirm(ticket, "wrong-Pass-1", client)
    assert first.outcome is Outcome.WRONG_CREDENTIAL and not first.final
    assert first.tries_left == 2 and ticket.open
    assert authorizer.confirm(ticket, "246810", client).granted
    # three wrong in a row lock the sign-in, which closes the ticket
    ticket = authorizer.request(REPRINT)
    outcomes = [authorizer.confirm(ticket, "wrong-Pass-1", client).outcome for _ in range(3)]
    assert outcomes == [Outcome.WRONG_CREDENTIAL, Outcome.WRONG_CREDENTIAL, Outcome.LOCKED]
    assert not ticket.open and ticket.result.farmer_text_id == "staff.auth.farmer.refused"


def test_staff_signed_out_before_confirming_voids_the_ticket(client, staff, authorizer):
    staff.sign_in(client, "S1001", "246810")
    ticket = authorizer.request(REPRINT)
    closed: list[object] = []
    authorizer.listeners.append(closed.append)
    staff.sign_out(SignOutReason.IDLE)
    assert not ticket.open and ticket.result.outcome is Outcome.STAFF_SIGNED_OUT
    assert closed == [ticket]
    assert ticket.result.farmer_text_id == "staff.auth.farmer.staff_gone"
    assert authorizer.confirm(ticket, "246810", client).outcome is Outcome.STAFF_SIGNED_OUT


class SignsOutWhileRecording:
    """The real host client; the staff member is signed out (idle timer, day end) while the
    host records the authorisation."""

    def __init__(self, client, staff) -> None:
        self.client, self.staff = client, staff

    def staff_sign_in(self, staff_id, password):
        return self.client.staff_sign_in(staff_id, password)

    def authorize(self, *args, **kwargs):
        answer = self.client.authorize(*args, **kwargs)
        self.staff.sign_out(SignOutReason.DAY_END)
        return answer


def test_staff_signed_out_mid_way_cannot_continue(host, client, staff, authorizer):
    staff.sign_in(client, "S1001", "246810")
    ticket = authorizer.request(REPRINT)
    result = authorizer.confirm(ticket, "246810", SignsOutWhileRecording(client, staff))
    assert result.outcome is Outcome.STAFF_SIGNED_OUT and not result.granted
    assert result.authorization_id is None  # the host's record is never used
    actions = audit_actions(staff)
    assert "authorization.unused" in actions and "authorization.granted" not in actions


def test_nobody_to_ask_ends_the_step_at_once(client, staff, authorizer):
    assert authorizer.request(REPRINT).result.outcome is Outcome.NO_STAFF
    staff.sign_in(client, "T3001", "314159", roles=TECHNICIAN_ROLES)
    result = authorizer.request(REPRINT).result
    assert result.outcome is Outcome.NO_STAFF  # a technician may not authorise
    assert result.farmer_text_id == "staff.auth.farmer.no_staff"
    assert audit_actions(staff).count("authorization.no_staff") == 2
