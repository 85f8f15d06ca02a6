"""Enrollment statuses of the billing hand-off, named as in DOMAIN.md."""
from enum import StrEnum


class Status(StrEnum):
    """Every status an enrollment can have, set by the system, operators or later account life."""

    NEW = "New Enrollment Saved"
    AWAITING_RESPONSE = "Submitted: Awaiting Response"
    PENDING = "Pending"
    CONNECTION_ERROR = "Submission Not Sent: Connection Error"
    WITH_ERRORS = "Submitted: With Errors"
    ON_HOLD = "On Hold"
    ON_HOLD_QUOTE = "On Hold - Quote Request"
    ACCEPTED = "Accepted"
    REJECTED = "Rejected"
    CANCELLED = "Cancelled"
    CANCELLED_TEST = "Cancelled - Test Order"
    DROPPED = "Dropped"
    EXPIRED = "Expired"
    RENEWAL_PENDING = "Renewal Pending"
    RENEWED = "Renewed"
    ARCHIVED = "Archived"
    PRICE_UPDATE_PENDING = "Price Plan Update Pending"
    PRICE_UPDATE_ACCEPTED = "Price Plan Update Accepted"
    PRICE_UPDATE_REJECTED = "Price Plan Update Rejected"


_OPERATOR = {Status.CANCELLED, Status.CANCELLED_TEST}
_ACCOUNT_LIFE = {
    Status.DROPPED, Status.EXPIRED, Status.RENEWAL_PENDING, Status.RENEWED, Status.ARCHIVED,
    Status.PRICE_UPDATE_PENDING, Status.PRICE_UPDATE_ACCEPTED, Status.PRICE_UPDATE_REJECTED,
}

#: Which status may follow which. Operators may cancel anything not yet accepted and
#: resubmit (back to NEW) what came back with errors, was rejected or is on hold.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.NEW: frozenset({Status.AWAITING_RESPONSE, Status.PENDING, Status.CONNECTION_ERROR,
                           Status.WITH_ERRORS, Status.ON_HOLD, Status.ON_HOLD_QUOTE,
                           Status.ACCEPTED, Status.REJECTED, *_OPERATOR}),
    Status.CONNECTION_ERROR: frozenset({Status.AWAITING_RESPONSE, Status.PENDING,
                                        Status.CONNECTION_ERROR, Status.WITH_ERRORS,
                                        Status.ON_HOLD, Status.ACCEPTED, Status.REJECTED,
                                        *_OPERATOR}),
    Status.AWAITING_RESPONSE: frozenset({Status.ACCEPTED, Status.REJECTED, Status.ON_HOLD,
                                         *_OPERATOR}),
    Status.PENDING: frozenset({Status.ACCEPTED, Status.REJECTED, Status.ON_HOLD, *_OPERATOR}),
    Status.WITH_ERRORS: frozenset({Status.NEW, *_OPERATOR}),
    Status.REJECTED: frozenset({Status.NEW, *_OPERATOR}),
    Status.ON_HOLD: frozenset({Status.NEW, *_OPERATOR}),
    Status.ON_HOLD_QUOTE: frozenset({Status.NEW, *_OPERATOR}),
    Status.ACCEPTED: frozenset(_ACCOUNT_LIFE),
}


def can_transition(old: Status | None, new: Status) -> bool:
    """True when an enrollment in `old` may move to `new` (None: not yet stored)."""
    if old is None:
        return new is Status.NEW
    return new in TRANSITIONS.get(old, frozenset(_ACCOUNT_LIFE) if old in _ACCOUNT_LIFE else frozenset())
