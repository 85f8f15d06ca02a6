"""The one interface every billing system is reached through, and how to pick one by name."""
from __future__ import annotations

import dataclasses
from typing import Any, Optional, Protocol

from .prospect import Prospect
from .statuses import Status


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What a billing system said about a prospect."""

    status: Status
    reference: Optional[str] = None
    message: Optional[str] = None


class BillingSystem(Protocol):
    """A billing system the enrollment can be handed to."""

    def create_prospect(self, prospect: Prospect) -> Outcome:
        """Send the prospect; answer the status it is in afterwards."""
        ...


def make_billing_system(name: str, **settings: Any) -> BillingSystem:
    """Build the billing system adapter configured by `name` ("file_drop")."""
    if name == "file_drop":
        from .filedrop import FileDrop

        return FileDrop(settings["drop_dir"])
    raise ValueError(f"unknown billing adapter {name!r}")
