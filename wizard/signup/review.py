"""The "check your answers" summary: one row per answer with the step that changes it."""
from __future__ import annotations

import dataclasses
import datetime as dt

from wizard.core.validators import format_phone

from . import address_lookup
from .context import DraftContext


@dataclasses.dataclass(frozen=True)
class Row:
    """A summary row: what, the answer, and the step where it is changed."""

    label: str
    value: str
    step: str | None
    anchor: str = ""
    #: The value's language when it is not English ("Español").
    lang: str = ""


def _date(iso: str) -> str:
    return f"{dt.date.fromisoformat(iso):%A, %B %-d, %Y}"


def summary(ctx: DraftContext) -> list[Row]:
    """Every answer of the draft as the customer gave it; secrets masked."""
    a = ctx.answers
    plan = ctx.plan
    rows = [
        Row("ZIP code", a["zip"], "zip"),
        Row("Promo code", a.get("promo") or "No promo code", "promo"),
        Row("Home or business", "Small business" if ctx.is_business else "Home", "customer-type"),
        _utility_row(ctx),
        Row("How you heard about us", next((r.label for r in ctx.referral_sources if r.code == a.get("referral")), ""),
            "referral"),
        Row("Plan", f"{plan.name}: {plan.energy_cents_per_kwh.normalize():f}¢ per kWh, {plan.term_months} months"
            if plan else "", "plans"),
    ]
    if a.get("customer_status") == "existing":
        rows.append(Row("Customer", "Existing customer, signed in to My Account", "customer"))
    else:
        rows += [
            Row("Name", f"{a['first_name']} {a['last_name']}", "about-you", "first_name"),
            Row("Email", a["email"], "about-you", "email"),
            Row("Phone", format_phone(a["phone"]), "about-you", "phone"),
            Row("Language", {"en": "English", "es": "Español"}[a["language"]], "about-you", "language-0",
                "es" if a["language"] == "es" else ""),
            Row("Contact by", {"email": "Email", "phone": "Phone call", "text": "Text message"}[a["contact_method"]],
                "about-you", "contact_method-0"),
        ]
        if ctx.is_business:
            rows += [Row("Business name", a.get("business_name", ""), "about-you", "business_name"),
                     Row("Federal tax ID", a.get("tax_id", ""), "about-you", "tax_id")]
        if ctx.is_texas:
            rows += [Row("Date of birth", "Given (stored encrypted)", "about-you", "date_of_birth"),
                     Row("Social Security number", f"***-**-{a.get('identity_last4', '')}", "about-you",
                         "identity_value")]
    service = ", ".join(x for x in (a["service_line1"], a.get("service_line2"), a["service_city"],
                                     f"{a['state']} {a['zip']}") if x)
    rows.append(Row("Service address", service, "premise", "service_line1"))
    if a.get("billing_same") == "no":
        billing = ", ".join(x for x in (a["billing_line1"], a.get("billing_line2"), a["billing_city"],
                                         f"{a['billing_state']} {a['billing_zip']}") if x)
    else:
        billing = "Same as service address"
    rows.append(Row("Billing address", billing, "premise", "billing_same-0"))
    if ctx.is_texas:
        rows.append(Row("ESI ID", a["esi_id"], "premise", "esi_id"))
        rows.append(Row("Enrollment type", "Move-in" if a.get("enrollment_type") == "move_in" else "Switch",
                        "premise", "enrollment_type-0"))
    date_field = {"move_in": "move_in_date", "first_available": "start_timing-0"}.get(a.get("start_timing"),
                                                                                   "switch_date")
    rows.append(Row("Start date", start_text(ctx), "premise", date_field))
    if a.get("customer_status") != "existing":
        rows.append(Row("My Account username", a["username"], "credentials", "username"))
    return rows


def _utility_row(ctx: DraftContext) -> Row:
    """The utility; when the address the customer found settled it, it changes with the address."""
    name = ctx.utility.name if ctx.utility else ""
    if len(ctx.utilities) < 2:
        return Row("Utility", name, None)
    if address_lookup.settled_by_address(ctx.answers):
        return Row("Utility", f"{name}, the utility of the address you found", "premise", "service_line1")
    return Row("Utility", name, "utility")


def start_text(ctx: DraftContext) -> str:
    """When service starts, in words."""
    a = ctx.answers
    if a.get("start_timing") == "first_available" or not a.get("requested_date"):
        return (f"First available date: about {ctx.first_available_switch():%A, %B %-d, %Y}, "
                f"after the {ctx.rescission_days}-business-day cancellation period")
    if a.get("enrollment_type") == "move_in":
        return f"Move in on {_date(a['requested_date'])}"
    return f"Switch on {_date(a['requested_date'])} (chosen date; the utility charges a fee)"

