"""The plan catalog's tables: states, utilities, service areas, plans and where they show, documents,
affiliates, promo codes, referral sources and acknowledgement texts."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import ForeignKey, Index, LargeBinary, Numeric, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wizard.core.models import Base, utcnow

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
    #: The TDSP's DUNS number as ERCOT's ESI ID extract gives it: premises map to utilities by it.
    duns: Mapped[Optional[str]] = mapped_column(String(16))

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
    #: The name in Spanish, for Spanish pages; None: the English name is shown there too.
    name_es: Mapped[Optional[str]] = mapped_column(String(80))
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
    """A plan document (EFL, TOS, YRAC) given as an uploaded PDF or a link; newest version wins.

    An English document makes a new version; a Spanish one ("es") is the translation of a
    version, shown on Spanish pages while that version is the plan's current one.
    """

    __tablename__ = "plan_document"
    __table_args__ = (UniqueConstraint("plan_code", "kind", "version", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_code: Mapped[str] = mapped_column(ForeignKey("plan.code", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    version: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(2), default="en", server_default="en")
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
    #: Branding of its embedded wizard: data only (CSS custom properties and a logo), no code.
    #: The name customers see in the embedded wizard (staff see `name`); None: `name`.
    display_name: Mapped[Optional[str]] = mapped_column(String(80))
    #: Header, buttons and links ("#rrggbb", readable on white and under white text); None: ours.
    brand_colour: Mapped[Optional[str]] = mapped_column(String(7))
    #: Tags and highlights ("#rrggbb", readable under dark text); None: ours.
    accent_colour: Mapped[Optional[str]] = mapped_column(String(7))
    logo: Mapped[Optional[bytes]] = mapped_column(LargeBinary)
    logo_type: Mapped[Optional[str]] = mapped_column(String(32))
    #: Bumped on every logo upload: the logo's URL changes, so caches never show an old one.
    logo_version: Mapped[int] = mapped_column(default=0, server_default="0")
    support_phone: Mapped[Optional[str]] = mapped_column(String(20))
    welcome_text: Mapped[Optional[str]] = mapped_column(String(300))
    #: Origins ("https://host[:port]") whose pages may frame its wizard; [] : nobody may.
    embed_origins: Mapped[list[Any]] = mapped_column(default=list)
    #: Promo code filled in for its customers (they may clear it); must be valid for this affiliate.
    default_promo: Mapped[Optional[str]] = mapped_column(String(32))


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
    #: The label in Spanish; None: the English label is shown on Spanish pages too.
    label_es: Mapped[Optional[str]] = mapped_column(String(80))
    position: Mapped[int]
    active: Mapped[bool] = mapped_column(default=True)


class Acknowledgement(Base):
    """A statement the customer confirms on the review page; each version is kept."""

    __tablename__ = "acknowledgement"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(1000))
    #: The same statement in Spanish, part of this version; None: Spanish pages show the English.
    text_es: Mapped[Optional[str]] = mapped_column(String(1000))
    position: Mapped[int]
