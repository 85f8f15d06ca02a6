"""Staff accounts in the admin area and on the command line."""
from __future__ import annotations

import datetime as dt
import json
from html import unescape

import pytest
from sqlalchemy import select

from wizard.admin.models import AuditEntry, Staff, StaffSession

from .admin_helpers import STAFF_PASSWORD, AdminClient, make_staff, signed_in

NEW_PASSWORD = "lantern meadow copper violin"


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def staff_id(session, email: str) -> int:
    return session.scalar(select(Staff.id).where(Staff.email == email))


def audit(session, action: str) -> AuditEntry:
    return session.scalar(select(AuditEntry).where(AuditEntry.entity_type == "staff", AuditEntry.action == action)
                          .order_by(AuditEntry.id.desc()))


@pytest.fixture
def admin(app):
    return signed_in(app, "admin", "boss@example.com")


def test_list_shows_role_activity_and_lock(app, admin, session):
    make_staff(app, "ops@example.com", "operations")
    member = session.scalar(select(Staff).where(Staff.email == "ops@example.com"))
    member.locked_until = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(minutes=5)
    session.commit()
    page = text(admin.get("/admin/staff"))
    assert "2 staff accounts" in page and "boss@example.com" in page and "ops@example.com" in page
    assert "Locked until" in page and "Never" in page  # ops never signed in


def test_staff_pages_are_for_admins_only(app):
    operations = signed_in(app, "operations")
    assert operations.get("/admin/staff").status_code == 403
    assert operations.post("/admin/staff/new", {"email": "x@example.com", "role": "admin",
                                                "password": NEW_PASSWORD}).status_code == 403


def test_create_a_staff_member_who_can_then_sign_in(app, admin, session):
    response = admin.post("/admin/staff/new", {"email": "New.Person@Example.com", "role": "operations",
                                               "password": NEW_PASSWORD})
    assert response.status_code == 303
    assert "Created the operations account new.person@example.com" in text(admin.get(response.location))
    entry = audit(session, "create")
    assert entry.actor == "boss@example.com" and entry.after == {"email": "new.person@example.com",
                                                                 "role": "operations", "active": True}
    newcomer = AdminClient(app.test_client())
    assert newcomer.sign_in("new.person@example.com", NEW_PASSWORD).status_code == 303


@pytest.mark.parametrize("data, field, message", [
    ({"email": "boss@example.com"}, "email", "A staff account for boss@example.com already exists."),
    ({"email": "not-an-email"}, "email", "Enter the staff member's email address, like name@example.com."),
    ({"password": "passwordpassword"}, "password", "Choose a less common password."),
    ({"password": "short"}, "password", "at least 12 characters"),
    ({"role": "owner"}, "role", "Not a valid choice"),
    ({"role": ""}, "role", "Choose the staff member's role."),
])
def test_create_explains_what_is_wrong_by_the_field(app, admin, session, data, field, message):
    form = {"email": "new@example.com", "role": "marketing", "password": NEW_PASSWORD, **data}
    response = admin.post("/admin/staff/new", form)
    assert response.status_code == 422
    page = text(response)
    assert message in page and f'id="{field}-error"' in page
    assert session.scalar(select(Staff.id).where(Staff.email == "new@example.com")) is None


def test_role_change_is_audited_and_signs_them_out(app, admin, session):
    make_staff(app, "ann@example.com", "marketing")
    ann = AdminClient(app.test_client())
    ann.sign_in("ann@example.com")
    assert ann.get("/admin/plans").status_code == 200
    response = admin.post(f"/admin/staff/{staff_id(session, 'ann@example.com')}/role", {"role": "operations"})
    assert "ann@example.com now has the operations role" in text(admin.get(response.location))
    assert ann.get("/admin/plans").status_code == 302  # signed out: back to sign-in
    entry = audit(session, "change role")
    assert entry.before["role"] == "marketing" and entry.after["role"] == "operations"


def test_deactivated_staff_are_stopped_on_their_next_request(app, admin, session):
    make_staff(app, "ann@example.com", "operations")
    ann = AdminClient(app.test_client())
    ann.sign_in("ann@example.com")
    assert ann.get("/admin/enrollments").status_code == 200
    ann_id = staff_id(session, "ann@example.com")
    response = admin.post(f"/admin/staff/{ann_id}/deactivate")
    assert "ann@example.com is deactivated" in text(admin.get(response.location))
    stopped = ann.get("/admin/enrollments")
    assert stopped.status_code == 302 and stopped.location.startswith("/admin/login")
    assert session.scalar(select(StaffSession).where(StaffSession.staff_id == ann_id)) is None
    assert "do not match an active staff account" in text(ann.sign_in("ann@example.com"))
    admin.post(f"/admin/staff/{ann_id}/reactivate")
    assert ann.sign_in("ann@example.com").status_code == 303
    assert [audit(session, a).after["active"] for a in ("deactivate", "reactivate")] == [False, True]


def test_last_admin_is_protected(app, admin, session):
    me = staff_id(session, "boss@example.com")
    page = text(admin.get(f"/admin/staff/{me}"))
    assert "Deactivate account" not in page and "This is your own account" in page
    response = admin.post(f"/admin/staff/{me}/deactivate")
    assert "You cannot deactivate your own account" in text(admin.get(response.location))
    response = admin.post(f"/admin/staff/{me}/role", {"role": "marketing"})
    assert "boss@example.com is the only active admin" in text(admin.get(response.location))
    assert session.scalar(select(Staff.role).where(Staff.id == me)) == "admin"
    make_staff(app, "deputy@example.com", "admin")
    response = admin.post(f"/admin/staff/{me}/role", {"role": "marketing"})  # now there is another admin
    assert response.status_code == 303
    session.expire_all()
    assert session.scalar(select(Staff.role).where(Staff.id == me)) == "marketing"


def test_an_admin_may_deactivate_another_admin(app, admin, session):
    make_staff(app, "deputy@example.com", "admin")
    deputy = signed_in_as(app, "deputy@example.com")
    deputy_id = staff_id(session, "deputy@example.com")
    admin.post(f"/admin/staff/{deputy_id}/deactivate")
    assert session.scalar(select(Staff.active).where(Staff.id == deputy_id)) is False
    assert deputy.get("/admin/staff").status_code == 302


def signed_in_as(app, email: str, password: str = STAFF_PASSWORD) -> AdminClient:
    """A new client signed in as an existing staff member."""
    client = AdminClient(app.test_client())
    assert client.sign_in(email, password).status_code == 303
    return client


def test_reset_password_unlocks_and_ends_sessions_without_auditing_hashes(app, admin, session):
    make_staff(app, "ann@example.com", "operations")
    ann = signed_in_as(app, "ann@example.com")
    member = session.scalar(select(Staff).where(Staff.email == "ann@example.com"))
    member.failed_logins, member.locked_until = 7, dt.datetime(2999, 1, 1)
    session.commit()
    weak = admin.post(f"/admin/staff/{member.id}/password", {"new_password": "ann@example.com"})
    assert weak.status_code == 422 and 'id="new_password-error"' in text(weak)
    response = admin.post(f"/admin/staff/{member.id}/password", {"new_password": NEW_PASSWORD})
    assert "ann@example.com has a new password" in text(admin.get(response.location))
    assert ann.get("/admin/enrollments").status_code == 302
    assert AdminClient(app.test_client()).sign_in("ann@example.com", STAFF_PASSWORD).status_code == 422
    assert signed_in_as(app, "ann@example.com", NEW_PASSWORD)
    entries = session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "staff")).all()
    hashes = {s.password_hash for s in session.scalars(select(Staff))}
    for entry in entries:
        values = json.dumps([entry.before, entry.after])
        assert "argon2" not in values and not any(h in values for h in hashes)
        assert NEW_PASSWORD not in values and STAFF_PASSWORD not in values
    reset = audit(session, "reset password")
    assert reset.before["locked"] is True and reset.after["locked"] is False and reset.after["failed_logins"] == 0


def test_unlock_clears_failed_sign_ins(app, admin, session):
    make_staff(app, "ann@example.com", "operations")
    member = session.scalar(select(Staff).where(Staff.email == "ann@example.com"))
    member.failed_logins, member.locked_until = 6, dt.datetime(2999, 1, 1)
    session.commit()
    assert "Unlock account" in text(admin.get(f"/admin/staff/{member.id}"))
    response = admin.post(f"/admin/staff/{member.id}/unlock")
    assert "ann@example.com is unlocked" in text(admin.get(response.location))
    assert signed_in_as(app, "ann@example.com")
    assert audit(session, "unlock").after["locked"] is False


def test_unknown_staff_member_is_404(app, admin):
    assert admin.get("/admin/staff/9999").status_code == 404
    assert admin.post("/admin/staff/9999/deactivate").status_code == 404


# --- the command line --------------------------------------------------------------------------

def cli(app, *args: str, password: str | None = None):
    return app.test_cli_runner().invoke(args=["staff", "create", *args],
                                        input=None if password is None else password + "\n")


def test_cli_creates_an_account_from_standard_input(app, session):
    result = cli(app, "Ops@Example.com", "--role", "operations", "--password-stdin", password=NEW_PASSWORD)
    assert result.exit_code == 0, result.output
    assert "Created operations account ops@example.com" in result.output
    assert session.scalar(select(Staff.role).where(Staff.email == "ops@example.com")) == "operations"
    assert audit(session, "create").actor == "command line"
    assert signed_in_as(app, "ops@example.com", NEW_PASSWORD)


def test_cli_prompts_for_the_password_twice(app, session):
    result = app.test_cli_runner().invoke(args=["staff", "create", "ann@example.com", "--role", "marketing"],
                                          input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert NEW_PASSWORD not in result.output


def test_cli_refuses_a_bad_role(app, session):
    result = cli(app, "ann@example.com", "--role", "owner", "--password-stdin", password=NEW_PASSWORD)
    assert result.exit_code == 2 and "'owner' is not one of 'marketing', 'operations', 'admin'" in result.output
    assert session.scalar(select(Staff.id)) is None


def test_cli_explains_a_weak_password(app, session):
    result = cli(app, "ann@example.com", "--role", "admin", "--password-stdin", password="password1")
    assert result.exit_code == 1 and "Your password must be at least 12 characters." in result.output
    result = cli(app, "ann@example.com", "--role", "admin", "--password-stdin", password="passwordpassword")
    assert result.exit_code == 1 and "Choose a less common password." in result.output
    assert session.scalar(select(Staff.id)) is None


def test_cli_refuses_a_duplicate_email(app, session):
    make_staff(app, "ann@example.com", "marketing")
    result = cli(app, "ANN@example.com", "--role", "admin", "--password-stdin", password=NEW_PASSWORD)
    assert result.exit_code == 1 and "A staff account for ann@example.com already exists." in result.output
    assert session.scalar(select(Staff.role)) == "marketing"
