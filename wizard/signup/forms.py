"""One form per wizard step. Every rule is checked here, on the server.

Forms that depend on the draft (the ZIP's utilities, the plans offered) get it as `ctx`
before validation; they never trust a value because the page offered it.

Labels, hints, choices and messages are in the page's language: lazy (`_l`) where the class
declares them, `_` where a request fills them in. The agents' screen, the API and the Sales
Importer run these same forms in English (the language of staff and outside requests).
"""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    PasswordField,
    RadioField,
    StringField,
    SubmitField,
    TelField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, StopValidation, ValidationError

from wizard.account.logins import SIGN_IN_FAILURE, authenticate
from wizard.account.models import Account
from wizard.core import validators as rules
from wizard.core.extensions import db
from wizard.core.forms import SafeForm, options
from wizard.core import i18n

from . import address_lookup

if TYPE_CHECKING:
    from .context import DraftContext


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _require_date(field: DateField, empty: str, invalid: str) -> None:
    """Replace WTForms' parse error with ours: missing or not a real date."""
    if field.data is None:
        field.errors[:] = []
        raw = (field.raw_data or [""])[0].strip()
        raise StopValidation(invalid if raw else empty)


def _shorten(text: str, width: int = 70) -> str:
    """`text` cut at a word boundary to at most `width` characters, with an ellipsis when cut."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    return text[:width + 1].rsplit(" ", 1)[0].rstrip(",;:.") + "…"


class StepForm(SafeForm):
    """A wizard step's form; `ctx` is the draft it belongs to."""

    ctx: "DraftContext"

    #: Fields never echoed back or kept as unsaved input (passwords, identity values).
    sensitive: tuple[str, ...] = ()

    def prepare(self, ctx: "DraftContext") -> None:
        """Bind the draft and fill choices that depend on it."""
        self.ctx = ctx

    def answers(self) -> dict[str, Any]:
        """The answers this step stores, from the valid form."""
        return {name: field.data for name, field in self._fields.items()
                if name != "csrf_token" and field.type != "SubmitField"}


class ZipForm(StepForm):
    """Step 1: where the premise is."""

    zip = StringField(_l("ZIP code"), filters=[_strip],
                      validators=[InputRequired(_l("Enter the 5-digit ZIP code of the address to be served."))],
                      render_kw={"autocomplete": "postal-code", "inputmode": "numeric",
                                 "maxlength": 10, "class": "input-short"})

    def validate_zip(self, field: StringField) -> None:
        """5 ASCII digits only."""
        if rules.clean_zip(field.data or "") is None:
            raise ValidationError(_("Enter a ZIP code as 5 digits, like 75201."))


class PromoForm(StepForm):
    """Step 2: an optional promo code."""

    promo = StringField(_l("Promo code (optional)"), filters=[_strip],
                        validators=[Optional(), Length(max=32, message=_l("Promo codes are at most 32 characters."))],
                        render_kw={"autocomplete": "off", "spellcheck": "false", "class": "input-medium"})

    skip = SubmitField(_l("Continue without a promo code"))
    #: The code just refused, sent back with the page that says "You can continue without it":
    #: pressing Continue again with that same code means going on without it.
    refused = HiddenField()

    def without_code(self) -> bool:
        """The customer chose to go on without the code typed (the button, or Continue again)."""
        if self.skip.data:
            return True
        typed, refused = (self.promo.data or "").strip().upper(), (self.refused.data or "").strip().upper()
        return bool(typed) and typed == refused

    def validate_promo(self, field: StringField) -> None:
        """A code must exist and be valid today (unless the customer chose to go on without)."""
        if self.without_code():
            field.errors[:] = []
            raise StopValidation()
        if field.data:
            _promo, error = self.ctx.check_promo(field.data)
            if error:
                self.refused.data = field.data
                raise ValidationError(error)

    def answers(self) -> dict[str, Any]:
        return {"promo": "" if self.without_code() else (self.promo.data or "").upper()}


class CustomerTypeForm(StepForm):
    """Step 3: home or business."""

    customer_type = RadioField(
        _l("Is this electricity for a home or a business?"),
        choices=options([("residential", _l("Home (residential)")), ("commercial", _l("Small business (commercial)"))]),
        validators=[InputRequired(_l("Choose home or small business."))])


class UtilityForm(StepForm):
    """Step 4: which utility delivers to the premise, when the ZIP has several. In Texas the
    customer may find the address instead (`address` is searched; see address_lookup.py)."""

    address = StringField(_l("Street address"), filters=[_strip],
                          validators=[Length(max=120, message=_l("Street address must be 120 characters or fewer."))],
                          description=_l("The house number and street, like 1500 Main St. Choose yours from the list."),
                          render_kw={"autocomplete": "address-line1", "spellcheck": "false"})
    utility = RadioField(_l("Which utility delivers electricity to this address?"),
                         validators=[InputRequired(_l("Choose the utility that serves the address."))])

    def prepare(self, ctx: "DraftContext") -> None:
        super().prepare(ctx)
        self.utility.choices = options((u.code, u.name) for u in ctx.utilities)

    def answers(self) -> dict[str, Any]:
        return {"utility": self.utility.data}  # the address typed is a search, not an answer


class ReferralForm(StepForm):
    """Step 5: how did you hear about us."""

    referral = RadioField(_l("How did you hear about us?"),
                          validators=[InputRequired(_l("Choose how you heard about us."))])

    def prepare(self, ctx: "DraftContext") -> None:
        super().prepare(ctx)
        self.referral.choices = options(ctx.referral_choices())


class PlanForm(StepForm):
    """Step 7/8: sign up on a plan; only plans offered to this draft are accepted."""

    plan = StringField(_l("Plan"), validators=[InputRequired(_l("Choose a plan to sign up for."))])

    def validate_plan(self, field: StringField) -> None:
        """The plan must be one this draft is offered (not just any code)."""
        if field.data not in {p.code for p in self.ctx.plans}:
            raise ValidationError(_("That plan is not available for your address. Choose one of the plans below."))


class CustomerStatusForm(StepForm):
    """Step 9: new or existing customer."""

    customer_status = RadioField(
        _l("Are you already a customer?"),
        choices=options([("new", _l("No, I'm a new customer")),
                         ("existing", _l("Yes, I have a My Account login and want to add this address"))]),
        validators=[InputRequired(_l("Tell us whether you are already a customer."))])


class SignInForm(StepForm):
    """For existing customers: My Account login, checked against the stored argon2id hash."""

    sensitive = ("password",)
    username = StringField(_l("Username"), filters=[_strip],
                           validators=[InputRequired(_l("Enter your My Account username."))],
                           render_kw={"autocomplete": "username", "spellcheck": "false"})
    password = PasswordField(_l("Password"), validators=[InputRequired(_l("Enter your password."))],
                             render_kw={"autocomplete": "current-password"})

    def validate_password(self, field: PasswordField) -> None:
        """Credentials must match an account; the message does not say which part was wrong."""
        self.account = authenticate(self.username.data or "", field.data or "")
        if self.account is None:
            raise ValidationError(SIGN_IN_FAILURE)


class AboutYouForm(StepForm):
    """Customer details; Texas adds date of birth and the identity value, businesses their name."""

    sensitive = ("identity_value", "date_of_birth")  # stored only encrypted, never as typed input
    first_name = StringField(_l("First name"), filters=[_strip],
                             validators=[InputRequired(_l("Enter your first name.")),
                                         Length(max=80, message=_l("First name must be 80 characters or fewer."))],
                             render_kw={"autocomplete": "given-name"})
    last_name = StringField(_l("Last name"), filters=[_strip],
                            validators=[InputRequired(_l("Enter your last name.")),
                                        Length(max=80, message=_l("Last name must be 80 characters or fewer."))],
                            render_kw={"autocomplete": "family-name"})
    email = EmailField(_l("Email address"), filters=[_strip],
                       validators=[InputRequired(_l("Enter your email address."))],
                       render_kw={"autocomplete": "email", "spellcheck": "false"})
    phone = TelField(_l("Phone number"), filters=[_strip],
                     validators=[InputRequired(_l("Enter a phone number we can reach you on."))],
                     render_kw={"autocomplete": "tel", "class": "input-medium"})
    #: Each language named in itself; `prepare` marks the one not in the page's language with its `lang`.
    language = RadioField(_l("Preferred language"),
                          choices=[SelectChoice("en", "English"),
                                   SelectChoice("es", "Español", render_kw={"lang": "es"})],
                          default="en", validators=[InputRequired(_l("Choose a language."))])
    contact_method = RadioField(_l("How should we contact you?"),
                                choices=options([("email", _l("Email")), ("phone", _l("Phone call")),
                                                 ("text", _l("Text message"))]),
                                default="email", validators=[InputRequired(_l("Choose how we should contact you."))])
    business_name = StringField(_l("Business name"), filters=[_strip],
                                validators=[Length(max=120, message=_l("Business name must be 120 characters or fewer."))],
                                render_kw={"autocomplete": "organization"})
    tax_id = StringField(_l("Federal tax ID (EIN)"), filters=[_strip],
                         description=_l("9 digits, like 12-3456789."),
                         render_kw={"class": "input-medium", "inputmode": "numeric"})
    date_of_birth = DateField(_l("Date of birth"),
                              render_kw={"autocomplete": "bday", "class": "input-medium"})
    identity_value = PasswordField(_l("Social Security number"),
                                   description=_l("9 digits. Used once for the credit check that decides "
                                                  "whether a deposit is needed; stored encrypted."),
                                   render_kw={"autocomplete": "off", "inputmode": "numeric",
                                              "class": "input-medium"})

    def prepare(self, ctx: "DraftContext") -> None:
        super().prepare(ctx)
        page = i18n.language()  # "English" on a Spanish page is read out as English, and the reverse
        self.language.choices = [SelectChoice(code, name, render_kw={"lang": code} if code != page else None)
                                 for code, name in i18n.LANGUAGES.items()]
        if not ctx.is_texas:
            del self.date_of_birth, self.identity_value
        if not ctx.is_business:
            del self.business_name, self.tax_id

    def validate_email(self, field: EmailField) -> None:
        """Syntax only: no DNS lookup while the customer waits."""
        try:
            field.data = validate_email(field.data, check_deliverability=False).normalized
        except EmailNotValidError:
            raise ValidationError(_("Enter an email address like name@example.com.")) from None

    def validate_phone(self, field: TelField) -> None:
        """A 10-digit US number, normalised."""
        phone = rules.clean_phone(field.data or "")
        if phone is None:
            raise ValidationError(_("Enter a US phone number with area code, like (214) 555-0100."))
        field.data = phone

    def validate_business_name(self, field: StringField) -> None:
        if not field.data:
            raise ValidationError(_("Enter the name of the business."))

    def validate_tax_id(self, field: StringField) -> None:
        ein = rules.clean_ein(field.data or "")
        if ein is None:
            raise ValidationError(_("Enter the business's federal tax ID as 9 digits, like 12-3456789."))
        field.data = ein

    def validate_date_of_birth(self, field: DateField) -> None:
        _require_date(field, _("Enter your date of birth."),
                      _("Enter a real date of birth, for example 1980-03-27."))
        problem = rules.date_of_birth_problem(field.data, self.ctx.today)
        if problem:
            raise ValidationError(problem)

    def validate_identity_value(self, field: PasswordField) -> None:
        if not field.data and self.ctx.answers.get("identity_enc"):
            return  # keep the one already given
        if rules.clean_ssn(field.data or "") is None:
            raise ValidationError(_("Enter your 9-digit Social Security number, like 123-45-6789."))


class PremiseForm(StepForm):
    """The premise: service and billing address; Texas adds ESI ID, switch or move-in, dates."""

    service_line1 = StringField(_l("Street address"), filters=[_strip],
                                validators=[InputRequired(_l("Enter the street address to be served.")),
                                            Length(max=120, message=_l("Street address must be 120 characters or fewer."))],
                                render_kw={"autocomplete": "shipping address-line1"})
    service_line2 = StringField(_l("Apartment, suite or unit (optional)"), filters=[_strip],
                                validators=[Length(max=60, message=_l("Keep this to 60 characters or fewer."))],
                                render_kw={"autocomplete": "shipping address-line2", "class": "input-medium"})
    service_city = StringField(_l("City"), filters=[_strip],
                               validators=[InputRequired(_l("Enter the city.")),
                                           Length(max=60, message=_l("City must be 60 characters or fewer."))],
                               render_kw={"autocomplete": "shipping address-level2", "class": "input-medium"})
    billing_same = RadioField(_l("Where should we send bills?"),
                              choices=options([("yes", _l("To the service address")),
                                               ("no", _l("To a different address"))]),
                              default="yes", validators=[InputRequired(_l("Choose where bills go."))])
    billing_line1 = StringField(_l("Billing street address"), filters=[_strip],
                                validators=[Length(max=120, message=_l("Street address must be 120 characters or fewer."))],
                                render_kw={"autocomplete": "billing address-line1"})
    billing_line2 = StringField(_l("Billing apartment, suite or unit (optional)"), filters=[_strip],
                                validators=[Length(max=60, message=_l("Keep this to 60 characters or fewer."))],
                                render_kw={"autocomplete": "billing address-line2"})
    billing_city = StringField(_l("Billing city"), filters=[_strip],
                               validators=[Length(max=60, message=_l("City must be 60 characters or fewer."))],
                               render_kw={"autocomplete": "billing address-level2"})
    billing_state = StringField(_l("Billing state"), filters=[_strip, lambda v: v.upper() if isinstance(v, str) else v],
                                render_kw={"autocomplete": "billing address-level1", "class": "input-short",
                                           "maxlength": 2})
    billing_zip = StringField(_l("Billing ZIP code"), filters=[_strip],
                              render_kw={"autocomplete": "billing postal-code", "class": "input-short",
                                         "inputmode": "numeric"})
    esi_id = StringField(_l("ESI ID"), filters=[lambda v: v.replace(" ", "").strip() if isinstance(v, str) else v],
                         description=_l("The Electric Service Identifier of the address: 17 or 22 digits, "
                                        "printed on an electricity bill."),
                         render_kw={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"})
    enrollment_type = RadioField(
        _l("Why are you signing up?"),
        choices=options([("switch", _l("Switch: I live here now and am changing my electricity provider")),
                         ("move_in", _l("Move-in: I am moving in and need electricity connected"))]),
        validators=[InputRequired(_l("Choose whether you are switching supplier or moving in."))])
    start_timing = RadioField(
        _l("When should the switch happen?"),
        choices=options([("first_available", _l("On the first available date (no extra fee)")),
                         ("self_selected", _l("On a date I choose (the utility charges a fee for a chosen date)"))]),
        default="first_available")
    # One date field per enrollment type, each with its own window in its `min`/`max` and hint:
    # the page reveals the one that applies with CSS alone, and the server checks only that one.
    move_in_date = DateField(_l("Move-in date"), render_kw={"class": "input-medium"})
    switch_date = DateField(_l("Switch date"), render_kw={"class": "input-medium"})

    #: The ESI ID's premise as the premise table knows it, checked for this draft (None: not in it).
    found: "address_lookup.Pick | None" = None
    #: Why the ESI ID's premise cannot be used as it is (None: it can, or it is not in the table).
    problem: "address_lookup.Problem | None" = None
    #: Why only a move-in can be made at the premise (de-energized, switch hold), for the page.
    move_in_notice: str | None = None

    def prepare(self, ctx: "DraftContext") -> None:
        super().prepare(ctx)
        if not ctx.is_texas:
            del self.esi_id, self.enrollment_type, self.start_timing, self.move_in_date
            self.switch_date.label.text = _("Start date")
        else:
            self.service_line1.description = _("Type the house number and street, then choose your address from "
                                               "the list: we fill in the city and the ESI ID.")
            self._check_premise(ctx)
        latest = ctx.latest_date()
        for name, kind in (("move_in_date", "move_in"), ("switch_date", "switch")):
            if name in self:
                self[name].render_kw = {**self[name].render_kw, "min": ctx.earliest_date(kind).isoformat(),
                                        "max": latest.isoformat()}
        if "move_in_date" in self:
            self.move_in_date.description = _(
                "From today, %(today)s, to %(latest)s. A same-day or next-day move-in may carry a priority "
                "connection fee.", today=i18n.long_date(ctx.today), latest=i18n.long_date(latest))
        earliest = i18n.long_date(ctx.earliest_date("switch"))
        if ctx.is_texas:
            self.switch_date.description = _(
                "From %(earliest)s to %(latest)s, after the %(days)s-business-day cancellation period. "
                "The utility charges a fee for a chosen date.",
                earliest=earliest, latest=i18n.long_date(latest), days=ctx.rescission_days)
        else:
            self.switch_date.description = _("From %(earliest)s to %(latest)s.", earliest=earliest,
                                             latest=i18n.long_date(latest))

    def _check_premise(self, ctx: "DraftContext") -> None:
        """The extract's word on the ESI ID given (chosen from the list or typed): refused, or only
        a move-in (the question then offers only that, chosen)."""
        premise = address_lookup.typed_premise(ctx, self.esi_id.data)
        if premise is None:
            return
        try:
            self.found = address_lookup.check(ctx, premise, utility_change=False, typed=True)
        except address_lookup.Refused as refused:
            self.problem = refused.problem
            return
        self.move_in_notice = address_lookup.move_in_notice(self.found)
        if self.move_in_notice:
            self.enrollment_type.choices = [c for c in self.enrollment_type.choices if c.value == "move_in"]
            if not self.is_submitted():
                self.enrollment_type.data = "move_in"

    def _kind(self) -> str:
        if "enrollment_type" in self and self.enrollment_type.data == "move_in":
            return "move_in"
        return "switch"

    def requested_date(self) -> dt.date | None:
        """The start date asked for: the move-in date, a chosen switch date, or None (first available)."""
        return self.move_in_date.data if self._kind() == "move_in" else self.switch_date.data

    def validate_esi_id(self, field: StringField) -> None:
        u = self.ctx.utility
        if not field.data:
            raise ValidationError(_("Enter the ESI ID of the address."))
        if self.problem is not None:
            raise ValidationError(self.problem.message)
        if self.found is not None:
            return  # in the premise table, of this ZIP and utility
        problem = rules.esi_id_problem(field.data, u.esi_prefixes, u.esi_length, u.name)
        if problem:
            raise ValidationError(problem)

    def validate_move_in_date(self, field: DateField) -> None:
        if self._kind() != "move_in":
            field.data, field.errors[:] = None, []
            return  # a switch: this date is not asked
        _require_date(field, _("Enter the move-in date."), _("Enter a real date, for example 2026-12-01."))
        if field.data < self.ctx.earliest_date("move_in"):
            raise ValidationError(_("The move-in date cannot be in the past."))
        self._not_too_late(field.data)

    def validate_switch_date(self, field: DateField) -> None:
        if self._kind() != "switch" or ("start_timing" in self and self.start_timing.data != "self_selected"):
            field.data, field.errors[:] = None, []
            return  # a move-in, or the first available date: nothing to choose
        _require_date(field, _("Enter the date you want the service to start."),
                      _("Enter a real date, for example 2026-12-01."))
        earliest = self.ctx.earliest_date("switch")
        if field.data < earliest:
            raise ValidationError(_("The earliest date we can request is %(day)s.", day=i18n.long_date(earliest)))
        self._not_too_late(field.data)

    def _not_too_late(self, day: dt.date) -> None:
        latest = self.ctx.latest_date()
        if day > latest:
            raise ValidationError(_("The date must be within %(days)s days, on or before %(day)s.",
                                    days=self.ctx.state.max_days_ahead, day=i18n.long_date(latest)))

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if self.move_in_notice and self.enrollment_type.data != "move_in":
            self.enrollment_type.errors = [_("Only a move-in can be made at this address: choose Move-in and the date.")]
            ok = False
        if self.billing_same.data == "no":
            for name, message in (("billing_line1", _("Enter the billing street address.")),
                                  ("billing_city", _("Enter the billing city."))):
                if not self[name].data:
                    self[name].errors = [*self[name].errors, message]
                    ok = False
            if len(self.billing_state.data or "") != 2 or not (self.billing_state.data or "").isalpha():
                self.billing_state.errors = [*self.billing_state.errors,
                                             _("Enter the billing state as 2 letters, like TX.")]
                ok = False
            if rules.clean_zip(self.billing_zip.data or "") is None:
                self.billing_zip.errors = [*self.billing_zip.errors,
                                           _("Enter the billing ZIP code as 5 digits.")]
                ok = False
        return ok


class CredentialsForm(StepForm):
    """My Account username and password; the password is hashed as soon as it is valid."""

    sensitive = ("password",)
    username = StringField(_l("Username"), filters=[_strip],
                           validators=[InputRequired(_l("Choose a username."))],
                           description=_l("3 to 64 characters: letters, numbers and . _ @ + -"),
                           render_kw={"autocomplete": "username", "spellcheck": "false",
                                      "autocapitalize": "none"})
    password = PasswordField(_l("Password"),
                             description=_l("At least %(count)s characters. A few unrelated words make a strong "
                                            "password that is easy to remember.", count=rules.PASSWORD_MIN),
                             render_kw={"autocomplete": "new-password"})

    def validate_username(self, field: StringField) -> None:
        problem = rules.username_problem(field.data or "")
        if problem:
            raise ValidationError(problem)
        taken = db.session.scalar(select(Account.id).where(Account.username_key == field.data.casefold()))
        if taken is not None:
            raise ValidationError(_("That username is taken. Choose another one."))

    def validate_password(self, field: PasswordField) -> None:
        if not field.data:
            if self.ctx.answers.get("password_hash") and \
                    (self.username.data or "").casefold() == self.ctx.answers.get("username", "").casefold():
                return  # keep the password already chosen
            raise ValidationError(_("Choose a password."))
        problem = rules.password_problem(field.data, self.username.data or "")
        if problem:
            raise ValidationError(problem)


class ReviewForm(StepForm):
    """Review: acknowledgement statements are added as checkboxes per draft (see `for_statements`)."""

    @classmethod
    def for_statements(cls, statements: list[tuple[str, str]]) -> type["ReviewForm"]:
        """A form class with one required checkbox per (code, text) statement."""
        fields = {
            f"ack_{code}": BooleanField(text, validators=[InputRequired(
                _("Confirm this statement to enroll: “%(statement)s”", statement=_shorten(text)))])
            for code, text in statements
        }
        return type("ReviewForm", (cls,), fields)
