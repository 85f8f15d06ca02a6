"""RFC 9457 problem details: every error of the API as `application/problem+json`.

`type` is a URI naming the kind of problem (a fragment of the API's own documentation), `title`
says it in a few words, `detail` says what to do about this occurrence, and validation problems
add `errors`: field name -> messages (the key "" for a problem with no single field).
"""
from __future__ import annotations

import json
from typing import Any, Mapping, Optional, Sequence

from flask import Response
from werkzeug.exceptions import HTTPException, MethodNotAllowed

MEDIA_TYPE = "application/problem+json"
#: Each type is documented in the OpenAPI document's `x-problems`, where this relative URI points.
TYPE_BASE = "/api/v1/openapi.json#/x-problems/"

#: status -> (type name, title, detail when the occurrence says nothing better)
KINDS: dict[int, tuple[str, str, str]] = {
    400: ("bad-request", "Bad request", "The request could not be read. Check it against the API's documentation."),
    401: ("unauthorized", "Unauthorized",
          "Send a live API key as `Authorization: Bearer <key>`. Ask us for a new key if yours was revoked."),
    403: ("forbidden", "Forbidden", "This partner account is closed. Ask us to reopen it."),
    404: ("not-found", "Not found", "Nothing here: check the address, or the enrollment number."),
    405: ("method-not-allowed", "Method not allowed", "This address does not take that method."),
    409: ("conflict", "Conflict", "Another request changed this at the same moment. Retry shortly."),
    413: ("too-large", "Request too large", "The body is far larger than any enrollment. Send a smaller one."),
    415: ("unsupported-media-type", "Unsupported media type", "Send the body as JSON (`Content-Type: application/json`)."),
    422: ("invalid", "Invalid request", "Some values cannot be used: see `errors`, by field."),
    429: ("rate-limited", "Too many requests", "This API key has sent too many requests. Wait, then retry."),
    500: ("server-error", "Server error", "Something went wrong on our side. Retry later with the same Idempotency-Key."),
}


class Problem(Exception):
    """Raised anywhere in a request of the API: answered as a problem detail."""

    def __init__(self, status: int, detail: Optional[str] = None, *, kind: Optional[str] = None,
                 title: Optional[str] = None, errors: Optional[Mapping[str, Sequence[str]]] = None,
                 headers: Optional[Mapping[str, str]] = None):
        super().__init__(detail or KINDS.get(status, KINDS[500])[2])
        self.status, self.detail, self.kind, self.title = status, detail, kind, title
        # Plain strings: a message made by a form may be a lazy translation, which JSON cannot hold.
        self.errors = {k: [str(m) for m in v] for k, v in errors.items()} if errors else None
        self.headers = dict(headers or {})


def body(status: int, detail: Optional[str] = None, *, kind: Optional[str] = None, title: Optional[str] = None,
         errors: Optional[Mapping[str, Sequence[str]]] = None) -> dict[str, Any]:
    """The problem document for `status`."""
    name, default_title, default_detail = KINDS.get(status, KINDS[500])
    document: dict[str, Any] = {"type": TYPE_BASE + (kind or name), "title": title or default_title,
                                "status": status, "detail": detail or default_detail}
    if errors:
        document["errors"] = {k: [str(m) for m in v] for k, v in errors.items()}
    return document


def response(problem: Problem) -> Response:
    """The HTTP answer of `problem`."""
    answer = Response(json.dumps(body(problem.status, problem.detail, kind=problem.kind, title=problem.title,
                                      errors=problem.errors)),
                      status=problem.status, mimetype=MEDIA_TYPE)
    answer.headers.update(problem.headers)
    return answer


def from_http(error: Exception) -> Response:
    """Any error raised while serving the API (werkzeug's, the rate limiter's, or unexpected)."""
    if isinstance(error, Problem):
        return response(error)
    status = error.code if isinstance(error, HTTPException) and error.code in KINDS else 500
    headers: dict[str, str] = {}
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    detail = None
    if status == 429 and isinstance(error, HTTPException) and error.description:
        detail = f"This API key has sent too many requests (limit: {error.description}). Wait, then retry."
    return response(Problem(status, detail, headers=headers))
