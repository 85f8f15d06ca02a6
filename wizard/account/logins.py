"""My Account logins: authentication with failed-attempt locks, server-side sessions, the user loader."""
from __future__ import annotations

from typing import Optional

from flask import session
from flask_babel import lazy_gettext as _l
from flask_login import login_user, logout_user
from sqlalchemy import select

from wizard.admin import staff_accounts as staff
from wizard.admin.models import Staff
from wizard.core.credentials import LockPolicy, check_password
from wizard.core.extensions import db, login_manager
from wizard.core.login_sessions import LoginSessions
from wizard.core.sessions import in_admin

from .models import Account, AccountSession

#: The one answer to every failed sign-in: unknown name, wrong password or a locked login.
SIGN_IN_FAILURE = _l("The username or password is not right. Check them and try again. "
                     "After several failed tries, signing in pauses for a few minutes.")

#: Customers' server-side sessions: the same mechanism as the admin's, with My Account's times.
SESSIONS = LoginSessions(AccountSession, "account_id", "ACCOUNT_IDLE_TIMEOUT", "ACCOUNT_SESSION_MAX_AGE")

_PREFIX = "account:"


def authenticate(username: str, password: str) -> Optional[Account]:
    """The account for these credentials, or None, after the same work whatever was wrong.

    Failures lock the login as staff logins are locked; a hash made with other argon2
    parameters than the current ones is replaced on the spot, so changing ARGON2_* upgrades
    each stored hash at its owner's next sign-in.
    """
    account = db.session.scalar(select(Account).where(Account.username_key == username.casefold()))
    if not check_password(db.session, account, password, LockPolicy.from_settings("ACCOUNT")):
        return None
    db.session.commit()
    return account


def sign_in(account: Account) -> None:
    """Sign this browser in as `account`: a new server-side session; an earlier one here ends."""
    sign_out()
    account.session_token = SESSIONS.open(db.session, account.id)
    login_user(account)


def sign_out() -> None:
    """End this browser's customer session on the server, then forget it in the cookie."""
    user_id = session.get("_user_id") or ""
    if user_id.startswith(_PREFIX):
        SESSIONS.end(db.session, user_id.removeprefix(_PREFIX))
    logout_user()


def load_account(token: str) -> Optional[Account]:
    """The account of a live session (idle and absolute timeouts), or None."""
    row = SESSIONS.live(db.session, token)
    if row is None:
        return None
    account = row.account
    account.session_token = token
    return account


@login_manager.user_loader
def load_user(user_id: str) -> Optional[Account | Staff]:
    """Flask-Login: staff in the admin area (from its own cookie), customers everywhere else."""
    if in_admin():
        return staff.load(db.session, user_id.removeprefix("staff:")) if user_id.startswith("staff:") else None
    return load_account(user_id.removeprefix(_PREFIX)) if user_id.startswith(_PREFIX) else None


def account_of(customer_id: int) -> Optional[Account]:
    """The My Account login of a customer."""
    return db.session.scalar(select(Account).where(Account.customer_id == customer_id))
