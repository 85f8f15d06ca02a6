"""Operations: the enrollment queue, details with PII masked, cancel, test order, correct and resubmit.

Personal data is shown masked everywhere here, audit values included: operators see enough to
recognise a customer (first name and last initial, email's first letter and domain, last 4 digits)
and the premise in full (address and ESI ID), never the identity value or the date of birth.
"""
from __future__ import annotations

import datetime as dt
import math
from typing import Any, Optional

from email_validator import EmailNotValidError, validate_email
from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response
from wtforms import DateField, EmailField, IntegerField, SelectField, StringField, TelField
from wtforms.validators import DataRequired, InputRequired, Length, Optional as Optionally, StopValidation, ValidationError

import billing
from billing import Status
from billing.models import Enrollment

from .. import dates
from .. import validators as rules
from ..audit import changes
from ..extensions import db
from ..forms import SafeForm
from ..models import Affiliate, ServiceArea, State, Utility
from ..views import today
from . import bp, record, requires
from .fields import OptionalDate, check_order, form_page, one_or_404, strip

PAGE_SIZE = 50
DIRECT = "direct"
DOTS = "•••"


# --- masking -----------------------------------------------------------------------------------

def mask_name(name: Optional[str]) -> str:
    """A name as its first letter: "A•••"."""
    return f"{name[0]}{DOTS}" if name else ""


def mask_email(email: Optional[str]) -> str:
    """An email as its first letter and domain: "a•••@example.com"."""
    if not email or "@" not in email:
        return mask_name(email)
    local, _, domain = email.rpartition("@")
    return f"{local[:1]}{DOTS}@{domain}"


def mask_phone(phone: Optional[str]) -> str:
    """A phone number as its last 4 digits: "(•••) •••-0100"."""
    return f"(•••) •••-{phone[-4:]}" if phone else ""


def mask_identity(last4: Optional[str]) -> str:
    """The identity value as only its last 4 digits are kept: "•••-••-1234"."""
    return f"•••-••-{last4}" if last4 else "Not on file"


def short_name(first: str, last: str) -> str:
    """First name and last initial: "Ana G."."""
    return f"{first} {last[:1]}." if last else first


MASKS = {"first_name": mask_name, "last_name": mask_name, "email": mask_email, "phone": mask_phone}


def masked(values: dict[str, Any]) -> dict[str, Any]:
    """Audit values with personal fields masked (address, ESI ID and dates stay plain)."""
    return {key: MASKS[key](value) if key in MASKS else value for key, value in values.items()}


def local_time(moment: Optional[dt.datetime | str]) -> str:
    """A stored UTC time (naive, or ISO text) in the market's time zone, to the minute."""
    if isinstance(moment, str):
        try:
            moment = dt.datetime.fromisoformat(moment)
        except ValueError:
            return moment
    if moment is None:
        return ""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(dates.MARKET_TZ).strftime("%Y-%m-%d %H:%M %Z")


# --- what may be done in which status -----------------------------------------------------------

def may_cancel(enrollment: Enrollment) -> bool:
    """Not yet accepted (nor already cancelled): cancel and test order are offered."""
    return billing.can_transition(Status(enrollment.status), Status.CANCELLED)


def may_resubmit(enrollment: Enrollment) -> bool:
    """Rejected, with errors or on hold: correct and resubmit is offered."""
    return billing.can_transition(Status(enrollment.status), Status.NEW)


# --- the queue ---------------------------------------------------------------------------------

#: The one message for a queue or correction date that is not a real date.
DATE_FORMAT = "Enter the date as year-month-day, like 2026-11-30."


class QueueFilters(SafeForm):
    """Filters of the queue, read from the query string (a GET form: no CSRF)."""

    class Meta:
        csrf = False

    status = SelectField("Status", default="", validate_choice=False)
    affiliate = SelectField("Affiliate", default="", validate_choice=False)
    created_from = DateField("Created from", validators=[OptionalDate(DATE_FORMAT)])
    created_to = DateField("Created to", validators=[OptionalDate(DATE_FORMAT)])
    page = IntegerField("Page", default=1, validators=[Optionally()])

    def validate_status(self, field: SelectField) -> None:
        if field.data not in {value for value, _ in field.choices}:
            raise ValidationError("Choose a status from the list, or any status.")

    def validate_affiliate(self, field: SelectField) -> None:
        if field.data not in {value for value, _ in field.choices}:
            raise ValidationError("Choose an affiliate from the list, direct web sales or any.")

    def validate_created_to(self, field: DateField) -> None:
        check_order(self.created_from, field, "The end date must be on or after the start date.")

    def validate_page(self, field: IntegerField) -> None:
        if field.data is None or field.data < 1:
            field.errors[:] = []
            raise StopValidation("Enter a page number of 1 or more.")


def _filter_form() -> QueueFilters:
    form = QueueFilters(formdata=request.args)
    form.status.choices = [("", "Any status")] + [(s.value, s.value) for s in Status]
    affiliates = db.session.scalars(select(Affiliate).order_by(Affiliate.name)).all()
    form.affiliate.choices = ([("", "Any"), (DIRECT, "Direct web (no affiliate)")]
                              + [(a.code, a.name) for a in affiliates])
    return form


def _market_midnight(day: dt.date) -> dt.datetime:
    """Naive UTC time of midnight in the market at the start of `day`."""
    start = dt.datetime.combine(day, dt.time.min, tzinfo=dates.MARKET_TZ)
    return start.astimezone(dt.UTC).replace(tzinfo=None)


def _conditions(form: QueueFilters, with_status: bool = True) -> list[ColumnElement[bool]]:
    """SQL conditions of valid filters; the created dates are days of the market's calendar."""
    found: list[ColumnElement[bool]] = []
    if with_status and form.status.data:
        found.append(Enrollment.status == form.status.data)
    if form.affiliate.data == DIRECT:
        found.append(Enrollment.affiliate_code.is_(None))
    elif form.affiliate.data:
        found.append(Enrollment.affiliate_code == form.affiliate.data)
    if form.created_from.data:
        found.append(Enrollment.created_at >= _market_midnight(form.created_from.data))
    if form.created_to.data:
        found.append(Enrollment.created_at < _market_midnight(form.created_to.data + dt.timedelta(days=1)))
    return found


def _query_args(form: QueueFilters, **extra: Any) -> dict[str, Any]:
    """The filters as query arguments, for paging and status links."""
    args = {"status": form.status.data, "affiliate": form.affiliate.data,
            "created_from": form.created_from.data, "created_to": form.created_to.data, **extra}
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in args.items() if v}


@bp.get("/enrollments")
@requires("operations")
def queue() -> tuple[str, int]:
    """Enrollments newest first, filtered by status, affiliate and created dates, 50 a page."""
    form = _filter_form()
    if not form.validate():
        return render_template("admin/operations/queue.html", title="Enrollments", form=form, rows=[],
                               counts=[], total=0, pages=0, page=1, args={}, **_helpers()), 422
    where = _conditions(form)
    total = db.session.scalar(select(func.count()).select_from(Enrollment).where(*where)) or 0
    page = form.page.data or 1
    rows = db.session.scalars(
        select(Enrollment).options(joinedload(Enrollment.customer)).where(*where)
        .order_by(Enrollment.created_at.desc(), Enrollment.id.desc())
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    counts = db.session.execute(
        select(Enrollment.status, func.count()).where(*_conditions(form, with_status=False))
        .group_by(Enrollment.status).order_by(Enrollment.status)).all()
    return render_template("admin/operations/queue.html", title="Enrollments", form=form, rows=rows,
                           counts=counts, total=total, pages=max(1, math.ceil(total / PAGE_SIZE)), page=page,
                           args=_query_args(form), **_helpers()), 200


def _helpers() -> dict[str, Any]:
    """Names the templates show instead of codes, and the masking and time helpers."""
    return {"utility_names": dict(db.session.execute(select(Utility.code, Utility.name)).all()),
            "affiliate_names": dict(db.session.execute(select(Affiliate.code, Affiliate.name)).all()),
            "local_time": local_time, "short_name": short_name, "mask_email": mask_email,
            "mask_phone": mask_phone, "mask_identity": mask_identity}


# --- one enrollment ----------------------------------------------------------------------------

class CancelForm(SafeForm):
    """Cancel an enrollment: the reason goes into its status history."""

    reason = StringField("Reason for cancelling", filters=[strip],
                         validators=[DataRequired("Enter why the enrollment is cancelled, like "
                                                   "\"customer called to cancel\"."),
                                     Length(max=80, message="Keep the reason to 80 characters or fewer.")],
                         description="Kept in the status history. At most 80 characters.")


def _enrollment(number: str, lock: bool = False) -> Enrollment:
    """The enrollment `number` (locked for the transaction when about to change it), or 404."""
    return one_or_404(select(Enrollment).where(Enrollment.number == number), lock)


def _detail(enrollment: Enrollment, cancel_form: Optional[CancelForm] = None, status: int = 200) -> tuple[str, int]:
    others = len(enrollment.customer.enrollments) - 1
    return render_template("admin/operations/detail.html", title=f"Enrollment {enrollment.number}",
                           e=enrollment, c=enrollment.customer, others=others,
                           cancel_form=cancel_form or CancelForm(),
                           may_cancel=may_cancel(enrollment), may_resubmit=may_resubmit(enrollment),
                           **_helpers()), status


@bp.get("/enrollments/<number>")
@requires("operations")
def enrollment_detail(number: str) -> tuple[str, int]:
    """Facts, plan, status history, consent evidence and the customer, masked."""
    return _detail(_enrollment(number))


def _refuse(enrollment: Enrollment, what: str) -> Response:
    db.session.rollback()
    flash(f"Enrollment {enrollment.number} is {enrollment.status}: it cannot be {what} now. "
          "Nothing was changed.", "error")
    return redirect(url_for("admin.enrollment_detail", number=enrollment.number), 303)


@bp.post("/enrollments/<number>/cancel")
@requires("operations")
def enrollment_cancel(number: str) -> Response | tuple[str, int]:
    """Cancel with a reason; an unsent enrollment leaves the outbox."""
    enrollment = _enrollment(number, lock=True)
    if not may_cancel(enrollment):
        return _refuse(enrollment, "cancelled")
    form = CancelForm()
    if not form.validate_on_submit():
        return _detail(enrollment, form, 422)
    return _cancel(enrollment, form.reason.data, test_order=False)


@bp.post("/enrollments/<number>/test-order")
@requires("operations")
def enrollment_test_order(number: str) -> Response:
    """Mark as a test order (a button; CSRF is checked app-wide): cancelled and never delivered."""
    enrollment = _enrollment(number, lock=True)
    if not may_cancel(enrollment):
        return _refuse(enrollment, "marked as a test order")
    return _cancel(enrollment, "marked as a test order by operations", test_order=True)


def _cancel(enrollment: Enrollment, reason: str, test_order: bool) -> Response:
    before = {"status": enrollment.status}
    billing.cancel(db.session, enrollment, reason, test_order=test_order)
    record("test order" if test_order else "cancel", "enrollment", enrollment.number, before,
           {"status": enrollment.status, "reason": reason})
    db.session.commit()
    flash(f"Enrollment {enrollment.number} is now {enrollment.status}. It will not be sent to billing.", "success")
    return redirect(url_for("admin.enrollment_detail", number=enrollment.number), 303)


# --- correct and resubmit ----------------------------------------------------------------------

class CorrectionForm(SafeForm):
    """Fields an operator may correct before resubmitting; empty personal fields keep their value."""

    first_name = StringField("First name", filters=[strip],
                             validators=[Length(max=80, message="First name must be 80 characters or fewer.")])
    last_name = StringField("Last name", filters=[strip],
                            validators=[Length(max=80, message="Last name must be 80 characters or fewer.")])
    email = EmailField("Email address", filters=[strip], render_kw={"spellcheck": "false"})
    phone = TelField("Phone number", filters=[strip], render_kw={"class": "input-medium"})
    service_line1 = StringField("Street address", filters=[strip],
                                validators=[InputRequired("Enter the street address of the premise."),
                                            Length(max=120, message="Street address must be 120 characters or fewer.")])
    service_line2 = StringField("Apartment, suite or unit (optional)", filters=[strip],
                                validators=[Length(max=60, message="Keep this to 60 characters or fewer.")],
                                render_kw={"class": "input-medium"})
    service_city = StringField("City", filters=[strip],
                               validators=[InputRequired("Enter the city of the premise."),
                                           Length(max=60, message="City must be 60 characters or fewer.")],
                               render_kw={"class": "input-medium"})
    service_zip = StringField("ZIP code", filters=[strip], render_kw={"class": "input-short", "inputmode": "numeric"})
    esi_id = StringField("ESI ID", filters=[lambda v: v.replace(" ", "").strip() if isinstance(v, str) else v],
                         render_kw={"inputmode": "numeric", "spellcheck": "false"})
    requested_date = DateField("Requested start date", validators=[OptionalDate(DATE_FORMAT)],
                               render_kw={"class": "input-medium"})

    enrollment: Enrollment
    utility: Utility
    state: State
    today: dt.date

    def prepare(self, enrollment: Enrollment) -> None:
        """Bind the enrollment, describe the current masked values and drop fields it lacks."""
        self.enrollment = enrollment
        self.utility = db.session.get(Utility, enrollment.utility_code)
        self.state = db.session.get(State, enrollment.state)
        self.today = today()
        c = enrollment.customer
        for name, now in (("first_name", mask_name(c.first_name)), ("last_name", mask_name(c.last_name)),
                          ("email", mask_email(c.email)), ("phone", mask_phone(c.phone))):
            self[name].description = f"Now {now}. Leave empty to keep it."
        if enrollment.esi_id is None:
            del self.esi_id
        else:
            self.esi_id.description = (f"{self.utility.name} ESI IDs start with "
                                       f"{' or '.join(self.utility.esi_prefixes)}.")
        self.requested_date.description = ("Required for a move-in." if self.move_in else
                                           "Leave empty to switch on the first available date.")

    @property
    def move_in(self) -> bool:
        return self.enrollment.enrollment_type == "move_in"

    def fill(self) -> None:
        """Show the premise as stored (personal fields stay empty: they are only shown masked)."""
        e = self.enrollment
        a = e.service_address
        self.service_line1.data, self.service_line2.data = a.get("line1"), a.get("line2")
        self.service_city.data, self.service_zip.data = a.get("city"), a.get("zip")
        if "esi_id" in self:
            self.esi_id.data = e.esi_id
        self.requested_date.data = e.requested_date

    def validate_email(self, field: EmailField) -> None:
        if field.data:
            try:
                field.data = validate_email(field.data, check_deliverability=False).normalized
            except EmailNotValidError:
                raise ValidationError("Enter an email address like name@example.com.") from None

    def validate_phone(self, field: TelField) -> None:
        if field.data:
            phone = rules.clean_phone(field.data)
            if phone is None:
                raise ValidationError("Enter a US phone number with area code, like (214) 555-0100.")
            field.data = phone

    def validate_service_zip(self, field: StringField) -> None:
        if rules.clean_zip(field.data or "") is None:
            raise ValidationError("Enter the ZIP code of the premise as 5 digits, like 75201.")
        served = db.session.scalar(select(ServiceArea.zip).where(ServiceArea.zip == field.data,
                                                                 ServiceArea.utility_code == self.utility.code))
        if served is None:
            raise ValidationError(f"{self.utility.name} does not serve ZIP {field.data}. "
                                  "Check the ZIP code of the premise.")

    def validate_esi_id(self, field: StringField) -> None:
        if not field.data:
            raise ValidationError("Enter the ESI ID of the premise.")
        problem = rules.esi_id_problem(field.data, self.utility.esi_prefixes, self.utility.esi_length,
                                       self.utility.name)
        if problem:
            raise ValidationError(problem)

    def validate(self, extra_validators: Any = None) -> bool:
        """The field rules, then: a move-in needs its date (an empty date ends the field's own checks)."""
        ok = super().validate(extra_validators)
        if self.move_in and self.requested_date.data is None and not self.requested_date.errors:
            self.requested_date.errors = ["Enter the move-in date."]
            ok = False
        return ok

    def validate_requested_date(self, field: DateField) -> None:
        if field.data is None:
            return
        kind = "move_in" if self.move_in else "switch"
        earliest = dates.earliest_requested(kind, self.today, self.state.rescission_business_days)
        latest = dates.latest_requested(self.today, self.state.max_days_ahead)
        if not earliest <= field.data <= latest:
            raise ValidationError(f"Choose a date from {earliest:%B %-d, %Y} to {latest:%B %-d, %Y}.")


CORRECTED = ("first_name", "last_name", "email", "phone", "service_line1", "service_line2", "service_city",
             "service_zip", "esi_id", "requested_date", "start_timing")


def correctable(enrollment: Enrollment) -> dict[str, Any]:
    """The fields an operator may correct, as plain values."""
    c, a = enrollment.customer, enrollment.service_address
    return {"first_name": c.first_name, "last_name": c.last_name, "email": c.email, "phone": c.phone,
            "service_line1": a.get("line1"), "service_line2": a.get("line2"), "service_city": a.get("city"),
            "service_zip": a.get("zip"), "esi_id": enrollment.esi_id,
            "requested_date": enrollment.requested_date.isoformat() if enrollment.requested_date else None,
            "start_timing": enrollment.start_timing}


def apply_correction(form: CorrectionForm, enrollment: Enrollment) -> None:
    """Store the corrected values; a billing address that was the service address follows it."""
    customer = enrollment.customer
    for name in ("first_name", "last_name", "email", "phone"):
        if form[name].data:
            setattr(customer, name, form[name].data)
    address = {**enrollment.service_address, "line1": form.service_line1.data,
               "line2": form.service_line2.data or "", "city": form.service_city.data,
               "zip": form.service_zip.data}
    if enrollment.billing_address == enrollment.service_address:
        enrollment.billing_address = dict(address)
    enrollment.service_address = address
    if "esi_id" in form:
        enrollment.esi_id = form.esi_id.data
    enrollment.requested_date = form.requested_date.data
    if not form.move_in:
        enrollment.start_timing = "self_selected" if form.requested_date.data else "first_available"


@bp.route("/enrollments/<number>/correct", methods=["GET", "POST"])
@requires("operations")
def enrollment_correct(number: str) -> Response | tuple[str, int]:
    """Correct a rejected, errored or held enrollment and resubmit it, in one transaction."""
    enrollment = _enrollment(number, lock=request.method == "POST")
    if not may_resubmit(enrollment):
        return _refuse(enrollment, "corrected and resubmitted (only rejected, errored or on-hold ones can be)")
    form = CorrectionForm()
    form.prepare(enrollment)
    if not form.validate_on_submit():
        if request.method == "GET":
            form.fill()
        return form_page("admin/operations/correct.html", form, title=f"Correct enrollment {number}",
                         e=enrollment, **_helpers())
    resubmit(form, enrollment)
    db.session.commit()
    flash(f"Enrollment {number} was resubmitted: it is {enrollment.status} and will be sent to billing.", "success")
    return redirect(url_for("admin.enrollment_detail", number=number), 303)


def resubmit(form: CorrectionForm, enrollment: Enrollment) -> None:
    """Apply the correction and queue the enrollment again, auditing both (caller commits)."""
    before = correctable(enrollment)
    apply_correction(form, enrollment)
    old, new = changes(before, correctable(enrollment))
    if new:
        record("correct", "enrollment", enrollment.number, masked(old), masked(new))
    status = enrollment.status
    billing.resubmit(db.session, enrollment, reason="corrected and resubmitted by operations")
    record("resubmit", "enrollment", enrollment.number, {"status": status},
           {"status": enrollment.status, "resubmissions": enrollment.resubmissions})
