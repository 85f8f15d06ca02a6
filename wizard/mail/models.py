"""The mail outbox's tables, and the single-use tokens that emailed links carry."""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wizard.core.models import Base, utcnow
from wizard.core.outbox import OutboxRow


class MailMessage(OutboxRow, Base):
    """One email to one address: what it is (`kind`) and the facts it needs (`context`).

    Subject and body are made from the kind's templates when it is sent, so anything computed
    from the moment of sending (a rescission deadline) is computed from that moment.
    """

    __tablename__ = "mail_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    to: Mapped[str] = mapped_column(String(254))
    context: Mapped[dict[str, Any]]
    #: A message with a key is queued once: a second one with the same key is not queued.
    key: Mapped[Optional[str]] = mapped_column(String(160), unique=True)
    #: Filled in when it is sent.
    subject: Mapped[Optional[str]] = mapped_column(String(200))
    message_id: Mapped[Optional[str]] = mapped_column(String(200))

    attachments: Mapped[list[MailAttachment]] = relationship(
        back_populates="message", cascade="all, delete-orphan", order_by="MailAttachment.id")


class MailAttachment(Base):
    """A file sent with a message (a plan's EFL, TOS, YRAC as PDF), kept as it was when queued."""

    __tablename__ = "mail_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("mail_message.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    data: Mapped[bytes] = mapped_column(LargeBinary)

    message: Mapped[MailMessage] = relationship(back_populates="attachments")


class EmailToken(Base):
    """A single-use, expiring token sent in an emailed link; only its SHA-256 is stored.

    `purpose` says what it may do ("password_reset", "staff_password_reset", "resume_draft"...);
    `subject` what it acts on (an account id, a staff id, a draft id), never shown to anyone.
    """

    __tablename__ = "email_token"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)
    used_at: Mapped[Optional[dt.datetime]]
