"""Sign-in security (issue 15): where `next` may lead, customers' server-side sessions,
the same answer and the same work whatever was wrong, failed-attempt locks, and the rate limit
on username availability checks.
"""
from __future__ import annotations

from html import unescape

import pytest

from wizard.account.models import Account
from wizard.core.extensions import db
from wizard.core.models import Customer
from wizard.core.passwords import hash_password

from .admin_helpers import STAFF_PASSWORD, AdminClient, csrf_of, make_staff
from .helpers import PASSWORD

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
