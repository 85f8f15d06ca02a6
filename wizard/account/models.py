"""My Account's tables: a customer's login and its server-side sessions."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wizard.core.login_sessions import SessionColumns
from wizard.core.models import Base, Customer, utcnow


class Account(UserMixin, Base):
    """My Account login of a customer; the password is only ever stored as an argon2id hash."""

    __tablename__ = "account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    #: Case-folded username: the unique key, so "Ann" and "ann" are one account.
    username_key: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: Consecutive failed sign-ins, and the lock they caused (as staff accounts have).
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[Optional[dt.datetime]]

    customer: Mapped[Customer] = relationship()

    #: Set at sign-in and by the user loader: this request's server-side session (not a column).
    session_token = None

    def get_id(self) -> str:
        """Flask-Login keeps the server-side session token, never the bare account id."""
        return f"account:{self.session_token}"


class AccountSession(SessionColumns, Base):
    """A signed-in My Account session; deleting the row signs that browser out for good."""

    __tablename__ = "account_session"

    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)

    account: Mapped[Account] = relationship()
