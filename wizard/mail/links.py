"""Links in emails: absolute on the site's own address, and sealed while they wait in the outbox.

A link is built when its message is queued, inside the request that caused it. Its host comes
from `SITE_URL` when set, never from the request's Host header, which whoever sends the request
chooses: a "forgot password" request with a forged Host would otherwise email the victim a link
to someone else's site carrying a live token. A link that carries a token (a password reset)
waits in the outbox table until it is sent; `seal` encrypts it with the field cipher there, so a
copy of the database does not hold usable links, and the `unseal` template filter opens it when
the message is rendered.
"""
from __future__ import annotations

from typing import Any, Optional
from urllib.parse import urlsplit

from flask import current_app, has_request_context, request, url_for


def site_url_problem(value: Optional[str]) -> Optional[str]:
    """Why `value` cannot be SITE_URL (scheme and host only, like https://signup.example.com), or None."""
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/") \
            or parts.query or parts.fragment or parts.username or parts.password:
        return f"SITE_URL must be a scheme and host only, like https://signup.example.com (not {value!r})."
    return None


#: Where `flask --app wsgi run` listens: the embedded default's address, for links made outside a request.
DEVELOPMENT_URL = "http://127.0.0.1:5000"


class NoSiteUrl(RuntimeError):
    """A link was needed outside a request and SITE_URL is not set (outside the embedded default)."""


def link(endpoint: str, **values: Any) -> str:
    """The absolute URL of `endpoint` for an email ("." endpoints: this request's blueprint).

    On SITE_URL when set; else, inside a request, on its host; outside a request (a command) on
    the development server's address in the embedded default, and `NoSiteUrl` anywhere else.
    """
    site = current_app.config.get("SITE_URL")
    if has_request_context():
        if endpoint.startswith("."):
            endpoint = f"{request.blueprint}{endpoint}"
        if not site:
            return url_for(endpoint, _external=True, **values)
    elif not site:
        if not current_app.config["DATABASE_URL"].startswith("sqlite"):
            raise NoSiteUrl("Set SITE_URL (e.g. https://signup.example.com) so that emailed links "
                            "name the site customers know.")
        site = DEVELOPMENT_URL
    parts = urlsplit(site)
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path.rstrip("/") or "/",
                                       url_scheme=parts.scheme or "https")
    current_app.inject_url_defaults(endpoint, values)
    return adapter.build(endpoint, values, force_external=True)


def seal(url: str) -> str:
    """`url` encrypted for the outbox (a link that carries a live token)."""
    return current_app.extensions["cipher"].encrypt(url)


def unseal(sealed: str) -> str:
    """A sealed link in clear, as the rendered message shows it (template filter)."""
    return current_app.extensions["cipher"].decrypt(sealed)
