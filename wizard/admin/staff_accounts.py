"""Staff accounts of the admin area: creation, sign-in with lockout, server-side sessions."""
from __future__ import annotations

import dataclasses
from typing import Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wizard.core.credentials import LockPolicy, check_password
from wizard.core.login_sessions import LoginSessions
from wizard.core.models import utcnow
from wizard.core.passwords import hash_password
from wizard.core.validators import password_problem

from . import audit
from .models import ROLES, Staff, StaffSession

GENERIC_FAILURE = ("That email and password do not match an active staff account. After several failed "
                   "sign-ins an account is locked for a while: wait, or ask an admin to reset your password.")


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

    One answer for every failure (unknown, inactive, locked, wrong password) after the same
    work, so neither the message nor its time tells whether an email belongs to staff.
    """
    staff = session.scalar(select(Staff).where(Staff.email == normalise_email(email)))
    usable = staff is not None and staff.active
    if not check_password(session, staff, password, LockPolicy.from_settings("ADMIN"), usable=usable):
        return SignIn(None, GENERIC_FAILURE)
    staff.last_login_at = utcnow()
    return SignIn(staff)


#: The admin's server-side sessions (the generic mechanism in wizard.core.login_sessions).
SESSIONS = LoginSessions(StaffSession, "staff_id", "ADMIN_IDLE_TIMEOUT", "ADMIN_SESSION_MAX_AGE")


def open_session(session: Session, staff: Staff) -> str:
    """A new server-side session for `staff`; answer the token the cookie keeps."""
    staff.session_token = SESSIONS.open(session, staff.id)
    return staff.session_token


def load(session: Session, token: str) -> Optional[Staff]:
    """The active staff member of a live session (idle and absolute timeouts), or None."""
    row = SESSIONS.live(session, token)
    if row is None:
        return None
    if not row.staff.active:
        SESSIONS.end(session, token)
        return None
    staff = row.staff
    staff.session_token = token
    return staff


def end_session(session: Session, token: Optional[str]) -> None:
    """Sign out: the session row is deleted, so the cookie is worthless even if kept."""
    SESSIONS.end(session, token)


def end_all_sessions(session: Session, staff_id: int) -> None:
    """Sign a staff member out everywhere (deactivated, role or password changed)."""
    SESSIONS.end_all(session, staff_id)


def count_admins(session: Session) -> int:
    """Active admins: the last one may not be demoted or deactivated."""
    return session.scalar(select(func.count()).select_from(Staff)
                          .where(Staff.role == "admin", Staff.active)) or 0
