"""Sign-in security (issue 15): where `next` may lead, customers' server-side sessions,
the same answer and the same work whatever was wrong, failed-attempt locks, and the rate limit
on username availability checks.
"""
from __future__ import annotations

import datetime as dt
from html import unescape

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from wizard.account.logins import SIGN_IN_FAILURE
from wizard.account.models import Account, AccountSession
from wizard.admin.models import Staff
from wizard.admin.staff_accounts import GENERIC_FAILURE
from wizard.core import passwords
from wizard.core.credentials import LockPolicy
from wizard.core.extensions import db
from wizard.core.login_sessions import token_hash
from wizard.core.models import Customer
from wizard.core.passwords import hash_password

from .admin_helpers import STAFF_PASSWORD, AdminClient, csrf_of, make_staff
from .helpers import PASSWORD, Wizard, errors

USERNAME = "ana.garza"


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def make_account(app, username: str = USERNAME, password: str = PASSWORD) -> int:
    """A customer with a My Account login, straight into the database; answer the account id."""
    with app.app_context(), db.sessionmaker(app)() as session:
        customer = Customer(customer_type="residential", first_name="Ana", last_name="Garza",
                            email="ana@example.com", phone="+12145550100", language="en", contact_method="email")
        account = Account(username=username, username_key=username.casefold(),
                          password_hash=hash_password(password), customer=customer)
        session.add(account)
        session.commit()
        return account.id


def sign_in(client, path: str = "/account/login", username: str = USERNAME, password: str = PASSWORD):
    """Fill the My Account sign-in form at `path` (which may carry a `next`) like a browser."""
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    return client.post(path, data={"csrf_token": csrf_of(page.text), "username": username, "password": password})


# --- 1. `next` after sign-in stays on this site ---------------------------------------------

HOSTILE_NEXT = [
    "/%09/evil.example",                           # a tab: browsers drop it, leaving //evil.example
    "/%0d%0a/evil.example",                        # CR/LF, dropped the same way
    "/%0d%0aLocation:%20https://evil.example/",    # header injection
    "/%5Cevil.example",                            # /\evil.example: a backslash reads as a slash
    "%5C%5Cevil.example",
    "//evil.example",
    "///evil.example",
    "https://evil.example/",
    "https:/evil.example",
    "javascript:alert(1)",
    "evil.example",
    "%20//evil.example",
]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_account_sign_in_never_sends_the_browser_to_another_site(app, target):
    make_account(app)
    client = app.test_client()
    response = sign_in(client, f"/account/login?next={target}")
    assert response.status_code == 303 and response.location == "/account/"
    assert "Signed in as ana.garza." in text(client.get(response.location))


@pytest.mark.parametrize("target, location", [
    ("/account/", "/account/"),
    ("/signup/", "/signup/"),
    ("/signup/zip%3Fchange%3D1", "/signup/zip?change=1"),
])
def test_account_sign_in_still_goes_on_to_a_page_of_this_site(app, target, location):
    make_account(app)
    response = sign_in(app.test_client(), f"/account/login?next={target}")
    assert response.status_code == 303 and response.location == location


@pytest.mark.parametrize("target", [*HOSTILE_NEXT, "/account/", "/administrator", "/admin/../account/"])
def test_admin_sign_in_never_leaves_the_admin_area(app, target):
    make_staff(app, "ann@example.com", "marketing")
    client = app.test_client()
    page = client.get(f"/admin/login?next={target}")
    assert page.status_code == 200
    response = client.post(f"/admin/login?next={target}", data={
        "csrf_token": csrf_of(page.text), "email": "ann@example.com", "password": STAFF_PASSWORD})
    assert response.status_code == 303 and response.location == "/admin/"
    assert "ann@example.com (marketing)" in text(AdminClient(client).get("/admin/"))


def test_admin_sign_in_still_goes_on_to_the_page_asked_for(app):
    make_staff(app, "ann@example.com", "marketing")
    client = app.test_client()
    page = client.get("/admin/login?next=/admin/plans")
    response = client.post("/admin/login?next=/admin/plans", data={
        "csrf_token": csrf_of(page.text), "email": "ann@example.com", "password": STAFF_PASSWORD})
    assert response.status_code == 303 and response.location == "/admin/plans"


# --- 2. My Account sessions live on the server and end -------------------------------------

def account_page_of(cookie: str, app) -> str:
    """What a browser holding (a copy of) this `signup` cookie sees at /account/."""
    other = app.test_client()
    other.set_cookie("signup", cookie)
    response = other.get("/account/")
    return "signed in" if response.status_code == 200 and "Signed in as ana.garza." in text(response) else \
        ("sent to sign in" if response.status_code == 302 and response.location.startswith("/account/login")
         else f"{response.status_code}?")


def sign_out(client):
    page = client.get("/account/")
    response = client.post("/account/logout", data={"csrf_token": csrf_of(page.text)}, follow_redirects=True)
    assert "You are signed out." in text(response)


def sessions(session) -> list[AccountSession]:
    session.expire_all()
    return session.scalars(select(AccountSession)).all()


def test_account_sign_out_ends_the_session_for_every_copy_of_the_cookie(app, session):
    make_account(app)
    client = app.test_client()
    assert sign_in(client).status_code == 303
    copy = client.get_cookie("signup").value
    assert account_page_of(copy, app) == "signed in"
    with client.session_transaction() as cookie:  # the cookie holds a random token, not the account id
        token = cookie["_user_id"].removeprefix("account:")
    assert len(token) >= 40 and [s.token_hash for s in sessions(session)] == [token_hash(token)]
    sign_out(client)
    assert sessions(session) == []
    assert account_page_of(copy, app) == "sent to sign in"


def test_account_session_ends_after_the_idle_time(app, session):
    make_account(app)
    client = app.test_client()
    sign_in(client)
    assert account_page_of(client.get_cookie("signup").value, app) == "signed in"
    row = sessions(session)[0]
    row.last_seen_at -= app.config["ACCOUNT_IDLE_TIMEOUT"] + dt.timedelta(minutes=1)
    session.commit()
    assert account_page_of(client.get_cookie("signup").value, app) == "sent to sign in"
    assert sessions(session) == []  # forgotten, not just refused


def test_account_session_ends_after_its_lifetime_even_when_in_use(app, session):
    make_account(app)
    client = app.test_client()
    sign_in(client)
    row = sessions(session)[0]
    row.created_at -= app.config["ACCOUNT_SESSION_MAX_AGE"] + dt.timedelta(minutes=1)
    session.commit()  # last_seen_at is just now: only the lifetime is over
    assert account_page_of(client.get_cookie("signup").value, app) == "sent to sign in"
    assert sessions(session) == []


def test_each_account_sign_in_gets_a_new_session_and_the_old_one_stops_working(app, session):
    make_account(app)
    client = app.test_client()
    client.get("/account/login")
    anonymous = client.get_cookie("signup").value
    sign_in(client)
    first = client.get_cookie("signup").value
    sign_in(client)
    second = client.get_cookie("signup").value
    assert len({anonymous, first, second}) == 3
    assert account_page_of(first, app) == "sent to sign in"
    assert account_page_of(second, app) == "signed in"
    assert len(sessions(session)) == 1


def test_wizard_sign_in_and_enrollment_open_server_side_sessions(app, session):
    """The wizard's existing-customer sign-in step and a new customer's enrollment sign in too."""
    newcomer = Wizard(app.test_client())
    newcomer.walk()
    newcomer.submit()
    assert account_page_of(newcomer.client.get_cookie("signup").value, app) == "signed in"
    assert len(sessions(session)) == 1
    existing = Wizard(app.test_client())
    existing.walk(until="customer")
    existing.answer("customer", {"customer_status": "existing"})
    existing.answer("sign-in", {"username": "Ana.Garza", "password": PASSWORD})
    copy = existing.client.get_cookie("signup").value
    assert account_page_of(copy, app) == "signed in"
    assert len(sessions(session)) == 2
    sign_out(existing.client)
    assert account_page_of(copy, app) == "sent to sign in"
    assert account_page_of(newcomer.client.get_cookie("signup").value, app) == "signed in"


# --- 3. the same answer and the same work whatever was wrong --------------------------------

def lock(app, session, username: str = USERNAME) -> None:
    account = session.scalar(select(Account).where(Account.username_key == username))
    account.failed_logins = app.config["ACCOUNT_LOCK_AFTER"]
    account.locked_until = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(minutes=5)
    session.commit()


def test_my_account_sign_in_answers_alike_for_unknown_name_wrong_password_and_lock(app, session):
    make_account(app)
    client = app.test_client()
    unknown = sign_in(client, username="nobody.here")
    wrong = sign_in(client, password="not the password at all")
    lock(app, session)
    locked = sign_in(client)  # the right password, on a locked login
    assert [r.status_code for r in (unknown, wrong, locked)] == [422] * 3
    assert errors(unknown) == errors(wrong) == errors(locked) == [SIGN_IN_FAILURE]


def test_wizard_sign_in_step_answers_alike_for_unknown_name_wrong_password_and_lock(app, session):
    make_account(app)
    wizard = Wizard(app.test_client())
    wizard.walk(until="customer")
    wizard.answer("customer", {"customer_status": "existing"})
    unknown = wizard.post("/signup/sign-in", {"username": "nobody.here", "password": PASSWORD})
    wrong = wizard.post("/signup/sign-in", {"username": USERNAME, "password": "not the password at all"})
    lock(app, session)
    locked = wizard.post("/signup/sign-in", {"username": USERNAME, "password": PASSWORD})
    assert [r.status_code for r in (unknown, wrong, locked)] == [422] * 3
    assert errors(unknown) == errors(wrong) == errors(locked) == [SIGN_IN_FAILURE]


def test_admin_sign_in_answers_alike_for_unknown_inactive_locked_and_wrong(app, session):
    make_staff(app, "ann@example.com", "marketing")
    make_staff(app, "gone@example.com", "marketing")
    gone = session.scalar(select(Staff).where(Staff.email == "gone@example.com"))
    gone.active = False
    session.commit()
    client = AdminClient(app.test_client())
    answers = [client.sign_in("nobody@example.com"), client.sign_in("gone@example.com"),
               client.sign_in("ann@example.com", "not the password at all")]
    ann = session.scalar(select(Staff).where(Staff.email == "ann@example.com"))
    ann.locked_until = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(minutes=5)
    session.commit()
    answers.append(client.sign_in("ann@example.com"))  # the right password, on a locked account
    assert [r.status_code for r in answers] == [422] * 4
    assert {tuple(errors(r)) for r in answers} == {(GENERIC_FAILURE,)}


class Spy:
    """Counts the calls of one method while still calling it (the real argon2 work is done)."""

    def __init__(self, monkeypatch, owner, name: str):
        self.calls = 0
        real = getattr(owner, name)

        def counted(*args, **kwargs):
            self.calls += 1
            return real(*args, **kwargs)
        monkeypatch.setattr(owner, name, counted)


def test_an_unknown_name_costs_one_argon2_verification_like_a_known_one(app, monkeypatch):
    """The timing leak was a fresh dummy hash per unknown name (hash + verify, against verify
    alone); now every failed sign-in on all three forms does exactly one argon2 verification,
    and the stand-in hash is made once per set of parameters. bench/sign_in_timing.py shows
    the times."""
    make_account(app)
    make_staff(app, "ann@example.com", "marketing")
    wizard = Wizard(app.test_client())
    wizard.walk(until="customer")
    wizard.answer("customer", {"customer_status": "existing"})
    monkeypatch.setattr(passwords, "_DUMMY", {})
    hashes = Spy(monkeypatch, PasswordHasher, "hash")
    verifies = Spy(monkeypatch, PasswordHasher, "verify")
    admin = AdminClient(app.test_client())
    attempts = [
        lambda name: sign_in(app.test_client(), username=name, password="not the password at all"),
        lambda name: wizard.post("/signup/sign-in", {"username": name, "password": "not the password at all"}),
        lambda name: admin.sign_in("ann@example.com" if name == USERNAME else f"{name}@example.com",
                                   "not the password at all"),
    ]
    for attempt in attempts:
        for name in ("nobody.one", USERNAME, "nobody.two", USERNAME, "nobody.three"):
            before = verifies.calls
            assert attempt(name).status_code == 422
            assert verifies.calls == before + 1, name
    assert hashes.calls == 1  # the stand-in hash, once for the three forms and every unknown name


# --- the rate limit on username availability ------------------------------------------------

def test_username_availability_checks_are_rate_limited_per_address(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://", AVAILABILITY_RATE_LIMIT="3 per minute")
    make_account(app)
    wizard = Wizard(app.test_client())
    wizard.walk(until="credentials")
    for name in ("ana.garza", "Ana.Garza", "ANA.GARZA"):
        probe = wizard.post("/signup/credentials", {"username": name, "password": ""})
        assert probe.status_code == 422 and "That username is taken. Choose another one." in errors(probe)
    refused = wizard.post("/signup/credentials", {"username": "ana.garza", "password": ""})
    assert refused.status_code == 429
    assert "Too many attempts" in text(refused) and "Wait a minute, then try again." in text(refused)
    assert "taken" not in text(refused)


# --- 5. customers' logins lock like staff's --------------------------------------------------

def test_repeated_failures_lock_a_customer_login_for_growing_times(app, session):
    make_account(app)
    client = app.test_client()
    for _ in range(app.config["ACCOUNT_LOCK_AFTER"]):
        assert errors(sign_in(client, password="not the password at all")) == [SIGN_IN_FAILURE]
    account = session.scalar(select(Account))
    assert lock_minutes(account) == 1
    refused = sign_in(client)  # the right password, while locked: the same answer, no session
    assert refused.status_code == 422 and errors(refused) == [SIGN_IN_FAILURE] and sessions(session) == []
    account.locked_until = dt.datetime(2000, 1, 1)  # the minute is over
    session.commit()
    sign_in(client, password="wrong once more")
    session.refresh(account)
    assert lock_minutes(account) == 2  # doubling with each further failure
    account.locked_until = dt.datetime(2000, 1, 1)
    session.commit()
    assert sign_in(client).status_code == 303
    session.refresh(account)
    assert account.failed_logins == 0 and account.locked_until is None
    assert "Signed in as ana.garza." in text(client.get("/account/"))


def test_customer_lock_grows_no_longer_than_the_longest_lock(app):
    policy = LockPolicy(app.config["ACCOUNT_LOCK_AFTER"], app.config["ACCOUNT_LOCK_BASE"],
                        app.config["ACCOUNT_LOCK_MAX"])
    assert [policy.lock_for(n) for n in (4, 5, 6, 7)] == [None, dt.timedelta(minutes=1), dt.timedelta(minutes=2),
                                                          dt.timedelta(minutes=4)]
    assert policy.lock_for(30) == dt.timedelta(hours=1)


def lock_minutes(login) -> int:
    return round((login.locked_until - dt.datetime.now(dt.UTC).replace(tzinfo=None)).total_seconds() / 60)
