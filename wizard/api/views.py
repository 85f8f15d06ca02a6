"""The API's routes at /api/v1/: who is calling (a partner's key, never a cookie), its rate limit,
and thin views: read the request -> catalog, premises or the enrollment service -> JSON."""
from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any, Optional

from flask import Blueprint, Response, current_app, g, request
from limits import parse_many
from sqlalchemy import select

from billing.models import Enrollment
from wizard.catalog.models import affiliate_channel
from wizard.core.dates import today
from wizard.core.extensions import csrf, db, limiter
from wizard.enrollments import service

from . import answers, bodies, idempotency, keys, lookups
from .problems import Problem, response

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Partners authenticate with a key in a header, which no other site can make a browser send:
# there is no cookie to forge a request with, so no CSRF token either.
csrf.exempt(bp)
bp.register_error_handler(Problem, response)

#: The API's contract, served as committed (tests/test_api.py checks the routes against it).
OPENAPI = (Path(__file__).with_name("openapi.json")).read_bytes()
#: Endpoints anyone may read without a key.
PUBLIC = {"api.openapi"}
#: The enrollment service's names for the consent's parts -> the API's (the body's `consent` object).
CONSENT_ERRORS = {"consent_method": "consent.method", "consent_reference": "consent.reference",
                  "consent_document": "consent.reference"}


def partner() -> str:
    """The calling partner's affiliate code (set by `authenticate`)."""
    return g.api_key.affiliate_code


@bp.before_request
def authenticate() -> None:
    """A live key of an open partner, within its rate limit; else 401, 403 or 429."""
    if request.endpoint in PUBLIC:
        return
    presented = keys.bearer(request.headers.get("Authorization"))
    checked = keys.check(db.session, presented or "")
    if checked.key is None:
        raise Problem(401, headers={"WWW-Authenticate": 'Bearer realm="api"'})
    if not checked.partner_active:
        raise Problem(403)
    g.api_key = checked.key
    _count_request(checked.key.hash[:32])


def _count_request(key_id: str) -> None:
    """One request against the key's API_RATE_LIMIT (counted in the limiter's storage: Redis in
    production, so every process shares it); over it, 429 with Retry-After. Counted under part of
    the key's hash, not its row id: unique even where several databases share one Redis."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    for item in parse_many(current_app.config["API_RATE_LIMIT"]):
        if not limiter.limiter.hit(item, "api", key_id):
            reset_at, _remaining = limiter.limiter.get_window_stats(item, "api", key_id)
            wait = max(1, math.ceil(reset_at - time.time()))
            raise Problem(429, f"This API key is over its rate limit ({item}). Wait {wait} seconds, then retry.",
                          headers={"Retry-After": str(wait)})


def _json(document: Any, status: int = 200, headers: Optional[dict[str, str]] = None) -> Response:
    return Response(json.dumps(document), status=status, mimetype="application/json", headers=headers)


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 document of this API."""
    return Response(OPENAPI, mimetype="application/json")


@bp.get("/plans")
def plans() -> Response:
    """Plans on the partner's plan set for a ZIP, customer type and utility, with average prices."""
    args = bodies.requested(request.args, "zip", "customer_type", "utility", "promo")
    return _json(lookups.plans(db.session, args, partner(), today()))


@bp.get("/premises")
def premises() -> Response:
    """Premises (ESI IDs) in a ZIP whose street address begins with what is given."""
    return _json(lookups.premises(db.session, bodies.requested(request.args, "zip", "address")))


@bp.post("/enrollments")
def create_enrollment() -> Response:
    """Enroll a premise: 201 once per Idempotency-Key, the same answer replayed for every repeat."""
    key = bodies.idempotency_key(request)
    document = bodies.json_body(request)
    fields, consent = bodies.enrollment(document)
    code = partner()
    stored = idempotency.reserve(db.session, code, key, bodies.fingerprint("POST", request.path, document))
    if stored is not None:
        return Response(stored.body, status=stored.status_code, mimetype="application/json",
                        headers={"Location": stored.location or "", "Idempotent-Replayed": "true"})
    source = service.Source(channel=service.API, made_by=code, plan_channels=(affiliate_channel(code),),
                            affiliate=code)
    try:
        result = service.enroll(fields, source, bodies.evidence(consent, request), idempotency.submission_key(code, key))
    except service.Invalid as invalid:
        idempotency.release(db.session, code, key)
        raise Problem(422, errors={CONSENT_ERRORS.get(k, k): v for k, v in invalid.errors.items()}) from None
    except BaseException:
        idempotency.release(db.session, code, key)
        raise
    body, location = json.dumps(answers.created(result.enrollment)), answers.enrollment_link(result.enrollment.number)
    idempotency.complete(db.session, code, key, 201, body, location)
    return Response(body, status=201, mimetype="application/json", headers={"Location": location})


@bp.get("/enrollments/<number>")
def enrollment(number: str) -> Response:
    """Status and history of an enrollment this partner made through the API."""
    found = db.session.scalar(select(Enrollment).where(
        Enrollment.number == number[:40], Enrollment.channel == service.API, Enrollment.made_by == partner()))
    if found is None:
        raise Problem(404, "You made no enrollment with this number.")
    return _json(answers.enrollment(found))
