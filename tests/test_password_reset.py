"""Forgotten passwords and usernames (issue 11): one answer for every address, a single-use link
that expires, the account's rules for the new password, every session ended, the lock cleared,
rate limits; the same for staff; the username by email."""
from __future__ import annotations

import datetime as dt
import logging
import re
from html import unescape

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, update

from wizard import create_app
from wizard.account.models import Account, AccountSession
from wizard.admin.models import AuditEntry, Staff, StaffSession
from wizard.core.extensions import db
from wizard.core.models import Customer
from wizard.core.passwords import hash_password
from wizard.mail.models import EmailToken, MailMessage

from .admin_helpers import STAFF_PASSWORD, AdminClient, csrf_of, make_staff
from .helpers import PASSWORD, Wizard, errors
from .mail_helpers import deliver_mail, html_of, text_of
from .test_embed import EmbeddedCustomer

NEW_PASSWORD = "lantern orchard velvet compass"
LINK = re.compile(r"https?://[^\s\"<>]+/(?:account|admin)/reset\?token=[A-Za-z0-9_-]+")


def page_text(response) -> str:
    return unescape(response.get_data(as_text=True))


def make_account(app, username: str = "ana.garza", email: str = "ana@example.com", password: str = PASSWORD) -> int:
    """A customer with a My Account login, straight into the database; answer the account id."""
    with app.app_context(), db.sessionmaker(app)() as session:
        customer = Customer(customer_type="residential", first_name="Ana", last_name="Garza", email=email,
                            phone="+12145550100", language="en", contact_method="email")
        account = Account(username=username, username_key=username.casefold(),
                          password_hash=hash_password(password), customer=customer)
        session.add(account)
        session.commit()
        return account.id


def ask(client, path: str, email: str, **kw):
    """Fill the request form at `path` with `email`; answer the POST's response (not followed)."""
    page = client.get(path, **kw)
    assert page.status_code == 200, page.status_code
    return client.post(path, data={"csrf_token": csrf_of(page.text), "email": email}, **kw)


def sign_in(client, username: str = "ana.garza", password: str = PASSWORD):
    page = client.get("/account/login")
    return client.post("/account/login", data={"csrf_token": csrf_of(page.text), "username": username,
                                               "password": password})


def link_of(message) -> str:
    """The reset link in a message's plain text (the same as its HTML's)."""
    links = LINK.findall(text_of(message))
    assert len(links) == 1, text_of(message)
    assert links[0] in unescape(html_of(message))
    return links[0]


def emailed_link(app, client, email: str = "ana@example.com", path: str = "/account/forgot-password") -> str:
    assert ask(client, path, email).status_code == 303
    [message] = deliver_mail(app)
    return link_of(message)


def choose(client, new: str, again: str | None = None, path: str = "/account/reset"):
    """Fill the new-password form the session's link opened."""
    page = client.get(path)
    assert page.status_code == 200, page_text(page)
    return client.post(path, data={"csrf_token": csrf_of(page.text), "password": new,
                                   "confirm": new if again is None else again})


def without_csrf(html: str) -> str:
    """A page without its CSRF tokens, which differ with the second they are made in."""
    html = re.sub(r'name="csrf_token" value="[^"]+"', "", html)  # the language switch's form
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", html)


# --- asking: one answer for every address -----------------------------------------------------

@pytest.mark.parametrize("path, sent", [("/account/forgot-password", "/account/forgot-password/sent"),
                                        ("/account/forgot-username", "/account/forgot-username/sent")])
def test_a_known_and_an_unknown_address_get_the_same_answer_and_only_a_known_one_gets_mail(app, path, sent, caplog):
    make_account(app)
    caplog.set_level(logging.DEBUG)
    answers = {}
    for email in ("ana@example.com", "nobody@example.com"):
        client = app.test_client()
        asked = ask(client, path, email)
        assert asked.status_code == 303 and asked.location == sent
        page = client.get(asked.location)
        assert page.status_code == 200
        answers[email] = without_csrf(page.text).replace(email, "ADDRESS")
    assert answers["ana@example.com"] == answers["nobody@example.com"]
    assert "If a My Account login uses ADDRESS, we have emailed" in unescape(answers["nobody@example.com"])
    delivered = deliver_mail(app)
    assert [m["To"] for m in delivered] == ["ana@example.com"]
    # Nothing logged tells which address has a login (nor the link's token).
    assert "example.com" not in caplog.text and "token=" not in caplog.text


def test_the_answer_page_says_how_long_the_link_works_and_the_address_asked_about(app):
    client = app.test_client()
    ask(client, "/account/forgot-password", "nobody@example.com")
    page = page_text(client.get("/account/forgot-password/sent"))
    assert ("If a My Account login uses nobody@example.com, we have emailed a link to that address to choose a new "
            "password. The link works once, for 1 hour.") in page
    assert client.get("/account/forgot-password/sent", follow_redirects=False).status_code == 200
    assert app.test_client().get("/account/forgot-password/sent").location == "/account/forgot-password"


def test_the_address_is_found_in_any_case_and_an_invalid_one_is_explained(app):
    make_account(app, email="Ana.Garza@Example.com")
    client = app.test_client()
    invalid = ask(client, "/account/forgot-password", "ana at example")
    assert invalid.status_code == 422
    assert errors(invalid) == ["Enter an email address like name@example.com."]
    assert 'href="#email"' in invalid.text and re.search(r'aria-describedby="[^"]*email-error"', invalid.text)
    assert ask(client, "/account/forgot-password", "ana.garza@example.COM").status_code == 303
    assert [m["To"] for m in deliver_mail(app)] == ["Ana.Garza@Example.com"]


def test_asking_needs_the_pages_csrf_token(app):
    make_account(app)
    refused = app.test_client().post("/account/forgot-password", data={"email": "ana@example.com"})
    assert refused.status_code == 400
    assert deliver_mail(app) == []


# --- the link ------------------------------------------------------------------------------

def test_the_emailed_link_sets_a_new_password_once_and_signs_nobody_in(app, session):
    make_account(app)
    client = app.test_client()
    link = emailed_link(app, client)
    assert link.startswith("http://localhost/account/reset?token=")
    opened = client.get(link)
    # The token leaves the address bar (and the browser's history) at once.
    assert opened.status_code == 303 and opened.location == "/account/reset"
    form = client.get("/account/reset")
    assert form.status_code == 200 and "For your My Account login ana.garza." in unescape(
        re.sub(r"</?strong>", "", form.text))
    assert form.headers["Cache-Control"] == "no-store" and form.headers["Referrer-Policy"] == "same-origin"
    changed = choose(client, NEW_PASSWORD)
    assert changed.status_code == 303 and changed.location == "/account/login"
    assert "Your password is changed. Sign in with it." in page_text(client.get(changed.location))
    assert client.get("/account/").status_code == 302  # not signed in by the reset
    # Once: the same link again, in this browser or another, says so plainly.
    for browser in (client, app.test_client()):
        again = browser.get(link, follow_redirects=True)
        assert again.status_code == 410
        assert "This link has expired or was already used. Ask for a new one" in page_text(again)
        assert 'href="/account/forgot-password"' in again.text
    # The old password fails, the new one works.
    assert sign_in(app.test_client()).status_code == 422
    assert sign_in(app.test_client(), password=NEW_PASSWORD).status_code == 303


def test_the_link_is_stored_only_hashed_and_sealed_in_the_outbox(app, session):
    make_account(app)
    client = app.test_client()
    assert ask(client, "/account/forgot-password", "ana@example.com").status_code == 303
    queued = session.scalar(select(MailMessage))
    stored = session.scalar(select(EmailToken))
    assert "reset?token=" not in str(queued.context)  # the link waits encrypted
    [message] = deliver_mail(app)
    token = link_of(message).rpartition("token=")[2]
    assert token not in str(queued.context) and stored.token_hash != token and len(stored.token_hash) == 64
    assert stored.expires_at - stored.created_at == dt.timedelta(hours=1)


def test_an_expired_or_unknown_link_is_refused_with_a_clear_page_never_a_500(app, session):
    make_account(app)
    client = app.test_client()
    link = emailed_link(app, client)
    client.get(link)
    form = client.get("/account/reset")
    assert form.status_code == 200
    session.execute(update(EmailToken).values(expires_at=dt.datetime(2000, 1, 1)))  # an hour and more later
    session.commit()
    late = client.post("/account/reset", data={"csrf_token": csrf_of(form.text), "password": NEW_PASSWORD,
                                                "confirm": NEW_PASSWORD})
    assert late.status_code == 410 and "This link has expired or was already used" in page_text(late)
    for token in ("", "not-a-token", "x" * 5000, "%00"):
        response = app.test_client().get(f"/account/reset?token={token}", follow_redirects=True)
        assert response.status_code == 410 and "Ask for a new link" in page_text(response)
    assert app.test_client().get("/account/reset").status_code == 410
    assert sign_in(app.test_client()).status_code == 303  # the password is unchanged


def test_the_new_password_follows_the_rules_of_a_new_account_with_messages_by_the_fields(app):
    make_account(app, username="ana.garza.dallas")
    client = app.test_client()
    client.get(emailed_link(app, client))
    cases = [
        ("short", None, "password", "Your password must be at least 12 characters."),
        ("Ana.Garza.Dallas", None, "password", "Your password must not be your username."),
        ("password1234", None, "password", "Choose a less common password."),
        (NEW_PASSWORD, "lantern orchard velvet", "confirm",
         "The two passwords are not the same. Type the new password in both boxes again."),
        ("", "", "password", "Choose a new password."),
    ]
    for new, again, field, message in cases:
        refused = choose(client, new, again)
        assert refused.status_code == 422, new
        shown = errors(refused)
        assert shown and shown[0].startswith(message), (new, shown)
        assert f'href="#{field}"' in refused.text  # the summary links to the field
        assert re.search(rf'<input aria-describedby="[^"]*{field}-error"[^>]* id="{field}"', refused.text)
        assert new not in re.findall(r'value="([^"]*)"', refused.text) or not new  # never echoed
    assert choose(client, NEW_PASSWORD).status_code == 303  # the failures did not use the link up


def test_a_reset_ends_every_session_of_the_account_and_clears_its_lock(app, session):
    make_account(app)
    elsewhere = app.test_client()
    assert sign_in(elsewhere).status_code == 303
    assert elsewhere.get("/account/").status_code == 200
    account = session.scalar(select(Account))
    account.failed_logins, account.locked_until = 7, dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(hours=1)
    session.commit()
    client = app.test_client()
    client.get(emailed_link(app, client))
    assert choose(client, NEW_PASSWORD).status_code == 303
    session.expire_all()
    assert session.scalars(select(AccountSession)).all() == []
    assert elsewhere.get("/account/").location.startswith("/account/login")  # signed out there too
    assert (account.failed_logins, account.locked_until) == (0, None)
    assert sign_in(app.test_client(), password=NEW_PASSWORD).status_code == 303  # not locked any more


def test_a_reset_uses_up_every_other_link_of_the_account(app):
    make_account(app)
    first, second = app.test_client(), app.test_client()
    old_link = emailed_link(app, first)
    new_link = emailed_link(app, second)
    assert old_link != new_link
    second.get(new_link)
    assert choose(second, NEW_PASSWORD).status_code == 303
    assert first.get(old_link, follow_redirects=True).status_code == 410


def test_each_login_of_the_address_gets_its_own_link(app):
    make_account(app)
    make_account(app, username="garza.business")
    client = app.test_client()
    assert ask(client, "/account/forgot-password", "ana@example.com").status_code == 303
    [message] = deliver_mail(app)
    body = text_of(message)
    links = LINK.findall(body)
    assert len(links) == 2 and "for ana.garza" in body and "for garza.business" in body
    client.get(links[1])
    assert "garza.business" in page_text(client.get("/account/reset"))


# --- forgot username -----------------------------------------------------------------------

def test_forgot_username_emails_the_usernames_of_the_address(app):
    make_account(app)
    make_account(app, username="garza.business")
    make_account(app, username="someone.else", email="else@example.com")
    client = app.test_client()
    assert ask(client, "/account/forgot-username", "ANA@example.com").status_code == 303
    [message] = deliver_mail(app)
    assert message["To"] == "ana@example.com" and message["Subject"] == "Your My Account usernames"
    body = text_of(message)
    assert "Username: ana.garza" in body and "Username: garza.business" in body and "someone.else" not in body
    assert "http://localhost/account/login" in body and "token=" not in body


# --- rate limits ---------------------------------------------------------------------------

def test_asking_is_rate_limited_per_client_address_and_per_email_address(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://", RESET_RATE_LIMIT="3 per minute")
    make_account(app)
    # One client asking about many addresses.
    client = app.test_client()
    codes = [ask(client, "/account/forgot-password", f"n{i}@example.com").status_code for i in range(4)]
    assert codes == [303, 303, 303, 429]
    # Many clients asking about one address (the forms share the limit: a username, then links).
    codes = []
    for i, path in enumerate(["/account/forgot-username", "/account/forgot-password", "/account/forgot-password",
                              "/account/forgot-password"]):
        other = app.test_client()
        codes.append(ask(other, path, "ana@example.com", environ_base={"REMOTE_ADDR": f"203.0.113.{i + 1}"}))
    assert [r.status_code for r in codes] == [303, 303, 303, 429]
    assert "Too many attempts" in page_text(codes[-1]) and "Wait a minute, then try again." in page_text(codes[-1])
    assert len(deliver_mail(app)) == 3


# --- the links on every sign-in form -------------------------------------------------------

def test_every_sign_in_form_offers_a_way_back_in(app):
    login = page_text(app.test_client().get("/account/login"))
    assert '<a href="/account/forgot-password">Forgot your password?</a>' in login
    assert '<a href="/account/forgot-username">Forgot your username?</a>' in login
    assert '<a href="/admin/forgot-password">Forgot your password?</a>' in page_text(app.test_client().get("/admin/login"))
    wizard = Wizard(app.test_client())
    wizard.walk(until="customer")
    wizard.answer("customer", {"customer_status": "existing"})
    step = page_text(wizard.get("/signup/sign-in"))
    # The wizard stays open where it was: the account pages open in a new tab.
    assert ('<a href="/account/forgot-password" target="_blank" rel="noopener">Forgot your password?'
            '<span class="visually-hidden"> (opens in a new tab)</span></a>') in step
    assert '<a href="/account/forgot-username" target="_blank" rel="noopener">Forgot your username?' in step


def test_in_an_affiliates_frame_the_links_open_our_site_in_a_new_tab(app):
    customer = EmbeddedCustomer(app)
    customer.walk(until="customer")
    step = page_text(customer.answer("customer", {"customer_status": "existing"}))
    assert "Sign in to My Account" in step
    assert '<a href="/account/forgot-password" target="_blank" rel="noopener">Forgot your password?' in step
    # The page it opens may not be framed (it is ours, not the affiliate's).
    page = app.test_client().get("/account/forgot-password")
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]


# --- links built on the site's own address -------------------------------------------------

def test_a_forged_host_header_does_not_reach_the_emailed_link(make_app):
    app = make_app(SITE_URL="https://signup.example.com")
    make_account(app)
    client = app.test_client()
    headers = {"Host": "evil.example"}
    page = client.get("/account/forgot-password", headers=headers)
    client.post("/account/forgot-password", headers=headers,
                data={"csrf_token": csrf_of(page.text), "email": "ana@example.com"})
    [message] = deliver_mail(app)
    assert link_of(message).startswith("https://signup.example.com/account/reset?token=")
    assert "evil.example" not in text_of(message)


def production_app(tmp_path, **settings):
    return create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'production.db'}", "SECRET_KEY": "production",
                       "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(), "BILLING_DRAIN_IN_PROCESS": False,
                       "BILLING_DROP_DIR": str(tmp_path / "drop"), "SESSION_COOKIE_SECURE": True,
                       "MAIL_TRANSPORT": "smtp", **settings})


def test_production_sending_mail_needs_the_sites_address(tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    with pytest.raises(RuntimeError, match="SITE_URL must be set when mail goes out by SMTP"):
        production_app(tmp_path)
    with pytest.raises(RuntimeError, match="SITE_URL must be a scheme and host only"):
        production_app(tmp_path, SITE_URL="https://signup.example.com/path?x=1")
    app = production_app(tmp_path, SITE_URL="https://signup.example.com")
    db.engine(app).dispose()


# --- staff ---------------------------------------------------------------------------------

def test_staff_reset_by_email_ends_their_sessions_and_is_audited(app, session):
    make_staff(app, "ann@example.com", "marketing")
    signed_in = AdminClient(app.test_client())
    assert signed_in.sign_in("ann@example.com").status_code == 303
    assert signed_in.get("/admin/").status_code == 200
    ann = session.scalar(select(Staff).where(Staff.email == "ann@example.com"))
    ann.failed_logins, ann.locked_until = 6, dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(hours=1)
    session.commit()

    client = app.test_client()
    link = emailed_link(app, client, "Ann@Example.com", "/admin/forgot-password")
    assert link.startswith("http://localhost/admin/reset?token=")
    opened = client.get(link)
    # A page that moves on by itself: the SameSite=Strict admin cookie is not sent on a redirect
    # that began in webmail, but is on the page's own refresh.
    assert opened.status_code == 200
    assert '<meta http-equiv="refresh" content="0; url=/admin/reset">' in opened.text
    form = client.get("/admin/reset")
    assert form.status_code == 200 and "ann@example.com" in form.text
    assert form.headers["Cache-Control"] == "no-store"
    refused = choose(client, "ann@example.com", path="/admin/reset")
    assert refused.status_code == 422 and errors(refused) == ["Your password must not be your username."]
    changed = choose(client, NEW_PASSWORD, path="/admin/reset")
    assert changed.status_code == 303 and changed.location == "/admin/login"
    assert "Your password is changed. Sign in with it." in page_text(client.get("/admin/login"))

    session.expire_all()
    assert session.scalars(select(StaffSession)).all() == []
    assert signed_in.get("/admin/").location.startswith("/admin/login")  # signed out everywhere
    assert (ann.failed_logins, ann.locked_until) == (0, None)
    assert AdminClient(app.test_client()).sign_in("ann@example.com", STAFF_PASSWORD).status_code == 422
    assert AdminClient(app.test_client()).sign_in("ann@example.com", NEW_PASSWORD).status_code == 303
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "reset own password"))
    assert entry.actor == "ann@example.com" and "hash" not in str(entry.after)
    client.get(link)
    assert client.get("/admin/reset").status_code == 410  # used


def test_staff_unknown_and_inactive_addresses_get_the_same_answer_and_no_mail(app, session):
    make_staff(app, "ann@example.com", "marketing")
    make_staff(app, "gone@example.com", "marketing")
    session.scalar(select(Staff).where(Staff.email == "gone@example.com")).active = False
    session.commit()
    answers = {}
    for email in ("ann@example.com", "gone@example.com", "nobody@example.com"):
        client = app.test_client()
        asked = ask(client, "/admin/forgot-password", email)
        assert asked.status_code == 303 and asked.location == "/admin/forgot-password/sent"
        answers[email] = client.get(asked.location).text.replace(email, "ADDRESS")
    assert len(set(answers.values())) == 1
    assert [m["To"] for m in deliver_mail(app)] == ["ann@example.com"]


def test_a_staff_link_dies_when_the_account_is_deactivated(app, session):
    make_staff(app, "ann@example.com", "marketing")
    client = app.test_client()
    client.get(emailed_link(app, client, "ann@example.com", "/admin/forgot-password"))
    session.scalar(select(Staff)).active = False
    session.commit()
    assert client.get("/admin/reset").status_code == 410


def test_a_customers_link_opens_nothing_in_the_admin_and_a_staff_link_nothing_in_my_account(app):
    make_account(app)
    make_staff(app, "ana@example.com", "marketing")
    client = app.test_client()
    customer_link = emailed_link(app, client)
    staff_link = emailed_link(app, client, path="/admin/forgot-password")
    token = customer_link.rpartition("token=")[2]
    client.get(f"/admin/reset?token={token}")
    assert client.get("/admin/reset").status_code == 410
    client.get("/account/reset?token=" + staff_link.rpartition("token=")[2])
    assert client.get("/account/reset").status_code == 410
