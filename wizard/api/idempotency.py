"""`Idempotency-Key` on POST: one answer per partner and key, replayed from the database.

A request first reserves its key (a row, committed, unique per partner and key) with the
fingerprint of its body; only then does it enroll, and it stores its answer on the row. So:
- a repeat after the answer gets the same status and body (any process, any host);
- a repeat with another body gets 422, before anything runs;
- a repeat while the first still runs gets 409 and retries (the unique row makes the second wait);
- a reservation left by a process that died mid-request is taken over after STALE_AFTER, which
  is safe because the enrollment itself is idempotent on its submission key.
A request refused before it enrolled anything (invalid answers) releases its key, so the partner
may correct the body and send it again under the same key.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from typing import Optional

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from wizard.core.models import utcnow

from .models import IdempotentRequest
from .problems import Problem

#: Longer than gunicorn's worker timeout (30 s): a reservation this old has no process behind it.
STALE_AFTER = dt.timedelta(seconds=90)
#: The enrollment's submission key is at most this long (billing.models.Enrollment).
SUBMISSION_KEY_MAX = 64


@dataclasses.dataclass(frozen=True)
class Stored:
    """An answer already given under a key."""

    status_code: int
    body: str
    location: Optional[str]


def submission_key(affiliate_code: str, key: str) -> str:
    """The enrollment's submission key for a partner's `Idempotency-Key`: the key itself when it
    fits, else its SHA-256 cut to fit (at least 108 bits with the longest affiliate code)."""
    plain = f"api:{affiliate_code}:{key}"
    if len(plain) <= SUBMISSION_KEY_MAX:
        return plain
    prefix = f"api:{affiliate_code}:#"
    return prefix + hashlib.sha256(key.encode()).hexdigest()[:SUBMISSION_KEY_MAX - len(prefix)]


def reserve(session: Session, affiliate_code: str, key: str, fingerprint: str) -> Optional[Stored]:
    """Reserve the key for this request (None: go ahead), or the answer to replay; a Problem when
    the key was used with another body (422) or its first request still runs (409)."""
    for _attempt in range(2):  # a second time if the holder released the key as we looked
        session.add(IdempotentRequest(affiliate_code=affiliate_code, key=key, fingerprint=fingerprint))
        try:
            session.commit()
            return None
        except IntegrityError:
            session.rollback()
        held = session.scalar(select(IdempotentRequest).where(IdempotentRequest.affiliate_code == affiliate_code,
                                                              IdempotentRequest.key == key))
        if held is None:
            continue
        if held.fingerprint != fingerprint:
            raise Problem(422, "This Idempotency-Key was already used with another body. Use a new key for "
                               "another enrollment, or send the same body to get the same answer.",
                          kind="idempotency-key-reused", title="Idempotency-Key reused")
        if held.status_code is not None:
            return Stored(held.status_code, held.body or "", held.location)
        if held.started_at < utcnow() - STALE_AFTER and _take_over(session, held):
            return None
        break
    raise Problem(409, "A request with this Idempotency-Key is still being answered. Retry in a moment: "
                       "you will get its answer.", kind="idempotency-key-in-use", title="Request in progress",
                  headers={"Retry-After": "1"})


def _take_over(session: Session, held: IdempotentRequest) -> bool:
    """Claim a reservation left behind by a process that died (only one taker wins)."""
    taken = session.execute(update(IdempotentRequest).where(
        IdempotentRequest.id == held.id, IdempotentRequest.status_code.is_(None),
        IdempotentRequest.started_at == held.started_at).values(started_at=utcnow()))
    session.commit()
    return taken.rowcount == 1  # type: ignore[attr-defined]


def complete(session: Session, affiliate_code: str, key: str, status_code: int, body: str,
             location: Optional[str]) -> None:
    """Store the answer under the key: every repeat gets it from now on."""
    session.execute(update(IdempotentRequest).where(
        IdempotentRequest.affiliate_code == affiliate_code, IdempotentRequest.key == key).values(
        status_code=status_code, body=body, location=location, completed_at=utcnow()))
    session.commit()


def release(session: Session, affiliate_code: str, key: str) -> None:
    """Give the key back: nothing was enrolled, so the partner may send a corrected body under it."""
    session.rollback()
    session.execute(delete(IdempotentRequest).where(
        IdempotentRequest.affiliate_code == affiliate_code, IdempotentRequest.key == key,
        IdempotentRequest.status_code.is_(None)))
    session.commit()


def purge(session: Session, older_than: dt.timedelta) -> int:
    """Delete answers older than `older_than` (a partner retries within hours, not weeks)."""
    removed = session.execute(delete(IdempotentRequest).where(
        IdempotentRequest.completed_at < utcnow() - older_than))
    session.commit()
    return removed.rowcount  # type: ignore[attr-defined]
