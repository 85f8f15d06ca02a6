"""Staff sign-in and sign-out, and the overview page."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import login_user, logout_user
from werkzeug.wrappers import Response
from wtforms import EmailField, PasswordField
from wtforms.validators import InputRequired

from billing import Status
from wizard.core.extensions import db, limiter
from wizard.core.forms import SafeForm
from wizard.core.redirects import safe_next
from wizard.core.sessions import ADMIN_PREFIX

from . import staff_accounts
from .guard import bp, record, requires, staff


class StaffLoginForm(SafeForm):
    """Staff email and password."""

    email = EmailField("Email address", validators=[InputRequired("Enter your email address.")],
                       render_kw={"autocomplete": "username", "spellcheck": "false"})
    password = PasswordField("Password", validators=[InputRequired("Enter your password.")],
                             render_kw={"autocomplete": "current-password"})


def _safe_next(target: str) -> str:
    return safe_next(target, url_for("admin.home"), under=ADMIN_PREFIX)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["ADMIN_LOGIN_RATE_LIMIT"], methods=["POST"], scope="admin-login")
def login() -> Response:
    """Sign in: a new server-side session and a fresh cookie, whatever the browser sent before."""
    if staff() is not None and request.method == "GET":
        return redirect(url_for("admin.home"))
    form = StaffLoginForm()
    if form.validate_on_submit():
        result = staff_accounts.authenticate(db.session, form.email.data, form.password.data)
        if result.staff is not None:
            session.clear()  # rotation: nothing from before the sign-in survives it
            staff_accounts.open_session(db.session, result.staff)
            login_user(result.staff)
            record("sign in", "staff", str(result.staff.id))
            db.session.commit()
            return redirect(_safe_next(request.args.get("next", "")), 303)
        form.password.errors.append(result.error)
    status = 422 if request.method == "POST" else 200
    return render_template("admin/login.html", form=form, title="Staff sign in"), status


@bp.post("/logout")
@requires()
def logout() -> Response:
    """Sign out: the server forgets the session, so the old cookie opens nothing."""
    member = staff()
    staff_accounts.end_session(db.session, member.session_token if member else None)
    logout_user()
    session.clear()
    flash("You are signed out.", "success")
    return redirect(url_for("admin.login"), 303)


@bp.get("/")
@requires()
def home() -> str:
    """What this staff member can do, with the enrollments that need a human."""
    from sqlalchemy import func, select

    from billing.models import Enrollment

    attention = (Status.REJECTED.value, Status.WITH_ERRORS.value, Status.ON_HOLD.value)
    counts = dict(db.session.execute(
        select(Enrollment.status, func.count()).where(Enrollment.status.in_(attention))
        .group_by(Enrollment.status)).all())
    return render_template("admin/home.html", title="Overview", attention=[(s, counts.get(s, 0)) for s in attention])
