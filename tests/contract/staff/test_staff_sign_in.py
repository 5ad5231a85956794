"""Staff and technician sign-in: credentials checked by the host, lockout, sign-out rules,
everything audited, no password anywhere on disk."""

from __future__ import annotations

import json

import pytest

from kiosk.audit import check
from kiosk.host import HostClient
from kiosk.staff import (
    STAFF_ROLES,
    TECHNICIAN_ROLES,
    RefusalReason,
    SignInRefused,
    SignOutReason,
    StaffRole,
)
from tests.contract.staff.conftest import audit_actions, make_service


def test_an_assistant_signs_in_and_out_and_both_are_audited(staff, client):
    seen: list[object] = []
    staff.signed_out_listeners.append(lambda m, r: seen.append((m.staff_id, r)))
    member = staff.sign_in(client, "S1001", "246810")
    assert member.role is StaffRole.ASSISTANT and member.masked_name == "孙*"
    assert member.actor == "staff:S1001" and staff.current == member
    assert "246810" not in repr(member) and member.session_token not in repr(member)
    staff.sign_out()
    assert staff.current is None and seen == [("S1001", SignOutReason.MANUAL)]
    assert audit_actions(staff) == ["staff.sign_in", "staff.sign_out"]
    assert check(staff.audit.path).ok


def test_wrong_passwords_lock_the_sign_in_and_a_restart_keeps_the_lock(staff, client, clocks,
                                                                      state_dir):
    tries = []
    for _ in range(2):
        with pytest.raises(SignInRefused) as caught:
            staff.sign_in(client, "S1001", "wrong-Pass-1")
        tries.append((caught.value.reason, caught.value.tries_left))
    assert tries == [(RefusalReason.WRONG_CREDENTIALS, 2), (RefusalReason.WRONG_CREDENTIALS, 1)]
    with pytest.raises(SignInRefused) as caught:
        staff.sign_in(client, "S1002", "wrong-Pass-2")  # failures count per terminal, any staff id
    assert caught.value.reason is RefusalReason.LOCKED
    assert caught.value.locked_seconds == 120.0
    # locked: even the right password is not sent to the host
    with pytest.raises(SignInRefused) as caught:
        staff.sign_in(client, "S1001", "246810")
    assert caught.value.reason is RefusalReason.LOCKED and staff.current is None
    restarted = make_service(state_dir, clocks)
    clocks.advance(60)
    assert restarted.lockout_remaining() == pytest.approx(60.0)
    with pytest.raises(SignInRefused):
        restarted.sign_in(client, "S1001", "246810")
    clocks.advance(61)
    assert restarted.sign_in(client, "S1001", "246810").staff_id == "S1001"
    assert restarted.tries_left == 3
    actions = audit_actions(restarted)
    assert actions.count("staff.sign_in.failed") == 3
    assert actions.count("staff.lockout") == 1
    assert actions.count("staff.sign_in.locked_attempt") == 2
    assert "staff.lockout.ended" in actions and actions[-1] == "staff.sign_in"
    # nothing on disk holds a password
    for path in state_dir.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            assert "246810" not in text and "wrong-Pass-1" not in text, path


def test_a_right_password_resets_the_failure_count(staff, client):
    with pytest.raises(SignInRefused):
        staff.sign_in(client, "S1001", "wrong-Pass-1")
    assert staff.tries_left == 2
    staff.sign_in(client, "S1001", "246810")
    assert staff.tries_left == 3


def test_a_technician_cannot_enter_staff_mode_and_staff_cannot_enter_technician_mode(
        staff, client):
    with pytest.raises(SignInRefused) as caught:
        staff.sign_in(client, "T3001", "314159", roles=STAFF_ROLES)
    assert caught.value.reason is RefusalReason.ROLE and staff.current is None
    with pytest.raises(SignInRefused) as caught:
        staff.sign_in(client, "S1001", "246810", roles=TECHNICIAN_ROLES)
    assert caught.value.reason is RefusalReason.ROLE
    tech = staff.sign_in(client, "T3001", "314159", roles=TECHNICIAN_ROLES)
    assert tech.is_technician and tech.actor == "technician:T3001"
    assert staff.tries_left == 3  # a known person in the wrong mode is not a failure


def test_idle_staff_are_signed_out_and_activity_keeps_them_in(staff, client, clocks):
    reasons: list[SignOutReason] = []
    staff.signed_out_listeners.append(lambda m, r: reasons.append(r))
    staff.sign_in(client, "S1001", "246810")
    clocks.advance(200)
    staff.touch()
    clocks.advance(200)
    assert staff.tick() is None and staff.current is not None
    clocks.advance(101)
    assert staff.tick() is SignOutReason.IDLE and staff.current is None
    assert reasons == [SignOutReason.IDLE]
    record = json.loads(staff.audit.path.read_text(encoding="utf-8").splitlines()[-1])
    assert record["action"] == "staff.sign_out" and record["detail"]["reason"] == "idle"


def test_staff_are_signed_out_at_day_end(staff, client, clocks):
    clocks.local = clocks.local.replace(hour=17, minute=58)
    staff.sign_in(client, "S1001", "246810")
    clocks.advance(60)
    staff.touch()
    assert staff.tick() is None
    clocks.advance(61)
    staff.touch()
    assert staff.tick() is SignOutReason.DAY_END and staff.current is None


def test_a_sign_in_after_day_end_lasts_until_the_next_day_end(staff, client, clocks):
    clocks.local = clocks.local.replace(hour=19)
    staff.sign_in(client, "S1001", "246810")
    clocks.advance(240)
    staff.touch()
    assert staff.tick() is None and staff.current is not None


def test_another_sign_in_replaces_the_person_signed_in(staff, client):
    staff.sign_in(client, "S1001", "246810")
    staff.sign_in(client, "O2001", "112358")
    assert staff.current.staff_id == "O2001" and staff.current.role is StaffRole.OFFICER
    assert audit_actions(staff) == ["staff.sign_in", "staff.sign_out", "staff.sign_in"]


def test_an_unreachable_host_refuses_without_counting_a_failure(staff, host, tmp_path):
    dead = HostClient(host.settings(url="https://127.0.0.1:9", connect_timeout=1.0))
    with pytest.raises(SignInRefused) as caught:
        staff.sign_in(dead, "S1001", "246810")
    assert caught.value.reason is RefusalReason.HOST
    assert caught.value.detail == "HOST-CONNECTION" and staff.tries_left == 3
    assert audit_actions(staff) == ["staff.sign_in.host_error"]
