"""Staff accounts and signed-in admin clients for the admin tests."""
from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from wizard.admin.staff_accounts import create_staff
from wizard.core.extensions import db

STAFF_PASSWORD = "staple battery horse correct"


def make_staff(app: Flask, email: str, role: str, password: str = STAFF_PASSWORD) -> int:
    """Create a staff account directly in the database; answer its id."""
    with app.app_context(), db.sessionmaker(app)() as session:
        staff = create_staff(session, email, role, password, actor="test")
        session.commit()
        return staff.id


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


class AdminClient:
    """A browser-like client signed in to the admin area: every POST carries the page's CSRF token."""

    def __init__(self, client: FlaskClient):
        self.client = client
        self._token = ""

    def get(self, path: str, **kwargs):
        response = self.client.get(path, **kwargs)
        if 'name="csrf_token"' in response.text:
            self._token = csrf_of(response.text)
        return response

    def post(self, path: str, data: dict | None = None, **kwargs):
        if not self._token:
            self.get("/admin/")
        return self.client.post(path, data={"csrf_token": self._token, **(data or {})}, **kwargs)

    def sign_in(self, email: str, password: str = STAFF_PASSWORD):
        page = self.client.get("/admin/login")
        response = self.client.post("/admin/login", data={"csrf_token": csrf_of(page.text), "email": email,
                                                          "password": password})
        self._token = ""
        return response


def signed_in(app: Flask, role: str, email: str | None = None) -> AdminClient:
    """A new client signed in as a new staff member with `role`."""
    email = email or f"{role}@example.com"
    make_staff(app, email, role)
    admin = AdminClient(app.test_client())
    response = admin.sign_in(email)
    assert response.status_code == 303, response.text
    return admin
