"""The review an agent reads to the caller: every answer in words, and the acknowledgement
statements with their text filled in exactly as the enrollment records it."""
from __future__ import annotations

import dataclasses
from typing import Mapping, Optional

from wizard.core import validators as rules
from wizard.core.models import Customer
from wizard.signup.context import DraftContext
from wizard.signup.review import start_text


@dataclasses.dataclass(frozen=True)
class Statement:
    """An acknowledgement statement as read to the customer."""

    code: str
    version: int
    text: str

    @property
    def field(self) -> str:
        return f"ack_{self.code}"


def statements(ctx: DraftContext, supplier: str) -> list[Statement]:
    """The newest version of every statement, placeholders filled as the enrollment records them."""
    return [Statement(a.code, a.version, ctx.statement_text(a, supplier)) for a in ctx.acknowledgements]


def versions(read: list[Statement]) -> str:
    """The statements' versions in one value, to tell whether one changed while it was read."""
    return ",".join(f"{s.code}:{s.version}" for s in read)


def _address(*parts: Optional[str]) -> str:
    return ", ".join(p for p in parts if p)


def summary(ctx: DraftContext, a: Mapping[str, str], customer: Optional[Customer]) -> list[tuple[str, str]]:
    """Every answer as (label, value) in words; the SSN masked, the date of birth not repeated."""
    plan = ctx.plan
    rows = [
        ("ZIP code", ctx.answers["zip"]),
        ("Promo code", ctx.answers["promo"] or "No promo code"),
        ("Home or business", "Small business" if ctx.is_business else "Home"),
        ("Utility", ctx.utility.name if ctx.utility else ""),
        ("How they heard about us", next((r.label for r in ctx.referral_sources if r.code == a.get("referral")), "")),
        ("Plan", f"{plan.name}: {plan.energy_cents_per_kwh.normalize():f}¢ per kWh, {plan.term_months} months"
         if plan else ""),
    ]
    if customer is not None:
        rows.append(("Customer", f"{customer.first_name} {customer.last_name}, an existing customer"))
    else:
        phone = rules.clean_phone(a.get("phone", ""))
        rows += [
            ("Name", f"{a.get('first_name', '')} {a.get('last_name', '')}"),
            ("Email", a.get("email", "")),
            ("Phone", rules.format_phone(phone) if phone else a.get("phone", "")),
            ("Language", {"en": "English", "es": "Spanish"}.get(a.get("language", ""), "")),
            ("Contact by", {"email": "Email", "phone": "Phone call", "text": "Text message"}.get(
                a.get("contact_method", ""), "")),
        ]
        if ctx.is_business:
            rows += [("Business name", a.get("business_name", "")), ("Federal tax ID", a.get("tax_id", ""))]
        if ctx.is_texas:
            ssn = rules.clean_ssn(a.get("identity_value", "")) or ""
            rows += [("Date of birth", "Given"), ("Social Security number", f"***-**-{ssn[-4:]}")]
    rows.append(("Service address", _address(a.get("service_line1"), a.get("service_line2"), a.get("service_city"),
                                             f"{ctx.answers['state']} {ctx.answers['zip']}")))
    rows.append(("Billing address", "Same as service address" if a.get("billing_same", "yes") == "yes" else _address(
        a.get("billing_line1"), a.get("billing_line2"), a.get("billing_city"),
        f"{a.get('billing_state', '')} {a.get('billing_zip', '')}")))
    if ctx.is_texas:
        rows.append(("ESI ID", a.get("esi_id", "")))
        rows.append(("Enrollment type", "Move-in" if a.get("enrollment_type") == "move_in" else "Switch"))
    rows.append(("Start date", _start(ctx, a)))
    return rows


def _start(ctx: DraftContext, a: Mapping[str, str]) -> str:
    """When service starts, as the wizard's review says it (the dates were checked by the service)."""
    move_in = a.get("enrollment_type") == "move_in"
    requested = a.get("move_in_date") if move_in else (
        a.get("switch_date") if a.get("start_timing") == "self_selected" else "")
    answers = {"enrollment_type": a.get("enrollment_type"), "requested_date": requested or None,
               "start_timing": "move_in" if move_in else a.get("start_timing") or "first_available"}
    view = DraftContext({**ctx.answers, **answers}, ctx.session, ctx.today, plan_channels=ctx.plan_channels)
    return start_text(view)
