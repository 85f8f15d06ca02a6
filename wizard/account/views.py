"""My Account: sign in, see every enrollment and its status, sign out."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from babel.dates import format_datetime
from flask import Blueprint, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, ValidationError

from billing import Status
from billing.models import Enrollment
from wizard.catalog.models import Plan
from wizard.core import i18n
from wizard.core.dates import MARKET_TZ, market_time
from wizard.core.extensions import db, limiter
from wizard.core.forms import SafeForm
from wizard.core.redirects import safe_next
from wizard.core.rendering import render_page
from wizard.signup.drafts import SESSION_KEY

from wizard.enrollments.wording import plan_name, status_name

from .logins import SIGN_IN_FAILURE, authenticate, sign_in, sign_out

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.app_context_processor
def handoff_words() -> dict[str, object]:
    """The confirmation page and My Account tell what happens next in the same words."""
    return {"utility_request": utility_request}


def utility_request(enrollment_type: str) -> str:
    """When the request reaches the utility: the same words on the confirmation and in My Account.

    The wizard hands the enrollment to the billing system at once; the billing system sends a
    switch to the utility only after the rescission period (DOMAIN.md), a move-in for its date.
    """
    if enrollment_type == "move_in":
        return _("Our billing system sends your move-in request to the utility for the date you chose.")
    return _("Our billing system sends your switch request to the utility after the days in which "
             "you can cancel without a fee.")


#: What each status means for the customer; operations' technical messages stay in operations.
CUSTOMER_NOTES = {
    Status.NEW: _l("Received. We are passing it to our billing system. %(utility_request)s"),
    Status.AWAITING_RESPONSE: _l("With our billing system. %(utility_request)s The utility then confirms the "
                                 "start date."),
    Status.PENDING: _l("With our billing system. %(utility_request)s The utility then confirms the start date."),
    Status.CONNECTION_ERROR: _l("Not sent yet: our billing system did not answer. We keep trying; nothing to do."),
    Status.WITH_ERRORS: _l("We need to check a detail. Customer service will contact you."),
    Status.ON_HOLD: _l("Our team is looking at it and will contact you if anything is needed."),
    Status.ON_HOLD_QUOTE: _l("Customer service is preparing your quote."),
}

def history_time(utc: dt.datetime) -> str:
    """A status change's time in the market's zone, as the page's language writes it."""
    if i18n.language() == i18n.DEFAULT:
        return market_time(utc)
    return format_datetime(utc.replace(tzinfo=dt.UTC), "d MMM y, h:mm a z", tzinfo=MARKET_TZ,
                           locale=i18n.LOCALES[i18n.language()])


def customer_note(status: str, message: str | None, enrollment_type: str = "switch",
                  service_start: Optional[dt.date] = None) -> str | None:
    """The line shown under a status in My Account."""
    if status == Status.ACCEPTED and service_start is not None:
        return _("Service starts %(date)s.", date=i18n.long_date(service_start))
    if status in (Status.ACCEPTED, Status.REJECTED):
        return message  # the start date, or the utility's reason (as the billing system gave it)
    try:
        note = CUSTOMER_NOTES.get(Status(status))
    except ValueError:
        return None
    return note % {"utility_request": utility_request(enrollment_type)} if note else None


class LoginForm(SafeForm):
    """My Account username and password."""

    username = StringField(_l("Username"), validators=[InputRequired(_l("Enter your username."))],
                           render_kw={"autocomplete": "username", "spellcheck": "false"})
    password = PasswordField(_l("Password"), validators=[InputRequired(_l("Enter your password."))],
                             render_kw={"autocomplete": "current-password"})

    def validate_password(self, field: PasswordField) -> None:
        self.account = authenticate((self.username.data or "").strip(), field.data or "")
        if self.account is None:
            raise ValidationError(SIGN_IN_FAILURE)


@bp.get("/")
@login_required
def home() -> Response:
    """The customer's enrollments with their status, newest first."""
    enrollments = db.session.scalars(
        select(Enrollment).where(Enrollment.customer_id == current_user.customer_id)
        .order_by(Enrollment.id.desc())
    ).all()
    codes = {e.plan_code for e in enrollments}
    plans = {p.code: p for p in db.session.scalars(select(Plan).where(Plan.code.in_(codes)))} if codes else {}
    return render_page("account/home.html", title=_("My Account"), enrollments=enrollments, note=customer_note,
                       status_name=status_name, history_time=history_time,
                       plan_name=lambda e: plan_name(e, plans.get(e.plan_code)))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login() -> Response:
    """Sign in: a new server-side session, and the cookie renewed so nothing earlier rides along."""
    form = LoginForm()
    if form.validate_on_submit():
        draft_id = session.get(SESSION_KEY)
        sign_out()  # a session this browser had before ends on the server too
        session.clear()
        if draft_id:
            session[SESSION_KEY] = draft_id
        session.permanent = True  # the draft survives closing the browser, signed in or not
        sign_in(form.account)
        return redirect(safe_next(request.args.get("next"), url_for("account.home")), 303)
    status = 422 if request.method == "POST" else 200
    return render_page("account/login.html", status, title=_("Sign in to My Account"), form=form)


@bp.post("/logout")
def logout() -> Response:
    """Sign out: the server forgets the session, so a copy of the cookie opens nothing."""
    sign_out()
    session.clear()
    flash(_("You are signed out."), "success")
    return redirect(url_for("account.login"), 303)
