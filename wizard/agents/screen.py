"""The Quick Enrollment screen: the answers an agent typed (the enrollment service's field strings),
the catalog they select for agents, the wizard's own step forms that show them, and the service's
messages put beside their fields.

The screen asks nothing the wizard does not: its fields are the wizard's forms (labels, hints,
autocomplete, choices), bound to what was posted and never validated here. The enrollment
service runs those same forms on the answers (`service.check`), so no rule is written twice.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any, Mapping, Optional

from flask import current_app
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict
from wtforms import Field

from wizard.catalog import offers as catalog
from wizard.catalog.models import AGENT, WEB, Plan
from wizard.core import validators as rules
from wizard.core.forms import no_control_characters
from wizard.signup import address_lookup, forms
from wizard.signup.context import DraftContext

#: The service's field names, in the order the screen asks them.
FIELDS = ("zip", "promo", "customer_type", "utility", "referral", "plan",
          "first_name", "last_name", "email", "phone", "language", "contact_method",
          "business_name", "tax_id", "date_of_birth", "identity_value",
          "service_line1", "service_line2", "service_city", "billing_same",
          "billing_line1", "billing_line2", "billing_city", "billing_state", "billing_zip",
          "esi_id", "enrollment_type", "start_timing", "switch_date", "move_in_date")
#: The customer's own details: not asked again when enrolling another address for a known customer.
CUSTOMER_FIELDS = ("first_name", "last_name", "email", "phone", "language", "contact_method",
                   "business_name", "tax_id", "date_of_birth", "identity_value")
#: Agents sell the web's plans and their own.
PLAN_CHANNELS = (WEB, AGENT)
#: Longer than any answer may be: the rest of a longer value is not kept (nor shown back).
MAX_LENGTH = 200

#: Which wizard form shows which part of the screen.
_FORMS: tuple[tuple[str, type[forms.StepForm]], ...] = (
    ("zip", forms.ZipForm), ("promo", forms.PromoForm), ("customer_type", forms.CustomerTypeForm),
    ("utility", forms.UtilityForm), ("referral", forms.ReferralForm), ("about", forms.AboutYouForm),
    ("premise", forms.PremiseForm),
)


def answers_from(posted: Mapping[str, Any], *, known_customer: bool = False) -> dict[str, str]:
    """The answers posted, as the service takes them: every field a string, nothing else kept."""
    skip = CUSTOMER_FIELDS if known_customer else ()
    return {name: no_control_characters(str(posted.get(name) or "")).strip()[:MAX_LENGTH]
            for name in FIELDS if name not in skip}


def context(answers: Mapping[str, str], session: Session, today: dt.date) -> DraftContext:
    """The catalog these answers select, as an agent sees it: the ZIP's utilities (one: chosen),
    and the plans of the web and of agents for that utility, customer type and promo code."""
    zip_code = rules.clean_zip(answers.get("zip", "")) or ""
    utilities = catalog.utilities_for_zip(session, zip_code) if zip_code else []
    codes = [u.code for u in utilities]
    utility = answers.get("utility") if answers.get("utility") in codes else (codes[0] if len(codes) == 1 else None)
    known: dict[str, Any] = {"zip": zip_code, "state": utilities[0].state_code if utilities else None,
                             "utilities": codes, "utility": utility,
                             "promo": (answers.get("promo") or "").upper(), "plan": answers.get("plan") or None}
    if answers.get("customer_type") in ("residential", "commercial"):
        known["customer_type"] = answers["customer_type"]
    return DraftContext(known, session, today, plan_channels=PLAN_CHANNELS)


def ready(ctx: DraftContext) -> bool:
    """Whether the rest of the screen can be shown: a ZIP we serve and the customer type."""
    return ctx.state is not None and "customer_type" in ctx.answers


def agent_only(plan: Plan) -> bool:
    """Whether a plan is sold by agents and never on the web (the screen marks it)."""
    return WEB not in {v.channel for v in plan.visibility}


def notices(ctx: DraftContext, answers: Mapping[str, str]) -> list[str]:
    """What the agent must know before the rest of the screen makes sense (ZIP, promo code)."""
    out = []
    typed_zip = answers.get("zip", "")
    if typed_zip and not ctx.answers["zip"]:
        out.append("Enter the ZIP code as 5 digits, like 75201.")
    elif ctx.answers["zip"] and not ctx.utilities:
        out.append(f"We don't serve ZIP code {ctx.answers['zip']} yet: no plan can be offered there.")
    if ctx.answers["promo"]:
        _, problem = ctx.check_promo(ctx.answers["promo"])
        if problem:
            out.append(f"Promo code {ctx.answers['promo']}: {problem}")
    return out


def step_forms(answers: Mapping[str, str], ctx: DraftContext) -> dict[str, forms.StepForm]:
    """The wizard's step forms bound to the answers, to show them (never validated here).

    The business fields are always there, shown by CSS only for a business (so changing the
    customer type shows them at once, without JavaScript); the service asks them only then.
    """
    # An empty answer is left out, so that a choice's default (English, email, bills to the
    # service address, the first available date) stays chosen until the agent changes it.
    data = MultiDict({k: v for k, v in answers.items() if v and k != "identity_value"})
    business = DraftContext({**ctx.answers, "customer_type": "commercial"}, ctx.session, ctx.today,
                            plan_channels=PLAN_CHANNELS)
    made: dict[str, forms.StepForm] = {}
    for part, form_class in _FORMS:
        form = form_class(formdata=data, meta={"csrf": False})
        form.prepare(business if part == "about" else ctx)
        made[part] = form
    return made


def field_of(made: Mapping[str, forms.StepForm], name: str) -> Optional[Field]:
    """The shown field called `name`, if the screen shows one."""
    for form in made.values():
        if name in form:
            return form[name]
    return None


@dataclasses.dataclass(frozen=True)
class Problem:
    """One line of the error summary: the message and the id of the field it links to."""

    message: str
    anchor: str = ""


def attach(made: Mapping[str, forms.StepForm], errors: Mapping[str, list[str]]) -> tuple[list[Problem], list[str]]:
    """Put the service's messages on their fields; answer the summary (in the screen's order)
    and the messages of the plan (its choices are drawn by the screen itself)."""
    summary: list[Problem] = []
    plan: list[str] = []
    order = {name: i for i, name in enumerate(FIELDS)}
    for name in sorted(errors, key=lambda n: order.get(n, -1)):
        messages = [m for m in errors[name] if m]
        if not messages:
            continue
        field = field_of(made, name) if name else None
        if name == "plan":
            plan = messages
            summary.append(Problem(messages[0], "plan-0"))
        elif field is not None:
            field.errors = messages
            summary.append(Problem(messages[0], field.id + ("-0" if field.type == "RadioField" else "")))
        else:
            summary.extend(Problem(m) for m in messages)
    return summary, plan


# --- the Social Security number between pages --------------------------------------------------

def seal(ssn: str, submission_key: str) -> str:
    """The SSN encrypted for this screen only: carried in a hidden field, never shown as typed."""
    cipher = current_app.extensions["cipher"]
    return cipher.encrypt(json.dumps({"ssn": ssn, "for": submission_key}))


def unseal(token: str, submission_key: str) -> str:
    """The SSN of a sealed value of this screen, or "" (altered, of another screen, or none)."""
    if not token:
        return ""
    try:
        data = json.loads(current_app.extensions["cipher"].decrypt(token))
    except ValueError:
        return ""
    if not isinstance(data, dict) or data.get("for") != submission_key:
        return ""
    return rules.clean_ssn(str(data.get("ssn", ""))) or ""


def keep_ssn(answers: dict[str, str], sealed: str, submission_key: str) -> str:
    """Fill the answers' SSN from the one sealed before when none was typed; answer its seal
    for the next page ("" when there is no valid SSN to keep)."""
    if "identity_value" not in answers:
        return ""  # a known customer: not asked
    if not answers["identity_value"]:
        answers["identity_value"] = unseal(sealed, submission_key)
    ssn = rules.clean_ssn(answers.get("identity_value", ""))
    return seal(ssn, submission_key) if ssn else ""


# --- the address lookup ---------------------------------------------------------------------------

def use_premise(answers: dict[str, str], ctx: DraftContext, esi_id: str) -> address_lookup.Pick:
    """Fill the address, city, ESI ID and utility from the premise chosen in the search results
    (checked as the wizard checks it); raise address_lookup.Refused when it cannot be used."""
    pick = address_lookup.check_choice(ctx, esi_id.strip(), utility_change=True)
    found = address_lookup.found_answer(pick, ctx.answers["zip"])
    answers.update(address_lookup.address_values(found))
    answers["utility"] = pick.utility.code
    return pick
