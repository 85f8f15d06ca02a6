"""Marketing's plan forms: a plan's terms, its visibility on a channel, a new document version.

Owns the field rules and messages of these forms, the plan as the form shows it, and the list of
channels a plan can be shown on; the views in `plans` and `preview` use them.
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Optional
from urllib.parse import urlsplit

from flask import current_app
from flask_wtf.file import FileField
from sqlalchemy import select
from wtforms import BooleanField, DateField, RadioField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError
from wtforms.validators import Optional as Blank

from wizard.catalog import documents
from wizard.catalog.models import Affiliate, Plan, State, Utility, affiliate_channel
from wizard.core.extensions import db
from wizard.core.forms import SafeForm, options

from .fields import Number, OptionalDate, check_order, parse_number, strip

PLAN_FIELDS = ("name", "name_es", "state_code", "utility_code", "rate_type", "energy_cents_per_kwh", "base_fee",
               "term_months", "early_termination_fee", "etf_per_remaining_month", "bill_credit",
               "bill_credit_min_kwh", "renewable_percent", "customer_types", "promo_only",
               "quote_request", "available_from", "available_to")


RATE_TYPES = (("fixed", "Fixed"), ("variable", "Variable"), ("indexed", "Indexed"))
CUSTOMER_TYPES = (("residential", "Residential (homes)"), ("commercial", "Commercial (small businesses)"))
PLAN_CODE = re.compile(r"[A-Z0-9_-]{1,32}")
FOUR_PLACES = Decimal("0.0001")


# --- field rules ----------------------------------------------------------------------------

def date_field(label: str, what: str, hint: str = "") -> DateField:
    return DateField(label, description=hint, render_kw={"class": "input-medium"},
                     validators=[OptionalDate(f"Enter {what} as a date, for example 2026-12-31, or leave it empty.")])


def _number_field(label: str, number: Number, hint: str = "", optional: bool = False) -> StringField:
    return StringField(label, description=hint, filters=[strip],
                       validators=[*([Blank()] if optional else []), number],
                       render_kw={"class": "input-short", "inputmode": "decimal", "autocomplete": "off"})


# --- forms ----------------------------------------------------------------------------------

class PlanForm(SafeForm):
    """Every field of a plan; the code only when the plan is new."""

    code = StringField("Plan code", filters=[strip, lambda v: v.upper() if isinstance(v, str) else v],
                       description="Letters, digits, _ and -; it cannot be changed later. For example SAVER12.",
                       validators=[DataRequired("Enter a plan code, for example SAVER12.")],
                       render_kw={"class": "input-medium", "autocomplete": "off", "spellcheck": "false"})
    name = StringField("Plan name", filters=[strip], description="As customers see it.",
                       validators=[DataRequired("Enter the plan name customers see, for example Lone Star Saver 12."),
                                   Length(max=80, message="The plan name can be at most 80 characters.")])
    name_es = StringField("Spanish plan name (optional)", filters=[strip],
                          description="As customers reading Spanish see it. Empty: they see the English name.",
                          validators=[Length(max=80, message="The Spanish plan name can be at most 80 characters.")],
                          render_kw={"lang": "es"})
    state = SelectField("State", validate_choice=False)
    utility = SelectField("Utility", validate_choice=False,
                          description="Only for a plan priced for one utility; otherwise all utilities of the state.")
    rate_type = RadioField("Rate type", choices=options(RATE_TYPES), validate_choice=False,
                           validators=[InputRequired("Choose the rate type: fixed, variable or indexed.")])
    energy_cents_per_kwh = _number_field("Energy charge (cents per kWh)", Number(
        "The energy charge", "Enter the energy charge in cents per kWh, for example 11.9.",
        "The energy charge must be more than 0 and less than 100 cents per kWh.", lambda v: 0 < v < 100))
    base_fee = _number_field("Base fee ($ a month)", Number(
        "The base fee", "Enter the base fee in dollars a month, for example 9.95, or 0 if there is none.",
        "The base fee must be 0 or more and less than $1,000 a month.", lambda v: 0 <= v < 1000))
    term_months = _number_field("Term (months)", Number(
        "The term", "Enter the term as a whole number of months, for example 12 (1 for month-to-month).",
        "The term must be between 1 and 60 months.", lambda v: 1 <= v <= 60, integer=True),
        hint="1 for a month-to-month variable plan.")
    early_termination_fee = _number_field("Early termination fee ($)", Number(
        "The early termination fee",
        "Enter the early termination fee in dollars, for example 150, or 0 if there is none.",
        "The early termination fee must be 0 or more and less than $10,000.", lambda v: 0 <= v < 10000))
    etf_per_remaining_month = BooleanField("The fee is charged for each month left in the term")
    bill_credit = _number_field("Usage bill credit ($, optional)", Number(
        "The bill credit", "Enter the bill credit in dollars, for example 100, or leave it empty for no credit.",
        "The bill credit must be more than $0 and less than $10,000.", lambda v: 0 < v < 10000),
        hint="Dollars off a month's bill when usage reaches the minimum below.", optional=True)
    bill_credit_min_kwh = _number_field("Minimum usage for the credit (kWh, optional)", Number(
        "The minimum usage", "Enter the minimum usage for the credit in whole kWh, for example 1000, or leave it empty.",
        "The minimum usage for the credit must be more than 0 and at most 100,000 kWh.",
        lambda v: 0 < v <= 100000, integer=True), optional=True)
    renewable_percent = _number_field("Renewable share (%)", Number(
        "The renewable share", "Enter the renewable share as a whole percentage, for example 10.",
        "The renewable share must be between 0 and 100%.", lambda v: 0 <= v <= 100, integer=True))
    customer_types = SelectMultipleField("Customer types", choices=options(CUSTOMER_TYPES), validate_choice=False)
    promo_only = BooleanField("Only shown when a promo code unlocks it")
    quote_request = BooleanField("Quote request: customer service sends a quote instead of enrolling")
    available_from = date_field("Available from (optional)", "the first day the plan is available")
    available_to = date_field("Available to (optional)", "the last day the plan is available",
                              hint="The plan is offered up to and including this day.")

    def __init__(self, *args: Any, new: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.new = new
        if not new:
            del self.code
        states = db.session.scalars(select(State).order_by(State.name)).all()
        self.state.choices = options((s.code, s.name) for s in states)
        self.utilities = db.session.scalars(select(Utility).order_by(Utility.name)).all()
        self.utility.choices = options([("", "All utilities of the state"),
                                        *((u.code, u.name) for u in self.utilities)])

    def validate_code(self, field: StringField) -> None:
        """Upper-case letters, digits, _ and -, and not taken."""
        if not PLAN_CODE.fullmatch(field.data or ""):
            raise ValidationError("Plan codes use only letters, digits, _ and -, at most 32 characters, "
                                  "for example SAVER12.")
        if db.session.get(Plan, field.data) is not None:
            raise ValidationError(f"A plan with the code {field.data} already exists. "
                                  "Choose another code, or edit that plan.")

    def validate_state(self, field: SelectField) -> None:
        if db.session.get(State, field.data or "") is None:
            raise ValidationError("Choose the state the plan is sold in.")

    def validate_utility(self, field: SelectField) -> None:
        """Empty (every utility) or a utility of the chosen state."""
        if not field.data:
            return
        utility = next((u for u in self.utilities if u.code == field.data), None)
        if utility is None:
            raise ValidationError("Choose a utility from the list, or all utilities of the state.")
        if utility.state_code != self.state.data:
            raise ValidationError(f"{utility.name} does not serve the state chosen. Choose one of that "
                                  "state's utilities, or all utilities of the state.")

    def validate_rate_type(self, field: RadioField) -> None:
        if field.data not in dict(RATE_TYPES):
            raise ValidationError("Choose the rate type: fixed, variable or indexed.")

    def validate_customer_types(self, field: SelectMultipleField) -> None:
        if not field.data or not set(field.data) <= set(dict(CUSTOMER_TYPES)):
            raise ValidationError("Choose at least one customer type: residential, commercial or both.")

    def validate_available_to(self, field: DateField) -> None:
        check_order(self.available_from, field, "The available-to date must be on or after the available-from date.")

    def validate(self, extra_validators: Any = None) -> bool:
        """Field rules (date order included), then the credit's two halves, which need each other."""
        valid = super().validate(extra_validators)
        credit, minimum = self.bill_credit, self.bill_credit_min_kwh
        if credit.data and not minimum.data and not credit.errors:
            minimum.errors.append("Enter the minimum usage for the bill credit in kWh, or remove the credit amount.")
            valid = False
        if minimum.data and not credit.data and not minimum.errors:
            credit.errors.append("Enter the bill credit in dollars for that minimum usage, or remove the minimum usage.")
            valid = False
        return valid

    def values(self) -> dict[str, Any]:
        """The plan's columns from the valid form."""
        def money(field: StringField) -> Optional[Decimal]:
            value = parse_number(field.data)
            return value.quantize(FOUR_PLACES) if value is not None else None

        def whole(field: StringField) -> Optional[int]:
            value = parse_number(field.data)
            return int(value) if value is not None else None

        return {
            "name": self.name.data, "name_es": self.name_es.data or None, "state_code": self.state.data, "utility_code": self.utility.data or None,
            "rate_type": self.rate_type.data, "energy_cents_per_kwh": money(self.energy_cents_per_kwh),
            "base_fee": money(self.base_fee), "term_months": whole(self.term_months),
            "early_termination_fee": money(self.early_termination_fee),
            "etf_per_remaining_month": self.etf_per_remaining_month.data,
            "bill_credit": money(self.bill_credit), "bill_credit_min_kwh": whole(self.bill_credit_min_kwh),
            "renewable_percent": whole(self.renewable_percent),
            "customer_types": [c for c, _ in CUSTOMER_TYPES if c in self.customer_types.data],
            "promo_only": self.promo_only.data, "quote_request": self.quote_request.data,
            "available_from": self.available_from.data, "available_to": self.available_to.data,
        }


def form_data(plan: Plan) -> dict[str, Any]:
    """A plan as the form shows it (numbers without trailing zeros)."""
    def text(value: Any) -> str:
        if value is None:
            return ""
        return f"{Decimal(value).normalize():f}" if isinstance(value, Decimal) else str(value)

    data = {name: getattr(plan, name) for name in PLAN_FIELDS}
    data.update(state=plan.state_code, utility=plan.utility_code or "")
    for name in ("energy_cents_per_kwh", "base_fee", "term_months", "early_termination_fee",
                 "bill_credit", "bill_credit_min_kwh", "renewable_percent"):
        data[name] = text(data[name])
    return data


def channel_choices() -> list[tuple[str, str]]:
    """Every channel a plan can be shown on, with a label: web, agent, then each affiliate."""
    affiliates = db.session.scalars(select(Affiliate).order_by(Affiliate.name)).all()
    return [("web", "Web wizard"), ("agent", "Agents (phone and sales)"),
            *((affiliate_channel(a.code), f"Affiliate: {a.name}{'' if a.active else ' (inactive)'}")
              for a in affiliates)]


class VisibilityForm(SafeForm):
    """Show the plan on a channel, from and to optional dates."""

    channel = SelectField("Channel", validate_choice=False)
    shown_from = date_field("Shown from (optional)", "the first day it is shown",
                            hint="Empty: from now on.")
    shown_to = date_field("Shown to (optional)", "the last day it is shown",
                          hint="Shown up to and including this day. Empty: until removed.")

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.channel.choices = options(channel_choices())

    def validate_channel(self, field: SelectField) -> None:
        if field.data not in {value for value, _ in channel_choices()}:
            raise ValidationError("Choose a channel from the list: the web wizard, agents or an affiliate.")

    def validate_shown_to(self, field: DateField) -> None:
        check_order(self.shown_from, field, "The shown-to date must be on or after the shown-from date.")


class DocumentForm(SafeForm):
    """A new version of a plan document: an uploaded PDF or an https link."""

    #: The uploaded file's bytes, once read and checked.
    content: Optional[bytes] = None

    kind = RadioField("Document", choices=options(documents.KINDS.items()), validate_choice=False,
                      validators=[InputRequired("Choose which document this is: EFL, TOS or YRAC.")])
    language = RadioField("Language", default="en", validate_choice=False, choices=options(
        (("en", "English: a new version, shown to every customer"),
         ("es", "Spanish: the translation of the current version, shown on Spanish pages"))))
    document_file = FileField("PDF file", render_kw={"accept": "application/pdf,.pdf"})
    document_url = StringField("Or a link to the document", filters=[strip],
                               description="Starts with https://, for example https://example.com/efl.pdf.",
                               validators=[Length(max=500, message="The link can be at most 500 characters.")],
                               render_kw={"type": "url", "autocomplete": "off", "spellcheck": "false"})

    def validate_kind(self, field: RadioField) -> None:
        if field.data not in documents.KINDS:
            raise ValidationError("Choose which document this is: EFL, TOS or YRAC.")

    def validate_language(self, field: RadioField) -> None:
        if field.data not in documents.LANGUAGES:
            raise ValidationError("Choose the document's language: English or Spanish.")

    def validate_document_url(self, field: StringField) -> None:
        if field.data:
            parts = urlsplit(field.data)
            if parts.scheme != "https" or not parts.hostname or " " in field.data:
                raise ValidationError("Enter a link that starts with https://, for example https://example.com/efl.pdf.")

    def validate_document_file(self, field: FileField) -> None:
        """Exactly one of a file and a link; the file a PDF within the size limit."""
        upload = field.data if getattr(field.data, "filename", "") else None
        if upload is None and not self.document_url.data:
            raise ValidationError("Choose a PDF file to upload, or enter a link to the document.")
        if upload is not None and self.document_url.data:
            raise ValidationError("Upload a file or give a link, not both.")
        if upload is not None:
            limit = current_app.config["MAX_DOCUMENT_BYTES"]
            self.content = upload.stream.read(limit + 1)
            problem = documents.pdf_problem(self.content, limit)
            if problem:
                raise ValidationError(problem)
