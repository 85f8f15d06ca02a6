"""Single-use, expiring tokens for emailed links (password reset, resume a draft...).

The link carries a random 256-bit token; the database keeps only its SHA-256, the purpose, what
it acts on and until when. `take` uses a token up atomically: two clicks, one success.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Optional

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from wizard.core.models import utcnow

from .models import EmailToken


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(session: Session, purpose: str, subject: str, lifetime: dt.timedelta) -> str:
    """A new token for `purpose` on `subject`, valid for `lifetime` (added to the caller's transaction)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(EmailToken(token_hash=_hash(token), purpose=purpose, subject=subject, created_at=now,
                           expires_at=now + lifetime))
    return token


def peek(session: Session, purpose: str, token: str) -> Optional[str]:
    """The subject of a live (unused, unexpired) token for `purpose`, without using it up."""
    if not token or len(token) > 100:
        return None
    row = session.get(EmailToken, _hash(token))
    if row is None or row.purpose != purpose or row.used_at is not None or row.expires_at <= utcnow():
        return None
    return row.subject


def take(session: Session, purpose: str, token: str) -> Optional[str]:
    """Use the token up and answer its subject; None when it is unknown, used, expired or for
    another purpose. Atomic: of two concurrent takes, one wins. The caller commits."""
    subject = peek(session, purpose, token)
    if subject is None:
        return None
    result = session.execute(update(EmailToken).where(
        EmailToken.token_hash == _hash(token), EmailToken.used_at.is_(None)).values(used_at=utcnow()))
    return subject if result.rowcount == 1 else None


def revoke(session: Session, purpose: str, subject: str) -> None:
    """Use up every live token for `purpose` on `subject` (e.g. after a password change)."""
    session.execute(update(EmailToken).where(EmailToken.purpose == purpose, EmailToken.subject == subject,
                                             EmailToken.used_at.is_(None)).values(used_at=utcnow()))


def purge(session: Session, now: Optional[dt.datetime] = None) -> int:
    """Delete tokens that expired (used or not); answer how many."""
    result = session.execute(delete(EmailToken).where(EmailToken.expires_at <= (now or utcnow())))
    session.commit()
    return result.rowcount or 0
