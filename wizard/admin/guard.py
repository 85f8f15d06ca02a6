"""The admin area's blueprint and its guard: every endpoint declares its roles with `@requires`;
a `before_request` check signs anonymous visitors in and answers 403 to other roles; an endpoint
that forgot to declare its roles is refused to everyone (fails closed)."""
from __future__ import annotations

from functools import wraps
from typing import Any, Callable, Optional, TypeVar

from flask import Blueprint, abort, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from wizard.core.extensions import db

from . import audit
from .models import Staff

bp = Blueprint("admin", __name__, url_prefix="/admin")

#: endpoint -> roles that may use it (empty: any signed-in staff member). Admins may use all.
ROLES_OF: dict[str, tuple[str, ...]] = {}
#: Pages for the signed-out: sign-in, and a forgotten password's request, answer and reset pages.
PUBLIC = {"admin.login", "admin.forgot_password", "admin.forgot_password_sent", "admin.reset_password"}

#: The navigation: endpoint, label, roles (the menu shows what the user may open).
NAV: list[tuple[str, str, tuple[str, ...]]] = [
    ("admin.home", "Overview", ()),
    ("admin.plans", "Plans", ("marketing",)),
    ("admin.preview", "Preview", ("marketing",)),
    ("admin.promos", "Promo codes", ("marketing",)),
    ("admin.catalog_settings", "Catalog settings", ("marketing",)),
    ("admin.queue", "Enrollments", ("operations",)),
    ("admin.sales_imports", "Sales imports", ("operations",)),
    ("admin.premises", "Premises", ("marketing", "operations")),
    ("admin.funnel", "Funnel report", ("marketing", "operations")),
    ("admin.api_keys", "API keys", ("admin",)),
    ("admin.audit_log", "Audit log", ("admin",)),
    ("admin.staff_list", "Staff", ("admin",)),
]

V = TypeVar("V", bound=Callable[..., Any])


def requires(*roles: str) -> Callable[[V], V]:
    """Declare the roles an admin view serves (none: any signed-in staff member)."""
    def decorate(view: V) -> V:
        ROLES_OF[f"admin.{view.__name__}"] = tuple(roles)

        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            return view(*args, **kwargs)
        return wrapped  # type: ignore[return-value]
    return decorate


def staff() -> Optional[Staff]:
    """The signed-in staff member of this admin request, or None."""
    user = current_user._get_current_object() if current_user else None
    return user if isinstance(user, Staff) else None


def may(endpoint: str) -> bool:
    """Whether the signed-in staff member may open `endpoint` (for menus and buttons)."""
    member = staff()
    roles = ROLES_OF.get(endpoint)
    return member is not None and roles is not None and (not roles or member.may(*roles))


@bp.before_request
def guard() -> Optional[Response]:
    """Sign-in first, then the role: checked on the server for every admin request."""
    if request.endpoint in PUBLIC:
        return None
    if staff() is None:
        if request.method == "GET":
            return redirect(url_for("admin.login", next=request.full_path.rstrip("?")))
        return redirect(url_for("admin.login"), 303)
    if not may(request.endpoint or ""):
        abort(403)
    return None


@bp.app_context_processor
def admin_helpers() -> dict[str, Any]:
    return {"admin_may": may, "admin_nav": NAV, "admin_staff": staff}


def record(action: str, entity_type: str, entity_id: str, before: Any = None, after: Any = None) -> None:
    """Audit an admin change by the signed-in staff member, in the current transaction."""
    member = staff()
    audit.record(db.session, actor=member.email if member else "system", actor_id=member.id if member else None,
                 action=action, entity_type=entity_type, entity_id=entity_id, before=before, after=after)
