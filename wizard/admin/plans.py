"""Marketing: plans, their visibility per channel and date window, documents, and the preview.

Every change is written with its audit entry in one transaction and read back by the next
customer request: the wizard asks the database each time, nothing is cached.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from decimal import Decimal
from typing import Any, Optional
from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_wtf.file import FileField
from sqlalchemy import exists, func, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response
from wtforms import BooleanField, DateField, RadioField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError
from wtforms.validators import Optional as Blank

from .. import catalog, documents
from ..audit import changes, snapshot
from ..extensions import db
from ..forms import SafeForm, options
from ..models import Affiliate, Plan, PlanVisibility, State, Utility, affiliate_channel
from ..pricing import PricePoint, price_table
from ..validators import clean_zip
from ..views import today
from . import bp, record, requires
from .fields import Number, OptionalDate, check_order, form_page, get_or_404, parse_number, strip

PLAN_FIELDS = ("name", "state_code", "utility_code", "rate_type", "energy_cents_per_kwh", "base_fee",
               "term_months", "early_termination_fee", "etf_per_remaining_month", "bill_credit",
               "bill_credit_min_kwh", "renewable_percent", "customer_types", "promo_only",
               "quote_request", "available_from", "available_to")
VISIBILITY_FIELDS = ("id", "channel", "shown_from", "shown_to")
RATE_TYPES = (("fixed", "Fixed"), ("variable", "Variable"), ("indexed", "Indexed"))
CUSTOMER_TYPES = (("residential", "Residential (homes)"), ("commercial", "Commercial (small businesses)"))
PLAN_CODE = re.compile(r"[A-Z0-9_-]{1,32}")
FOUR_PLACES = Decimal("0.0001")


# --- field rules ----------------------------------------------------------------------------

def _date_field(label: str, what: str, hint: str = "") -> DateField:
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
    available_from = _date_field("Available from (optional)", "the first day the plan is available")
    available_to = _date_field("Available to (optional)", "the last day the plan is available",
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
            "name": self.name.data, "state_code": self.state.data, "utility_code": self.utility.data or None,
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


def _form_data(plan: Plan) -> dict[str, Any]:
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
    shown_from = _date_field("Shown from (optional)", "the first day it is shown",
                             hint="Empty: from now on.")
    shown_to = _date_field("Shown to (optional)", "the last day it is shown",
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
    document_file = FileField("PDF file", render_kw={"accept": "application/pdf,.pdf"})
    document_url = StringField("Or a link to the document", filters=[strip],
                               description="Starts with https://, for example https://example.com/efl.pdf.",
                               validators=[Length(max=500, message="The link can be at most 500 characters.")],
                               render_kw={"type": "url", "autocomplete": "off", "spellcheck": "false"})

    def validate_kind(self, field: RadioField) -> None:
        if field.data not in documents.KINDS:
            raise ValidationError("Choose which document this is: EFL, TOS or YRAC.")

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


# --- plans list, create, edit, retire -------------------------------------------------------

PAGE_SIZE = 50


@bp.get("/plans")
@requires("marketing")
def plans() -> tuple[str, int]:
    """Plans, 50 a page, filtered by state, channel and whether retired ones are included.

    Filter values come from the page's lists; anything else is a form error (422), never a query.
    """
    states = db.session.scalars(select(State).order_by(State.name)).all()
    channels = channel_choices()
    state, channel = request.args.get("state", ""), request.args.get("channel", "")
    include_retired = request.args.get("retired") == "1"
    errors: dict[str, str] = {}
    if state and state not in {s.code for s in states}:
        errors["state"] = "Choose a state from the list."
    if channel and channel not in dict(channels):
        errors["channel"] = "Choose a channel from the list."
    raw_page = request.args.get("page", "1")
    page = int(raw_page) if raw_page.isdigit() and 0 < len(raw_page) < 7 and int(raw_page) > 0 else 0
    if not page:
        errors["page"] = "The page number must be a whole number from 1."
    found: list[Plan] = []
    total = 0
    if not errors:
        query = select(Plan).order_by(Plan.state_code, Plan.code)
        if state:
            query = query.where(Plan.state_code == state)
        if channel:
            query = query.where(exists().where(PlanVisibility.plan_code == Plan.code,
                                               PlanVisibility.channel == channel))
        if not include_retired:
            query = query.where(Plan.retired.is_(False))
        total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        found = list(db.session.scalars(query.options(selectinload(Plan.visibility))
                                        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)))
    args = {k: v for k, v in (("state", state), ("channel", channel),
                              ("retired", "1" if include_retired else "")) if v and k not in errors}
    html = render_template("admin/plans/list.html", title="Plans", plans=found, total=total, page=page or 1,
                           pages=max(1, -(-total // PAGE_SIZE)), args=args, errors=errors, states=states,
                           channels=channels, labels=dict(channels),
                           chosen={"state": state, "channel": channel, "retired": include_retired})
    return html, 422 if errors else 200


@bp.route("/plans/new", methods=["GET", "POST"])
@requires("marketing")
def plan_new() -> Response | tuple[str, int]:
    """Create a plan; it is offered nowhere until it is shown on a channel."""
    form = PlanForm(new=True, data={"state": "TX", "customer_types": ["residential"], "rate_type": "fixed"})
    if form.validate_on_submit():
        plan = Plan(code=form.code.data, **form.values())
        db.session.add(plan)
        record("create", "plan", plan.code, None, {"code": plan.code, **snapshot(plan, PLAN_FIELDS)})
        db.session.commit()
        flash(f"Plan {plan.code} created. Show it on a channel below to offer it.", "success")
        return redirect(url_for("admin.plan_edit", code=plan.code), 303)
    return form_page("admin/plans/new.html", form, title="New plan")


def _status(*forms: SafeForm) -> int:
    return 422 if request.method == "POST" and any(f.errors for f in forms) else 200


def _edit_page(plan: Plan, form: Optional[PlanForm] = None, visibility_form: Optional[VisibilityForm] = None,
               document_form: Optional[DocumentForm] = None) -> tuple[str, int]:
    """The edit page with its three forms; the one just sent keeps its input and errors."""
    form = form or PlanForm(new=False, formdata=None, data=_form_data(plan))
    visibility_form = visibility_form or VisibilityForm(formdata=None)
    document_form = document_form or DocumentForm(formdata=None)
    html = render_template("admin/plans/edit.html", title=f"Plan {plan.code}", plan=plan, form=form,
                           visibility_form=visibility_form, document_form=document_form,
                           labels=dict(channel_choices()), today=today(),
                           documents=documents.history(db.session, plan.code),
                           max_mb=current_app.config["MAX_DOCUMENT_BYTES"] / 1024 / 1024)
    return html, _status(form, visibility_form, document_form)


@bp.route("/plans/<code>", methods=["GET", "POST"])
@requires("marketing")
def plan_edit(code: str) -> Response | tuple[str, int]:
    """Edit a plan's terms; only what changed is audited."""
    plan = get_or_404(Plan, code)
    if request.method == "GET":
        return _edit_page(plan)
    form = PlanForm(new=False)
    if not form.validate():
        return _edit_page(plan, form=form)
    before = snapshot(plan, PLAN_FIELDS)
    for name, value in form.values().items():
        setattr(plan, name, value)
    old, new = changes(before, snapshot(plan, PLAN_FIELDS))
    if new:
        record("update", "plan", plan.code, old, new)
        db.session.commit()
        flash(f"Plan {plan.code} saved.", "success")
    else:
        flash("Nothing was changed.", "info")
    return redirect(url_for("admin.plan_edit", code=plan.code), 303)


def _set_retired(code: str, retired: bool) -> Response:
    plan = get_or_404(Plan, code)
    if plan.retired != retired:
        plan.retired = retired
        record("retire" if retired else "unretire", "plan", plan.code, {"retired": not retired}, {"retired": retired})
        db.session.commit()
    flash(f"Plan {plan.code} is retired: it is offered nowhere, and existing enrollments keep it." if retired
          else f"Plan {plan.code} is back: it is offered on the channels shown below.", "success")
    return redirect(url_for("admin.plan_edit", code=plan.code), 303)


@bp.post("/plans/<code>/retire")
@requires("marketing")
def plan_retire(code: str) -> Response:
    """Retire a plan: offered nowhere, kept for the enrollments that chose it."""
    return _set_retired(code, True)


@bp.post("/plans/<code>/unretire")
@requires("marketing")
def plan_unretire(code: str) -> Response:
    """Offer a retired plan again on its channels."""
    return _set_retired(code, False)


# --- visibility -----------------------------------------------------------------------------

@bp.post("/plans/<code>/visibility")
@requires("marketing")
def plan_visibility_add(code: str) -> Response | tuple[str, int]:
    """Show the plan on a channel within an optional date window."""
    plan = get_or_404(Plan, code)
    form = VisibilityForm()
    if not form.validate_on_submit():
        return _edit_page(plan, visibility_form=form)
    row = PlanVisibility(channel=form.channel.data, shown_from=form.shown_from.data, shown_to=form.shown_to.data)
    plan.visibility.append(row)
    db.session.flush()
    record("show", "visibility", plan.code, None, snapshot(row, VISIBILITY_FIELDS))
    db.session.commit()
    flash(f"{plan.code} is shown on {dict(channel_choices()).get(row.channel, row.channel)}"
          f"{_window(row)}.", "success")
    return redirect(url_for("admin.plan_edit", code=plan.code, _anchor="visibility"), 303)


def _window(row: PlanVisibility) -> str:
    start = f" from {row.shown_from:%B %-d, %Y}" if row.shown_from else ""
    end = f" to {row.shown_to:%B %-d, %Y}" if row.shown_to else ""
    return start + end


def _visibility_row(code: str, row_id: int) -> tuple[Plan, PlanVisibility]:
    plan = get_or_404(Plan, code)
    row = next((v for v in plan.visibility if v.id == row_id), None)
    if row is None:
        abort(404)
    return plan, row


@bp.post("/plans/<code>/visibility/<int:row_id>/remove")
@requires("marketing")
def plan_visibility_remove(code: str, row_id: int) -> Response:
    """Stop showing the plan on this channel and window, today included."""
    plan, row = _visibility_row(code, row_id)
    record("hide", "visibility", plan.code, snapshot(row, VISIBILITY_FIELDS), None)
    plan.visibility.remove(row)
    db.session.commit()
    flash(f"{plan.code} is no longer shown on {dict(channel_choices()).get(row.channel, row.channel)}"
          f"{_window(row)}.", "success")
    return redirect(url_for("admin.plan_edit", code=plan.code, _anchor="visibility"), 303)


@bp.post("/plans/<code>/visibility/<int:row_id>/end")
@requires("marketing")
def plan_visibility_end(code: str, row_id: int) -> Response:
    """Hide from today: the window ends yesterday, and the row's history stays visible."""
    plan, row = _visibility_row(code, row_id)
    yesterday = today() - dt.timedelta(days=1)
    if row.shown_from is not None and row.shown_from > yesterday:
        return plan_visibility_remove(code, row_id)
    before = snapshot(row, VISIBILITY_FIELDS)
    row.shown_to = min(row.shown_to or yesterday, yesterday)
    record("hide from today", "visibility", plan.code, before, snapshot(row, VISIBILITY_FIELDS))
    db.session.commit()
    flash(f"{plan.code} is hidden from today on {dict(channel_choices()).get(row.channel, row.channel)}.", "success")
    return redirect(url_for("admin.plan_edit", code=plan.code, _anchor="visibility"), 303)


# --- documents ------------------------------------------------------------------------------

@bp.post("/plans/<code>/documents")
@requires("marketing")
def plan_document_add(code: str) -> Response | tuple[str, int]:
    """A new version of the EFL, TOS or YRAC: customers see it from the next request."""
    plan = get_or_404(Plan, code)
    form = DocumentForm()
    if not form.validate_on_submit():
        return _edit_page(plan, document_form=form)
    kind = form.kind.data
    before = {"version": documents.current_version(plan, kind)}
    upload = form.document_file.data if form.content else None
    document = documents.add_document(db.session, plan, kind, url=form.document_url.data or None,
                                      filename=upload.filename if upload else None, content=form.content)
    record("add", "document", plan.code, {"kind": kind, **before},
           {"kind": kind, "version": document.version, "url": document.url, "filename": document.filename,
            "bytes": len(document.content) if document.content else None})
    db.session.commit()
    flash(f"{documents.KINDS[kind]} version {document.version} is now shown to customers.", "success")
    return redirect(url_for("admin.plan_edit", code=plan.code, _anchor="documents"), 303)


# --- preview --------------------------------------------------------------------------------

class PreviewForm(SafeForm):
    """Who the preview is for: a GET form, so a preview can be bookmarked (it holds no PII)."""

    class Meta:
        csrf = False

    zip = StringField("ZIP code", filters=[strip],
                      validators=[DataRequired("Enter a 5-digit ZIP code, for example 75201.")],
                      render_kw={"class": "input-short", "inputmode": "numeric", "autocomplete": "off"})
    customer_type = RadioField("Customer type", choices=options(CUSTOMER_TYPES), validate_choice=False,
                               default="residential")
    promo = StringField("Promo code (optional)", filters=[strip],
                        validators=[Length(max=32, message="Promo codes are at most 32 characters.")],
                        render_kw={"class": "input-medium", "autocomplete": "off", "spellcheck": "false"})
    affiliate = SelectField("Affiliate", validate_choice=False, description="None: the web wizard.")
    on = _date_field("Date", "the day to preview", hint="Empty: today.")
    utility = SelectField("Utility", validate_choice=False,
                          description="For a ZIP served by several utilities; empty: one section for each.")

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.affiliates = db.session.scalars(select(Affiliate).where(Affiliate.active)
                                             .order_by(Affiliate.name)).all()
        self.affiliate.choices = options([("", "None (web wizard)"), *((a.code, a.name) for a in self.affiliates)])
        zip_code = clean_zip(self.zip.data or "")
        self.zip_utilities = catalog.utilities_for_zip(db.session, zip_code) if zip_code else []
        self.utility.choices = options([("", "Every utility of the ZIP"),
                                        *((u.code, u.name) for u in self.zip_utilities)])

    def validate_zip(self, field: StringField) -> None:
        if clean_zip(field.data or "") is None:
            raise ValidationError("Enter a ZIP code as 5 digits, for example 75201.")

    def validate_customer_type(self, field: RadioField) -> None:
        if field.data not in dict(CUSTOMER_TYPES):
            raise ValidationError("Choose residential or commercial.")

    def validate_affiliate(self, field: SelectField) -> None:
        if field.data and field.data not in {a.code for a in self.affiliates}:
            raise ValidationError("Choose an affiliate from the list, or none for the web wizard.")

    def validate_utility(self, field: SelectField) -> None:
        if field.data and field.data not in {u.code for u in self.zip_utilities}:
            raise ValidationError("That utility does not serve this ZIP. Choose one of its utilities, or every one.")


@dataclasses.dataclass
class PreviewSection:
    """The plans page for one utility of the ZIP."""

    utility: Utility
    plans: list[tuple[Plan, list[PricePoint]]]


@dataclasses.dataclass
class Preview:
    """What the customer described by the form would see."""

    zip: str
    day: dt.date
    state: Optional[State] = None
    promo_message: Optional[str] = None
    sections: list[PreviewSection] = dataclasses.field(default_factory=list)


def build_preview(form: PreviewForm, day: dt.date) -> Preview:
    """The plans page for the form's customer: per utility, each plan offered with its prices."""
    preview = Preview(zip=form.zip.data, day=day)
    if not form.zip_utilities:
        return preview
    affiliate = form.affiliate.data or None
    promo = (form.promo.data or "").upper() or None
    if promo:
        _, preview.promo_message = catalog.check_promo(db.session, promo, day, affiliate)
    preview.state = form.zip_utilities[0].state
    for utility in form.zip_utilities:
        if form.utility.data and utility.code != form.utility.data:
            continue
        offered = catalog.offered_plans(db.session, state=utility.state_code, customer_type=form.customer_type.data,
                                        promo_code=promo, today=day, channel=catalog.channel_for(affiliate),
                                        utility_code=utility.code, affiliate_code=affiliate)
        preview.sections.append(PreviewSection(utility, [
            (plan, price_table(plan, utility, utility.state.usage_levels)) for plan in offered]))
    return preview


@bp.get("/preview")
@requires("marketing")
def preview() -> tuple[str, int]:
    """The plans page as a customer in ZIP X, type Y, promo Z, via affiliate W on day D sees it."""
    asked = "zip" in request.args
    form = PreviewForm(formdata=request.args if asked else None, data={"on": today()})
    result = build_preview(form, form.on.data or today()) if asked and form.validate() else None
    html = render_template("admin/plans/preview.html", title="Preview", form=form, preview=result)
    return html, 422 if form.errors else 200
