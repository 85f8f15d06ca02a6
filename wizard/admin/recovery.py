"""Staff: a forgotten password, by a single-use link emailed to the staff address.

The pages are public (the guard lets them through signed out) and live in the admin area's own
cookie. An inactive account gets no link, and a link of an account deactivated since is dead.
The reset is audited; it clears the lock and signs the member out everywhere.
"""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import logout_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from wizard.core import recovery
from wizard.core.extensions import db, limiter
from wizard.mail.links import link, seal
from wizard.mail.outbox import queue

from . import audit
from . import mails  # noqa: F401  registers the admin's mail kinds
from .guard import bp
from .models import Staff
from .staff_accounts import SESSIONS, normalise_email

PURPOSE = "staff_password_reset"


def _status() -> int:
    return 422 if request.method == "POST" else 200


@bp.route("/forgot-password", methods=["GET", "POST"])
@recovery.rate_limited
def forgot_password() -> Response | tuple[str, int]:
    """Ask for a link to choose a new password; the same answer whether or not the address is staff's."""
    form = recovery.EmailForm()
    if form.validate_on_submit():
        member = db.session.scalar(select(Staff).where(Staff.email == normalise_email(form.email.data)))
        if member is not None and member.active:
            token = recovery.issue(db.session, PURPOSE, member.id)
            queue(db.session, "staff_password_reset", member.email, {
                "email": member.email, "link": seal(link("admin.reset_password", token=token)),
                "lifetime": recovery.lifetime_text(), "ask_again": link("admin.forgot_password")})
        db.session.commit()
        recovery.remember_asked(form.email.data)
        return redirect(url_for("admin.forgot_password_sent"), 303)
    return render_template("admin/forgot_password.html", title="Reset your staff password", form=form), _status()


@bp.get("/forgot-password/sent")
def forgot_password_sent() -> Response | str:
    """Check your email (said alike for every address)."""
    if recovery.asked() is None:
        return redirect(url_for("admin.forgot_password"))
    return render_template("admin/recovery_sent.html", title="Check your email", email=recovery.asked(),
                           lifetime=recovery.lifetime_text())


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["ADMIN_LOGIN_RATE_LIMIT"], methods=["POST"], scope="admin-reset")
def reset_password() -> Response | tuple[str, int]:
    """The emailed link, then the form for a new password while the link is live.

    The admin cookie is SameSite=Strict, so a browser does not send it on a redirect that began
    with a click in webmail (another site): the link's page keeps the token in the session and
    moves on to the form by a refresh of its own (or a button), which the browser treats as
    same-site.
    """
    if "token" in request.args:
        recovery.keep_token()
        return render_template("admin/reset_continue.html", title="Choose a new password"), 200
    subject = recovery.subject_of(db.session, PURPOSE)
    member = db.session.get(Staff, subject) if subject is not None else None
    if member is None or not member.active:
        return _expired()
    form = recovery.NewPasswordForm(member.email)
    if form.validate_on_submit():
        if not recovery.use_token(db.session, PURPOSE, member.id):
            return _expired()
        recovery.set_password(db.session, member, form.password.data, PURPOSE, SESSIONS)
        audit.record(db.session, actor=member.email, actor_id=member.id, action="reset own password",
                     entity_type="staff", entity_id=str(member.id), after={"password": "reset by emailed link"})  # nosec B105 # says how, holds none
        db.session.commit()
        recovery.forget_token()
        logout_user()
        flash(str(recovery.CHANGED), "success")  # lazy: English in the admin
        return redirect(url_for("admin.login"), 303)
    return render_template("admin/reset_password.html", title="Choose a new password", form=form,
                           email=member.email), _status()


def _expired() -> tuple[str, int]:
    recovery.forget_token()
    return render_template("admin/reset_expired.html", title="This link has expired",
                           lifetime=recovery.lifetime_text()), 410
