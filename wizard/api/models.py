"""The API's tables: partners' keys (only their hash is kept) and the answers to replay by
`Idempotency-Key`, in the database so that any process answers a replay."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wizard.catalog.models import Affiliate
from wizard.core.models import Base, utcnow


class ApiKey(Base):
    """One partner's API key. The secret itself is shown once, to the admin who creates it."""

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    affiliate_code: Mapped[str] = mapped_column(ForeignKey("affiliate.code"), index=True)
    #: What staff call it ("ACME's production server").
    name: Mapped[str] = mapped_column(String(80))
    #: The key's first characters, shown to staff so a partner can tell its keys apart.
    prefix: Mapped[str] = mapped_column(String(8))
    #: SHA-256 (hex) of the whole key: see wizard.api.keys for why a fast hash is right here.
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: The staff member's email: kept as text, like the audit log's actor.
    created_by: Mapped[str] = mapped_column(String(254))
    revoked_at: Mapped[Optional[dt.datetime]]
    last_used_at: Mapped[Optional[dt.datetime]]

    affiliate: Mapped[Affiliate] = relationship()

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


class IdempotentRequest(Base):
    """A POST by one partner under one `Idempotency-Key`: reserved before it runs (so a second one
    at the same moment waits its turn), then its answer, replayed to every repeat."""

    __tablename__ = "api_idempotency"
    __table_args__ = (UniqueConstraint("affiliate_code", "key", name="uq_api_idempotency_affiliate_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    affiliate_code: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(255))
    #: SHA-256 of the method, path and body (JSON normalised): a repeat must send the same.
    fingerprint: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: The answer once given (None while the first request runs).
    status_code: Mapped[Optional[int]]
    body: Mapped[Optional[str]] = mapped_column(Text)
    location: Mapped[Optional[str]] = mapped_column(String(255))
    completed_at: Mapped[Optional[dt.datetime]] = mapped_column(index=True)
