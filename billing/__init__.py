"""The billing-submit module shared by every enrollment channel. It never imports Flask.

A channel stores an `Enrollment` and calls `enqueue` in the same transaction; a `Worker` (or
one `drain` pass) hands what is due to the configured `BillingSystem` with retries and records
every status change; `poll_statuses` brings the billing system's answers back; anyone reads
where an enrollment stands with `status_of`.
"""
from .adapters import BillingSystem, BillingUnavailable, Outcome, Sent, StatusReport, make_billing_system
from .crypto import FieldCipher
from .mail import Mailer
from .models import Enrollment, OutboxItem, StatusChange
from .outbox import DrainReport, TransitionError, backoff, cancel, drain, enqueue, resubmit, set_status
from .polling import poll_statuses
from .prospect import Prospect
from .settings import BillingSettings
from .status import EnrollmentStatus, StatusStep, status_of
from .statuses import Status, can_transition
from .worker import Worker

__all__ = [
    "BillingSettings", "BillingSystem", "BillingUnavailable", "DrainReport", "Enrollment",
    "EnrollmentStatus", "FieldCipher", "Mailer", "Outcome", "OutboxItem", "Prospect", "Sent",
    "Status", "StatusChange", "StatusReport", "StatusStep", "TransitionError", "Worker", "backoff",
    "can_transition", "cancel", "drain", "enqueue", "make_billing_system", "poll_statuses", "resubmit", "set_status", "status_of",
]
