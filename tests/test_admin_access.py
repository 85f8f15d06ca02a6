"""Every admin route (and the agents' Quick Enrollment under /admin/agent/) checks sign-in and
role on the server, for every method it accepts."""
from __future__ import annotations

import re

import pytest
from cryptography.fernet import Fernet

from wizard import create_app
from wizard.admin.guard import PUBLIC, ROLES_OF
from wizard.core.extensions import db

from .admin_helpers import AdminClient, signed_in

ROLES = ("marketing", "operations", "agent", "admin")


def _admin_routes() -> list[tuple[str, str, str]]:
    """(method, path with placeholder values, endpoint) of every admin URL rule."""
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "FIELD_ENCRYPTION_KEYS": "x" * 43 + "=",
                      "DATABASE_URL": "sqlite://", "AUTO_MIGRATE": False})
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith(("admin.", "agents.")) or rule.endpoint in PUBLIC:
            continue
        path = re.sub(r"<(?:int:)?[^>]+>", lambda m: "999999" if m.group(0).startswith("<int:") else "NOPE", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((method, path, rule.endpoint))
    return routes


ROUTES = _admin_routes()


@pytest.fixture
def role_app(tmp_path):
    """The role checks run before any query: SQLite alone (the guard is the same on PostgreSQL)."""
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'roles.db'}", "RATELIMIT_ENABLED": False,
                      "BILLING_DROP_DIR": str(tmp_path / "drop")})
    yield app
    db.engine(app).dispose()


def test_every_admin_endpoint_declares_its_roles():
    assert ROUTES, "no admin routes found"
    assert {endpoint for _, _, endpoint in ROUTES} <= set(ROLES_OF)


@pytest.mark.parametrize("method, path, endpoint", ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_anonymous_visitors_are_sent_to_sign_in(app, method, path, endpoint):
    client = AdminClient(app.test_client())
    client.get("/admin/login")  # a valid CSRF token, so only the sign-in check can refuse
    response = client.client.open(path, method=method, data={"csrf_token": client._token})
    assert response.status_code in (302, 303)
    assert response.location.startswith("/admin/login")


@pytest.mark.parametrize("method, path, endpoint", ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_each_role_gets_exactly_its_pages(role_app, method, path, endpoint):
    app = role_app
    allowed = ROLES_OF[endpoint]
    for role in ROLES:
        admin = signed_in(app, role, f"{role}@example.com")
        response = admin.post(path) if method == "POST" else admin.client.open(path, method=method)
        if role == "admin" or not allowed or role in allowed:
            assert response.status_code != 403, (role, response.status_code)
            assert response.status_code < 500
        else:
            assert response.status_code == 403, (role, response.status_code)
            assert "Your staff role does not include this page." in response.text


POSTS = [(m, p, e) for m, p, e in ROUTES if m == "POST"]


@pytest.mark.parametrize("method, path, endpoint", POSTS, ids=[p for _, p, _ in POSTS])
def test_every_admin_post_without_its_csrf_token_is_refused(role_app, method, path, endpoint):
    admin = signed_in(role_app, "admin", "root@example.com")
    response = admin.client.post(path, data={})
    assert response.status_code == 400
    assert "Go back, reload the page and send it again." in response.text
