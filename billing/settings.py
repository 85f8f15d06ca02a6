"""The billing module's settings: plain data, filled from any configuration source."""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Mapping, Optional

#: A claim's lease must be at least this many times the longest a Create Prospect may take
#: (connect + read timeout): it is renewed before each send, so it only has to outlast one.
LEASE_OVER_TIMEOUTS = 3


@dataclasses.dataclass(frozen=True)
class BillingSettings:
    """How to reach the billing system, retry, poll and raise the alarm."""

    adapter: str = "file_drop"
    # web service
    url: Optional[str] = None
    api_key: Optional[str] = None
    connect_timeout: float = 3.0
    read_timeout: float = 10.0
    # file drop
    drop_dir: Optional[str] = None
    status_dir: Optional[str] = None
    # delivery
    batch_size: int = 50
    lease: dt.timedelta = dt.timedelta(minutes=5)
    backoff_base: float = 2.0          # seconds; attempt n waits up to base * 2**n (full jitter)
    backoff_cap: float = 900.0         # never wait more than 15 minutes between attempts
    max_attempts: int = 12             # then On Hold and an alert
    max_age: dt.timedelta = dt.timedelta(hours=6)
    poll_interval: dt.timedelta = dt.timedelta(minutes=15)
    # mail
    smtp_host: str = "localhost"
    smtp_port: int = 25
    mail_from: str = "enrollments@localhost"
    customer_service_email: str = "customer-service@localhost"
    operations_email: str = "operations@localhost"

    def __post_init__(self) -> None:
        """Refuse a lease that could run out while its worker still waits for the billing system."""
        http = self.connect_timeout + self.read_timeout
        if self.lease.total_seconds() < LEASE_OVER_TIMEOUTS * http:
            raise ValueError(
                f"BILLING_LEASE is {self.lease.total_seconds():g} s but must be at least {LEASE_OVER_TIMEOUTS} x "
                f"(BILLING_CONNECT_TIMEOUT + BILLING_READ_TIMEOUT) = {LEASE_OVER_TIMEOUTS * http:g} s: a claim "
                "that runs out while its worker is still sending is taken over and sent again. "
                "Raise BILLING_LEASE or lower the timeouts.")

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any], prefix: str = "BILLING_") -> "BillingSettings":
        """Read `PREFIX_FIELD` keys (e.g. BILLING_URL); absent keys keep their defaults."""
        values: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            key = prefix + ("ADAPTER" if field.name == "adapter" else field.name.upper())
            if key in config and config[key] is not None:
                default = field.default
                value = config[key]
                if isinstance(default, dt.timedelta) and not isinstance(value, dt.timedelta):
                    value = dt.timedelta(seconds=float(value))
                elif isinstance(default, bool):
                    value = str(value).lower() in {"1", "true", "yes", "on"}
                elif isinstance(default, int) and not isinstance(default, bool):
                    value = int(value)
                elif isinstance(default, float):
                    value = float(value)
                values[field.name] = value
        return cls(**values)
