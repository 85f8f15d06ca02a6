"""The partner Enrollment API over HTTP, on SQLite and PostgreSQL: a partner's script looks up plans
and premises, enrolls, replays, reads the status; every answer (errors included) is checked
against the committed OpenAPI document, and none is a 500."""
from __future__ import annotations

import copy
import threading
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from billing.models import Enrollment, OutboxItem
from wizard.api import keys
from wizard.api.models import ApiKey
from wizard.catalog.models import Plan, Utility
from wizard.catalog.pricing import price_table
from wizard.core.extensions import db

from .api_helpers import SPEC, Api, add_affiliate, check_against_spec, make_key, pointer, serve, validator

#: A Texas switch at a Dallas premise of the demo extract, on ACME's own plan, consent by TPV call.
ENROLLMENT = {
    "zip": "75201", "customer_type": "residential", "referral": "friend", "plan": "PARTNER12",
    "first_name": "Ana", "last_name": "Garza", "email": "ana@example.com", "phone": "(214) 555-0100",
    "language": "en", "contact_method": "email", "date_of_birth": "1980-03-27", "identity_value": "234-56-7890",
    "service_line1": "100 Main St", "service_city": "Dallas", "billing_same": "yes",
    "esi_id": "10443720748526057", "enrollment_type": "switch", "start_timing": "first_available",
    "consent": {"method": "phone", "reference": "TPV-2026-0042", "at": "2026-12-01T15:30:00-06:00"},
}


@pytest.fixture
def app(make_app):
    return make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://", API_RATE_LIMIT="1000 per minute")


@pytest.fixture
def base_url(app):
    with serve(app) as url:
        yield url


@pytest.fixture
def acme(app, base_url) -> Api:
    return Api(base_url, make_key(app, "ACME"))


def new_key() -> str:
    return str(uuid.uuid4())


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def stored(app, number: str) -> Enrollment:
    with app.app_context():
        return db.session.scalar(select(Enrollment).where(Enrollment.number == number))


# --- enrolling -----------------------------------------------------------------------------------

def test_a_partner_enrolls_a_customer_and_reads_its_status(app, acme):
    assert not list(validator(pointer("components", "schemas", "EnrollmentRequest")).iter_errors(ENROLLMENT))
    answer = acme.enroll(ENROLLMENT, new_key())
    assert answer.status_code == 201, answer.text
    created = answer.json()
    assert created["number"].startswith("EN-") and created["status"] == "New Enrollment Saved"
    assert answer.headers["Location"] == created["links"]["self"] == f"/api/v1/enrollments/{created['number']}"

    enrollment = stored(app, created["number"])
    assert (enrollment.channel, enrollment.affiliate_code, enrollment.plan_code) == ("api", "ACME", "PARTNER12")
    assert enrollment.esi_id == "10443720748526057"
    assert enrollment.consent["method"] == "phone" and "TPV-2026-0042" in str(enrollment.consent)
    assert count(app, OutboxItem, OutboxItem.enrollment_id == enrollment.id) == 1

    status = acme.get(created["links"]["self"].removeprefix("/api/v1"))
    assert status.status_code == 200
    read = status.json()
    assert (read["number"], read["status"], read["plan"], read["utility"]) == (
        created["number"], "New Enrollment Saved", "PARTNER12", "oncor")
    assert read["history"] and read["history"][-1]["to"] == "New Enrollment Saved"
    assert "Garza" not in status.text and "234-56" not in status.text  # nothing personal in the answer


def test_a_replay_gets_the_same_answer_and_makes_nothing_more(app, acme):
    key = new_key()
    first = acme.enroll(ENROLLMENT, key)
    assert first.status_code == 201, first.text
    # The same body, keys in another order: the same request.
    reordered = dict(reversed(list(copy.deepcopy(ENROLLMENT).items())))
    again = acme.enroll(reordered, key)
    assert again.status_code == 201
    assert again.text == first.text and again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    number = first.json()["number"]
    assert count(app, Enrollment, Enrollment.affiliate_code == "ACME") == 1
    assert count(app, OutboxItem, OutboxItem.enrollment_id == stored(app, number).id) == 1


def test_simultaneous_requests_with_one_key_make_one_enrollment(app, acme):
    key, answers, barrier = new_key(), [], threading.Barrier(6)

    def send() -> None:
        client = Api(acme.base_url, acme.key)
        barrier.wait()
        answers.append(client.enroll(ENROLLMENT, key))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    codes = sorted(a.status_code for a in answers)
    assert len(codes) == 6 and set(codes) <= {201, 409}, codes
    assert 201 in codes
    numbers = {a.json()["number"] for a in answers if a.status_code == 201}
    assert len(numbers) == 1
    for busy in (a for a in answers if a.status_code == 409):
        assert busy.headers["Retry-After"] == "1" and "still being answered" in busy.json()["detail"]
    assert acme.enroll(ENROLLMENT, key).json()["number"] == numbers.pop()  # the retry gets the answer
    assert count(app, Enrollment, Enrollment.affiliate_code == "ACME") == 1
    assert count(app, OutboxItem) == 1


def test_the_same_key_with_another_body_is_refused(app, acme):
    key = new_key()
    assert acme.enroll(ENROLLMENT, key).status_code == 201
    other = acme.enroll({**ENROLLMENT, "first_name": "Beto"}, key)
    assert other.status_code == 422
    assert other.json()["type"].endswith("/idempotency-key-reused")
    assert "another body" in other.json()["detail"]
    assert count(app, Enrollment, Enrollment.affiliate_code == "ACME") == 1


@pytest.mark.parametrize("header, kind", [(None, "idempotency-key-missing"), ("", "idempotency-key-invalid"),
                                          ("has space", "idempotency-key-invalid"),
                                          ("x" * 256, "idempotency-key-invalid")])
def test_a_post_needs_a_usable_idempotency_key(app, acme, header, kind):
    answer = acme.enroll(ENROLLMENT, header)
    assert answer.status_code == 400
    assert answer.json()["type"].endswith("/" + kind) and "Idempotency-Key" in answer.json()["detail"]
    assert count(app, Enrollment) == 0


def test_a_long_idempotency_key_still_makes_one_enrollment(app, acme):
    key = "k" * 255  # longer than the enrollment's submission key can hold: hashed into it
    first, again = acme.enroll(ENROLLMENT, key), acme.enroll(ENROLLMENT, key)
    assert first.status_code == again.status_code == 201 and first.text == again.text
    assert count(app, Enrollment) == 1


def test_a_plan_not_offered_to_the_partner_is_refused_by_its_field(app, acme):
    key = new_key()
    refused = acme.enroll({**ENROLLMENT, "plan": "SAVER12"}, key)  # a web plan, not on ACME's plan set
    assert refused.status_code == 422
    problem = refused.json()
    assert problem["type"].endswith("/invalid") and problem["errors"]["plan"]
    assert count(app, Enrollment) == 0
    # Nothing was enrolled, so the key is free again for the corrected body.
    assert acme.enroll(ENROLLMENT, key).status_code == 201


def test_every_invalid_answer_is_listed_by_field(app, acme):
    body = {**ENROLLMENT, "email": "not an email", "esi_id": "123", "phone": ""}
    refused = acme.enroll(body, new_key())
    assert refused.status_code == 422
    errors = refused.json()["errors"]
    assert set(errors) == {"email", "esi_id", "phone"}, errors  # every error at once, by the wizard's rules
    assert "17 or 22 digits" in errors["esi_id"][0] and "email address" in errors["email"][0]
    assert count(app, Enrollment) == 0


# --- bad requests: 4xx problem details, never a 500 ----------------------------------------------

BAD_BODIES = [
    ("not JSON", {"data": b"{not json", "headers": {"Content-Type": "application/json"}}, 400, "not-json"),
    ("not UTF-8", {"data": b'{"zip": "\xff"}', "headers": {"Content-Type": "application/json"}}, 400, "not-json"),
    ("nested too deep", {"data": b"[" * 100_000 + b"]" * 100_000, "headers": {"Content-Type": "application/json"}},
     400, "not-json"),
    ("a form, not JSON", {"data": {"zip": "75201"}}, 415, "unsupported-media-type"),
    ("no body", {"data": b"", "headers": {"Content-Type": "application/json"}}, 400, "not-json"),
    ("huge", {"data": b'{"zip": "' + b"7" * 400_000 + b'"}', "headers": {"Content-Type": "application/json"}},
     413, "too-large"),
    ("an array", {"json": [ENROLLMENT]}, 422, "invalid"),
    ("a number for a field", {"json": {**ENROLLMENT, "zip": 75201}}, 422, "invalid"),
    ("an object for a field", {"json": {**ENROLLMENT, "plan": {"code": "PARTNER12"}}}, 422, "invalid"),
    ("an unknown field", {"json": {**ENROLLMENT, "favourite_colour": "green"}}, 422, "invalid"),
    ("no consent", {"json": {k: v for k, v in ENROLLMENT.items() if k != "consent"}}, 422, "invalid"),
    ("consent not an object", {"json": {**ENROLLMENT, "consent": "yes"}}, 422, "invalid"),
    ("an unknown consent method", {"json": {**ENROLLMENT, "consent": {"method": "telepathy"}}}, 422, "invalid"),
    ("phone consent without reference", {"json": {**ENROLLMENT, "consent": {"method": "phone"}}}, 422, "invalid"),
    ("consent time without offset", {"json": {**ENROLLMENT, "consent": {"method": "web", "at": "2026-12-01 10:00"}}},
     422, "invalid"),
    ("consent in the future", {"json": {**ENROLLMENT, "consent": {"method": "web", "at": "2999-01-01T00:00:00Z"}}},
     422, "invalid"),
    ("a NUL in a field", {"json": {**ENROLLMENT, "first_name": "An\u0000a"}}, 422, "invalid"),
    ("a lone surrogate", {"data": b'{"first_name": "\\ud800", "consent": {"method": "web"}}',
                          "headers": {"Content-Type": "application/json"}}, 422, "invalid"),
    ("a field far too long", {"json": {**ENROLLMENT, "last_name": "G" * 5000}}, 422, "invalid"),
]


@pytest.mark.parametrize("label, request_args, status, kind", BAD_BODIES, ids=[b[0] for b in BAD_BODIES])
def test_a_bad_body_gets_a_problem_and_changes_nothing(app, acme, label, request_args, status, kind):
    args = copy.deepcopy(request_args)
    answer = acme.enroll(None, new_key(), **args)
    assert answer.status_code == status, (label, answer.text[:300])
    assert answer.headers["Content-Type"] == "application/problem+json"
    problem = answer.json()
    assert problem["type"].endswith("/" + kind) and problem["detail"]
    if status == 422 and kind == "invalid":
        assert problem["errors"], problem
    assert count(app, Enrollment) == 0


def test_field_errors_name_the_field(app, acme):
    answer = acme.enroll({**ENROLLMENT, "zip": 75201, "favourite_colour": "green",
                          "consent": {"method": "phone"}}, new_key())
    errors = answer.json()["errors"]
    assert errors["zip"] == ["Give this as a JSON string."]
    assert errors["favourite_colour"][0].startswith("Unknown field")
    assert "consent.reference" in errors


def test_unknown_addresses_and_methods_are_problems(acme):
    missing = acme.get("/nothing-here")
    assert missing.status_code == 404 and missing.json()["title"] == "Not found"
    wrong = acme.request("DELETE", "/enrollments")
    assert wrong.status_code == 405 and "POST" in wrong.headers["Allow"]


# --- who may call --------------------------------------------------------------------------------

@pytest.mark.parametrize("authorization", [None, "Bearer ", "Bearer not-a-key", "Basic QUNNRTpzZWNyZXQ=",
                                           "Bearer " + "x" * 5000])
def test_no_key_or_a_wrong_key_is_401(app, base_url, authorization):
    headers = {"Authorization": authorization} if authorization is not None else {}
    answer = Api(base_url, None).enroll(ENROLLMENT, new_key(), headers=headers)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Authorization: Bearer" in answer.json()["detail"]
    assert Api(base_url, None).get("/plans?zip=75201&customer_type=residential", headers=headers).status_code == 401
    assert count(app, Enrollment) == 0


def test_a_revoked_key_is_401_and_a_closed_partner_403(app, acme):
    assert acme.get("/plans?zip=75201&customer_type=residential").status_code == 200
    with app.app_context():
        row = db.session.scalar(select(ApiKey).where(ApiKey.hash == keys.digest(acme.key)))
        assert row.last_used_at is not None and row.prefix == acme.key[:8]
        keys.revoke(db.session, row)
        db.session.commit()
    assert acme.enroll(ENROLLMENT, new_key()).status_code == 401
    add_affiliate(app, "SHUT", "Closed Partner", active=False)
    closed = Api(acme.base_url, make_key(app, "SHUT"))
    answer = closed.get("/plans?zip=75201&customer_type=residential")
    assert answer.status_code == 403 and "closed" in answer.json()["detail"]


def test_the_database_keeps_only_a_hash_of_a_key(app, acme):
    with app.app_context():
        row = db.session.scalar(select(ApiKey))
        assert acme.key not in (row.hash, row.prefix, row.name) and row.hash == keys.digest(acme.key)


def test_a_partner_reads_only_its_own_enrollments(app, acme):
    number = acme.enroll(ENROLLMENT, new_key()).json()["number"]
    add_affiliate(app, "ZAPP", "Zapp Power Deals")
    zapp = Api(acme.base_url, make_key(app, "ZAPP"))
    answer = zapp.get(f"/enrollments/{number}")
    assert answer.status_code == 404 and "no enrollment" in answer.json()["detail"].lower()
    assert acme.get("/enrollments/EN-NOSUCH1").status_code == 404
    # The same Idempotency-Key of another partner is another request altogether.
    assert zapp.enroll({**ENROLLMENT, "plan": "PARTNER12"}, "shared-key").status_code == 422  # not ZAPP's plan
    assert acme.enroll(ENROLLMENT, "shared-key").status_code == 201


def test_the_rate_limit_answers_429_with_retry_after(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://", API_RATE_LIMIT="3 per minute")
    with serve(app) as url:
        acme = Api(url, make_key(app, "ACME"))
        other = Api(url, make_key(app, "ACME", "second server"))
        for _ in range(3):
            assert acme.get("/plans?zip=75201&customer_type=residential").status_code == 200
        limited = acme.get("/plans?zip=75201&customer_type=residential")
        assert limited.status_code == 429
        assert 1 <= int(limited.headers["Retry-After"]) <= 60
        assert "3 per 1 minute" in limited.json()["detail"]
        assert acme.enroll(ENROLLMENT, new_key()).status_code == 429  # every endpoint counts
        assert other.get("/plans?zip=75201&customer_type=residential").status_code == 200  # per key
    assert count(app, Enrollment) == 0


# --- plans and premises --------------------------------------------------------------------------

def test_plans_are_the_partners_plan_set_with_average_prices(app, acme):
    answer = acme.get("/plans?zip=75201&customer_type=residential")
    assert answer.status_code == 200
    found = answer.json()
    assert found["served"] and found["utility"] == {"code": "oncor", "name": found["utility"]["name"]}
    assert [p["code"] for p in found["plans"]] == ["PARTNER12"]  # ACME's own; no web or agent plan
    plan = found["plans"][0]
    with app.app_context():
        expected = price_table(db.session.get(Plan, "PARTNER12"), db.session.get(Utility, "oncor"), [500, 1000, 2000])
    assert [(p["usage_kwh"], Decimal(p["cents_per_kwh"])) for p in plan["average_prices"]] == \
        [(p.usage_kwh, p.cents_per_kwh) for p in expected]
    assert (plan["energy_cents_per_kwh"], plan["base_fee"], plan["term_months"]) == ("11.5", "7.95", 12)
    assert plan["documents"]["efl"].endswith("/documents/PARTNER12/efl?utility=oncor")


def test_plans_ask_for_the_utility_of_a_split_zip_and_say_when_not_served(acme):
    split = acme.get("/plans?zip=77550&customer_type=residential")
    assert split.status_code == 422 and "several utilities" in split.json()["errors"]["utility"][0]
    chosen = acme.get("/plans?zip=77550&customer_type=residential&utility=tnmp")
    assert chosen.status_code == 200 and chosen.json()["utility"]["code"] == "tnmp"
    wrong = acme.get("/plans?zip=75201&customer_type=residential&utility=tnmp")
    assert wrong.status_code == 422 and "oncor" in wrong.json()["errors"]["utility"][0]
    not_served = acme.get("/plans?zip=10001&customer_type=residential")
    assert not_served.status_code == 200 and not_served.json()["served"] is False
    assert not_served.json()["plans"] == []
    missing = acme.get("/plans?zip=7520x")
    assert missing.status_code == 422 and set(missing.json()["errors"]) == {"zip", "customer_type"}
    assert acme.get("/plans?zip=75201&customer_type=residential&promo=NOPE").json()["errors"]["promo"]


def test_premises_are_found_by_address(acme):
    answer = acme.get("/premises?zip=75201&address=100 Main")
    assert answer.status_code == 200
    first = answer.json()["premises"][0]
    assert (first["esi_id"], first["address"], first["utility"], first["enrollable"]) == (
        "10443720748526057", "100 MAIN ST", "oncor", True)
    short = acme.get("/premises?zip=75201&address=10")
    assert short.status_code == 422 and "3 characters" in short.json()["errors"]["address"][0]
    assert acme.get("/premises?zip=75201&address=%00%00%00").status_code == 422


# --- the document and the implementation -----------------------------------------------------------

def test_every_documented_operation_is_served_and_every_route_documented(app):
    served = {(rule.rule.removeprefix("/api/v1"), method.lower())
              for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(path.replace("{", "<").replace("}", ">"), method)
                  for path, item in SPEC["paths"].items() for method in item if method in ("get", "post", "put", "delete")}
    assert served == documented


def test_the_document_is_served_as_committed(base_url):
    import requests

    answer = requests.get(base_url + "/api/v1/openapi.json", timeout=10)
    assert answer.status_code == 200 and answer.json() == SPEC
    assert SPEC["openapi"].startswith("3.1")
    check_against_spec("GET", "/openapi.json", answer)
    for name in ("invalid", "idempotency-key-reused", "rate-limited"):
        assert name in SPEC["x-problems"]


# --- staff make and revoke keys --------------------------------------------------------------------

def test_an_admin_creates_a_key_shown_once_and_revokes_it(app, base_url):
    import re

    from wizard.admin.models import AuditEntry

    from .admin_helpers import signed_in

    admin = signed_in(app, "admin")
    page = admin.get("/admin/api-keys?affiliate=ACME")
    assert page.status_code == 200 and "No API keys yet." in page.text
    assert '<option selected value="ACME">' in page.text
    refused = admin.post("/admin/api-keys", {"affiliate": "ACME", "name": ""})
    assert refused.status_code == 422 and "Say what the key is for" in refused.text
    made = admin.post("/admin/api-keys", {"affiliate": "ACME", "name": "production server"})
    assert made.status_code == 200 and "Copy the new key now" in made.text
    secret = re.search(r'id="new-key" class="api-key" type="text" value="([^"]+)"', made.text).group(1)
    assert "Set-Cookie" not in made.headers or secret not in made.headers["Set-Cookie"]
    listed = admin.get("/admin/api-keys")
    assert secret not in listed.text and f"{secret[:8]}…" in listed.text and "production server" in listed.text
    assert "Never" in listed.text  # not used yet

    partner = Api(base_url, secret)
    assert partner.get("/plans?zip=75201&customer_type=residential").status_code == 200
    with app.app_context():
        row = db.session.scalar(select(ApiKey))
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "api_key")).all()
        assert [e.action for e in entries] == ["create"] and entries[0].actor == "admin@example.com"
        assert secret not in str(entries[0].after) and entries[0].after["prefix"] == secret[:8]
    revoked = admin.post(f"/admin/api-keys/{row.id}/revoke", follow_redirects=True)
    assert "revoked: requests with it now get 401" in revoked.text
    assert partner.get("/plans?zip=75201&customer_type=residential").status_code == 401
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.entity_type == "api_key")).all()
        assert actions == ["create", "revoke"]


def test_only_admins_manage_api_keys(app):
    from .admin_helpers import signed_in

    marketing = signed_in(app, "marketing")
    assert marketing.get("/admin/api-keys").status_code == 403
    assert marketing.post("/admin/api-keys", {"affiliate": "ACME", "name": "x"}).status_code == 403
    assert "API keys" not in marketing.get("/admin/catalog/affiliates").text


def test_purged_answers_still_make_no_second_enrollment(app, acme):
    key = new_key()
    first = acme.enroll(ENROLLMENT, key)
    app.config["API_IDEMPOTENCY_HOURS"] = 0
    result = app.test_cli_runner().invoke(args=["api", "purge"])
    assert "Purged 1 stored API answer(s)" in result.output
    # The stored answer is gone, but the key is also the enrollment's submission key.
    again = acme.enroll(ENROLLMENT, key)
    assert again.status_code == 201 and again.json()["number"] == first.json()["number"]
    assert count(app, Enrollment) == 1


def test_a_signed_contract_is_recorded_by_its_reference(app, acme):
    body = {**ENROLLMENT, "consent": {"method": "signed_contract", "reference": "ACME-CONTRACT-7781"}}
    answer = acme.enroll(body, new_key())
    assert answer.status_code == 201, answer.text
    consent = stored(app, answer.json()["number"]).consent
    assert consent["method"] == "signed_contract" and consent["document"] == "ACME-CONTRACT-7781"
    assert consent["made_by"] == "ACME" and consent["statements"]  # the statements' exact texts are kept


# --- several processes: the replay and the rate limit live in the database and Redis -------------

def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_ready(url: str, proc) -> None:
    import time
    import urllib.request

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"gunicorn exited with {proc.returncode}"
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(url)


def test_two_gunicorn_servers_share_replays_and_the_rate_limit(postgres_template, tmp_path):
    """Production's shape: two gunicorn servers of two workers each on one PostgreSQL and one Redis.
    A key raced on both makes one enrollment, either server replays it, and the key's requests are
    counted together."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from cryptography.fernet import Fernet

    from wizard import create_app

    from .postgres import fresh_database

    redis_url = os.environ.get("TEST_REDIS_URL")
    if not redis_url:  # fail, not skip: a skipped test would pass unseen
        pytest.fail("Redis is needed and TEST_REDIS_URL is not set: run scripts/test.sh.", pytrace=False)
    root = Path(__file__).resolve().parent.parent
    with fresh_database("api", template=postgres_template) as url:
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "api-two-servers",
               "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(), "ALLOW_INSECURE_HTTP": "1",
               "INSTANCE_PATH": str(tmp_path / "instance"), "BILLING_DROP_DIR": str(tmp_path / "drop"),
               "MAIL_TRANSPORT": "file", "MAIL_DIR": str(tmp_path / "mail"), "WEB_CONCURRENCY": "2",
               "REDIS_URL": redis_url, "API_RATE_LIMIT": "6 per minute"}
        app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "t", "AUTO_MIGRATE": False,
                          "FIELD_ENCRYPTION_KEYS": env["FIELD_ENCRYPTION_KEYS"]})
        secret = make_key(app)
        servers, procs = [], []
        try:
            for label in ("a", "b"):
                port = _free_port()
                with open(tmp_path / f"gunicorn-{label}.log", "w") as log:
                    procs.append(subprocess.Popen(
                        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "wsgi:app"],
                        cwd=root, env={**env, "BIND": f"127.0.0.1:{port}"}, stdout=log, stderr=subprocess.STDOUT))
                servers.append(f"http://127.0.0.1:{port}")
            for server, proc in zip(servers, procs, strict=True):
                _wait_ready(server, proc)
            key, answers, barrier = new_key(), [], threading.Barrier(4)

            def send(server: str) -> None:
                client = Api(server, secret)
                barrier.wait()
                answers.append(client.enroll(ENROLLMENT, key))

            threads = [threading.Thread(target=send, args=(servers[i % 2],)) for i in range(4)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            assert len(answers) == 4 and {a.status_code for a in answers} <= {201, 409}
            made = [a for a in answers if a.status_code == 201]
            number = made[0].json()["number"] if made else None
            replays = [Api(server, secret).enroll(ENROLLMENT, key) for server in servers]  # requests 5 and 6
            assert {r.status_code for r in replays} == {201} and replays[0].text == replays[1].text
            assert number in (None, replays[0].json()["number"])
            with app.app_context():
                assert db.session.scalar(select(func.count()).select_from(Enrollment)) == 1
                assert db.session.scalar(select(func.count()).select_from(OutboxItem)) == 1
            # Six requests so far, spread over four processes: the seventh is over "6 per minute".
            limited = Api(servers[0], secret).get("/plans?zip=75201&customer_type=residential")
            assert limited.status_code == 429 and limited.headers["Retry-After"]
        finally:
            for proc in procs:
                proc.terminate()
                proc.wait(timeout=30)
            db.engine(app).dispose()


# --- the hand-off: a partner's enrollment reaches the billing system once ----------------------------

def test_a_partners_enrollment_reaches_the_billing_system_once_and_its_status_comes_back(make_app):
    import time

    from wizard.core.billing_runner import drain_once

    from .billing_fixtures import StandInProcess

    standin = StandInProcess(accept_after=0.3).start()
    try:
        app = make_app(BILLING_ADAPTER="web_service", BILLING_URL=standin.url, RATELIMIT_ENABLED=False)
        with serve(app) as url:
            acme, key = Api(url, make_key(app)), new_key()
            number = acme.enroll(ENROLLMENT, key).json()["number"]
            drain_once(app)
            assert acme.enroll(ENROLLMENT, key).json()["number"] == number  # a retry after the hand-off
            drain_once(app)
            assert standin.stats()["prospects_created"] == 1
            prospect = standin.received(number)
            assert prospect["affiliate_code"] == "ACME" and "10443720748526057" in str(prospect)
            assert acme.get(f"/enrollments/{number}").json()["status"] == "Pending"
            time.sleep(0.5)  # the stand-in accepts after 0.3 s; the next poll asks it
            app.config["BILLING_POLL_INTERVAL"] = 0
            drain_once(app)
            read = acme.get(f"/enrollments/{number}").json()
            assert read["status"] == "Accepted" and read["service_start_date"]
            assert [c["to"] for c in read["history"]][-2:] == ["Pending", "Accepted"]
    finally:
        standin.stop()
