"""The admin area's tables: staff accounts, their server-side sessions and the audit log."""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wizard.core.login_sessions import SessionColumns
from wizard.core.models import Base, utcnow

#: agent: Quick Enrollment of callers (wizard/agents), nothing else of the admin area.
ROLES = ("marketing", "operations", "agent", "admin")


class Staff(UserMixin, Base):
    """A member of staff who signs in to the admin area; separate from customers' accounts."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[Optional[dt.datetime]]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[Optional[dt.datetime]]

    #: Set by the user loader: the server-side session this request belongs to (not a column).
    session_token = None

    def get_id(self) -> str:
        """Flask-Login keeps the server-side session token, never the bare staff id."""
        return f"staff:{self.session_token}"

    def may(self, *roles: str) -> bool:
        """Whether this member of staff holds one of `roles` (admins hold them all)."""
        return self.active and (self.role == "admin" or self.role in roles)


class StaffSession(SessionColumns, Base):
    """A signed-in admin session; deleting the row signs it out everywhere at once."""

    __tablename__ = "staff_session"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)

    staff: Mapped[Staff] = relationship()


class AuditEntry(Base):
    """Who changed what and when, with the values before and after."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    staff_id: Mapped[Optional[int]] = mapped_column(ForeignKey("staff.id"))
    #: Kept as text too, so the entry outlives a deleted staff member or a CLI run.
    actor: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(40))
    entity_type: Mapped[str] = mapped_column(String(32), index=True)
    entity_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[Optional[dict[str, Any]]]
    after: Mapped[Optional[dict[str, Any]]]
