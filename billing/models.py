"""The hand-off's records: the enrollment, its status history and its outbox row.

They hang off the product's one `Base` (`wizard.core.models`, Flask-free), so a channel stores
its enrollment and the outbox row in one transaction.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wizard.core.models import Base, Customer, utcnow
from wizard.core.outbox import OutboxRow

from .statuses import Status


class Enrollment(Base):
    """One premise enrolled on one plan, from any channel, with the evidence of consent."""

    __tablename__ = "enrollment"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    #: Unique per channel submission (the wizard uses its draft id): a replayed submit collides.
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)
    #: How many times operators resubmitted it after a fix: each resubmission is a new prospect.
    resubmissions: Mapped[int] = mapped_column(default=0, server_default="0")
    #: web, agent, api or import (wizard.enrollments.service).
    channel: Mapped[str] = mapped_column(String(16), index=True)
    #: Who made it on that channel: the agent's staff email, the partner's code, the import and its line.
    made_by: Mapped[Optional[str]] = mapped_column(String(120))
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
    #: The affiliate's own reference for the sale (its `sub_id`), passed into its wizard's link.
    sub_id: Mapped[Optional[str]] = mapped_column(String(100))
    #: Campaign tags from the wizard's link: utm_source, utm_medium, utm_campaign, utm_term, utm_content.
    utm: Mapped[Optional[dict[str, Any]]]
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


class OutboxItem(OutboxRow, Base):
    """An enrollment waiting to be sent: written in the same transaction as the enrollment.

    Its delivery columns (lease, claim token, attempts, sent or given up) are the shared
    outbox's (wizard/core/outbox.py); given up means On Hold until an operator resubmits it.
    """

    __tablename__ = "billing_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id"), unique=True)

    enrollment: Mapped[Enrollment] = relationship()
