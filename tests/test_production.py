"""What production relies on: health, compression, cacheable static files, shared rate limits."""
from __future__ import annotations

import gzip
import os
import re

import pytest
from sqlalchemy import text

from wizard.core.extensions import db

from .helpers import Wizard

REDIS = os.environ.get("TEST_REDIS_URL")


def test_healthz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_readyz_checks_database_and_migrations(app, client):
    assert client.get("/readyz").get_json() == {"status": "ok", "database": "ok", "migrations": "at head"}
    with db.engine(app).begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'old'"))
    response = client.get("/readyz")
    assert response.status_code == 503 and response.get_json()["migrations"] == "behind head"


def test_pages_are_gzipped(client):
    response = client.get("/signup/zip", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert b"Your ZIP code" in gzip.decompress(response.data)


def test_static_files_have_hashed_names_and_long_cache(client):
    page = client.get("/signup/zip").get_data(as_text=True)
    css = re.search(r'href="(/static/app\.[0-9a-f]{12}\.css)"', page).group(1)
    js = re.search(r'src="(/static/htmx\.min\.[0-9a-f]{12}\.js)"', page).group(1)
    for url in (css, js):
        response = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200
        assert "max-age=31536000" in response.headers["Cache-Control"] and "immutable" in response.headers["Cache-Control"]
        assert response.headers["Content-Encoding"] == "gzip"
    plain = client.get("/static/app.css")
    assert plain.status_code == 200 and "no-cache" in plain.headers["Cache-Control"]
    assert client.get("/static/../wizard/__init__.py").status_code == 404
    assert client.get("/static/nope.css").status_code == 404


def test_static_files_do_not_vary_on_the_cookie_or_set_one(wizard):
    """A shared cache may keep a static file: the session is neither read into Vary nor re-sent."""
    wizard.walk(until="plans")  # a customer with a draft, hence a session cookie
    page = wizard.get("/signup/plans")
    assert "Cookie" in page.headers["Vary"]  # pages do depend on the session
    css = re.search(r'href="(/static/app\.[0-9a-f]{12}\.css)"', page.get_data(as_text=True)).group(1)
    for client in (wizard.client, wizard.client.application.test_client()):  # with and without a cookie
        response = client.get(css, headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200
        vary = [v.strip() for v in response.headers.get("Vary", "").split(",")]
        assert "Cookie" not in vary and "Accept-Encoding" in vary
        assert "Set-Cookie" not in response.headers
    assert wizard.get("/signup/plans").status_code == 200  # the customer's session is untouched
    assert "Choose a plan" in wizard.get("/signup/plans").get_data(as_text=True)


def test_rate_limit_counters_are_shared_between_processes_through_redis(make_app):
    if not REDIS:  # fail, not skip: a skipped test would pass unseen
        pytest.fail("Redis is needed and TEST_REDIS_URL is not set: run scripts/test.sh (it starts a throwaway "
                    "server), or set TEST_REDIS_URL=redis://HOST:PORT/0.", pytrace=False)
    import redis
    redis.Redis.from_url(REDIS).flushdb()
    settings = dict(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=REDIS, LOOKUP_RATE_LIMIT="3 per minute")
    first, second = Wizard(make_app(**settings).test_client()), Wizard(make_app(**settings).test_client())
    assert [first.post("/signup/zip", {"zip": "10001"}).status_code for _ in range(2)] == [303, 303]
    assert second.post("/signup/zip", {"zip": "10001"}).status_code == 303
    assert second.post("/signup/zip", {"zip": "10001"}).status_code == 429  # the 4th, counted across apps
