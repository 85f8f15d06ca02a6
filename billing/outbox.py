"""The transactional outbox: enrollments are queued with their own transaction and sent later."""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from typing import Callable, Optional

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from .adapters import BillingSystem
from .crypto import FieldCipher
from .models import Enrollment, OutboxItem, StatusChange, utcnow
from .prospect import Prospect
from .statuses import Status, can_transition

log = logging.getLogger(__name__)

#: How long a worker owns a claimed row before another may take it over.
CLAIM_LEASE = dt.timedelta(minutes=5)


class TransitionError(ValueError):
    """A status change DOMAIN.md does not allow."""


def set_status(session: Session, enrollment: Enrollment, new: Status, reason: str,
               message: Optional[str] = None) -> None:
    """Move `enrollment` to `new` and record the change in its history."""
    old = Status(enrollment.status) if enrollment.status else None
    if not can_transition(old, new):
        raise TransitionError(f"{old} -> {new} is not allowed")
    enrollment.status = new.value
    enrollment.status_message = message
    session.add(StatusChange(enrollment=enrollment, from_status=old.value if old else None,
                             to_status=new.value, reason=reason, message=message))


def enqueue(session: Session, enrollment: Enrollment) -> None:
    """Store `enrollment` as "New Enrollment Saved" with its outbox row, in the caller's transaction."""
    set_status(session, enrollment, Status.NEW, reason="saved")
    session.add(OutboxItem(enrollment=enrollment))


@dataclasses.dataclass
class DrainReport:
    """What one pass over the outbox did."""

    sent: int = 0
    failed: int = 0


def drain(session_factory: Callable[[], Session], system: BillingSystem, cipher: FieldCipher,
          *, limit: int = 100) -> DrainReport:
    """Send what is due in the outbox, one row and one transaction at a time."""
    report = DrainReport()
    with session_factory() as session:
        now = utcnow()
        due = session.scalars(
            select(OutboxItem.id).where(
                OutboxItem.sent_at.is_(None), OutboxItem.available_at <= now,
                or_(OutboxItem.claimed_until.is_(None), OutboxItem.claimed_until < now),
            ).order_by(OutboxItem.id).limit(limit)
        ).all()
    for item_id in due:
        with session_factory() as session:
            if not _claim(session, item_id):
                continue  # another worker took it
            item = session.get(OutboxItem, item_id)
            assert item is not None
            try:
                outcome = system.create_prospect(Prospect.from_enrollment(item.enrollment, cipher))
            except OSError as exc:
                item.attempts += 1
                item.last_error = type(exc).__name__
                item.claimed_until = None
                item.available_at = utcnow() + dt.timedelta(seconds=min(3600, 30 * 2 ** item.attempts))
                if item.enrollment.status != Status.CONNECTION_ERROR:
                    set_status(session, item.enrollment, Status.CONNECTION_ERROR, "send failed",
                               type(exc).__name__)
                session.commit()
                log.warning("billing: enrollment %s not sent (%s)", item.enrollment.number,
                            type(exc).__name__)
                report.failed += 1
                continue
            item.attempts += 1
            item.sent_at = utcnow()
            item.claimed_until = None
            item.enrollment.billing_reference = outcome.reference
            set_status(session, item.enrollment, outcome.status, "sent", outcome.message)
            session.commit()
            log.info("billing: enrollment %s sent: %s", item.enrollment.number, outcome.status)
            report.sent += 1
    return report


def _claim(session: Session, item_id: int) -> bool:
    """Take the row for CLAIM_LEASE if nobody holds it: compare-and-set, safe on any database."""
    now = utcnow()
    result = session.execute(
        update(OutboxItem)
        .where(OutboxItem.id == item_id, OutboxItem.sent_at.is_(None),
               or_(OutboxItem.claimed_until.is_(None), OutboxItem.claimed_until < now))
        .values(claimed_until=now + CLAIM_LEASE)
    )
    session.commit()
    return result.rowcount == 1
