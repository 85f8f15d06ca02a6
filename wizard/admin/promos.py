"""Marketing: promo codes (list, create, edit, end now), each change audited."""
from __future__ import annotations

import datetime as dt
import re
from typing import Optional

from flask import flash, redirect, render_template, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import DateField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from wizard.catalog import offers as catalog
from wizard.catalog.models import Affiliate, Plan, Promo
from wizard.core.dates import today
from wizard.core.extensions import db
from wizard.core.forms import SafeForm

from .audit import changes, snapshot
from .fields import RequiredDate, check_order, form_page, get_or_404, strip, whole_number
from .guard import bp, record, requires

#: What the audit log keeps of a promo.
FIELDS = ("description", "valid_from", "valid_to", "max_uses", "unlocks", "affiliate_code")
CODE = re.compile(r"^[A-Z0-9_-]{1,32}$")
#: The largest limit a database integer column holds comfortably.
MAX_USES = 1_000_000_000


def promo_state(promo: Promo, uses: int, on: dt.date) -> str:
    """Scheduled, active, expired or used up, as a customer would meet the code on `on`."""
    if on > promo.valid_to:
        return "expired"
    if on < promo.valid_from:
        return "scheduled"
    if promo.max_uses is not None and uses >= promo.max_uses:
        return "used up"
    return "active"


class PromoForm(SafeForm):
    """A promo code's terms; `uses` is how often it has been used (0 for a new code)."""

    code = StringField("Code", filters=[strip], description="Letters, digits, - and _; customers may type it in any case.",
                       validators=[DataRequired("Enter the promo code customers will type.")],
                       render_kw={"autocomplete": "off", "spellcheck": "false", "class": "input-medium"})
    description = StringField("Description", filters=[strip], validators=[
        DataRequired("Enter a description, so other staff know what the code is for."),
        Length(max=200, message="The description must be 200 characters or fewer.")])
    valid_from = DateField("Valid from", validators=[RequiredDate(
        "Enter the first day the code works.", "Enter the first day as a real date, like 2026-12-01.")])
    valid_to = DateField("Valid to", description="The last day the code works (inclusive).", validators=[RequiredDate(
        "Enter the last day the code works.", "Enter the last day as a real date, like 2026-12-31.")])
    max_uses = StringField("Maximum uses (optional)", filters=[strip],
                           description="Enrollments it may be used on; cancelled ones do not count. Empty: no limit.",
                           render_kw={"inputmode": "numeric", "class": "input-short"})
    unlocks = SelectMultipleField("Plans unlocked", validate_choice=False)
    affiliate_code = SelectField("Only on this affiliate's wizard (optional)", validate_choice=False)

    uses = 0

    def prepare(self, uses: int = 0) -> "PromoForm":
        """Fill the choices from the catalog: plans not retired, every affiliate."""
        self.uses = uses
        plans = db.session.scalars(select(Plan).where(Plan.retired.is_(False)).order_by(Plan.code))
        self.unlocks.choices = [(p.code, f"{p.code}: {p.name}") for p in plans]
        affiliates = db.session.scalars(select(Affiliate).order_by(Affiliate.name))
        self.affiliate_code.choices = [("", "Any wizard (no restriction)")] + [
            (a.code, f"{a.name} ({a.code})" + ("" if a.active else ", inactive")) for a in affiliates]
        return self

    def validate_code(self, field: StringField) -> None:
        """Upper-case letters, digits, - and _; unique whatever the case."""
        field.data = (field.data or "").upper()
        if not CODE.match(field.data):
            raise ValidationError("Use only letters, digits, - and _ in the code (at most 32 characters).")
        if db.session.get(Promo, field.data) is not None:
            raise ValidationError(f"A promo code {field.data} already exists (codes match in any case). "
                                  "Choose another code, or edit the existing one.")

    def validate_valid_to(self, field: DateField) -> None:
        """The window may not end before it starts."""
        check_order(self.valid_from, field, "The last day must be on or after the first day.")

    def validate_max_uses(self, field: StringField) -> None:
        """Empty, or a whole number of at least 1 and at least the uses so far."""
        if not field.data:
            return
        if whole_number(field, 1, MAX_USES, f"Enter the maximum uses as a whole number from 1 to {MAX_USES:,}, "
                                            "or leave it empty for no limit.") < self.uses:
            raise ValidationError(f"The code has been used {self.uses} times already: "
                                  f"enter {self.uses} or more, or leave it empty for no limit.")

    def validate_unlocks(self, field: SelectMultipleField) -> None:
        """At least one plan, each a plan that is offered (not retired)."""
        if not field.data:
            raise ValidationError("Choose at least one plan the code unlocks.")
        offered = {code for code, _ in field.choices}
        unknown = [code for code in field.data if code not in offered]
        if unknown:
            raise ValidationError(f"Plan {unknown[0]} does not exist or is retired: choose among the plans listed.")

    def validate_affiliate_code(self, field: SelectField) -> None:
        """No affiliate, or one that exists."""
        if field.data and field.data not in {code for code, _ in field.choices}:
            raise ValidationError("Choose an affiliate from the list, or any wizard.")

    def apply(self, promo: Promo) -> None:
        """Copy the valid form onto the promo."""
        promo.description = self.description.data
        promo.valid_from, promo.valid_to = self.valid_from.data, self.valid_to.data
        promo.max_uses = int(self.max_uses.data) if self.max_uses.data else None
        promo.unlocks = list(self.unlocks.data)
        promo.affiliate_code = self.affiliate_code.data or None


class EditPromoForm(PromoForm):
    """An existing code's terms: the code itself does not change."""

    code = None  # type: ignore[assignment]


@bp.get("/promos")
@requires("marketing")
def promos() -> str:
    """Every promo code with its window, uses and state today."""
    day = today()
    rows = []
    for promo in db.session.scalars(select(Promo).order_by(Promo.valid_to.desc(), Promo.code)):
        uses = catalog.promo_uses(db.session, promo.code)
        rows.append((promo, uses, promo_state(promo, uses, day)))
    return render_template("admin/promos/list.html", title="Promo codes", rows=rows, today=day)


@bp.route("/promos/new", methods=["GET", "POST"])
@requires("marketing")
def promo_new() -> Response | tuple[str, int]:
    """Create a promo code."""
    form = PromoForm().prepare()
    if form.validate_on_submit():
        promo = Promo(code=form.code.data)
        form.apply(promo)
        db.session.add(promo)
        record("create", "promo", promo.code, None, snapshot(promo, FIELDS))
        db.session.commit()
        flash(f"Promo code {promo.code} created.", "success")
        return redirect(url_for("admin.promos"), 303)
    return _form_page(form, None)


@bp.route("/promos/<code>/edit", methods=["GET", "POST"])
@requires("marketing")
def promo_edit(code: str) -> Response | tuple[str, int]:
    """Change a promo code's terms (not the code)."""
    promo = get_or_404(Promo, code.upper())
    form = EditPromoForm(obj=promo).prepare(catalog.promo_uses(db.session, promo.code))
    if form.validate_on_submit():
        before = snapshot(promo, FIELDS)
        form.apply(promo)
        old, new = changes(before, snapshot(promo, FIELDS))
        if new:
            record("update", "promo", promo.code, old, new)
            db.session.commit()
        flash(f"Promo code {promo.code} saved." if new else f"Nothing changed in {promo.code}.", "success")
        return redirect(url_for("admin.promos"), 303)
    if not form.is_submitted():
        form.max_uses.data = "" if promo.max_uses is None else str(promo.max_uses)
        form.affiliate_code.data = promo.affiliate_code or ""
    return _form_page(form, promo)


def _form_page(form: PromoForm, promo: Optional[Promo]) -> tuple[str, int]:
    """The new or edit page of a promo code."""
    title = f"Edit promo code {promo.code}" if promo else "New promo code"
    return form_page("admin/promos/form.html", form, title=title, promo=promo)


@bp.post("/promos/<code>/end")
@requires("marketing")
def promo_end(code: str) -> Response:
    """End a code now: its last day becomes yesterday, so customers cannot use it from today."""
    promo = get_or_404(Promo, code.upper())
    yesterday = today() - dt.timedelta(days=1)
    if promo.valid_to <= yesterday:
        flash(f"Promo code {promo.code} had already ended on {promo.valid_to:%B %-d, %Y}.", "success")
        return redirect(url_for("admin.promos"), 303)
    before = snapshot(promo, FIELDS)
    promo.valid_from, promo.valid_to = min(promo.valid_from, yesterday), yesterday
    record("end", "promo", promo.code, *changes(before, snapshot(promo, FIELDS)))
    db.session.commit()
    flash(f"Promo code {promo.code} ended: customers can no longer use it.", "success")
    return redirect(url_for("admin.promos"), 303)
