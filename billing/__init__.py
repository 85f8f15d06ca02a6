"""The billing-submit module shared by every enrollment channel. It never imports Flask.

A channel stores an `Enrollment` and calls `enqueue` in the same transaction; a worker calls
`drain` to hand what is due to the configured `BillingSystem` and records each status change.
"""
from .adapters import BillingSystem, Outcome, make_billing_system
from .crypto import FieldCipher
from .models import Base, Customer, Enrollment, OutboxItem, StatusChange
from .outbox import DrainReport, TransitionError, drain, enqueue, set_status
from .prospect import Prospect
from .statuses import IN_FLIGHT, Status, can_transition

__all__ = [
    "Base", "BillingSystem", "Customer", "DrainReport", "Enrollment", "FieldCipher", "IN_FLIGHT",
    "Outcome", "OutboxItem", "Prospect", "Status", "StatusChange", "TransitionError",
    "can_transition", "drain", "enqueue", "make_billing_system", "set_status",
]
