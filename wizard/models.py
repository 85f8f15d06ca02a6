"""The wizard's tables: the plan catalog, drafts, My Account logins and the area wait list."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Optional

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Numeric, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from billing.models import Base, Customer, utcnow

Money = Numeric(10, 4)


class State(Base):
    """A market state and its disclosure rules."""

    __tablename__ = "state"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    #: Usage levels (kWh) at which average prices are disclosed, e.g. Texas 500/1,000/2,000.
    usage_levels: Mapped[list[Any]]
    rescission_business_days: Mapped[int]
    max_days_ahead: Mapped[int]

    @property
    def is_texas(self) -> bool:
        """Texas asks for the ESI ID, enrollment type, date of birth and identity value."""
        return self.code == "TX"


class Utility(Base):
    """A utility (in Texas a TDSP): owns the wires, charges delivery."""

    __tablename__ = "utility"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    state_code: Mapped[str] = mapped_column(ForeignKey("state.code"))
    delivery_cents_per_kwh: Mapped[Decimal] = mapped_column(Money)
    delivery_monthly: Mapped[Decimal] = mapped_column(Money)
    esi_prefixes: Mapped[list[Any]]
    esi_length: Mapped[Optional[int]]

    state: Mapped[State] = relationship()


class ServiceArea(Base):
    """A ZIP code served by a utility; a ZIP may be split between several."""

    __tablename__ = "service_area"

    zip: Mapped[str] = mapped_column(String(5), primary_key=True)
    utility_code: Mapped[str] = mapped_column(ForeignKey("utility.code"), primary_key=True)


class Plan(Base):
    """A price plan with what its Electricity Facts Label discloses."""

    __tablename__ = "plan"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    state_code: Mapped[str] = mapped_column(ForeignKey("state.code"))
    rate_type: Mapped[str] = mapped_column(String(16))
    energy_cents_per_kwh: Mapped[Decimal] = mapped_column(Money)
    base_fee: Mapped[Decimal] = mapped_column(Money)
    term_months: Mapped[int]
    early_termination_fee: Mapped[Decimal] = mapped_column(Money)
    #: The fee is charged per remaining month of the term rather than once.
    etf_per_remaining_month: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: A usage bill credit: `bill_credit` dollars off a month of at least `bill_credit_min_kwh`.
    bill_credit: Mapped[Optional[Decimal]] = mapped_column(Money)
    bill_credit_min_kwh: Mapped[Optional[int]]
    renewable_percent: Mapped[int]
    customer_types: Mapped[list[Any]]
    #: Channels that may sell it: "web", "agent", ...
    channels: Mapped[list[Any]]
    #: Only shown when a promo code unlocks it.
    promo_only: Mapped[bool] = mapped_column(default=False)
    #: No enrollment: customer service receives a quote request instead.
    quote_request: Mapped[bool] = mapped_column(default=False, server_default=false())
    available_from: Mapped[Optional[dt.date]]
    available_to: Mapped[Optional[dt.date]]
    efl_version: Mapped[str] = mapped_column(String(16), default="1")
    tos_version: Mapped[str] = mapped_column(String(16), default="1")
    yrac_version: Mapped[str] = mapped_column(String(16), default="1")

    state: Mapped[State] = relationship()


class Promo(Base):
    """A promo code; codes are stored upper-case and matched case-insensitively."""

    __tablename__ = "promo"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    description: Mapped[str] = mapped_column(String(200))
    valid_from: Mapped[dt.date]
    valid_to: Mapped[dt.date]
    unlocks: Mapped[list[Any]]


class ReferralSource(Base):
    """An answer to "How did you hear about us?"."""

    __tablename__ = "referral_source"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    label: Mapped[str] = mapped_column(String(80))
    position: Mapped[int]
    active: Mapped[bool] = mapped_column(default=True)


class Acknowledgement(Base):
    """A statement the customer confirms on the review page; each version is kept."""

    __tablename__ = "acknowledgement"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(1000))
    position: Mapped[int]


class AreaWaitlist(Base):
    """Someone outside the service area who wants to hear when we serve their ZIP."""

    __tablename__ = "area_waitlist"
    __table_args__ = (UniqueConstraint("zip", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    zip: Mapped[str] = mapped_column(String(5))
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Draft(Base):
    """An unfinished wizard: the answers so far, kept until `expires_at`, then purged."""

    __tablename__ = "draft"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    answers: Mapped[dict[str, Any]]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)
    enrollment_id: Mapped[Optional[int]] = mapped_column(ForeignKey("enrollment.id"))


class Account(UserMixin, Base):
    """My Account login of a customer; the password is only ever stored as an argon2id hash."""

    __tablename__ = "account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    #: Case-folded username: the unique key, so "Ann" and "ann" are one account.
    username_key: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    customer: Mapped[Customer] = relationship()
