"""The one interface every billing system is reached through, and how to pick one by name."""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Optional, Protocol, Sequence

from .prospect import Prospect
from .settings import BillingSettings
from .statuses import Status


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What a billing system said about a prospect it was sent."""

    status: Status
    reference: Optional[str] = None
    message: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class Sent:
    """An enrollment the billing system has, whose final answer is awaited."""

    number: str
    reference: Optional[str]


@dataclasses.dataclass(frozen=True)
class StatusReport:
    """The billing system's (or utility's) answer about one enrollment."""

    number: str
    status: Status
    reason: Optional[str] = None
    service_start_date: Optional[dt.date] = None
    #: Where the answer came from (a status file), for acknowledging it once stored.
    source: Optional[str] = None


class BillingUnavailable(Exception):
    """The billing system could not be reached or failed (timeout, refused, 5xx): retry later."""


class BillingSystem(Protocol):
    """A billing system the enrollment can be handed to."""

    def create_prospect(self, prospect: Prospect) -> Outcome:
        """Send the prospect (same idempotency key on every attempt); raise BillingUnavailable."""
        ...

    def statuses(self, sent: Sequence[Sent]) -> list[StatusReport]:
        """Final answers available now for these (and, for file drops, any other) enrollments."""
        ...

    def acknowledge(self, done: Sequence[StatusReport], bad: Sequence[tuple[StatusReport, str]]) -> None:
        """Called once the answers are stored: `bad` ones matched no enrollment (with why)."""
        ...


def make_billing_system(settings: BillingSettings) -> BillingSystem:
    """Build the adapter `settings.adapter` names: "file_drop" or "web_service"."""
    if settings.adapter == "file_drop":
        from .filedrop import FileDrop

        return FileDrop(settings.drop_dir, settings.status_dir)
    if settings.adapter == "web_service":
        from .webservice import WebService

        if not settings.url:
            raise ValueError("BILLING_URL is required for the web_service adapter")
        return WebService(settings.url, settings.api_key, settings.connect_timeout, settings.read_timeout)
    raise ValueError(f"unknown billing adapter {settings.adapter!r}")
