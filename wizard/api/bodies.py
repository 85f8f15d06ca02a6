"""Reading a request of the API: its JSON body, an enrollment's fields and its consent, and the
`Idempotency-Key` header. Anything unreadable is a `Problem` (4xx), never an exception that
would become a 500; the rules of the answers themselves are the enrollment service's.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from typing import Any, Mapping, Optional

from flask import Request

from wizard.enrollments import service

from .problems import Problem

#: The wizard's own form field names (wizard/signup/forms.py), as the enrollment service takes them.
FIELDS = (
    "zip", "promo", "customer_type", "utility", "referral", "plan",
    "first_name", "last_name", "email", "phone", "language", "contact_method", "business_name", "tax_id",
    "date_of_birth", "identity_value",
    "service_line1", "service_line2", "service_city", "billing_same", "billing_line1", "billing_line2",
    "billing_city", "billing_state", "billing_zip", "esi_id", "enrollment_type", "start_timing",
    "switch_date", "move_in_date",
)
CONSENT_METHODS = ("web", "phone", "signed_contract")
#: Methods whose evidence lives elsewhere: the call or TPV recording, the signed contract.
NEEDS_REFERENCE = ("phone", "signed_contract")
MAX_VALUE = 1000
MAX_REFERENCE = 100
#: A consent time a little ahead of ours is the partner's clock, not the future.
CLOCK_SKEW = dt.timedelta(minutes=5)
IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,255}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def idempotency_key(request: Request) -> str:
    """The request's `Idempotency-Key`: required, 1 to 255 visible ASCII characters."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        raise Problem(400, "Send an `Idempotency-Key` header with every POST: a value unique to this enrollment "
                           "(a UUID), the same on every retry of it.", kind="idempotency-key-missing",
                      title="Idempotency-Key missing")
    if not IDEMPOTENCY_KEY.fullmatch(key):
        raise Problem(400, "The `Idempotency-Key` must be 1 to 255 visible ASCII characters, like a UUID.",
                      kind="idempotency-key-invalid", title="Idempotency-Key invalid")
    return key


def json_body(request: Request) -> Any:
    """The request's body as JSON (415 for another media type, 400 for a body that is not JSON)."""
    if request.mimetype != "application/json" and not request.mimetype.endswith("+json"):
        raise Problem(415)
    raw = request.get_data(cache=True)  # past the size limit: 413
    try:
        return json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):  # not UTF-8, not JSON, or nested deeper than any enrollment
        raise Problem(400, "The body is not valid JSON (UTF-8).", kind="not-json", title="Body is not JSON") from None


def fingerprint(method: str, path: str, document: Any) -> str:
    """What a repeat under the same `Idempotency-Key` must match: method, path and the JSON body,
    normalised (key order and white space do not count)."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=True)
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode("utf-8", "surrogatepass")).hexdigest()


def _text(value: Any, name: str, errors: dict[str, list[str]], limit: int = MAX_VALUE) -> Optional[str]:
    """A string value (None when absent or null); anything else is an error of `name`."""
    if value is None:
        return None
    if not isinstance(value, str):
        errors.setdefault(name, []).append("Give this as a JSON string.")
        return None
    if len(value) > limit:
        errors.setdefault(name, []).append(f"At most {limit} characters.")
        return None
    if _CONTROL.search(value):
        errors.setdefault(name, []).append("Remove the control characters from this value.")
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate ("\\ud800"): JSON allows it, text columns do not
        errors.setdefault(name, []).append("This is not valid text (it holds a lone UTF-16 surrogate).")
        return None
    return value


def enrollment(document: Any) -> tuple[dict[str, str], dict[str, Any]]:
    """An enrollment body: (the wizard's fields as strings, the consent's parts), or a 422 problem
    with every error at once."""
    if not isinstance(document, dict):
        raise Problem(422, "The body must be a JSON object of the enrollment's fields.",
                      errors={"": ["The body must be a JSON object."]})
    errors: dict[str, list[str]] = {}
    fields: dict[str, str] = {}
    for name, value in document.items():
        if name == "consent":
            continue
        if name not in FIELDS:
            errors.setdefault(name, []).append("Unknown field: see the API's documentation for the field names.")
            continue
        text = _text(value, name, errors)
        if text is not None:
            fields[name] = text
    consent = _consent(document.get("consent"), errors)
    if errors:
        raise Problem(422, errors=errors)
    return fields, consent


def _consent(value: Any, errors: dict[str, list[str]]) -> dict[str, Any]:
    """The consent object: method, reference (required for phone and signed contract), time."""
    if value is None:
        errors["consent"] = ["Say how the customer consented: {\"method\": \"web\" | \"phone\" | "
                             "\"signed_contract\", \"reference\": ..., \"at\": ...}."]
        return {}
    if not isinstance(value, dict):
        errors["consent"] = ["Give the consent as a JSON object."]
        return {}
    for name in value:
        if name not in ("method", "reference", "at"):
            errors.setdefault(f"consent.{name}", []).append("Unknown field: consent has method, reference and at.")
    method = _text(value.get("method"), "consent.method", errors, 20)
    if method is None and "consent.method" not in errors:
        errors["consent.method"] = ["Say how the customer consented: web, phone or signed_contract."]
    elif method is not None and method not in CONSENT_METHODS:
        errors["consent.method"] = [f"Use web, phone or signed_contract, not {method[:20]!r}."]
    reference = _text(value.get("reference"), "consent.reference", errors, MAX_REFERENCE)
    if method in NEEDS_REFERENCE and not (reference or "").strip() and "consent.reference" not in errors:
        errors["consent.reference"] = ["Give the reference of the consent's evidence: the call or third-party "
                                       "verification for phone, the contract's for signed_contract."]
    at = _time(_text(value.get("at"), "consent.at", errors, 40), errors)
    return {"method": method, "reference": (reference or "").strip() or None, "at": at}


def _time(text: Optional[str], errors: dict[str, list[str]]) -> Optional[dt.datetime]:
    """An RFC 3339 time with its offset, as naive UTC (as the database keeps times); not ahead of now."""
    if text is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        errors["consent.at"] = ["Give the time of consent with its offset, like 2026-12-06T14:30:00-06:00."]
        return None
    utc = moment.astimezone(dt.UTC).replace(tzinfo=None)
    if utc > dt.datetime.now(dt.UTC).replace(tzinfo=None) + CLOCK_SKEW:
        errors["consent.at"] = ["The time of consent is in the future."]
        return None
    return utc


def evidence(consent: Mapping[str, Any], request: Request) -> service.Consent:
    """The consent as the enrollment service records it, with the partner's call as its origin. A
    signed contract stays with the partner who sold the plan: its reference names the document."""
    return service.Consent(method=consent["method"], reference=consent["reference"], made_at=consent["at"],
                           document=consent["reference"] if consent["method"] == "signed_contract" else None,
                           ip=request.remote_addr, user_agent=request.user_agent.string[:300])


def requested(args: Mapping[str, str], *names: str) -> dict[str, str]:
    """Query parameters of a lookup, each at most 200 characters without control characters."""
    errors: dict[str, list[str]] = {}
    out: dict[str, str] = {}
    for name in names:
        text = _text(args.get(name), name, errors, 200)
        if text is not None and text.strip():
            out[name] = text.strip()
    if errors:
        raise Problem(422, errors=errors)
    return out
