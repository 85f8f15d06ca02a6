"""Records every enrollment channel shares: the customer, the enrollment and its hand-off.

`Base` is the one declarative base of the product; the wizard's own tables hang off it too,
so one schema and one transaction hold a channel's rows and the billing outbox together.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from sqlalchemy import JSON, ForeignKey, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from .statuses import Status


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


class Enrollment(Base):
    """One premise enrolled on one plan, from any channel, with the evidence of consent."""

    __tablename__ = "enrollment"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    #: Unique per channel submission (the wizard uses its draft id): a replayed submit collides.
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)
    #: How many times operators resubmitted it after a fix: each resubmission is a new prospect.
    resubmissions: Mapped[int] = mapped_column(default=0, server_default="0")
    channel: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    state: Mapped[str] = mapped_column(String(2))
    utility_code: Mapped[str] = mapped_column(String(32))
    plan_code: Mapped[str] = mapped_column(String(32))
    #: What the customer saw and agreed to: plan terms and document versions.
    plan_snapshot: Mapped[dict[str, Any]]
    esi_id: Mapped[Optional[str]] = mapped_column(String(22))
    service_address: Mapped[dict[str, Any]]
    billing_address: Mapped[dict[str, Any]]
    enrollment_type: Mapped[str] = mapped_column(String(16))
    start_timing: Mapped[str] = mapped_column(String(16))
    requested_date: Mapped[Optional[dt.date]]
    promo_code: Mapped[Optional[str]] = mapped_column(String(32))
    referral_source: Mapped[Optional[str]] = mapped_column(String(32))
    affiliate_code: Mapped[Optional[str]] = mapped_column(String(32))
    #: Method, time, IP, user agent and every statement agreed to (code, version, text).
    consent: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(40), default=Status.NEW.value, index=True)
    status_message: Mapped[Optional[str]] = mapped_column(Text)
    billing_reference: Mapped[Optional[str]] = mapped_column(String(64))
    service_start_date: Mapped[Optional[dt.date]]
    #: When the billing system was last asked about this enrollment's status.
    status_checked_at: Mapped[Optional[dt.datetime]]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    customer: Mapped[Customer] = relationship(back_populates="enrollments")

    @property
    def idempotency_key(self) -> str:
        """Same on every attempt of one submission; new after an operator resubmits."""
        return self.submission_key + (f"-r{self.resubmissions}" if self.resubmissions else "")

    history: Mapped[list[StatusChange]] = relationship(
        back_populates="enrollment", order_by="StatusChange.id"
    )


class StatusChange(Base):
    """One step of an enrollment's status history."""

    __tablename__ = "status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id"), index=True)
    from_status: Mapped[Optional[str]] = mapped_column(String(40))
    to_status: Mapped[str] = mapped_column(String(40))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    reason: Mapped[str] = mapped_column(String(80))
    message: Mapped[Optional[str]] = mapped_column(Text)

    enrollment: Mapped[Enrollment] = relationship(back_populates="history")


class OutboxItem(Base):
    """An enrollment waiting to be sent: written in the same transaction as the enrollment."""

    __tablename__ = "billing_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id"), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    available_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_until: Mapped[Optional[dt.datetime]]
    #: Random per claim: a worker records its outcome only while the row still carries its token,
    #: so a worker whose lease ran out (and whose row another worker took over) records nothing.
    claim_token: Mapped[Optional[str]] = mapped_column(String(32))
    sent_at: Mapped[Optional[dt.datetime]] = mapped_column(index=True)
    #: Set when retries ran out: the enrollment is On Hold until an operator resubmits it.
    gave_up_at: Mapped[Optional[dt.datetime]]
    last_error: Mapped[Optional[str]] = mapped_column(Text)

    enrollment: Mapped[Enrollment] = relationship()
