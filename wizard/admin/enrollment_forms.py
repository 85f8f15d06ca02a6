"""Operations' forms: the queue filters, the cancel reason, and the correction before a resubmit.

Also how a valid correction is applied to an enrollment (`correctable`, `apply_correction`):
plain functions that tests call without a request.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from wtforms import DateField, EmailField, IntegerField, SelectField, StringField, TelField
from wtforms.validators import DataRequired, InputRequired, Length, StopValidation, ValidationError
from wtforms.validators import Optional as Optionally

from billing.models import Enrollment
from wizard.catalog.models import ServiceArea, State, Utility
from wizard.core import dates
from wizard.core import validators as rules
from wizard.core.dates import today
from wizard.core.extensions import db
from wizard.core.forms import SafeForm

from .fields import PAGE_MESSAGE, OptionalDate, check_order, page_number, strip
from .masking import mask_email, mask_name, mask_phone

#: The one message for a queue or correction date that is not a real date.
DATE_FORMAT = "Enter the date as year-month-day, like 2026-11-30."


#: The enrollment channels (wizard.enrollments.service.CHANNELS) as staff read them.
CHANNEL_NAMES = {"web": "Web wizard", "agent": "Agent (Quick Enrollment)", "api": "Partner API",
                 "import": "Sales import"}


class QueueFilters(SafeForm):
    """Filters of the queue, read from the query string (a GET form: no CSRF)."""

    class Meta:
        csrf = False

    status = SelectField("Status", default="", validate_choice=False)
    affiliate = SelectField("Affiliate", default="", validate_choice=False)
    channel = SelectField("Channel", default="", validate_choice=False)
    created_from = DateField("Created from", validators=[OptionalDate(DATE_FORMAT)])
    created_to = DateField("Created to", validators=[OptionalDate(DATE_FORMAT)])
    page = IntegerField("Page", default=1, validators=[Optionally()])

    def validate_status(self, field: SelectField) -> None:
        if field.data not in {value for value, _ in field.choices}:
            raise ValidationError("Choose a status from the list, or any status.")

    def validate_affiliate(self, field: SelectField) -> None:
        if field.data not in {value for value, _ in field.choices}:
            raise ValidationError("Choose an affiliate from the list, direct web sales or any.")

    def validate_channel(self, field: SelectField) -> None:
        if field.data not in {value for value, _ in field.choices}:
            raise ValidationError("Choose a channel from the list, or any channel.")

    def validate_created_to(self, field: DateField) -> None:
        check_order(self.created_from, field, "The end date must be on or after the start date.")

    def validate_page(self, field: IntegerField) -> None:
        if page_number(field.raw_data[0] if field.raw_data else str(field.data)) is None:
            field.errors[:] = []
            raise StopValidation(PAGE_MESSAGE)



class CancelForm(SafeForm):
    """Cancel an enrollment: the reason goes into its status history."""

    reason = StringField("Reason for cancelling", filters=[strip],
                         validators=[DataRequired("Enter why the enrollment is cancelled, like "
                                                   "\"customer called to cancel\"."),
                                     Length(max=80, message="Keep the reason to 80 characters or fewer.")],
                         description="Kept in the status history. At most 80 characters.")



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
