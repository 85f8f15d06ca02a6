"""The API's answers as JSON-ready dicts: plans with their average prices, premises found by
address, an enrollment's status and history. Money and prices are decimal strings ("11.9"), exact
as the catalog keeps them; nothing personal about the customer is ever in an answer."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Optional

from flask import url_for

from billing.models import Enrollment
from wizard.catalog.models import Plan, State, Utility
from wizard.catalog.pricing import price_table
from wizard.premises.lookup import Found
from wizard.premises.rules import findings

DOCUMENT_KINDS = ("efl", "tos", "yrac")


def decimal_text(value: Optional[Decimal]) -> Optional[str]:
    """"11.9" for Decimal("11.9000"); None stays None."""
    if value is None:
        return None
    text = format(value.normalize(), "f")
    return text if text != "-0" else "0"


def utility(u: Utility) -> dict[str, str]:
    return {"code": u.code, "name": u.name}


def plan(p: Plan, state: State, delivered_by: Utility) -> dict[str, Any]:
    """A plan as the wizard's plans page shows it, priced with `delivered_by`'s delivery charges."""
    return {
        "code": p.code, "name": p.name, "rate_type": p.rate_type, "term_months": p.term_months,
        "energy_cents_per_kwh": decimal_text(p.energy_cents_per_kwh), "base_fee": decimal_text(p.base_fee),
        "early_termination_fee": decimal_text(p.early_termination_fee),
        "early_termination_fee_per_remaining_month": p.etf_per_remaining_month,
        "bill_credit": decimal_text(p.bill_credit), "bill_credit_min_kwh": p.bill_credit_min_kwh,
        "renewable_percent": p.renewable_percent, "quote_request": p.quote_request,
        "average_prices": [{"usage_kwh": point.usage_kwh, "cents_per_kwh": decimal_text(point.cents_per_kwh)}
                           for point in price_table(p, delivered_by, state.usage_levels)],
        "documents": {kind: url_for("documents.document", plan_code=p.code, kind=kind, utility=delivered_by.code,
                                    _external=True) for kind in DOCUMENT_KINDS},
    }


def premise(found: Found) -> dict[str, Any]:
    """A premise found by its address, with what the ESI ID extract says of enrolling there."""
    p = found.premise
    said = findings(p)
    return {"esi_id": p.esi_id, "address": p.address, "unit": p.address_overflow or None, "city": p.city,
            "zip": p.zip, "utility": found.utility_code, "label": found.label,
            "enrollable": said.refusal is None and found.utility_code is not None,
            "refusal": said.refusal, "move_in_only": said.move_in_only, "business": said.business}


def enrollment_link(number: str) -> str:
    return url_for("api.enrollment", number=number)


def created(e: Enrollment) -> dict[str, Any]:
    """The answer to a new enrollment (and to every replay of its request)."""
    return {"number": e.number, "status": e.status, "links": {"self": enrollment_link(e.number)}}


def enrollment(e: Enrollment) -> dict[str, Any]:
    """An enrollment's status and history, for the partner that made it."""
    return {
        "number": e.number, "status": e.status, "status_message": e.status_message,
        "plan": e.plan_code, "utility": e.utility_code, "enrollment_type": e.enrollment_type,
        "requested_date": e.requested_date.isoformat() if e.requested_date else None,
        "service_start_date": e.service_start_date.isoformat() if e.service_start_date else None,
        "created_at": _utc(e.created_at),
        "history": [{"from": change.from_status, "to": change.to_status, "at": _utc(change.at),
                     "reason": change.reason, "message": change.message} for change in e.history],
        "links": {"self": enrollment_link(e.number)},
    }


def _utc(moment: Any) -> Optional[str]:
    """A stored (naive UTC) time as RFC 3339 with Z."""
    return moment.replace(microsecond=0).isoformat() + "Z" if moment is not None else None
