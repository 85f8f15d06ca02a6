"""Staff sign-in: separate from customers, rotated and server-side sessions, failed sign-ins locked."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from wizard.admin.models import AuditEntry, Staff, StaffSession
from wizard.admin.staff_accounts import GENERIC_FAILURE

from .admin_helpers import STAFF_PASSWORD, AdminClient, csrf_of, make_staff, signed_in
from .helpers import Wizard


def test_anonymous_visitor_is_sent_to_sign_in_and_back(app):
    client = AdminClient(app.test_client())
    response = client.get("/admin/plans")
    assert response.status_code == 302
    assert response.location == "/admin/login?next=/admin/plans"
    make_staff(app, "ann@example.com", "marketing")
    page = client.client.get(response.location)
    response = client.client.post(response.location, data={
        "csrf_token": csrf_of(page.text), "email": "ANN@example.com", "password": STAFF_PASSWORD})
    assert response.status_code == 303 and response.location == "/admin/plans"


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(app):
    make_staff(app, "ann@example.com", "marketing")
    client = AdminClient(app.test_client())
    wrong = client.sign_in("ann@example.com", "not the password at all")
    unknown = client.sign_in("nobody@example.com", "not the password at all")
    assert wrong.status_code == unknown.status_code == 422
    assert "That email and password do not match an active staff account." in wrong.text
    assert "That email and password do not match an active staff account." in unknown.text
    assert 'aria-describedby="password-error"' in wrong.text


def test_sign_in_upgrades_a_hash_made_with_older_argon2_parameters(app, make_app, session):
    make_staff(app, "ann@example.com", "marketing")  # the test settings' cost: t=1, m=8 MiB
    assert session.scalar(select(Staff.password_hash)).startswith("$argon2id$v=19$m=8192,t=1,p=1$")
    stronger = make_app(ARGON2_TIME_COST=2, ARGON2_MEMORY_COST=9 * 1024)
    client = AdminClient(stronger.test_client())
    assert client.sign_in("ann@example.com", "not the password at all").status_code == 422
    session.expire_all()
    assert session.scalar(select(Staff.password_hash)).startswith("$argon2id$v=19$m=8192,t=1,p=1$")
    response = client.sign_in("ann@example.com")
    assert response.status_code == 303 and "ann@example.com (marketing)" in client.get("/admin/").text
    session.expire_all()
    assert session.scalar(select(Staff.password_hash)).startswith("$argon2id$v=19$m=9216,t=2,p=1$")
    assert AdminClient(stronger.test_client()).sign_in("ann@example.com").status_code == 303  # still signs in


def test_repeated_failures_lock_the_account_for_growing_times(app, session):
    make_staff(app, "ann@example.com", "operations")
    client = AdminClient(app.test_client())
    for _ in range(app.config["ADMIN_LOCK_AFTER"]):
        assert "do not match" in client.sign_in("ann@example.com", "wrong password here").text
    staff = session.scalar(select(Staff))
    assert _lock_minutes(staff) == 1
    # Locked: even the right password is refused, with the answer a wrong one gets (an
    # outsider cannot tell a locked staff email from any other).
    locked = client.sign_in("ann@example.com")
    assert locked.status_code == 422 and GENERIC_FAILURE in locked.text and "locked for 1 minute" not in locked.text
    staff.locked_until = dt.datetime(2000, 1, 1)
    session.commit()
    assert "do not match" in client.sign_in("ann@example.com", "wrong again").text
    session.refresh(staff)
    assert _lock_minutes(staff) == 2
    staff.locked_until = dt.datetime(2000, 1, 1)
    session.commit()
    assert client.sign_in("ann@example.com").status_code == 303
    session.refresh(staff)
    assert staff.failed_logins == 0 and staff.locked_until is None


def _lock_minutes(staff: Staff) -> int:
    return round((staff.locked_until - dt.datetime.now(dt.UTC).replace(tzinfo=None)).total_seconds() / 60)


def test_sign_in_is_rate_limited_per_address(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://", ADMIN_LOGIN_RATE_LIMIT="3 per minute")
    client = AdminClient(app.test_client())
    statuses = [client.sign_in("x@example.com", "wrong password here").status_code for _ in range(4)]
    assert statuses == [422, 422, 422, 429]
    assert "Too many attempts" in client.sign_in("x@example.com").text


def test_session_is_rotated_and_logout_ends_it_on_the_server(app, session):
    make_staff(app, "ann@example.com", "admin")
    client = AdminClient(app.test_client())
    client.get("/admin/login")
    before = client.client.get_cookie("admin", path="/admin").value
    client.sign_in("ann@example.com")
    cookie = client.client.get_cookie("admin", path="/admin").value
    assert cookie != before
    assert session.scalar(select(func.count()).select_from(StaffSession)) == 1
    # A copy of the cookie, kept by someone else, works until the owner signs out.
    thief = app.test_client()
    thief.set_cookie("admin", cookie, path="/admin")
    assert thief.get("/admin/").status_code == 200
    assert client.post("/admin/logout").status_code == 303
    assert session.scalar(select(func.count()).select_from(StaffSession)) == 0
    assert thief.get("/admin/").location.startswith("/admin/login")


def test_idle_session_expires_and_is_forgotten(app, session):
    admin = signed_in(app, "marketing")
    row = session.scalar(select(StaffSession))
    row.last_seen_at -= app.config["ADMIN_IDLE_TIMEOUT"] + dt.timedelta(minutes=1)
    session.commit()
    assert admin.get("/admin/").status_code == 302
    abandoned = signed_in(app, "operations")
    row = session.scalars(select(StaffSession)).one()
    row.created_at -= app.config["ADMIN_SESSION_MAX_AGE"]
    session.commit()
    signed_in(app, "admin")  # any sign-in forgets sessions past their time
    assert session.scalar(select(func.count()).select_from(StaffSession)) == 1
    assert abandoned.get("/admin/").status_code == 302


def test_staff_and_customer_logins_never_mix(app, client):
    """Signed in to the admin, you are nobody in the wizard; signed in to My Account, nobody in the admin."""
    make_staff(app, "ann@example.com", "admin")
    admin = AdminClient(client)
    admin.sign_in("ann@example.com")
    assert "Sign in to My Account" in client.get("/signup/zip").text
    assert client.get("/account/").location.startswith("/account/login")
    customer = app.test_client()
    wizard = Wizard(customer)
    wizard.walk()
    wizard.submit()
    assert "Signed in as ana.garza." in customer.get("/account/").text
    assert customer.get("/admin/").location.startswith("/admin/login")


def test_post_without_csrf_token_is_refused(app):
    admin = signed_in(app, "admin")
    response = admin.client.post("/admin/logout")
    assert response.status_code == 400 and "This page has expired" in response.text
    assert "Go back, reload the page and send it again." in response.text


def test_sign_in_is_audited(app, session):
    signed_in(app, "operations", "ops@example.com")
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()[-1]
    assert (entry.actor, entry.action, entry.entity_type) == ("ops@example.com", "sign in", "staff")


@pytest.mark.parametrize("args, stdin, message", [
    (["ann@example.com", "--role", "boss", "--password-stdin"], STAFF_PASSWORD + "\n", "Invalid value for '--role'"),
    (["ann@example.com", "--role", "marketing", "--password-stdin"], "passwordpassword\n", "Choose a less common password"),
    (["not-an-email", "--role", "marketing", "--password-stdin"], STAFF_PASSWORD + "\n", "Enter the staff member's email"),
])
def test_staff_create_command_explains_refusals(runner, args, stdin, message):
    result = runner.invoke(args=["staff", "create", *args], input=stdin)
    assert result.exit_code != 0
    assert message in result.output


def test_staff_create_command_makes_an_account_that_signs_in(app, runner, session):
    result = runner.invoke(args=["staff", "create", "Ops@Example.com", "--role", "operations", "--password-stdin"],
                           input=STAFF_PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "Created operations account ops@example.com" in result.output
    again = runner.invoke(args=["staff", "create", "ops@example.com", "--role", "admin", "--password-stdin"],
                          input=STAFF_PASSWORD + "\n")
    assert again.exit_code != 0 and "already exists" in again.output
    staff = session.scalar(select(Staff))
    assert staff.password_hash.startswith("$argon2id$")
    assert AdminClient(app.test_client()).sign_in("ops@example.com").status_code == 303
