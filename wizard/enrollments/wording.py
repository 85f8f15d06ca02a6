"""How an enrollment reads to its customer, on any page or in an email: its status in the
customer's words and its plan's name, in the language being rendered. The billing system's status
names stay English for operations."""
from __future__ import annotations

from typing import Optional

from flask_babel import lazy_gettext as _l

from billing import Status
from billing.models import Enrollment
from wizard.catalog.models import Plan
from wizard.core import i18n

#: Each status in the customer's words.
STATUS_NAMES = {
    Status.NEW: _l("New Enrollment Saved"),
    Status.AWAITING_RESPONSE: _l("Submitted: Awaiting Response"),
    Status.PENDING: _l("Pending"),
    Status.CONNECTION_ERROR: _l("Submission Not Sent: Connection Error"),
    Status.WITH_ERRORS: _l("Submitted: With Errors"),
    Status.ON_HOLD: _l("On Hold"),
    Status.ON_HOLD_QUOTE: _l("On Hold - Quote Request"),
    Status.ACCEPTED: _l("Accepted"),
    Status.REJECTED: _l("Rejected"),
    Status.CANCELLED: _l("Cancelled"),
    Status.CANCELLED_TEST: _l("Cancelled - Test Order"),
    Status.DROPPED: _l("Dropped"),
    Status.EXPIRED: _l("Expired"),
    Status.RENEWAL_PENDING: _l("Renewal Pending"),
    Status.RENEWED: _l("Renewed"),
    Status.ARCHIVED: _l("Archived"),
    Status.PRICE_UPDATE_PENDING: _l("Price Plan Update Pending"),
    Status.PRICE_UPDATE_ACCEPTED: _l("Price Plan Update Accepted"),
    Status.PRICE_UPDATE_REJECTED: _l("Price Plan Update Rejected"),
}


def status_name(status: str) -> str:
    """A status in the page's language (one the list does not know: as stored)."""
    return str(STATUS_NAMES.get(status, status))  # type: ignore[call-overload]


def plan_name(enrollment: Enrollment, plan: Optional[Plan]) -> str:
    """The plan's name as enrolled (its snapshot), in the language being rendered: the snapshot's
    translation, else marketing's for the catalog's plan (`plan`) while it still has that name."""
    snapshot = enrollment.plan_snapshot or {}
    name = snapshot.get("name", enrollment.plan_code)
    if i18n.language() == i18n.DEFAULT:
        return name
    if snapshot.get(f"name_{i18n.language()}"):
        return snapshot[f"name_{i18n.language()}"]
    return i18n.local(plan, "name") if plan is not None and plan.name == name else name
