"""My Account: a forgotten password (an emailed single-use link) and a forgotten username (emailed).

A customer's address is the email on their customer record; every My Account login of a
customer with that address gets a link (or its username named). Asking answers the same page
whether or not a login uses the address; the rules themselves live in `wizard.core.recovery`.
"""
from __future__ import annotations

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import logout_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from wizard.core import i18n, recovery
from wizard.core.extensions import db, limiter
from wizard.core.models import Customer
from wizard.core.rendering import render_page
from wizard.mail.links import link, seal
from wizard.mail.outbox import queue

from . import mails  # noqa: F401  registers My Account's mail kinds
from .logins import SESSIONS
from .models import Account
from .views import bp

PURPOSE = "password_reset"


def accounts_using(email: str) -> list[Account]:
    """The My Account logins of customers whose email is `email` (in any case)."""
    return list(db.session.scalars(
        select(Account).join(Account.customer).where(func.lower(Customer.email) == email.lower()).order_by(Account.id)))


def _status() -> int:
    return 422 if request.method == "POST" else 200


@bp.route("/forgot-password", methods=["GET", "POST"])
@recovery.rate_limited
def forgot_password() -> Response:
    """Ask for a link to choose a new password; the same answer whether or not the address has a login."""
    form = recovery.EmailForm()
    if form.validate_on_submit():
        accounts = accounts_using(form.email.data)
        if accounts:
            logins = [{"username": a.username,
                       "link": seal(link(".reset_password", token=recovery.issue(db.session, PURPOSE, a.id)))}
                      for a in accounts]
            queue(db.session, "password_reset", accounts[0].customer.email, {
                "logins": logins, "lifetime": recovery.lifetime_text(), "ask_again": link(".forgot_password")},
                language=i18n.language())
        db.session.commit()
        recovery.remember_asked(form.email.data)
        return redirect(url_for(".forgot_password_sent"), 303)
    return render_page("account/forgot_password.html", _status(), title=_("Reset your password"), form=form)


@bp.get("/forgot-password/sent")
def forgot_password_sent() -> Response:
    """Check your email (said alike for every address)."""
    if recovery.asked() is None:
        return redirect(url_for(".forgot_password"))
    return render_page("account/recovery_sent.html", title=_("Check your email"), kind="password",
                       email=recovery.asked(), lifetime=recovery.lifetime_text())


@bp.route("/forgot-username", methods=["GET", "POST"])
@recovery.rate_limited
def forgot_username() -> Response:
    """Ask for the usernames of an address by email; the same answer whether or not it has a login."""
    form = recovery.EmailForm()
    if form.validate_on_submit():
        accounts = accounts_using(form.email.data)
        if accounts:
            queue(db.session, "forgot_username", accounts[0].customer.email, {
                "usernames": [a.username for a in accounts], "sign_in": link(".login"),
                "forgot_password": link(".forgot_password")}, language=i18n.language())
        db.session.commit()
        recovery.remember_asked(form.email.data)
        return redirect(url_for(".forgot_username_sent"), 303)
    return render_page("account/forgot_username.html", _status(), title=_("Find your username"), form=form)


@bp.get("/forgot-username/sent")
def forgot_username_sent() -> Response:
    """Check your email (said alike for every address)."""
    if recovery.asked() is None:
        return redirect(url_for(".forgot_username"))
    return render_page("account/recovery_sent.html", title=_("Check your email"), kind="username",
                       email=recovery.asked())


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"], scope="account-reset")
def reset_password() -> Response:
    """The emailed link: its token goes into the session (out of the address bar), then the form
    for a new password, while the link is live."""
    if "token" in request.args:
        recovery.keep_token()
        return redirect(url_for(".reset_password"), 303)
    subject = recovery.subject_of(db.session, PURPOSE)
    account = db.session.get(Account, subject) if subject is not None else None
    if account is None:
        return _expired()
    form = recovery.NewPasswordForm(account.username)
    if form.validate_on_submit():
        if not recovery.use_token(db.session, PURPOSE, account.id):
            return _expired()
        recovery.set_password(db.session, account, form.password.data, PURPOSE, SESSIONS)
        db.session.commit()
        recovery.forget_token()
        logout_user()  # this browser's own session ended with the others
        flash(str(recovery.CHANGED), "success")
        return redirect(url_for(".login"), 303)
    return render_page("account/reset_password.html", _status(), title=_("Choose a new password"), form=form,
                       username=account.username)


def _expired() -> Response:
    recovery.forget_token()
    return render_page("account/reset_expired.html", 410, title=_("This link has expired"),
                       lifetime=recovery.lifetime_text())
