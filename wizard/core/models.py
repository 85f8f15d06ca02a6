"""The records every part of the product shares: the one declarative base and the customer.

Flask-free, like the billing module that builds on it: every enrollment channel and the billing
hand-off keep their tables on this `Base`, so one schema and one transaction hold a channel's rows
and the billing outbox together. `load_all_models` imports every feature's tables (for Alembic,
tests and tools that need the whole schema).
"""
from __future__ import annotations

import datetime as dt
import importlib
from typing import TYPE_CHECKING, Any, Optional

from sqlalchemy import JSON, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

#: Every module that declares tables, so the metadata is complete once they are imported.
MODEL_MODULES = ("billing.models", "wizard.catalog.models", "wizard.signup.models",
                 "wizard.account.models", "wizard.admin.models", "wizard.mail.models",
                 "wizard.premises.models", "wizard.api.models", "wizard.sales_import.models")

if TYPE_CHECKING:
    from billing.models import Enrollment


def utcnow() -> dt.datetime:
    """Naive UTC now: stored the same way on SQLite and PostgreSQL."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    """Declarative base with JSON for dict/list annotations and named constraints."""

    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}
    # Named constraints, so migrations can alter them on every database.
    metadata = MetaData(naming_convention={
        "ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s", "pk": "pk_%(table_name)s",
    })


class Customer(Base):
    """A customer of the supplier; one customer may hold several premises (enrollments)."""

    __tablename__ = "customer"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_type: Mapped[str] = mapped_column(String(16))
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    contact_method: Mapped[str] = mapped_column(String(16))
    business_name: Mapped[Optional[str]] = mapped_column(String(120))
    tax_id: Mapped[Optional[str]] = mapped_column(String(16))
    #: Fernet ciphertext; the clear value never reaches the database.
    date_of_birth_enc: Mapped[Optional[str]] = mapped_column(Text)
    identity_enc: Mapped[Optional[str]] = mapped_column(Text)
    identity_last4: Mapped[Optional[str]] = mapped_column(String(4))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    enrollments: Mapped[list[Enrollment]] = relationship(back_populates="customer")


def load_all_models() -> MetaData:
    """Import every feature's tables and answer the complete metadata."""
    for name in MODEL_MODULES:
        importlib.import_module(name)
    return Base.metadata
