"""Reading an enrollment's status and its history, for any channel."""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Enrollment
from .statuses import Status


@dataclasses.dataclass(frozen=True)
class StatusStep:
    """One change of status."""

    status: Status
    at: dt.datetime
    reason: str
    message: Optional[str]


@dataclasses.dataclass(frozen=True)
class EnrollmentStatus:
    """Where an enrollment stands, with how it got there."""

    number: str
    status: Status
    message: Optional[str]
    history: tuple[StatusStep, ...]


def status_of(session: Session, number: str) -> Optional[EnrollmentStatus]:
    """The status of enrollment `number`, or None when there is no such enrollment."""
    enrollment = session.scalar(select(Enrollment).where(Enrollment.number == number))
    if enrollment is None:
        return None
    return EnrollmentStatus(
        number=enrollment.number, status=Status(enrollment.status), message=enrollment.status_message,
        history=tuple(StatusStep(Status(h.to_status), h.at, h.reason, h.message) for h in enrollment.history),
    )
