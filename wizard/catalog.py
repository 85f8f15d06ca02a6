"""What is offered where: ZIP -> utilities -> plans visible to this channel, promo and date."""
from __future__ import annotations

import datetime as dt
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import (Acknowledgement, Plan, Promo, ReferralSource, ServiceArea, State, Utility)

WEB = "web"


def utilities_for_zip(session: Session, zip_code: str) -> list[Utility]:
    """Utilities serving `zip_code`, by name; empty when we do not serve it."""
    return list(session.scalars(
        select(Utility).join(ServiceArea, ServiceArea.utility_code == Utility.code)
        .where(ServiceArea.zip == zip_code).order_by(Utility.name)
    ))


def check_promo(session: Session, code: str, today: dt.date) -> tuple[Optional[Promo], Optional[str]]:
    """Find a promo by code (any case); answer it, or None and why it cannot be used."""
    promo = session.get(Promo, code.strip().upper())
    if promo is None:
        return None, "We don't recognise that promo code. Check it, or continue without one."
    if today < promo.valid_from:
        return None, (f"That promo code starts on {promo.valid_from:%B %-d, %Y}. "
                      "You can continue without it.")
    if today > promo.valid_to:
        return None, (f"That promo code expired on {promo.valid_to:%B %-d, %Y}. "
                      "You can continue without it.")
    return promo, None


def offered_plans(session: Session, *, state: str, customer_type: str,
                  promo_code: Optional[str], today: dt.date, channel: str = WEB) -> list[Plan]:
    """Plans this channel may sell today to this customer type, plus those the promo unlocks."""
    unlocked: set[str] = set()
    if promo_code:
        promo, _ = check_promo(session, promo_code, today)
        if promo is not None:
            unlocked = set(promo.unlocks)
    plans = session.scalars(
        select(Plan).where(Plan.state_code == state).order_by(Plan.term_months, Plan.energy_cents_per_kwh)
    )
    return [
        p for p in plans
        if channel in p.channels
        and customer_type in p.customer_types
        and (p.available_from is None or p.available_from <= today)
        and (p.available_to is None or today <= p.available_to)
        and (not p.promo_only or p.code in unlocked)
    ]


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
            esi_prefixes=u["esi_prefixes"], esi_length=u.get("esi_length"),
        ))
    session.flush()  # utilities exist before the rows that point at them
    for zip_code, codes in data["service_areas"].items():
        for code in codes:
            session.add(ServiceArea(zip=zip_code, utility_code=code))
    for p in data["plans"]:
        session.add(Plan(
            code=p["code"], name=p["name"], state_code=p["state"], rate_type=p["rate_type"],
            energy_cents_per_kwh=Decimal(p["energy_cents_per_kwh"]),
            base_fee=Decimal(p["base_fee"]), term_months=p["term_months"],
            early_termination_fee=Decimal(p["early_termination_fee"]),
            etf_per_remaining_month=p.get("etf_per_remaining_month", False),
            bill_credit=Decimal(p["bill_credit"]) if "bill_credit" in p else None,
            bill_credit_min_kwh=p.get("bill_credit_min_kwh"),
            renewable_percent=p["renewable_percent"], customer_types=p["customer_types"],
            channels=p["channels"], promo_only=p.get("promo_only", False),
            quote_request=p.get("quote_request", False),
            available_from=p.get("available_from"), available_to=p.get("available_to"),
        ))
    for pr in data["promos"]:
        session.add(Promo(code=pr["code"].upper(), description=pr["description"],
                          valid_from=pr["valid_from"], valid_to=pr["valid_to"],
                          unlocks=pr["unlocks"]))
    for i, r in enumerate(data["referral_sources"]):
        session.add(ReferralSource(code=r["code"], label=r["label"], position=i))
    for i, a in enumerate(data["acknowledgements"]):
        session.add(Acknowledgement(code=a["code"], version=a["version"], text=a["text"], position=i))
    session.commit()
    return True
