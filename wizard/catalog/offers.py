"""What is offered where: ZIP -> utilities -> plans visible to this channel, promo and date."""
from __future__ import annotations

import datetime as dt
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Optional, Sequence

from babel.dates import format_date
from flask import has_app_context
from flask_babel import gettext as _
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from billing.models import Enrollment
from billing.statuses import Status
from wizard.core.i18n import long_date

from .models import (
    WEB,
    Acknowledgement,
    Affiliate,
    Plan,
    PlanVisibility,
    Promo,
    ReferralSource,
    ServiceArea,
    State,
    Utility,
    affiliate_channel,
)

#: Enrollments that do not use up a promo code.
_NOT_COUNTED = (Status.CANCELLED.value, Status.CANCELLED_TEST.value)


def utilities_for_zip(session: Session, zip_code: str) -> list[Utility]:
    """Utilities serving `zip_code`, by name; empty when we do not serve it."""
    return list(session.scalars(
        select(Utility).join(ServiceArea, ServiceArea.utility_code == Utility.code)
        .where(ServiceArea.zip == zip_code).order_by(Utility.name)
    ))


def channel_for(affiliate_code: Optional[str]) -> str:
    """The channel a wizard sells on: the web, or an affiliate's embedded wizard."""
    return affiliate_channel(affiliate_code) if affiliate_code else WEB


def active_affiliate(session: Session, code: Optional[str]) -> Optional[Affiliate]:
    """The affiliate with this code (any case) if it is active."""
    if not code or len(code) > 32:
        return None
    affiliate = session.get(Affiliate, code.strip().upper())
    return affiliate if affiliate is not None and affiliate.active else None


def promo_uses(session: Session, code: str) -> int:
    """Enrollments that used the promo code, cancelled ones aside."""
    return session.scalar(select(func.count()).select_from(Enrollment).where(
        Enrollment.promo_code == code, Enrollment.status.not_in(_NOT_COUNTED))) or 0


def _day(day: dt.date) -> str:
    """`day` as the request's language writes it; in English without an app (a script's session)."""
    return long_date(day) if has_app_context() else format_date(day, "long", locale="en_US")


def check_promo(session: Session, code: str, today: dt.date,
                affiliate_code: Optional[str] = None) -> tuple[Optional[Promo], Optional[str]]:
    """Find a promo by code (any case); answer it, or None and why it cannot be used (in the
    request's language: the customer's, or English for staff, partners and imports)."""
    promo = session.get(Promo, code.strip().upper())
    if promo is None or (promo.affiliate_code and promo.affiliate_code != affiliate_code):
        return None, _("We don't recognise that promo code. Check it, or continue without one.")
    if today < promo.valid_from:
        return None, _("That promo code starts on %(day)s. You can continue without it.",
                       day=_day(promo.valid_from))
    if today > promo.valid_to:
        return None, _("That promo code expired on %(day)s. You can continue without it.",
                       day=_day(promo.valid_to))
    if promo.max_uses is not None and promo_uses(session, promo.code) >= promo.max_uses:
        return None, _("That promo code has been used the most times it can be. You can continue without it.")
    return promo, None


def offered_plans(session: Session, *, state: str, customer_type: str, promo_code: Optional[str],
                  today: dt.date, channel: str | Sequence[str] = WEB, utility_code: Optional[str] = None,
                  affiliate_code: Optional[str] = None) -> list[Plan]:
    """Plans shown on `channel` (or on any of several, e.g. an agent's web and agent-only plans)
    today to this customer type and utility, plus those the promo unlocks.

    Filtered in SQL (state, utility, visibility window, availability, promo), so the cost does
    not grow with the size of the catalog; customer types, a short JSON list, are checked here.
    """
    unlocked: list[str] = []
    if promo_code:
        promo, _refused = check_promo(session, promo_code, today, affiliate_code)
        if promo is not None:
            unlocked = list(promo.unlocks)
    shown = exists().where(
        PlanVisibility.plan_code == Plan.code,
        PlanVisibility.channel.in_([channel] if isinstance(channel, str) else list(channel)),
        or_(PlanVisibility.shown_from.is_(None), PlanVisibility.shown_from <= today),
        or_(PlanVisibility.shown_to.is_(None), PlanVisibility.shown_to >= today))
    query = select(Plan).where(
        Plan.state_code == state, shown, Plan.retired.is_(False),
        or_(Plan.available_from.is_(None), Plan.available_from <= today),
        or_(Plan.available_to.is_(None), Plan.available_to >= today),
        or_(Plan.promo_only.is_(False), Plan.code.in_(unlocked)),
    ).order_by(Plan.term_months, Plan.energy_cents_per_kwh, Plan.code)
    if utility_code is not None:
        query = query.where(or_(Plan.utility_code.is_(None), Plan.utility_code == utility_code))
    return [p for p in session.scalars(query) if customer_type in p.customer_types]


def referral_sources(session: Session) -> list[ReferralSource]:
    """Active answers to "How did you hear about us?", in display order."""
    return list(session.scalars(
        select(ReferralSource).where(ReferralSource.active).order_by(ReferralSource.position)
    ))


def acknowledgements(session: Session) -> list[Acknowledgement]:
    """The newest version of every acknowledgement statement, in display order."""
    newest = (select(Acknowledgement.code, func.max(Acknowledgement.version).label("version"))
              .group_by(Acknowledgement.code).subquery())
    return list(session.scalars(
        select(Acknowledgement).join(newest, (Acknowledgement.code == newest.c.code)
                                     & (Acknowledgement.version == newest.c.version))
        .order_by(Acknowledgement.position)
    ))


def load_catalog(session: Session, path: str | Path) -> bool:
    """Load the catalog file into an empty database; answer whether anything was loaded."""
    if session.scalar(select(func.count()).select_from(State)):
        return False
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    for s in data["states"]:
        session.add(State(**s))
    session.flush()
    for u in data["utilities"]:
        session.add(Utility(
            code=u["code"], name=u["name"], state_code=u["state"],
            delivery_cents_per_kwh=Decimal(u["delivery_cents_per_kwh"]),
            delivery_monthly=Decimal(u["delivery_monthly"]),
            esi_prefixes=u["esi_prefixes"], esi_length=u.get("esi_length"), duns=u.get("duns"),
        ))
    session.flush()  # utilities exist before the rows that point at them
    for zip_code, codes in data["service_areas"].items():
        for code in codes:
            session.add(ServiceArea(zip=zip_code, utility_code=code))
    for p in data["plans"]:
        session.add(Plan(
            code=p["code"], name=p["name"], name_es=p.get("name_es"), state_code=p["state"],
            rate_type=p["rate_type"],
            energy_cents_per_kwh=Decimal(p["energy_cents_per_kwh"]),
            base_fee=Decimal(p["base_fee"]), term_months=p["term_months"],
            early_termination_fee=Decimal(p["early_termination_fee"]),
            etf_per_remaining_month=p.get("etf_per_remaining_month", False),
            bill_credit=Decimal(p["bill_credit"]) if "bill_credit" in p else None,
            bill_credit_min_kwh=p.get("bill_credit_min_kwh"),
            renewable_percent=p["renewable_percent"], customer_types=p["customer_types"],
            promo_only=p.get("promo_only", False), quote_request=p.get("quote_request", False),
            available_from=p.get("available_from"), available_to=p.get("available_to"),
            utility_code=p.get("utility"),
            visibility=[PlanVisibility(channel=c) for c in p["channels"]],
        ))
    for af in data.get("affiliates", []):
        session.add(Affiliate(code=af["code"].upper(), name=af["name"], display_name=af.get("display_name"),
                              brand_colour=af.get("brand_colour"), accent_colour=af.get("accent_colour"),
                              support_phone=af.get("support_phone"), welcome_text=af.get("welcome_text"),
                              embed_origins=af.get("embed_origins", []), default_promo=af.get("default_promo")))
    session.flush()
    for pr in data["promos"]:
        session.add(Promo(code=pr["code"].upper(), description=pr["description"],
                          valid_from=pr["valid_from"], valid_to=pr["valid_to"],
                          unlocks=pr["unlocks"], max_uses=pr.get("max_uses"),
                          affiliate_code=pr.get("affiliate")))
    for i, r in enumerate(data["referral_sources"]):
        session.add(ReferralSource(code=r["code"], label=r["label"], label_es=r.get("label_es"), position=i))
    for i, a in enumerate(data["acknowledgements"]):
        session.add(Acknowledgement(code=a["code"], version=a["version"], text=a["text"],
                                    text_es=a.get("text_es"), position=i))
    session.commit()
    return True
