"""Partners' API keys: made, stored as a hash, checked on every request, revoked.

A key is 32 random bytes (256 bits) in URL-safe base64; only its SHA-256 is stored. A slow
password hash (argon2) protects secrets people choose, which can be guessed; nobody can guess a
256-bit random key, so a slow hash would only cost every API request 20 ms and stop the indexed
lookup by hash. The key's first 8 characters are kept in clear so staff can tell keys apart.
Flask-free: the admin pages and the API both call it with their session.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import secrets
from typing import Optional

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from wizard.catalog.models import Affiliate
from wizard.core.models import utcnow

from .models import ApiKey

PREFIX_LENGTH = 8
#: `last_used_at` is written at most this often per key: not one write per request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
#: A presented key longer than this is nobody's (ours are 43 characters).
MAX_PRESENTED = 200


def digest(key: str) -> str:
    """The SHA-256 (hex) a key is stored and found by."""
    return hashlib.sha256(key.encode()).hexdigest()


def create(session: Session, affiliate: Affiliate, name: str, created_by: str) -> tuple[ApiKey, str]:
    """A new key for `affiliate`, added to the caller's transaction: the row, and the key itself,
    which is not stored anywhere and must be shown to the admin now."""
    secret = secrets.token_urlsafe(32)
    row = ApiKey(affiliate_code=affiliate.code, name=name, prefix=secret[:PREFIX_LENGTH], hash=digest(secret),
                 created_by=created_by)
    session.add(row)
    session.flush()
    return row, secret


def revoke(session: Session, row: ApiKey) -> bool:
    """Revoke `row` in the caller's transaction; answer False when it already was."""
    if row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    return True


@dataclasses.dataclass(frozen=True)
class Check:
    """The key presented, checked: its row when it is a live key, and whether its partner is open."""

    key: Optional[ApiKey]
    partner_active: bool = False


def check(session: Session, presented: str) -> Check:
    """The live (unrevoked) key `presented` is, or none; notes the time it was used."""
    if not presented or len(presented) > MAX_PRESENTED:
        return Check(None)
    row = session.scalar(select(ApiKey).where(ApiKey.hash == digest(presented), ApiKey.revoked_at.is_(None)))
    if row is None:
        return Check(None)
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
        session.execute(update(ApiKey).where(ApiKey.id == row.id).values(last_used_at=now))
        session.commit()
    affiliate = session.get(Affiliate, row.affiliate_code)
    return Check(row, partner_active=affiliate is not None and affiliate.active)


def bearer(authorization: Optional[str]) -> Optional[str]:
    """The key of an `Authorization: Bearer <key>` header (scheme in any case), or None."""
    scheme, _, value = (authorization or "").strip().partition(" ")
    value = value.strip()
    return value if scheme.lower() == "bearer" and value else None
