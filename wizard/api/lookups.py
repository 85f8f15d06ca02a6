"""The API's lookups, from checked query parameters to answers: the partner's plans at a ZIP
(priced with the utility's delivery charges) and premises found by address. A parameter that
cannot be used is a 422 problem naming it."""
from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

from sqlalchemy.orm import Session

from wizard.catalog import offers
from wizard.catalog.models import Utility, affiliate_channel
from wizard.core.validators import clean_zip
from wizard.premises import lookup

from . import answers
from .problems import Problem

CUSTOMER_TYPES = ("residential", "commercial")
ZIP_MESSAGE = "Give the ZIP code of the premise as 5 digits."


def plans(session: Session, args: Mapping[str, str], partner: str, today: dt.date) -> dict[str, Any]:
    """Plans on `partner`'s plan set for `args` (zip, customer_type, utility, promo)."""
    errors: dict[str, list[str]] = {}
    zip_code, customer_type = clean_zip(args.get("zip", "")), args.get("customer_type")
    if zip_code is None:
        errors["zip"] = [ZIP_MESSAGE]
    if customer_type not in CUSTOMER_TYPES:
        errors["customer_type"] = ["Give customer_type: residential or commercial."]
    if errors or zip_code is None or customer_type is None:
        raise Problem(422, errors=errors)
    utilities = offers.utilities_for_zip(session, zip_code)
    found: dict[str, Any] = {"zip": zip_code, "customer_type": customer_type, "served": bool(utilities),
                             "utilities": [answers.utility(u) for u in utilities], "utility": None, "plans": []}
    if not utilities:
        return found
    chosen = _utility(utilities, args.get("utility"), zip_code)
    promo = args.get("promo")
    if promo:
        _, problem = offers.check_promo(session, promo, today, partner)
        if problem:
            raise Problem(422, errors={"promo": [problem]})
    offered = offers.offered_plans(session, state=chosen.state_code, customer_type=customer_type, promo_code=promo,
                                   today=today, channel=affiliate_channel(partner), utility_code=chosen.code,
                                   affiliate_code=partner)
    return {**found, "utility": answers.utility(chosen),
            "plans": [answers.plan(p, chosen.state, chosen) for p in offered]}


def _utility(utilities: list[Utility], code: str | None, zip_code: str) -> Utility:
    """The utility asked for among the ZIP's, or its only one; else a problem saying which to give."""
    chosen = next((u for u in utilities if u.code == code), None)
    if chosen is not None:
        return chosen
    codes = ", ".join(u.code for u in utilities)
    if code is not None:
        raise Problem(422, errors={"utility": [f"ZIP {zip_code} is served by {codes}: give utility as one of them."]})
    if len(utilities) > 1:
        raise Problem(422, errors={"utility": [
            f"ZIP {zip_code} is served by several utilities ({codes}): give utility as one of them."]})
    return utilities[0]


def premises(session: Session, args: Mapping[str, str]) -> dict[str, Any]:
    """Premises in `args["zip"]` whose street address begins with `args["address"]`."""
    errors: dict[str, list[str]] = {}
    zip_code, address = clean_zip(args.get("zip", "")), args.get("address", "")
    if zip_code is None:
        errors["zip"] = [ZIP_MESSAGE]
    if len(address) < lookup.MIN_QUERY:
        errors["address"] = [f"Give at least {lookup.MIN_QUERY} characters of the street address, like 1500 Main."]
    if errors or zip_code is None:
        raise Problem(422, errors=errors)
    return {"zip": zip_code, "premises": [answers.premise(f) for f in lookup.search(session, zip_code, address)]}
