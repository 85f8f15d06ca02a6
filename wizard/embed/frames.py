"""Who may frame the embedded wizard, whose wizard a request is, and the session its pages carry.

Every page keeps `frame-ancestors 'none'` except the embed's, which allow exactly the affiliate's
registered origins (none registered: none allowed). A POST into the embed must come from our own
pages or the affiliate's: another site's form is refused before any view runs.
"""
from __future__ import annotations

from typing import Any, Optional
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, g, get_flashed_messages, request, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from wizard.catalog.models import Affiliate
from wizard.core.extensions import db
from wizard.core.sessions import EMBED_SESSION_FIELD, in_embed

#: The signup's steps mounted again for affiliates: `/embed/<affiliate>/signup/<slug>`.
SIGNUP = "embed_signup"


def affiliate() -> Optional[Affiliate]:
    """The affiliate whose embedded wizard this request is (None: our own site)."""
    return g.get("embed_affiliate")


def embedded() -> bool:
    """Whether this request renders the embedded wizard."""
    return affiliate() is not None


def open_affiliate(code: str) -> Affiliate:
    """Take the request's affiliate from its URL; 404 (framable by its own origins) if closed."""
    found = db.session.get(Affiliate, code.strip().upper()) if len(code) <= 32 else None
    if found is not None:
        # Its own pages may show "closed" inside its frame rather than a blank, refused one.
        g.frame_origins = list(found.embed_origins or [])
    if found is None or not found.active:
        g.embed_closed = True
        abort(404)
    g.embed_affiliate = found
    return found


#: What a customer reads when the embedded wizard refuses them (see `error_kind`).
ERROR_TEXT = {
    "closed": (_l("This signup is not available"), _l("This partner's signup link is not active any more. "
               "You can still sign up for electricity on our own website.")),
    "foreign": (_l("This signup can't be used here"), _l("This signup form only works on our partners' own "
                "pages. Nothing was sent. Go back to the page where you started and try again.")),
}


def error_kind() -> Optional[str]:
    """Why the embed refused this request, if it did: "closed" or "foreign" (else None)."""
    if g.get("embed_closed"):
        return "closed"
    return "foreign" if g.get("embed_foreign_origin") else None


def frame_ancestors() -> str:
    """The CSP frame-ancestors source list for this response."""
    origins = g.get("frame_origins") if in_embed() else None
    return " ".join(origins) if origins else "'none'"


def own_origin() -> str:
    """This site's origin as browsers send it in `Origin` (scheme and host as the proxy saw them)."""
    return request.host_url.rstrip("/")


def check_origin() -> None:
    """Refuse a POST into the embed from any origin but ours and the affiliate's (403)."""
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return
    origin = request.headers.get("Origin")
    if origin is None:
        return  # browsers that send no Origin still face the CSRF token
    allowed = {own_origin(), *(g.get("frame_origins") or [])}
    if _normal(origin) not in {_normal(o) for o in allowed}:
        current_app.logger.warning("embed POST refused from origin %s", origin[:100])
        g.embed_foreign_origin = True
        abort(403)


def _normal(origin: str) -> str:
    parts = urlsplit(origin.lower())
    return f"{parts.scheme}://{parts.netloc}"


def session_token() -> str:
    """The embed session as its pages carry it, taken once the page's own changes are made.

    A page changes the session while it renders (the CSRF secret, flashed messages read, the
    customer loaded): do those first, so the token holds what the cookie will hold.
    """
    if not embedded():
        return ""
    if "embed_token" not in g:
        generate_csrf()
        get_flashed_messages(with_categories=True)
        _ = current_user.is_authenticated
        g.embed_token = current_app.session_interface.embed_token(current_app, session)  # type: ignore[attr-defined]
    return g.embed_token


def session_field() -> Markup:
    """The hidden field every embedded form carries: its session, for browsers without cookies."""
    if not embedded():
        return Markup("")
    return Markup('<input type="hidden" name="{}" value="{}">').format(EMBED_SESSION_FIELD, session_token())


def register(app: Flask) -> None:
    """URL handling, the origin check and template helpers of the embedded pages."""

    @app.url_value_preprocessor
    def take_affiliate(endpoint: Optional[str], values: Optional[dict[str, Any]]) -> None:
        if endpoint and endpoint.startswith(SIGNUP + ".") and values and "affiliate" in values:
            open_affiliate(values.pop("affiliate"))

    @app.url_defaults
    def keep_affiliate(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint.startswith((SIGNUP + ".", "embed.")) and "affiliate" not in values and embedded():
            values["affiliate"] = affiliate().code  # type: ignore[union-attr]

    @app.before_request
    def refuse_foreign_posts() -> None:
        if request.blueprint in (SIGNUP, "embed"):
            check_origin()

    @app.context_processor
    def embed_context() -> dict[str, Any]:
        from .branding import display_phone

        return {"embed_affiliate": affiliate(), "embed_session_token": session_token,
                "embed_session_field": session_field, "embed_phone": display_phone}
