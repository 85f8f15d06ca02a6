"""The agents' blueprint, guarded as the admin area is: the admin's sign-in, and the role `agent`
(admins hold every role) checked on the server before every request. An endpoint that did not
declare its roles is refused to everyone, as in the admin (wizard.admin.guard fails closed)."""
from __future__ import annotations

from typing import Any, Callable, TypeVar

from flask import Blueprint

from wizard.admin import guard as admin_guard

#: Under /admin: the admin's session cookie is scoped to that path (wizard.core.sessions).
bp = Blueprint("agents", __name__, url_prefix="/admin/agent")
bp.before_request(admin_guard.guard)

ROLES = ("agent",)

V = TypeVar("V", bound=Callable[..., Any])


def for_agents(view: V) -> V:
    """Declare a view of the agents' pages: staff with the role `agent` (or admins) only."""
    admin_guard.ROLES_OF[f"{bp.name}.{view.__name__}"] = ROLES
    return view


admin_guard.NAV.insert(1, (f"{bp.name}.start", "Quick Enrollment", ROLES))
