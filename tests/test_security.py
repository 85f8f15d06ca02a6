"""Protections an outside scan probed (issue 15): each test is the probe, answered as a user sees it.

docs/security.md maps each test here to the protection and the ASVS 5.0 requirement it proves.
"""
from __future__ import annotations

import http.client
import io
import json
import os
import re
import stat
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from html import unescape
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from billing.filedrop import FileDrop
from billing.models import Enrollment
from wizard import create_app
from wizard.admin.models import AuditEntry
from wizard.core.extensions import db
from wizard.signup import drafts
from wizard.signup.models import Draft

from .admin_helpers import signed_in
from .billing_fixtures import free_port
from .helpers import DALLAS_SWITCH, Wizard

ROOT = Path(__file__).resolve().parent.parent


def draft_size(session) -> int:
    """Characters of the (only) draft's stored answers."""
    session.expire_all()
    return len(json.dumps(session.scalar(select(Draft)).answers))


def back_from_promo(wizard: Wizard, promo: str):
    """Type `promo` on the promo step, then press the page's Back button."""
    return wizard.post("/signup/promo", {"promo": promo, "nav": "back"})


# --- item 4: unbounded storage ------------------------------------------------------------------

def test_a_15_mb_field_sent_with_back_is_refused_and_not_stored(wizard, session):
    wizard.answer("zip", {"zip": "75201"})
    before = draft_size(session)
    response = back_from_promo(wizard, "A" * 15_000_000)
    assert response.status_code == 413
    assert "That was too much to send" in unescape(response.get_data(as_text=True))
    assert draft_size(session) == before


def test_back_does_not_keep_a_value_longer_than_any_answer(wizard, session):
    wizard.answer("zip", {"zip": "75201"})
    response = back_from_promo(wizard, "A" * (drafts.MAX_UNSAVED_CHARS + 1))
    assert response.status_code == 303  # Back still goes back
    assert draft_size(session) < 1000
    assert 'value="AAAA' not in wizard.get("/signup/promo").get_data(as_text=True)


def test_back_keeps_a_long_but_legal_value(wizard, session):
    wizard.answer("zip", {"zip": "75201"})
    typed = "S" * drafts.MAX_UNSAVED_CHARS
    assert back_from_promo(wizard, typed).status_code == 303
    page = unescape(wizard.get("/signup/promo").get_data(as_text=True))
    assert f'value="{typed}"' in page  # shown again, exactly as typed


def test_unsaved_input_of_a_draft_stays_under_its_cap_oldest_page_dropped_first():
    page = {f"field{i}": "x" * drafts.MAX_UNSAVED_CHARS for i in range(10)}  # about 20 KB a page
    unsaved: dict = {}
    for slug in ("zip", "promo", "about-you", "premise", "credentials"):
        unsaved = drafts.keep_unsaved(unsaved, slug, page)
    assert len(json.dumps(unsaved)) <= drafts.MAX_UNSAVED_BYTES
    assert list(unsaved) == ["about-you", "premise", "credentials"]  # the newest pages are kept
    assert unsaved["credentials"] == page


def test_the_admin_uploads_keep_their_larger_limit(app):
    admin = signed_in(app, "marketing")
    lines = b"".join(b"%05d,tnmp\n" % n for n in range(10_000, 35_000))
    big = b"zip,utility\n" + lines  # 275 KB: more than any other form may send
    response = admin.post("/admin/catalog/zip-map", {"file": (io.BytesIO(big), "zips.csv")},
                          content_type="multipart/form-data", follow_redirects=True)
    assert response.status_code == 200, response.status_code
    assert "Imported 25000 ZIP code(s)" in unescape(response.text)


def test_an_oversized_admin_form_is_refused_with_the_admin_page(app):
    admin = signed_in(app, "marketing")
    response = admin.post("/admin/promos/new", {"code": "X" * 300_000})
    assert response.status_code == 413
    assert "Uploads can be at most 16 MB" in unescape(response.text)


# --- item 5: the client's address behind a proxy --------------------------------------------------

BALANCER = "10.0.0.5"


def through_balancer(app, forwarded_for: str) -> Wizard:
    """A customer reaching the app through a load balancer that adds X-Forwarded-For."""
    client = app.test_client()
    client.environ_base.update(REMOTE_ADDR=BALANCER, HTTP_X_FORWARDED_FOR=forwarded_for)
    return Wizard(client)


def consent_ip(session) -> str:
    session.expire_all()
    return session.scalar(select(Enrollment)).consent["ip"]


@pytest.mark.parametrize("hops, recorded", [(1, "203.0.113.7"), (0, BALANCER)])
def test_the_consent_record_stores_the_customers_address_only_from_a_trusted_proxy(make_app, session, hops,
                                                                                   recorded):
    customer = through_balancer(make_app(PROXY_TRUSTED_HOPS=hops), "203.0.113.7")
    customer.walk()
    assert customer.submit().location.endswith("/signup/confirmation")
    assert consent_ip(session) == recorded


def test_behind_a_trusted_proxy_each_customer_has_their_own_rate_limit(make_app):
    app = make_app(PROXY_TRUSTED_HOPS=1, RATELIMIT_ENABLED=True, LOOKUP_RATE_LIMIT="2 per minute")
    first, second = through_balancer(app, "203.0.113.7"), through_balancer(app, "198.51.100.9")
    assert [first.post("/signup/zip", {"zip": "75201"}).status_code for _ in range(3)] == [303, 303, 429]
    assert second.post("/signup/zip", {"zip": "75201"}).status_code == 303  # not the first one's bucket


def test_without_a_trusted_proxy_a_forged_forwarded_for_does_not_escape_the_rate_limit(make_app):
    app = make_app(RATELIMIT_ENABLED=True, LOOKUP_RATE_LIMIT="2 per minute")  # PROXY_TRUSTED_HOPS: 0
    customer = through_balancer(app, "203.0.113.7")
    assert [customer.post("/signup/zip", {"zip": "75201"}).status_code for _ in range(2)] == [303, 303]
    customer.client.environ_base["HTTP_X_FORWARDED_FOR"] = "198.51.100.9"  # pretends to be someone else
    limited = customer.post("/signup/zip", {"zip": "75201"})
    assert limited.status_code == 429 and "Too many attempts" in limited.get_data(as_text=True)


# --- item 6: lower ------------------------------------------------------------------------------

@pytest.mark.parametrize("role, path, status, message", [
    ("operations", "/admin/enrollments", 422, "Enter a page number from 1 to 100,000."),
    ("marketing", "/admin/plans", 422, "Enter a page number from 1 to 100,000."),
    ("admin", "/admin/audit", 404, "Page not found"),
])
def test_a_page_number_past_any_list_is_refused_plainly(app, role, path, status, message):
    staff = signed_in(app, role)
    for page in ("99999999999999999999", "100001", "0", "-1", "1e3", "٣"):
        response = staff.get(f"{path}?page={page}")
        assert response.status_code == status, (page, response.status_code)
        assert message in unescape(response.text)
    assert staff.get(f"{path}?page=100000").status_code in (200, 404)  # the largest page one may ask for


def test_two_staff_changing_the_same_row_at_once_get_a_reload_page_not_a_500(app, session, caplog):
    first = signed_in(app, "marketing", "first@example.com")
    second = signed_in(app, "marketing", "second@example.com")
    page = second.get("/admin/plans/SAVER12").text
    row = re.findall(r"/admin/plans/SAVER12/visibility/(\d+)/end", page)[-1]  # the web row
    fired = []

    def first_removes_it_meanwhile(flushing, _context, _instances):
        """The second's change is read and about to be written when the first's removal commits."""
        if not fired:
            fired.append("second")
            with ThreadPoolExecutor(1) as other:  # another thread: the first's own request and session
                removal = other.submit(first.post, f"/admin/plans/SAVER12/visibility/{row}/remove")
                fired.append(removal.result(timeout=60).status_code)

    event.listen(Session, "before_flush", first_removes_it_meanwhile)
    try:
        response = second.post(f"/admin/plans/SAVER12/visibility/{row}/end")
    finally:
        event.remove(Session, "before_flush", first_removes_it_meanwhile)
    assert fired == ["second", 303]
    assert response.status_code == 409
    assert "Someone else changed this" in unescape(response.text)
    assert "Reload the page to see the current version" in unescape(response.text)
    assert "conflict on POST /admin/plans/SAVER12/visibility" in caplog.text
    session.expire_all()
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.entity_type == "visibility")).all()
    assert actions == ["hide"]  # the first's removal; the second's change left nothing behind
    assert second.get("/admin/plans/SAVER12").status_code == 200  # reloading works


BOMB = ('<?xml version="1.0"?>\n<!DOCTYPE ProspectStatus [\n <!ENTITY a "aaaaaaaaaa">\n'
        + "".join(f' <!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">\n' for i in range(8))
        + ']>\n<ProspectStatus><EnrollmentNumber>EN-TEST0000</EnrollmentNumber><Status>accepted</Status>'
          '<Reason>&i;</Reason></ProspectStatus>')  # a billion a's once expanded
EXTERNAL = ('<?xml version="1.0"?>\n<!DOCTYPE ProspectStatus [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
            '<ProspectStatus><EnrollmentNumber>EN-TEST0000</EnrollmentNumber><Status>rejected</Status>'
            '<Reason>&x;</Reason></ProspectStatus>')
INTERNAL = ('<?xml version="1.0"?>\n<!DOCTYPE ProspectStatus [<!ENTITY n "EN-TEST0000">]>\n'
            '<ProspectStatus><EnrollmentNumber>&n;</EnrollmentNumber><Status>accepted</Status></ProspectStatus>')


@pytest.mark.parametrize("content", [BOMB, EXTERNAL, INTERNAL], ids=["xml-bomb", "external-entity", "entity"])
def test_a_status_file_with_entities_is_set_aside_unexpanded(tmp_path, content):
    inbox = tmp_path / "status"
    inbox.mkdir()
    (inbox / "answer.xml").write_text(content)
    assert FileDrop(tmp_path / "drop", inbox).statuses([]) == []  # nothing taken from it
    assert sorted(p.name for p in (inbox / "bad").iterdir()) == ["answer.xml", "answer.xml.error.txt"]
    reason = (inbox / "bad" / "answer.xml.error.txt").read_text()
    assert "a DTD or entity declaration is not allowed" in reason
    assert "root:" not in reason and len(reason) < 500  # no file contents, no expansion


def production_app(tmp_path, **settings):
    """An app as production builds it: DATABASE_URL set, not testing."""
    return create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'production.db'}", "SECRET_KEY": "production",
                       "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(), "BILLING_DRAIN_IN_PROCESS": False,
                       "BILLING_DROP_DIR": str(tmp_path / "drop"), **settings})


@pytest.fixture
def instance(tmp_path, monkeypatch):
    """The instance folder of apps made in this test."""
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    return tmp_path / "instance"


def test_production_refuses_to_start_without_https_cookies(tmp_path, instance):
    with pytest.raises(RuntimeError, match="SESSION_COOKIE_SECURE must be on when DATABASE_URL is set.*"
                                           "ALLOW_INSECURE_HTTP=1"):
        production_app(tmp_path)


def test_production_over_https_sends_secure_cookies_and_hsts(tmp_path, instance):
    app = production_app(tmp_path, SESSION_COOKIE_SECURE=True)
    try:
        response = app.test_client().get("/signup/zip")
        assert response.status_code == 200 and "Your ZIP code" in response.get_data(as_text=True)
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        assert "; Secure" in response.headers["Set-Cookie"]
    finally:
        db.engine(app).dispose()


def test_plain_http_in_production_only_when_said_so_and_then_without_hsts(tmp_path, instance):
    app = production_app(tmp_path, ALLOW_INSECURE_HTTP=True)
    try:
        response = app.test_client().get("/signup/zip")
        assert response.status_code == 200 and "Strict-Transport-Security" not in response.headers
    finally:
        db.engine(app).dispose()


def test_the_instance_folder_and_sqlite_database_are_private_to_their_owner(instance):
    instance.mkdir(mode=0o755)
    os.chmod(instance, 0o755)  # as an older version left it
    keys = instance / "secret_key"  # generated at first start
    app = create_app({"TESTING": True, "DATABASE_URL": None, "RATELIMIT_ENABLED": False})
    try:
        assert stat.S_IMODE(instance.stat().st_mode) == 0o700
        assert stat.S_IMODE((instance / "wizard.db").stat().st_mode) == 0o600
        assert stat.S_IMODE(keys.stat().st_mode) == 0o600
        assert app.test_client().get("/signup/zip").status_code == 200  # the database works
        for journal in instance.glob("wizard.db-*"):  # SQLite's WAL and shared memory files
            assert stat.S_IMODE(journal.stat().st_mode) & 0o077 == 0, journal
    finally:
        db.engine(app).dispose()


def test_an_existing_world_readable_database_is_made_private(tmp_path, instance):
    database = tmp_path / "old.db"
    database.touch()
    os.chmod(database, 0o644)
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{database}", "RATELIMIT_ENABLED": False,
                      "SECRET_KEY": "t", "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode()})
    db.engine(app).dispose()
    assert stat.S_IMODE(database.stat().st_mode) == 0o600


# --- the Server header names no version ------------------------------------------------------------

def server_headers(url: str) -> list[str]:
    """Every Server header of a GET of `url`, as the client received them."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("GET", parts.path)
        response = connection.getresponse()
        response.read()
        return response.msg.get_all("Server") or []
    finally:
        connection.close()


def test_gunicorn_with_our_config_names_no_version(tmp_path):
    port = free_port()
    env = {**os.environ, "INSTANCE_PATH": str(tmp_path / "instance"), "BIND": f"127.0.0.1:{port}",
           "WEB_CONCURRENCY": "1", "BILLING_DRAIN_IN_PROCESS": "0", "SECRET_KEY": "g",
           "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode()}
    env.pop("DATABASE_URL", None)
    with open(tmp_path / "gunicorn.log", "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "wsgi:app"],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                headers = server_headers(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "gunicorn.log").read_text()
                time.sleep(0.1)
        assert headers == ["gunicorn"]  # one header, no version
    finally:
        proc.terminate()
        proc.wait(timeout=30)


# --- existing protection without a test of its own: output escaping --------------------------------

def test_markup_typed_into_a_field_comes_back_as_text(wizard):
    typed = '"><script>alert(1)</script>'
    wizard.answer("zip", {"zip": "75201"})
    refused = wizard.post("/signup/promo", {"promo": typed})  # echoed in the field (WTForms escapes)
    assert refused.status_code == 422
    wizard.walk({**DALLAS_SWITCH, "premise": {**DALLAS_SWITCH["premise"], "service_line2": typed}})
    review = wizard.get("/signup/review")  # shown in the page's text (Jinja autoescaping)
    for page in (refused.get_data(as_text=True), review.get_data(as_text=True)):
        assert "<script>alert(1)</script>" not in page  # never markup
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # shown back as the text that was typed
