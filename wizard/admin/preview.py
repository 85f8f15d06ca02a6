"""Marketing: the preview of the plans page a given customer would see, and its form.

`build_preview` is a plain function of the form and the day, so tests call it without a request.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Optional

from flask import render_template, request
from sqlalchemy import select
from wtforms import RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from wizard.catalog import offers as catalog
from wizard.catalog.models import Affiliate, Plan, State, Utility
from wizard.catalog.pricing import PricePoint, price_table
from wizard.core.dates import today
from wizard.core.extensions import db
from wizard.core.forms import SafeForm, options
from wizard.core.validators import clean_zip

from .fields import strip
from .guard import bp, requires
from .plan_forms import CUSTOMER_TYPES, date_field


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
    on = date_field("Date", "the day to preview", hint="Empty: today.")
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
