"""Listeners told of every status change, in the transaction that makes it.

The billing module knows nothing of who listens: an app registers a callable (the wizard queues
the customer's status emails with it), and the callable adds its rows to the same session, so
they are committed with the status change or not at all. A listener must not commit.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Optional

from sqlalchemy.orm import Session

from .statuses import Status

if TYPE_CHECKING:
    from .models import Enrollment

StatusListener = Callable[[Session, "Enrollment", Optional[Status], Status], None]

_listeners: list[StatusListener] = []


def on_status_change(listener: StatusListener) -> StatusListener:
    """Register `listener(session, enrollment, old, new)` (once, however often it is registered)."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def status_changed(session: Session, enrollment: "Enrollment", old: Optional[Status], new: Status) -> None:
    """Tell every listener, in registration order."""
    for listener in _listeners:
        listener(session, enrollment, old, new)
