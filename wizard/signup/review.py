"""The "check your answers" summary: one row per answer with the step that changes it."""
from __future__ import annotations

import dataclasses
import datetime as dt

from flask_babel import gettext as _

from wizard.catalog.models import Plan
from wizard.core import i18n
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
    #: The value's language when it is not the page's ("Español" on an English page).
    lang: str = ""


def _date(iso: str) -> str:
    return i18n.full_date(dt.date.fromisoformat(iso))


def summary(ctx: DraftContext) -> list[Row]:
    """Every answer of the draft as the customer gave it; secrets masked."""
    a = ctx.answers
    plan = ctx.plan
    rows = [
        Row(_("ZIP code"), a["zip"], "zip"),
        Row(_("Promo code"), a.get("promo") or _("No promo code"), "promo"),
        Row(_("Home or business"), _("Small business") if ctx.is_business else _("Home"), "customer-type"),
        _utility_row(ctx),
        Row(_("How you heard about us"),
            next((i18n.local(r, "label") for r in ctx.referral_sources if r.code == a.get("referral")), ""),
            "referral"),
        Row(_("Plan"), _plan_text(plan) if plan else "", "plans"),
    ]
    if a.get("customer_status") == "existing":
        rows.append(Row(_("Customer"), _("Existing customer, signed in to My Account"), "customer"))
    else:
        rows += [
            Row(_("Name"), f"{a['first_name']} {a['last_name']}", "about-you", "first_name"),
            Row(_("Email"), a["email"], "about-you", "email"),
            Row(_("Phone"), format_phone(a["phone"]), "about-you", "phone"),
            # Each language named in itself, as the switch and the form name it.
            Row(_("Language"), i18n.LANGUAGES[a["language"]], "about-you", "language-0",
                a["language"] if a["language"] != i18n.language() else ""),
            Row(_("Contact by"), {"email": _("Email"), "phone": _("Phone call"),
                                  "text": _("Text message")}[a["contact_method"]],
                "about-you", "contact_method-0"),
        ]
        if ctx.is_business:
            rows += [Row(_("Business name"), a.get("business_name", ""), "about-you", "business_name"),
                     Row(_("Federal tax ID"), a.get("tax_id", ""), "about-you", "tax_id")]
        if ctx.is_texas:
            rows += [Row(_("Date of birth"), _("Given (stored encrypted)"), "about-you", "date_of_birth"),
                     Row(_("Social Security number"), f"***-**-{a.get('identity_last4', '')}", "about-you",
                         "identity_value")]
    service = ", ".join(x for x in (a["service_line1"], a.get("service_line2"), a["service_city"],
                                     f"{a['state']} {a['zip']}") if x)
    rows.append(Row(_("Service address"), service, "premise", "service_line1"))
    if a.get("billing_same") == "no":
        billing = ", ".join(x for x in (a["billing_line1"], a.get("billing_line2"), a["billing_city"],
                                         f"{a['billing_state']} {a['billing_zip']}") if x)
    else:
        billing = _("Same as service address")
    rows.append(Row(_("Billing address"), billing, "premise", "billing_same-0"))
    if ctx.is_texas:
        rows.append(Row("ESI ID", a["esi_id"], "premise", "esi_id"))
        rows.append(Row(_("Enrollment type"), _("Move-in") if a.get("enrollment_type") == "move_in" else _("Switch"),
                        "premise", "enrollment_type-0"))
    date_field = {"move_in": "move_in_date", "first_available": "start_timing-0"}.get(a.get("start_timing"),
                                                                                   "switch_date")
    rows.append(Row(_("Start date"), start_text(ctx), "premise", date_field))
    if a.get("customer_status") != "existing":
        rows.append(Row(_("My Account username"), a["username"], "credentials", "username"))
    return rows


def _plan_text(plan: Plan) -> str:
    """Lone Star Saver 12: 11.9¢ per kWh, 12 months."""
    return _("%(plan)s: %(price)s per kWh, %(term)s", plan=i18n.local(plan, "name"),
             price=i18n.cents(plan.energy_cents_per_kwh),
             term=_("1 month") if plan.term_months == 1 else _("%(months)s months", months=plan.term_months))


def _utility_row(ctx: DraftContext) -> Row:
    """The utility; when the address the customer found settled it, it changes with the address."""
    name = ctx.utility.name if ctx.utility else ""
    if len(ctx.utilities) < 2:
        return Row(_("Utility"), name, None)
    if address_lookup.settled_by_address(ctx.answers):
        return Row(_("Utility"), _("%(utility)s, the utility of the address you found", utility=name), "premise",
                   "service_line1")
    return Row(_("Utility"), name, "utility")


def start_text(ctx: DraftContext) -> str:
    """When service starts, in words."""
    a = ctx.answers
    if a.get("start_timing") == "first_available" or not a.get("requested_date"):
        return _("First available date: about %(date)s, after the %(days)s-business-day cancellation period",
                 date=i18n.full_date(ctx.first_available_switch()), days=ctx.rescission_days)
    if a.get("enrollment_type") == "move_in":
        return _("Move in on %(date)s", date=_date(a["requested_date"]))
    return _("Switch on %(date)s (chosen date; the utility charges a fee)", date=_date(a["requested_date"]))

