"""The Enrollment API as a partner's script reaches it: a real HTTP server (werkzeug, threaded) on
a test's app, and a client whose every answer is checked against the committed OpenAPI document."""
from __future__ import annotations

import contextlib
import json
import re
import threading
from pathlib import Path
from typing import Any, Iterator, Optional

import requests
from flask import Flask
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from werkzeug.serving import make_server

from wizard.api import keys
from wizard.catalog.models import Affiliate
from wizard.core.extensions import db

SPEC_PATH = Path(__file__).resolve().parent.parent / "wizard" / "api" / "openapi.json"
SPEC: dict[str, Any] = json.loads(SPEC_PATH.read_text())
_REGISTRY = Registry().with_resource("urn:openapi", Resource.from_contents(SPEC, default_specification=DRAFT202012))
PREFIX = SPEC["servers"][0]["url"]  # /api/v1
METHODS = ("get", "post", "put", "patch", "delete")


def pointer(*parts: str) -> str:
    """A JSON pointer into the document (RFC 6901 escapes)."""
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


def validator(json_pointer: str) -> Draft202012Validator:
    """A validator for the schema at `json_pointer` in the OpenAPI document ($refs resolved)."""
    return Draft202012Validator({"$ref": "urn:openapi#" + json_pointer}, registry=_REGISTRY,
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


def template_of(path: str) -> Optional[str]:
    """The documented path template `path` (under /api/v1) matches, if any."""
    for template in SPEC["paths"]:
        if re.fullmatch(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)), path):
            return template
    return None


def check_against_spec(method: str, path: str, response: requests.Response) -> None:
    """The answer is one the document promises: its status (or `default`), media type and schema."""
    assert response.status_code < 500, (response.status_code, response.text[:500])
    media = response.headers.get("Content-Type", "").split(";")[0].strip()
    template = template_of(path)
    if template is None or method.lower() not in SPEC["paths"][template]:
        # Not a documented operation (404, 405): still a problem document.
        assert media == "application/problem+json", (method, path, response.status_code, media)
        errors = list(validator(pointer("components", "schemas", "Problem")).iter_errors(response.json()))
        assert not errors, errors
        return
    responses = SPEC["paths"][template][method.lower()]["responses"]
    status = str(response.status_code) if str(response.status_code) in responses else "default"
    assert status in responses, f"{method} {template} answered {response.status_code}, which is not documented"
    content = responses[status].get("content", {})
    assert media in content, f"{method} {template} {response.status_code}: {media} is not documented ({list(content)})"
    schema_at = pointer("paths", template, method.lower(), "responses", status, "content", media, "schema")
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator(schema_at).iter_errors(response.json())]
    assert not errors, f"{method} {template} {response.status_code} does not match the document: {errors}"
    if media == "application/problem+json":
        assert response.json()["status"] == response.status_code


class Api:
    """A partner's HTTP client: its key in `Authorization`, every answer checked against the document."""

    def __init__(self, base_url: str, key: Optional[str] = None):
        self.base_url, self.key = base_url, key
        self.http = requests.Session()

    def request(self, method: str, path: str, *, key: Any = "own", headers: Optional[dict[str, str]] = None,
                **kwargs: Any) -> requests.Response:
        sent = dict(headers or {})
        key = self.key if key == "own" else key
        if key is not None:
            sent["Authorization"] = f"Bearer {key}"
        response = self.http.request(method, self.base_url + PREFIX + path, headers=sent, timeout=30, **kwargs)
        assert "Set-Cookie" not in response.headers, response.headers["Set-Cookie"]
        check_against_spec(method, path.split("?")[0], response)
        return response

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def enroll(self, body: Any, idempotency_key: Optional[str], **kwargs: Any) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}) or {})
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        if "data" not in kwargs and "json" not in kwargs:
            kwargs["json"] = body
        return self.request("POST", "/enrollments", headers=headers, **kwargs)


@contextlib.contextmanager
def serve(app: Flask) -> Iterator[str]:
    """Serve `app` over HTTP on 127.0.0.1 in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="api-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def make_key(app: Flask, affiliate_code: str = "ACME", name: str = "test script") -> str:
    """A new API key of the affiliate, made as the admin page makes it; answers the key itself."""
    with app.app_context():
        affiliate = db.session.get(Affiliate, affiliate_code)
        _row, secret = keys.create(db.session, affiliate, name, "admin@example.com")
        db.session.commit()
        return secret


def add_affiliate(app: Flask, code: str, name: str, active: bool = True) -> None:
    with app.app_context():
        db.session.add(Affiliate(code=code, name=name, active=active))
        db.session.commit()
