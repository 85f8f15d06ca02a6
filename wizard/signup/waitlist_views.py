"""The wait list's leave link: a page with a button (GET), which removes the address (POST).

Fetching the link changes nothing (mail scanners open every link); only the button does, with
its CSRF token. Our own site only: the embedded wizard has no wait-list pages of its own.
"""
from __future__ import annotations

from flask import abort, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from wizard.core.forms import SafeForm
from wizard.core.rendering import render_page
from wizard.embed import frames

from .views import bp
from .waitlist import entry_for, leave_waitlist


class LeaveForm(SafeForm):
    """Only a button."""


@bp.route("/waitlist/leave/<token>", methods=["GET", "POST"])
def waitlist_leave(token: str) -> Response:
    """Take an address off the wait list, once the customer presses the button."""
    if frames.embedded():
        abort(404)
    entry = entry_for(token)
    if entry is None:
        return render_page("signup/waitlist_leave.html", title=_("You're not on our wait list"), entry=None)
    if request.method == "POST":  # CSRFProtect checked its token before this view ran
        leave_waitlist(entry)
        return redirect(url_for(".waitlist_left"), 303)
    return render_page("signup/waitlist_leave.html", title=_("Leave our wait list"), entry=entry, form=LeaveForm())


@bp.get("/waitlist/left")
def waitlist_left() -> Response:
    """Done: the address is gone."""
    if frames.embedded():
        abort(404)
    return render_page("signup/waitlist_left.html", title=_("You're off our wait list"))
