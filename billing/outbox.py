"""The transactional outbox: enrollments are queued in their own transaction, delivered later.

The claim, lease and fencing machinery is the shared outbox's (wizard/core/outbox.py, also used
for customer mail); this module is what delivering an enrollment means. Delivery guarantees:
- an outbox row is claimed for a lease before it is sent (PostgreSQL: FOR UPDATE SKIP LOCKED, so
  several workers share the queue; elsewhere a compare-and-set), and a claim left by a killed
  worker is taken over when its lease ends;
- each claim carries a random token. The lease is renewed just before the row is sent, and the
  outcome is recorded only while the row still carries the token, in the same transaction as
  the status change (fencing): a worker that stalled past its lease, so that another took the
  row over, records nothing;
- no database transaction is open while the billing system is called: what to send is read,
  the transaction ends, the call is made, then a new transaction records the outcome;
- the billing system gets the enrollment's idempotency key on every attempt, so a crash between
  sending and recording, or a stalled worker's late send, never creates a second prospect;
- outages are retried with exponential backoff and full jitter; when attempts or time run out
  the enrollment goes On Hold and operations get an alert.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import smtplib
import threading
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from wizard.core import outbox
from wizard.core.models import utcnow
from wizard.core.outbox import SessionFactory, backoff

from . import events, mail
from .adapters import BillingSystem, BillingUnavailable, Outcome
from .crypto import FieldCipher
from .models import Enrollment, OutboxItem, StatusChange
from .prospect import Prospect
from .settings import BillingSettings
from .statuses import Status, can_transition

log = logging.getLogger(__name__)



class TransitionError(ValueError):
    """A status change DOMAIN.md does not allow."""


def set_status(session: Session, enrollment: Enrollment, new: Status, reason: str,
               message: Optional[str] = None) -> None:
    """Move `enrollment` to `new`, record the change in its history and tell the listeners
    (billing/events.py) in the same transaction."""
    old = Status(enrollment.status) if enrollment.status else None
    if not can_transition(old, new):
        raise TransitionError(f"{old} -> {new} is not allowed")
    enrollment.status = new.value
    enrollment.status_message = message
    session.add(StatusChange(enrollment=enrollment, from_status=old.value if old else None,
                             to_status=new.value, reason=reason, message=message))
    events.status_changed(session, enrollment, old, new)


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
    item.claimed_until = item.claim_token = item.sent_at = item.gave_up_at = item.last_error = None


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


@dataclasses.dataclass
class DrainReport:
    """What one pass over the outbox did."""

    sent: int = 0
    failed: int = 0
    on_hold: int = 0
    #: Claimed rows another worker took over (this one's lease ran out): nothing recorded for them.
    lost: int = 0


def claim_batch(session_factory: SessionFactory, limit: int, lease: dt.timedelta,
                due_by: Optional[dt.datetime] = None) -> outbox.Claim:
    """Claim up to `limit` enrollments due by `due_by` (default now) for `lease` under a new token."""
    return outbox.claim_batch(session_factory, OutboxItem, limit, lease, due_by)


def drain(session_factory: SessionFactory, system: BillingSystem, cipher: FieldCipher,
          settings: BillingSettings, *, mailer: Optional[mail.Mailer] = None,
          stop: Optional[threading.Event] = None) -> DrainReport:
    """Deliver what is due now, one claimed batch after another, until none is left (or `stop`)."""
    report = DrainReport()
    mailer = mailer or mail.Mailer(settings.smtp_host, settings.smtp_port, settings.mail_from)
    started = utcnow()  # a row retried in this pass is due later than this: one attempt per pass
    while not (stop and stop.is_set()):
        claim = claim_batch(session_factory, settings.batch_size, settings.lease, due_by=started)
        if not claim.ids:
            break
        for n, item_id in enumerate(claim.ids):
            if stop and stop.is_set():
                outbox.release(session_factory, OutboxItem, claim.token, claim.ids[n:])
                break
            result = _deliver(session_factory, item_id, claim.token, system, cipher, settings, mailer)
            setattr(report, result, getattr(report, result) + 1)
    return report


@dataclasses.dataclass(frozen=True)
class _Parcel:
    """What one delivery sends, read before the call so that no transaction stays open during it."""

    enrollment_id: int
    number: str
    prospect: Optional[Prospect] = None
    #: Subject and body mailed to customer service instead of a prospect (quote-request plans).
    quote_request: Optional[tuple[str, str]] = None


def _deliver(session_factory: SessionFactory, item_id: int, token: str, system: BillingSystem,
             cipher: FieldCipher, settings: BillingSettings, mailer: mail.Mailer) -> str:
    """Send one claimed enrollment and record the outcome: "sent", "failed", "on_hold" or "lost"."""
    parcel = _prepare(session_factory, item_id, token, cipher, settings.lease)
    if parcel is None:
        log.warning("billing: outbox row %s was taken over by another worker (this claim's lease ran out) "
                    "or sent or cancelled meanwhile: not sent by this worker", item_id)
        return "lost"
    try:
        outcome = _send(parcel, system, settings, mailer)
    except (BillingUnavailable, OSError, smtplib.SMTPException) as exc:
        return _retry_later(session_factory, item_id, token, parcel, str(exc) or type(exc).__name__,
                            settings, mailer)
    with session_factory() as session:
        if not _fence(session, item_id, token, sent_at=utcnow(), attempts=OutboxItem.attempts + 1,
                      last_error=None):
            return _lost(parcel, f"answer ({outcome.status.value})")
        enrollment = session.get(Enrollment, parcel.enrollment_id)
        enrollment.billing_reference = outcome.reference
        set_status(session, enrollment, outcome.status, "sent", outcome.message)
        session.commit()
    log.info("billing: enrollment %s delivered: %s", parcel.number, outcome.status.value)
    return "sent"


def _prepare(session_factory: SessionFactory, item_id: int, token: str, cipher: FieldCipher,
             lease: dt.timedelta) -> Optional[_Parcel]:
    """Renew this claim's lease for one send and read what to send; None when the row is not ours."""
    with session_factory() as session:
        if not outbox.renew(session, OutboxItem, item_id, token, lease):
            return None
        enrollment = session.get(OutboxItem, item_id).enrollment
        if enrollment.plan_snapshot.get("quote_request"):
            parcel = _Parcel(enrollment.id, enrollment.number, quote_request=mail.quote_request(enrollment))
        else:
            parcel = _Parcel(enrollment.id, enrollment.number, prospect=Prospect.from_enrollment(enrollment, cipher))
        session.commit()
    return parcel


def _fence(session: Session, item_id: int, token: str, **values) -> bool:
    """End this claim with `values` if the row is still its own (wizard/core/outbox.py `fence`)."""
    return outbox.fence(session, OutboxItem, item_id, token, **values)


def _lost(parcel: _Parcel, what: str) -> str:
    log.warning("billing: enrollment %s: this worker's claim ran out while it was sending and another worker "
                "took it over; its %s is not recorded (the idempotency key made the sends one prospect)",
                parcel.number, what)
    return "lost"


def _send(parcel: _Parcel, system: BillingSystem, settings: BillingSettings, mailer: mail.Mailer) -> Outcome:
    if parcel.quote_request:
        mailer.send(settings.customer_service_email, *parcel.quote_request)
        return Outcome(Status.ON_HOLD_QUOTE, message="Quote request sent to customer service.")
    return system.create_prospect(parcel.prospect)


def _retry_later(session_factory: SessionFactory, item_id: int, token: str, parcel: _Parcel, error: str,
                 settings: BillingSettings, mailer: mail.Mailer) -> str:
    now = utcnow()
    error = error[:500]
    with session_factory() as session:
        if not _fence(session, item_id, token, attempts=OutboxItem.attempts + 1, last_error=error):
            return _lost(parcel, f"failed attempt ({error})")
        item = session.get(OutboxItem, item_id)
        enrollment = item.enrollment
        attempts = item.attempts
        if attempts >= settings.max_attempts or now - item.created_at >= settings.max_age:
            item.gave_up_at = now
            set_status(session, enrollment, Status.ON_HOLD, "billing system unreachable",
                       f"Not delivered after {attempts} attempts: {error}")
            alert = mail.on_hold_alert(enrollment, attempts, error)
            session.commit()
        else:
            alert = None
            item.available_at = now + dt.timedelta(seconds=backoff(attempts, settings.backoff_base,
                                                                   settings.backoff_cap))
            if enrollment.status != Status.CONNECTION_ERROR:
                set_status(session, enrollment, Status.CONNECTION_ERROR, "send failed", error)
            session.commit()
    if alert is None:
        log.warning("billing: enrollment %s not delivered (attempt %d): %s", parcel.number, attempts, error)
        return "failed"
    log.error("billing: enrollment %s on hold after %d attempts", parcel.number, attempts)
    try:
        mailer.send(settings.operations_email, *alert)
    except (OSError, smtplib.SMTPException) as exc:
        log.error("billing: could not alert operations (%s)", type(exc).__name__)
    return "on_hold"
