"""The billing-submit module shared by every enrollment channel. It never imports Flask.

A channel stores an `Enrollment` and calls `enqueue` in the same transaction; a worker calls
`drain` to hand what is due to the configured `BillingSystem` and records each status change;
anyone reads where an enrollment stands with `status_of`.
"""
from .adapters import BillingSystem, Outcome, make_billing_system
from .crypto import FieldCipher
from .models import Base, Customer, Enrollment, OutboxItem, StatusChange
from .outbox import DrainReport, TransitionError, drain, enqueue, set_status
from .prospect import Prospect
from .status import EnrollmentStatus, StatusStep, status_of
from .statuses import IN_FLIGHT, Status, can_transition

__all__ = [
    "Base", "BillingSystem", "Customer", "DrainReport", "Enrollment", "EnrollmentStatus", "FieldCipher",
    "IN_FLIGHT", "Outcome", "OutboxItem", "Prospect", "Status", "StatusChange", "StatusStep",
    "TransitionError", "can_transition", "drain", "enqueue", "make_billing_system", "set_status",
    "status_of",
]
