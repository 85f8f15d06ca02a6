"""Status polling: moves sent enrollments to Accepted or Rejected as the billing system answers."""
from __future__ import annotations

import logging

from sqlalchemy import or_, select

from wizard.core.models import utcnow

from .adapters import BillingSystem, Sent, StatusReport
from .models import Enrollment
from .outbox import SessionFactory, set_status
from .settings import BillingSettings
from .statuses import Status, can_transition

log = logging.getLogger(__name__)

AWAITING = (Status.AWAITING_RESPONSE.value, Status.PENDING.value)


def poll_statuses(session_factory: SessionFactory, system: BillingSystem, settings: BillingSettings,
                  *, force: bool = False) -> int:
    """Ask about enrollments not asked about for `poll_interval`; answer how many changed."""
    now = utcnow()
    with session_factory() as session:
        query = select(Enrollment).where(Enrollment.status.in_(AWAITING))
        if not force:
            query = query.where(or_(Enrollment.status_checked_at.is_(None),
                                    Enrollment.status_checked_at <= now - settings.poll_interval))
        due = session.scalars(query.order_by(Enrollment.id).limit(1000)).all()
        sent = [Sent(e.number, e.billing_reference) for e in due]
        for e in due:
            e.status_checked_at = now
        session.commit()
    reports = system.statuses(sent)
    changed, done, bad = 0, [], []
    with session_factory() as session:
        # Another poller may be applying the same answers: lock each row (in one order, so two
        # pollers never deadlock) and decide on the status read under the lock, so an answer is
        # recorded once.
        for report in sorted(reports, key=lambda r: r.number):
            enrollment = session.scalar(select(Enrollment).where(Enrollment.number == report.number)
                                        .with_for_update().execution_options(populate_existing=True))
            if enrollment is None:
                bad.append((report, f"no enrollment numbered {report.number}"))
                continue
            done.append(report)
            if can_transition(Status(enrollment.status), report.status):
                _apply(session, enrollment, report)
                changed += 1
        session.commit()
    system.acknowledge(done, bad)
    return changed


def _apply(session, enrollment: Enrollment, report: StatusReport) -> None:
    if report.status is Status.ACCEPTED:
        enrollment.service_start_date = report.service_start_date
        message = f"Service starts {report.service_start_date:%B %-d, %Y}." if report.service_start_date else None
        set_status(session, enrollment, Status.ACCEPTED, "billing system accepted", message)
    else:
        set_status(session, enrollment, report.status, "billing system answered", report.reason)
    log.info("billing: enrollment %s is %s", enrollment.number, report.status.value)
