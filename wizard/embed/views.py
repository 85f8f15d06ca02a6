"""The embedded wizard's entry page: `/embed/<affiliate>/`, the address in the affiliate's iframe."""
from __future__ import annotations

from flask import redirect, request, session, url_for
from werkzeug.wrappers import Response

from wizard.signup import drafts
from wizard.signup.attribution import from_query

from .blueprint import bp
from .frames import SIGNUP, open_affiliate


@bp.get("/")
def landing(affiliate: str) -> Response:
    """Begin (or resume) the affiliate's wizard, keeping the link's `sub_id` and `utm_*`.

    No draft is made until the customer answers the first step: an iframe shown on a busy page
    costs one signed value, not a row. A visitor who comes back before finishing resumes.
    """
    found = open_affiliate(affiliate)
    attribution = from_query(request.args)
    draft = drafts.current()
    if draft is not None and draft.enrollment_id:  # enrolled already: the next visit is a new wizard
        session.pop(drafts.SESSION_KEY, None)
        draft = None
    if draft is not None and attribution and draft.answers.get("attribution") != attribution:
        drafts.save(draft, {**draft.answers, "attribution": attribution})  # the latest link is credited
    session[drafts.ENTRY_KEY] = {"affiliate": found.code, "attribution": attribution}
    session.permanent = True
    return redirect(url_for(f"{SIGNUP}.start", affiliate=found.code), 303)
