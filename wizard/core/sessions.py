"""Three session cookies: the customer's for the site, the admin area's, and the embedded wizard's.

A member of staff signed in to `/admin/` is nobody in the wizard, and a customer signed in to
My Account is nobody in the admin: each area reads only its own cookie (its own name, path and
signing salt), so neither login can leak into the other.

The embedded wizard (`/embed/...`) runs in an affiliate's iframe, where the browser may refuse to
store any cookie. Its session is the same signed, expiring value either way: sent as a
`SameSite=None; Secure; Partitioned` cookie, and also written into every embedded page (a hidden
form field and an htmx header, never the URL) so that it comes back when no cookie does.
"""
from __future__ import annotations

from typing import Optional

from flask import Flask, Request, has_request_context, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

ADMIN_PREFIX = "/admin"
EMBED_PREFIX = "/embed/"
API_PREFIX = "/api/"
#: Where an embedded page sends its session when the browser kept no cookie.
EMBED_SESSION_FIELD = "embed_session"
EMBED_SESSION_HEADER = "X-Embed-Session"


def in_admin() -> bool:
    """Whether the current request belongs to the admin area."""
    return has_request_context() and (request.path == ADMIN_PREFIX or request.path.startswith(ADMIN_PREFIX + "/"))


def in_api() -> bool:
    """Whether the current request belongs to the partners' API (keys, never cookies)."""
    return has_request_context() and request.path.startswith(API_PREFIX)


def in_embed() -> bool:
    """Whether the current request belongs to the embedded wizard."""
    return has_request_context() and request.path.startswith(EMBED_PREFIX)


class AreaSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with separate cookies for the admin area and the embed."""

    def get_cookie_name(self, app: Flask) -> str:
        if in_admin():
            return app.config["ADMIN_SESSION_COOKIE_NAME"]
        if in_embed():
            return app.config["EMBED_SESSION_COOKIE_NAME"]
        return super().get_cookie_name(app)

    def get_cookie_path(self, app: Flask) -> str:
        if in_admin():
            return ADMIN_PREFIX
        return EMBED_PREFIX if in_embed() else super().get_cookie_path(app)

    def get_cookie_samesite(self, app: Flask) -> Optional[str]:
        if in_admin():
            return "Strict"
        # Inside an affiliate's iframe every request is cross-site: only None lets a cookie travel.
        return "None" if in_embed() else super().get_cookie_samesite(app)

    def get_cookie_secure(self, app: Flask) -> bool:
        # SameSite=None and Partitioned both need Secure; browsers treat http://localhost and
        # 127.0.0.1 as secure, so the embedding demo and tests still get the cookie.
        return True if in_embed() else super().get_cookie_secure(app)

    def get_cookie_partitioned(self, app: Flask) -> bool:
        # CHIPS: a cookie kept per embedding site, which browsers blocking third-party cookies allow.
        return True if in_embed() else super().get_cookie_partitioned(app)

    def open_session(self, app: Flask, request: Request) -> Optional[SecureCookieSession]:
        if not in_embed() or request.cookies.get(self.get_cookie_name(app)):
            return super().open_session(app, request)
        return self._open_embed_token(app, request)

    def _open_embed_token(self, app: Flask, request: Request) -> Optional[SecureCookieSession]:
        """No cookie came back: the session from the page's header or hidden field, if valid."""
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        token = request.headers.get(EMBED_SESSION_HEADER)
        if not token and request.method == "POST" and request.mimetype in (
                "application/x-www-form-urlencoded", "multipart/form-data"):
            token = request.form.get(EMBED_SESSION_FIELD)
        if not token:
            return self.session_class()
        try:
            data = serializer.loads(token, max_age=int(app.permanent_session_lifetime.total_seconds()))
        except BadSignature:
            return self.session_class()
        return self.session_class(data) if isinstance(data, dict) else self.session_class()

    def embed_token(self, app: Flask, session: SessionMixin) -> str:
        """The session as the signed, expiring value an embedded page carries (as its cookie is)."""
        serializer = self.get_signing_serializer(app)
        return serializer.dumps(dict(session)) if serializer is not None else ""

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        # An embedded page without a cookie redirects through the server (wizard.embed.redirects),
        # which reads the session from the redirect's Set-Cookie: always send it.
        return in_embed() or super().should_set_cookie(app, session)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        # A static file is the same for everyone: no cookie refresh and no `Vary: Cookie` (which
        # Flask adds because Flask-Login reads the session after every request), so shared caches
        # and CDNs may keep it.
        if has_request_context() and request.endpoint == "static":
            return
        # The API authenticates by key: a cookie would be a second, forgeable identity.
        if in_api():
            return
        super().save_session(app, session, response)

    def get_signing_serializer(self, app: Flask) -> Optional[URLSafeTimedSerializer]:
        if not in_admin() and not in_embed():
            return super().get_signing_serializer(app)
        if not app.secret_key:
            return None
        return URLSafeTimedSerializer(app.secret_key, salt="admin-session" if in_admin() else "embed-session",
                                      serializer=self.serializer,
                                      signer_kwargs={"key_derivation": self.key_derivation,
                                                     "digest_method": self.digest_method})
