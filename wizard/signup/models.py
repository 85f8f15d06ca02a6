"""The signup wizard's tables: drafts (unfinished wizards), the area wait list and funnel events."""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wizard.core.models import Base, utcnow


class AreaWaitlist(Base):
    """Someone outside the service area who wants to hear when we serve their ZIP."""

    __tablename__ = "area_waitlist"
    __table_args__ = (UniqueConstraint("zip", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    zip: Mapped[str] = mapped_column(String(5))
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: When they were told we serve their ZIP now (once); None: not yet.
    notified_at: Mapped[Optional[dt.datetime]]
    #: The language of the page where they left the address: the email is written in it.
    language: Mapped[str] = mapped_column(String(2), default="en", server_default="en")


class Draft(Base):
    """An unfinished wizard: the answers so far, kept until `expires_at`, then purged."""

    __tablename__ = "draft"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    answers: Mapped[dict[str, Any]]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)
    enrollment_id: Mapped[Optional[int]] = mapped_column(ForeignKey("enrollment.id"))


class FunnelEvent(Base):
    """A draft reached a step (once per draft and step), for the funnel report.

    `draft_ref` is a hash of the draft id, so the report outlives purged drafts without
    holding anything that could resume one.
    """

    __tablename__ = "funnel_event"
    __table_args__ = (UniqueConstraint("draft_ref", "step"),
                      Index("ix_funnel_event_at_step", "at", "step"))

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_ref: Mapped[str] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(32))
    affiliate_code: Mapped[Optional[str]] = mapped_column(String(32))
    #: The affiliate's reference passed in its wizard's link, so the funnel can show its campaigns.
    sub_id: Mapped[Optional[str]] = mapped_column(String(100))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
