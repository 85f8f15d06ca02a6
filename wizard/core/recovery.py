"""Forgotten passwords, shared by My Account and the admin: ask by email, follow a single-use
link, choose a new password.

Asking gives the same answer page whether or not a login uses the address, and nothing about
the address is logged. A link carries a token of `wizard.mail.tokens` (only its SHA-256 is
stored; dead after PASSWORD_RESET_LIFETIME or once used). The token leaves the address bar at
once: the page it opens keeps it in the browser's signed session, and the new-password form works
from there. A reset sets a new argon2id hash, clears failed sign-ins and the lock, ends every
session of the login and uses up its other links; it never signs anyone in.

Each area (`wizard/account/recovery.py`, `wizard/admin/recovery.py`) keeps its own pages, token
purpose and sessions; the forms, the rate limits and the reset itself are here.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any, Callable, Optional, Protocol, TypeVar

from email_validator import EmailNotValidError, validate_email
from flask import current_app, request, session
from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy.orm import Session
from wtforms import EmailField, PasswordField
from wtforms.validators import InputRequired, ValidationError

from wizard.mail import tokens

from .extensions import limiter
from .forms import SafeForm
from .login_sessions import LoginSessions
from .passwords import hash_password
from .validators import PASSWORD_MIN, password_problem

#: Where the browser's session keeps the token of the link being used, and the address just asked about.
TOKEN_KEY = "reset_token"  # nosec B105 # a key of the session, not a secret
ASKED_KEY = "recovery_asked"

#: What the new-password form says after a reset (the sign-in page shows it).
CHANGED = _l("Your password is changed. Sign in with it.")

V = TypeVar("V", bound=Callable[..., Any])


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class EmailForm(SafeForm):
    """The address a link or username should be emailed to."""

    email = EmailField(_l("Email address"), filters=[_strip],
                       validators=[InputRequired(_l("Enter your email address."))],
                       render_kw={"autocomplete": "email", "spellcheck": "false", "autocapitalize": "none"})

    def validate_email(self, field: EmailField) -> None:
        """Syntax only: whether a login uses it is never said."""
        try:
            field.data = validate_email(field.data, check_deliverability=False).normalized
        except EmailNotValidError:
            raise ValidationError(_l("Enter an email address like name@example.com.")) from None


class NewPasswordForm(SafeForm):
    """A new password, typed twice, under the rules of a new account."""

    password = PasswordField(_l("New password"), validators=[InputRequired(_l("Choose a new password."))],
                             description=_l("At least %(number)s characters. A few unrelated words make a "
                                            "strong password that is easy to remember.", number=PASSWORD_MIN),
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Type the new password again"),
                            validators=[InputRequired(_l("Type the new password again."))],
                            render_kw={"autocomplete": "new-password"})

    def __init__(self, login_name: str, **kwargs: Any):
        """`login_name`: the username or staff email the password may not be."""
        super().__init__(**kwargs)
        self.login_name = login_name

    def validate_password(self, field: PasswordField) -> None:
        problem = password_problem(field.data or "", self.login_name)
        if problem:
            raise ValidationError(problem)

    def validate_confirm(self, field: PasswordField) -> None:
        if self.password.data and not self.password.errors and field.data != self.password.data:
            raise ValidationError(_l("The two passwords are not the same. Type the new password in both boxes again."))


# --- rate limits -----------------------------------------------------------------------------

def _limit() -> str:
    return current_app.config["RESET_RATE_LIMIT"]


def address_key() -> str:
    """The rate-limit key of the address typed into the form: hashed, so the limiter's storage
    (Redis in production) holds no email addresses."""
    email = (request.form.get("email") or "").strip().casefold()
    return "address:" + hashlib.sha256(email.encode()).hexdigest()


def rate_limited(view: V) -> V:
    """RESET_RATE_LIMIT on a request form's POSTs, per client address and per email address
    asked about, each shared by every request form (customers' and staff's)."""
    view = limiter.shared_limit(_limit, "recovery-address", key_func=address_key, methods=["POST"])(view)
    return limiter.shared_limit(_limit, "recovery-client", methods=["POST"])(view)


# --- asking ----------------------------------------------------------------------------------

def lifetime() -> dt.timedelta:
    """How long an emailed link works."""
    return current_app.config["PASSWORD_RESET_LIFETIME"]


def lifetime_text() -> str:
    """"1 hour", "2 hours" or "30 minutes" ("1 hora", "30 minutos"), as pages and emails say it,
    in the language of what is being rendered."""
    minutes = int(lifetime().total_seconds() // 60)
    if minutes % 60 == 0:
        hours = minutes // 60
        return _("1 hour") if hours == 1 else _("%(num)s hours", num=hours)
    return _("1 minute") if minutes == 1 else _("%(num)s minutes", num=minutes)


def issue(db_session: Session, purpose: str, subject_id: int) -> str:
    """A new token for a link (in the caller's transaction)."""
    return tokens.issue(db_session, purpose, subject=str(subject_id), lifetime=lifetime())


def remember_asked(email: str) -> None:
    """Keep the address just asked about for the answer page (in this browser's session only)."""
    session[ASKED_KEY] = email


def asked() -> Optional[str]:
    """The address this browser just asked about, if any."""
    return session.get(ASKED_KEY)


# --- the link and the new password -----------------------------------------------------------

def keep_token() -> None:
    """The link was opened: keep its token in the session, out of the address bar and history."""
    token = request.args.get("token", "")
    session[TOKEN_KEY] = token if 0 < len(token) <= 100 else ""


def subject_of(db_session: Session, purpose: str) -> Optional[int]:
    """The id of the login whose link this browser holds, while the link is live."""
    subject = tokens.peek(db_session, purpose, session.get(TOKEN_KEY) or "")
    return int(subject) if subject and subject.isdigit() else None


def use_token(db_session: Session, purpose: str, subject_id: int) -> bool:
    """Use up this browser's link (single use: of two concurrent resets one wins); True if it was
    still live and for `subject_id`. The caller commits."""
    return tokens.take(db_session, purpose, session.get(TOKEN_KEY) or "") == str(subject_id)


def forget_token() -> None:
    """The session keeps no token once it is used (or found dead)."""
    session.pop(TOKEN_KEY, None)


class Login(Protocol):
    """A login a password can be reset for."""

    id: int
    password_hash: str
    failed_logins: int
    locked_until: Optional[dt.datetime]


def set_password(db_session: Session, login: Login, password: str, purpose: str, sessions: LoginSessions) -> None:
    """The new password's hash; failed sign-ins and the lock cleared; every session of the login
    ended and its other live links used up. The caller commits."""
    login.password_hash = hash_password(password)
    login.failed_logins, login.locked_until = 0, None
    sessions.end_all(db_session, login.id)
    tokens.revoke(db_session, purpose, str(login.id))
