"""Absolute links for emails: on the site's public address, with or without a request.

A link in an email must name the site the customer knows. Inside a request it may come from the
request's own host, but a `Host` header is typed by whoever sends the request: with `PUBLIC_URL`
set, every emailed link is built on it instead. Outside a request (the `catalog import-zips`
command) there is no host at all: `PUBLIC_URL` is then required, except in the embedded default
(SQLite), whose links name the development server.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app, has_request_context, request, url_for

#: Where `flask --app wsgi run` listens: the embedded default's address.
DEVELOPMENT_URL = "http://127.0.0.1:5000"


class NoPublicUrl(RuntimeError):
    """A link was needed outside a request and PUBLIC_URL is not set (outside the embedded default)."""


def external_url(endpoint: str, **values: Any) -> str:
    """The absolute URL of `endpoint` (".view" is this request's blueprint) for an email."""
    base = current_app.config.get("PUBLIC_URL")
    if has_request_context():
        if endpoint.startswith("."):
            endpoint = f"{request.blueprint}{endpoint}"
        if not base:
            return url_for(endpoint, _external=True, **values)
    elif not base:
        if not current_app.config["DATABASE_URL"].startswith("sqlite"):
            raise NoPublicUrl("Set PUBLIC_URL (e.g. https://signup.example.com) so that emailed links "
                              "name the site customers know.")
        base = DEVELOPMENT_URL
    parts = urlsplit(base)
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path.rstrip("/") or "/",
                                       url_scheme=parts.scheme or "https")
    current_app.inject_url_defaults(endpoint, values)
    return adapter.build(endpoint, values, force_external=True)
