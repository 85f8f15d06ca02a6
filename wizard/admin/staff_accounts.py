"""Staff accounts of the admin area: creation, sign-in with lockout, server-side sessions."""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import secrets
from typing import Optional

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from wizard.core.models import utcnow
from wizard.core.passwords import hash_password, needs_rehash, verify_password
from wizard.core.validators import password_problem

from . import audit
from .models import ROLES, Staff, StaffSession

GENERIC_FAILURE = "That email and password do not match an active staff account."


class StaffError(ValueError):
    """A staff account cannot be created or changed as asked; the message says why."""


def normalise_email(email: str) -> str:
    """Staff sign in with their email in any case."""
    return email.strip().casefold()


def create_staff(session: Session, email: str, role: str, password: str, *, actor: str,
                 actor_id: Optional[int] = None) -> Staff:
    """A new active staff account (audited); `StaffError` explains a refusal."""
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise StaffError("Enter the staff member's email address, like name@example.com.")
    if role not in ROLES:
        raise StaffError(f"Choose a role: {', '.join(ROLES)}.")
    problem = password_problem(password, email)
    if problem:
        raise StaffError(problem)
    if session.scalar(select(Staff.id).where(Staff.email == email)) is not None:
        raise StaffError(f"A staff account for {email} already exists.")
    staff = Staff(email=email, role=role, password_hash=hash_password(password))
    session.add(staff)
    session.flush()
    audit.record(session, actor=actor, actor_id=actor_id, action="create", entity_type="staff",
                 entity_id=str(staff.id), after={"email": email, "role": role, "active": True})
    return staff


@dataclasses.dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in: the staff member, or a message for the form."""

    staff: Optional[Staff]
    error: Optional[str] = None


def authenticate(session: Session, email: str, password: str) -> SignIn:
    """Check credentials; failures count towards a lock that doubles with each further failure.

    The password is verified even for an unknown or locked account, so timing tells nothing.
    """
    cfg = current_app.config
    staff = session.scalar(select(Staff).where(Staff.email == normalise_email(email)))
    ok = verify_password(staff.password_hash if staff else None, password)
    now = utcnow()
    if staff is None or not staff.active:
        return SignIn(None, GENERIC_FAILURE)
    if staff.locked_until and staff.locked_until > now:
        return SignIn(None, _locked_message(staff.locked_until - now))
    if not ok:
        staff.failed_logins += 1
        over = staff.failed_logins - cfg["ADMIN_LOCK_AFTER"]
        if over >= 0:
            lock = min(cfg["ADMIN_LOCK_BASE"] * 2 ** over, cfg["ADMIN_LOCK_MAX"])
            staff.locked_until = now + lock
            session.commit()
            return SignIn(None, _locked_message(lock))
        session.commit()
        return SignIn(None, GENERIC_FAILURE)
    staff.failed_logins = 0
    staff.locked_until = None
    staff.last_login_at = now
    if needs_rehash(staff.password_hash):
        staff.password_hash = hash_password(password)
    return SignIn(staff)


def _locked_message(wait: dt.timedelta) -> str:
    minutes = max(1, round(wait.total_seconds() / 60))
    return (f"Too many failed sign-ins. This account is locked for {minutes} minute"
            f"{'s' if minutes != 1 else ''}; try again then, or ask an admin to reset your password.")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, staff: Staff) -> str:
    """A new server-side session for `staff`; answer the token the cookie keeps."""
    cfg = current_app.config
    now = utcnow()
    # Sessions nobody signed out of are forgotten here: the table holds only live ones.
    session.execute(delete(StaffSession).where(
        (StaffSession.created_at < now - cfg["ADMIN_SESSION_MAX_AGE"])
        | (StaffSession.last_seen_at < now - cfg["ADMIN_IDLE_TIMEOUT"])))
    token = secrets.token_urlsafe(32)
    session.add(StaffSession(token_hash=_hash(token), staff_id=staff.id))
    session.commit()
    staff.session_token = token
    return token


def load(session: Session, token: str) -> Optional[Staff]:
    """The active staff member of a live session (idle and absolute timeouts), or None."""
    cfg = current_app.config
    row = session.get(StaffSession, _hash(token))
    now = utcnow()
    if row is None:
        return None
    if (now - row.last_seen_at > cfg["ADMIN_IDLE_TIMEOUT"] or now - row.created_at > cfg["ADMIN_SESSION_MAX_AGE"]
            or not row.staff.active):
        session.delete(row)
        session.commit()
        return None
    if now - row.last_seen_at > dt.timedelta(minutes=1):  # one write a minute, not one a request
        row.last_seen_at = now
        session.commit()
    staff = row.staff
    staff.session_token = token
    return staff


def end_session(session: Session, token: Optional[str]) -> None:
    """Sign out: the session row is deleted, so the cookie is worthless even if kept."""
    if token:
        session.execute(delete(StaffSession).where(StaffSession.token_hash == _hash(token)))
        session.commit()


def end_all_sessions(session: Session, staff_id: int) -> None:
    """Sign a staff member out everywhere (deactivated, role or password changed)."""
    session.execute(delete(StaffSession).where(StaffSession.staff_id == staff_id))


def count_admins(session: Session) -> int:
    """Active admins: the last one may not be demoted or deactivated."""
    return session.scalar(select(func.count()).select_from(Staff)
                          .where(Staff.role == "admin", Staff.active)) or 0
