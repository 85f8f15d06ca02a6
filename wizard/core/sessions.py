"""Two session cookies: the customer's for the site, and a separate one for the admin area.

A member of staff signed in to `/admin/` is nobody in the wizard, and a customer signed in to
My Account is nobody in the admin: each area reads only its own cookie (its own name, path and
signing salt), so neither login can leak into the other.
"""
from __future__ import annotations

from typing import Optional

from flask import Flask, has_request_context, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from itsdangerous import URLSafeTimedSerializer
from werkzeug.wrappers import Response

ADMIN_PREFIX = "/admin"


def in_admin() -> bool:
    """Whether the current request belongs to the admin area."""
    return has_request_context() and (request.path == ADMIN_PREFIX or request.path.startswith(ADMIN_PREFIX + "/"))


class AreaSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with a separate cookie for the admin area."""

    def get_cookie_name(self, app: Flask) -> str:
        return app.config["ADMIN_SESSION_COOKIE_NAME"] if in_admin() else super().get_cookie_name(app)

    def get_cookie_path(self, app: Flask) -> str:
        return ADMIN_PREFIX if in_admin() else super().get_cookie_path(app)

    def get_cookie_samesite(self, app: Flask) -> Optional[str]:
        return "Strict" if in_admin() else super().get_cookie_samesite(app)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        # A static file is the same for everyone: no cookie refresh and no `Vary: Cookie` (which
        # Flask adds because Flask-Login reads the session after every request), so shared caches
        # and CDNs may keep it.
        if has_request_context() and request.endpoint == "static":
            return
        super().save_session(app, session, response)

    def get_signing_serializer(self, app: Flask) -> Optional[URLSafeTimedSerializer]:
        if not in_admin():
            return super().get_signing_serializer(app)
        if not app.secret_key:
            return None
        return URLSafeTimedSerializer(app.secret_key, salt="admin-session", serializer=self.serializer,
                                      signer_kwargs={"key_derivation": self.key_derivation,
                                                     "digest_method": self.digest_method})
