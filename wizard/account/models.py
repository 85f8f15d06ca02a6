"""My Account's table: a customer's login."""
from __future__ import annotations

import datetime as dt

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

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

    customer: Mapped[Customer] = relationship()
