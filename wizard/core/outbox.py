"""A transactional outbox, shared by the billing hand-off and customer mail (Flask-free).

A row is written in the same transaction as what caused it and delivered later by a worker:
- it is claimed for a lease before it is sent (PostgreSQL: FOR UPDATE SKIP LOCKED, so several
  workers share the queue; elsewhere a compare-and-set), and a claim left by a killed worker is
  taken over when its lease ends;
- each claim carries a random token; the outcome is recorded only while the row still carries
  it (fencing), so a worker that stalled past its lease records nothing;
- retries wait an exponential backoff with full jitter.
What a delivery does, and what happens when retries run out, is the user's (billing/outbox.py,
wizard/mail/outbox.py).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import random
import secrets
from typing import Any, Callable, Optional

from sqlalchemy import String, Text, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from .models import utcnow

SessionFactory = Callable[[], Session]


class OutboxRow:
    """Columns of an outbox table (mixed into a model with an integer `id` primary key)."""

    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    available_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_until: Mapped[Optional[dt.datetime]]
    #: Random per claim: a worker records its outcome only while the row still carries its token,
    #: so a worker whose lease ran out (and whose row another worker took over) records nothing.
    claim_token: Mapped[Optional[str]] = mapped_column(String(32))
    sent_at: Mapped[Optional[dt.datetime]] = mapped_column(index=True)
    #: Set when retries ran out (or it was cancelled): never sent by a worker again.
    gave_up_at: Mapped[Optional[dt.datetime]]
    last_error: Mapped[Optional[str]] = mapped_column(Text)


@dataclasses.dataclass(frozen=True)
class Claim:
    """Rows one worker claimed together, and the token that shows they are still its own."""

    token: str
    ids: list[int]


def backoff(attempt: int, base: float, cap: float, rng: Optional[random.Random] = None) -> float:
    """Seconds to wait before attempt `attempt` + 1: full jitter over an exponential ceiling."""
    return (rng or random).uniform(0, min(cap, base * 2 ** attempt))


def due(model: Any, now: dt.datetime, due_by: dt.datetime) -> tuple:
    """Unsent, not given up, due by `due_by` and not claimed by anyone at `now`."""
    return (model.sent_at.is_(None), model.gave_up_at.is_(None), model.available_at <= due_by,
            or_(model.claimed_until.is_(None), model.claimed_until < now))


def claim_batch(session_factory: SessionFactory, model: Any, limit: int, lease: dt.timedelta,
                due_by: Optional[dt.datetime] = None) -> Claim:
    """Claim up to `limit` rows of `model` due by `due_by` (default now) for `lease` under a new token."""
    token = secrets.token_hex(16)
    with session_factory() as session:
        now = utcnow()
        where = due(model, now, due_by or now)
        claim = {"claimed_until": now + lease, "claim_token": token}
        if session.get_bind().dialect.name == "postgresql":
            ids = session.scalars(select(model.id).where(*where).order_by(model.id)
                                  .limit(limit).with_for_update(skip_locked=True)).all()
            if ids:
                session.execute(update(model).where(model.id.in_(ids)).values(**claim))
            session.commit()
            return Claim(token, list(ids))
        candidates = session.scalars(select(model.id).where(*where).order_by(model.id).limit(limit)).all()
        claimed = []
        for item_id in candidates:  # compare-and-set: only one claimant's UPDATE matches
            result = session.execute(update(model).where(model.id == item_id, *where).values(**claim))
            session.commit()
            if result.rowcount == 1:
                claimed.append(item_id)
        return Claim(token, claimed)


def owned(model: Any, item_id: int, token: str) -> tuple:
    """The row is still this claim's: not taken over, sent, given up or cancelled meanwhile."""
    return (model.id == item_id, model.claim_token == token, model.sent_at.is_(None), model.gave_up_at.is_(None))


def renew(session: Session, model: Any, item_id: int, token: str, lease: dt.timedelta) -> bool:
    """Extend this claim's lease for one send; False when the row is not this claim's any more."""
    result = session.execute(update(model).where(*owned(model, item_id, token))
                             .values(claimed_until=utcnow() + lease))
    return result.rowcount == 1


def fence(session: Session, model: Any, item_id: int, token: str, **values: Any) -> bool:
    """End this claim with `values` if the row is still its own; False (and nothing done) if not.

    The conditional UPDATE opens the transaction that records the outcome: it holds the row
    (PostgreSQL) or the database (SQLite) until the caller commits, so no other worker can take
    the row over between this check and the caller's other changes.
    """
    result = session.execute(update(model).where(*owned(model, item_id, token))
                             .values(claimed_until=None, claim_token=None, **values))
    return result.rowcount == 1


def release(session_factory: SessionFactory, model: Any, token: str, ids: list[int]) -> None:
    """Give back claims not worked on (a worker stopping), so others need not wait the lease."""
    with session_factory() as session:
        session.execute(update(model).where(model.id.in_(ids), model.claim_token == token, model.sent_at.is_(None))
                        .values(claimed_until=None, claim_token=None))
        session.commit()
