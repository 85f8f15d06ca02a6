"""The wizard's tables: the plan catalog, drafts, My Account logins and the area wait list."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Optional

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, LargeBinary, Numeric, String, UniqueConstraint, false
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
    #: Priced for one utility only; None: offered whatever utility serves the premise.
    utility_code: Mapped[Optional[str]] = mapped_column(ForeignKey("utility.code"), index=True)
    #: Only shown when a promo code unlocks it.
    promo_only: Mapped[bool] = mapped_column(default=False)
    #: No enrollment: customer service receives a quote request instead.
    quote_request: Mapped[bool] = mapped_column(default=False, server_default=false())
    available_from: Mapped[Optional[dt.date]]
    available_to: Mapped[Optional[dt.date]]
    efl_version: Mapped[str] = mapped_column(String(16), default="1")
    tos_version: Mapped[str] = mapped_column(String(16), default="1")
    yrac_version: Mapped[str] = mapped_column(String(16), default="1")
    #: Retired plans are offered nowhere; they stay for the enrollments that chose them.
    retired: Mapped[bool] = mapped_column(default=False, server_default=false())

    state: Mapped[State] = relationship()
    visibility: Mapped[list[PlanVisibility]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanVisibility.channel")


#: Channels a plan can be shown on; affiliates are "affiliate:<CODE>".
WEB, AGENT = "web", "agent"


def affiliate_channel(code: str) -> str:
    """The visibility channel of an affiliate's wizard."""
    return f"affiliate:{code}"


class PlanVisibility(Base):
    """A plan is shown on `channel` from `shown_from` to `shown_to` (inclusive; None: open)."""

    __tablename__ = "plan_visibility"
    __table_args__ = (Index("ix_plan_visibility_channel_plan", "channel", "plan_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_code: Mapped[str] = mapped_column(ForeignKey("plan.code", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(48))
    shown_from: Mapped[Optional[dt.date]]
    shown_to: Mapped[Optional[dt.date]]

    plan: Mapped[Plan] = relationship(back_populates="visibility")


class PlanDocument(Base):
    """A plan document (EFL, TOS, YRAC) given as an uploaded PDF or a link; newest version wins."""

    __tablename__ = "plan_document"
    __table_args__ = (UniqueConstraint("plan_code", "kind", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_code: Mapped[str] = mapped_column(ForeignKey("plan.code", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    version: Mapped[str] = mapped_column(String(16))
    url: Mapped[Optional[str]] = mapped_column(String(500))
    filename: Mapped[Optional[str]] = mapped_column(String(200))
    content: Mapped[Optional[bytes]] = mapped_column(LargeBinary)
    uploaded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Affiliate(Base):
    """A partner whose site embeds the wizard; its sales are attributed to it."""

    __tablename__ = "affiliate"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(default=True)


class Promo(Base):
    """A promo code; codes are stored upper-case and matched case-insensitively."""

    __tablename__ = "promo"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    description: Mapped[str] = mapped_column(String(200))
    valid_from: Mapped[dt.date]
    valid_to: Mapped[dt.date]
    unlocks: Mapped[list[Any]]
    #: Enrollments it may be used on (cancelled ones do not count); None: unlimited.
    max_uses: Mapped[Optional[int]]
    #: Only valid on this affiliate's wizard.
    affiliate_code: Mapped[Optional[str]] = mapped_column(ForeignKey("affiliate.code"))


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


ROLES = ("marketing", "operations", "admin")


class Staff(UserMixin, Base):
    """A member of staff who signs in to the admin area; separate from customers' accounts."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[Optional[dt.datetime]]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[Optional[dt.datetime]]

    #: Set by the user loader: the server-side session this request belongs to (not a column).
    session_token = None

    def get_id(self) -> str:
        """Flask-Login keeps the server-side session token, never the bare staff id."""
        return f"staff:{self.session_token}"

    def may(self, *roles: str) -> bool:
        """Whether this member of staff holds one of `roles` (admins hold them all)."""
        return self.active and (self.role == "admin" or self.role in roles)


class StaffSession(Base):
    """A signed-in admin session; deleting the row signs it out everywhere at once."""

    __tablename__ = "staff_session"

    #: SHA-256 of the token in the cookie, so a database read does not yield live sessions.
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    staff: Mapped[Staff] = relationship()


class AuditEntry(Base):
    """Who changed what and when, with the values before and after."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    staff_id: Mapped[Optional[int]] = mapped_column(ForeignKey("staff.id"))
    #: Kept as text too, so the entry outlives a deleted staff member or a CLI run.
    actor: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(40))
    entity_type: Mapped[str] = mapped_column(String(32), index=True)
    entity_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[Optional[dict[str, Any]]]
    after: Mapped[Optional[dict[str, Any]]]


class FunnelEvent(Base):
    """A draft reached a step (once per draft and step), for the funnel report.

    `draft_ref` is a hash of the draft id, so the report outlives purged drafts without
    holding anything that could resume one.
    """

    __tablename__ = "funnel_event"
    __table_args__ = (UniqueConstraint("draft_ref", "step"),
                      Index("ix_funnel_event_at_step", "at", "step"))

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_ref: Mapped[str] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(32))
    affiliate_code: Mapped[Optional[str]] = mapped_column(String(32))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
