"""The transactional outbox: enrollments are queued in their own transaction, delivered later.

Delivery guarantees:
- an outbox row is claimed for a lease before it is sent (PostgreSQL: FOR UPDATE SKIP LOCKED, so
  several workers share the queue; elsewhere a compare-and-set), and a claim left by a killed
  worker is taken over when its lease ends;
- the billing system gets the enrollment's idempotency key on every attempt, so a crash between
  sending and recording never creates a second prospect;
- outages are retried with exponential backoff and full jitter; when attempts or time run out
  the enrollment goes On Hold and operations get an alert.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import random
import smtplib
import threading
from typing import Callable, Optional

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from wizard.core.models import utcnow

from . import mail
from .adapters import BillingSystem, BillingUnavailable, Outcome
from .crypto import FieldCipher
from .models import Enrollment, OutboxItem, StatusChange
from .prospect import Prospect
from .settings import BillingSettings
from .statuses import Status, can_transition

log = logging.getLogger(__name__)

SessionFactory = Callable[[], Session]


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


def resubmit(session: Session, enrollment: Enrollment, reason: str) -> None:
    """An operator's manual resubmission after a fix: back to NEW and queued as a new prospect.

    Only a rejected, errored or held enrollment may be resubmitted (`TransitionError` otherwise).
    The idempotency key changes, so the billing system creates a prospect from the corrected
    data instead of answering its earlier refusal again.
    """
    set_status(session, enrollment, Status.NEW, reason=reason)
    enrollment.resubmissions += 1
    enrollment.billing_reference = None
    enrollment.status_checked_at = None
    item = session.scalar(select(OutboxItem).where(OutboxItem.enrollment_id == enrollment.id))
    if item is None:
        session.add(OutboxItem(enrollment=enrollment))
        return
    now = utcnow()
    item.created_at = item.available_at = now
    item.attempts = 0
    item.claimed_until = item.sent_at = item.gave_up_at = item.last_error = None


def cancel(session: Session, enrollment: Enrollment, reason: str, *, test_order: bool = False) -> None:
    """An operator cancels an enrollment (or marks it a test order) before it is accepted.

    An unsent one is taken out of the outbox so it is never delivered.
    """
    set_status(session, enrollment, Status.CANCELLED_TEST if test_order else Status.CANCELLED, reason=reason)
    item = session.scalar(select(OutboxItem).where(OutboxItem.enrollment_id == enrollment.id,
                                                   OutboxItem.sent_at.is_(None)))
    if item is not None:
        item.gave_up_at = utcnow()
        item.last_error = "cancelled by an operator"


def backoff(attempt: int, base: float, cap: float, rng: Optional[random.Random] = None) -> float:
    """Seconds to wait before attempt `attempt` + 1: full jitter over an exponential ceiling."""
    return (rng or random).uniform(0, min(cap, base * 2 ** attempt))


@dataclasses.dataclass
class DrainReport:
    """What one pass over the outbox did."""

    sent: int = 0
    failed: int = 0
    on_hold: int = 0


def _due(now: dt.datetime, due_by: dt.datetime):
    """Unsent, not given up, due by `due_by` and not claimed by anyone at `now`."""
    return (OutboxItem.sent_at.is_(None), OutboxItem.gave_up_at.is_(None), OutboxItem.available_at <= due_by,
            or_(OutboxItem.claimed_until.is_(None), OutboxItem.claimed_until < now))


def claim_batch(session_factory: SessionFactory, limit: int, lease: dt.timedelta,
                due_by: Optional[dt.datetime] = None) -> list[int]:
    """Claim up to `limit` rows due by `due_by` (default now) for `lease`; answer their ids."""
    with session_factory() as session:
        now = utcnow()
        due = _due(now, due_by or now)
        if session.get_bind().dialect.name == "postgresql":
            ids = session.scalars(select(OutboxItem.id).where(*due).order_by(OutboxItem.id)
                                  .limit(limit).with_for_update(skip_locked=True)).all()
            if ids:
                session.execute(update(OutboxItem).where(OutboxItem.id.in_(ids))
                                .values(claimed_until=now + lease))
            session.commit()
            return list(ids)
        candidates = session.scalars(select(OutboxItem.id).where(*due).order_by(OutboxItem.id)
                                     .limit(limit)).all()
        claimed = []
        for item_id in candidates:  # compare-and-set: only one claimant's UPDATE matches
            result = session.execute(update(OutboxItem).where(OutboxItem.id == item_id, *due)
                                     .values(claimed_until=now + lease))
            session.commit()
            if result.rowcount == 1:
                claimed.append(item_id)
        return claimed


def drain(session_factory: SessionFactory, system: BillingSystem, cipher: FieldCipher,
          settings: BillingSettings, *, mailer: Optional[mail.Mailer] = None,
          stop: Optional[threading.Event] = None) -> DrainReport:
    """Deliver what is due now, one claimed batch after another, until none is left (or `stop`)."""
    report = DrainReport()
    mailer = mailer or mail.Mailer(settings.smtp_host, settings.smtp_port, settings.mail_from)
    started = utcnow()  # a row retried in this pass is due later than this: one attempt per pass
    while not (stop and stop.is_set()):
        ids = claim_batch(session_factory, settings.batch_size, settings.lease, due_by=started)
        if not ids:
            break
        for n, item_id in enumerate(ids):
            if stop and stop.is_set():
                _release(session_factory, ids[n:])
                break
            result = _deliver(session_factory, item_id, system, cipher, settings, mailer)
            setattr(report, result, getattr(report, result) + 1)
    return report


def _release(session_factory: SessionFactory, ids: list[int]) -> None:
    """Give back claims not worked on (a worker stopping), so others need not wait the lease."""
    with session_factory() as session:
        session.execute(update(OutboxItem).where(OutboxItem.id.in_(ids), OutboxItem.sent_at.is_(None))
                        .values(claimed_until=None))
        session.commit()


def _deliver(session_factory: SessionFactory, item_id: int, system: BillingSystem, cipher: FieldCipher,
             settings: BillingSettings, mailer: mail.Mailer) -> str:
    """Send one claimed enrollment and record the outcome; answer "sent", "failed" or "on_hold"."""
    with session_factory() as session:
        item = session.get(OutboxItem, item_id)
        if item is None or item.sent_at is not None:
            return "sent"
        enrollment = item.enrollment
        try:
            outcome = _send(enrollment, system, cipher, settings, mailer)
        except (BillingUnavailable, OSError, smtplib.SMTPException) as exc:
            return _retry_later(session, item, str(exc) or type(exc).__name__, settings, mailer)
        item.attempts += 1
        item.sent_at = utcnow()
        item.claimed_until = None
        item.last_error = None
        enrollment.billing_reference = outcome.reference
        set_status(session, enrollment, outcome.status, "sent", outcome.message)
        session.commit()
        log.info("billing: enrollment %s delivered: %s", enrollment.number, outcome.status.value)
        return "sent"


def _send(enrollment: Enrollment, system: BillingSystem, cipher: FieldCipher, settings: BillingSettings,
          mailer: mail.Mailer) -> Outcome:
    if enrollment.plan_snapshot.get("quote_request"):
        subject, body = mail.quote_request(enrollment)
        mailer.send(settings.customer_service_email, subject, body)
        return Outcome(Status.ON_HOLD_QUOTE, message="Quote request sent to customer service.")
    return system.create_prospect(Prospect.from_enrollment(enrollment, cipher))


def _retry_later(session: Session, item: OutboxItem, error: str, settings: BillingSettings,
                 mailer: mail.Mailer) -> str:
    now = utcnow()
    item.attempts += 1
    item.last_error = error[:500]
    item.claimed_until = None
    enrollment = item.enrollment
    if item.attempts >= settings.max_attempts or now - item.created_at >= settings.max_age:
        item.gave_up_at = now
        set_status(session, enrollment, Status.ON_HOLD, "billing system unreachable",
                   f"Not delivered after {item.attempts} attempts: {item.last_error}")
        session.commit()
        log.error("billing: enrollment %s on hold after %d attempts", enrollment.number, item.attempts)
        try:
            mailer.send(settings.operations_email, *mail.on_hold_alert(enrollment, item.attempts, item.last_error))
        except (OSError, smtplib.SMTPException) as exc:
            log.error("billing: could not alert operations (%s)", type(exc).__name__)
        return "on_hold"
    item.available_at = now + dt.timedelta(seconds=backoff(item.attempts, settings.backoff_base,
                                                           settings.backoff_cap))
    if enrollment.status != Status.CONNECTION_ERROR:
        set_status(session, enrollment, Status.CONNECTION_ERROR, "send failed", item.last_error)
    session.commit()
    log.warning("billing: enrollment %s not delivered (attempt %d): %s", enrollment.number,
                item.attempts, item.last_error)
    return "failed"
