"""Marketing: the markets we sell in: each state's disclosure levels and enrollment windows, and
each utility's delivery charges and ESI ID format.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask import redirect, render_template, url_for
from sqlalchemy import select
from wtforms import Field, StringField
from wtforms.validators import DataRequired, ValidationError

from wizard.catalog.models import State, Utility
from wizard.core.extensions import db
from wizard.core.forms import SafeForm

from .audit import snapshot
from .catalog_settings import Page, save
from .fields import form_page, get_or_404, strip, whole_number
from .guard import bp, requires

# --- states --------------------------------------------------------------------------------

STATE_FIELDS = ("usage_levels", "rescission_business_days", "max_days_ahead")


def parse_usage_levels(text: str) -> list[int]:
    """"500, 1000, 2000" -> [500, 1000, 2000]: 1 to 6 whole kWh above 0, ascending."""
    parts = [p.strip().replace("_", "") for p in text.split(",")]
    if not all(p.isascii() and p.isdecimal() and int(p) > 0 for p in parts):
        raise ValueError("Enter the usage levels as whole kWh above 0, separated by commas, like 500, 1000, 2000.")
    levels = [int(p) for p in parts]
    if not 1 <= len(levels) <= 6:
        raise ValueError("Enter between 1 and 6 usage levels.")
    if any(a >= b for a, b in zip(levels, levels[1:], strict=False)):
        raise ValueError("List the usage levels from smallest to largest, each once, like 500, 1000, 2000.")
    return levels


class StateForm(SafeForm):
    """A state's disclosure levels and enrollment windows."""

    usage_levels = StringField("Disclosure usage levels (kWh)", filters=[strip],
                               description="Average prices are shown at these monthly usages, e.g. 500, 1000, 2000.",
                               validators=[DataRequired("Enter the usage levels, like 500, 1000, 2000.")])
    rescission_business_days = StringField("Rescission period (business days)", filters=[strip],
                                           render_kw={"inputmode": "numeric", "class": "input-short"})
    max_days_ahead = StringField("Latest start date (days ahead)", filters=[strip],
                                 render_kw={"inputmode": "numeric", "class": "input-short"})

    def validate_usage_levels(self, field: StringField) -> None:
        try:
            self.levels = parse_usage_levels(field.data or "")
        except ValueError as error:
            raise ValidationError(str(error)) from None

    def validate_rescission_business_days(self, field: StringField) -> None:
        self.rescission = whole_number(field, 0, 30,
                                       "Enter the rescission period as a whole number of days from 0 to 30.")

    def validate_max_days_ahead(self, field: StringField) -> None:
        self.days_ahead = whole_number(field, 1, 365, "Enter how far ahead a start date may be as a whole number "
                                                      "of days from 1 to 365.")


@bp.get("/catalog/states")
@requires("marketing")
def states() -> str:
    """Each state's disclosure levels and windows."""
    rows = db.session.scalars(select(State).order_by(State.name))
    return render_template("admin/catalog/states.html", title="States", states=list(rows))


@bp.route("/catalog/states/<code>", methods=["GET", "POST"])
@requires("marketing")
def state_edit(code: str) -> Page:
    """Change a state's disclosure levels and enrollment windows."""
    state = get_or_404(State, code.upper())
    form = StateForm()
    if form.validate_on_submit():
        before = snapshot(state, STATE_FIELDS)
        state.usage_levels = form.levels
        state.rescission_business_days, state.max_days_ahead = form.rescission, form.days_ahead
        save("update", "state", state.code, before, snapshot(state, STATE_FIELDS), f"{state.name} saved.")
        return redirect(url_for("admin.states"), 303)
    if not form.is_submitted():
        form.usage_levels.data = ", ".join(str(u) for u in state.usage_levels)
        form.rescission_business_days.data = str(state.rescission_business_days)
        form.max_days_ahead.data = str(state.max_days_ahead)
    return form_page("admin/catalog/edit.html", form, title=f"Edit {state.name}",
                      back=url_for("admin.states"), back_label="Back to states")


# --- utilities -----------------------------------------------------------------------------

UTILITY_FIELDS = ("delivery_cents_per_kwh", "delivery_monthly", "esi_prefixes", "esi_length")


def _money(field: Field, message: str) -> Decimal:
    """A non-negative amount with at most 4 decimal places."""
    try:
        value = Decimal((field.data or "").strip().lstrip("$"))
    except InvalidOperation:
        raise ValidationError(message) from None
    if not value.is_finite() or value < 0 or value >= 1_000_000 or value.as_tuple().exponent < -4:
        raise ValidationError(message)
    return value


class UtilityForm(SafeForm):
    """A utility's delivery charges and ESI ID format."""

    delivery_cents_per_kwh = StringField("Delivery charge per kWh (cents)", filters=[strip],
                                         render_kw={"inputmode": "decimal", "class": "input-short"})
    delivery_monthly = StringField("Delivery charge per month ($)", filters=[strip],
                                   render_kw={"inputmode": "decimal", "class": "input-short"})
    esi_prefixes = StringField("ESI ID prefixes", filters=[strip],
                               description="The digits every ESI ID of this utility starts with, separated by "
                                           "commas, e.g. 1044372, 1017699. Empty: no ESI ID check.")
    esi_length = StringField("ESI ID length (digits)", filters=[strip], description="Empty: no length check.",
                             render_kw={"inputmode": "numeric", "class": "input-short"})

    def validate_delivery_cents_per_kwh(self, field: StringField) -> None:
        self.per_kwh = _money(field, "Enter the charge per kWh in cents, like 5.5833 (0 or more, up to 4 decimals).")

    def validate_delivery_monthly(self, field: StringField) -> None:
        self.monthly = _money(field, "Enter the monthly charge in dollars, like 4.23 (0 or more, up to 4 decimals).")

    def validate_esi_length(self, field: StringField) -> None:
        self.length = whole_number(field, 1, 22, "Enter the ESI ID length as a whole number from 1 to 22, "
                                                 "or leave it empty.") if field.data else None

    def validate_esi_prefixes(self, field: StringField) -> None:
        self.prefixes = [p.strip() for p in (field.data or "").split(",") if p.strip()]
        if not all(p.isdecimal() and p.isascii() for p in self.prefixes):
            raise ValidationError("Enter the prefixes as digits separated by commas, like 1044372, 1017699.")

    def validate(self, extra_validators: Any = None) -> bool:
        """Each prefix must be shorter than the ESI ID it starts."""
        if not super().validate(extra_validators):
            return False
        if self.length is not None and any(len(p) >= self.length for p in self.prefixes):
            self.esi_prefixes.errors.append(f"Each prefix must be shorter than the ESI ID length ({self.length}).")
            return False
        return True


@bp.get("/catalog/utilities")
@requires("marketing")
def utilities() -> str:
    """Each utility's delivery charges and ESI ID format."""
    rows = db.session.scalars(select(Utility).order_by(Utility.state_code, Utility.name))
    return render_template("admin/catalog/utilities.html", title="Utilities", utilities=list(rows))


@bp.route("/catalog/utilities/<code>", methods=["GET", "POST"])
@requires("marketing")
def utility_edit(code: str) -> Page:
    """Change a utility's delivery charges and ESI ID format."""
    utility = get_or_404(Utility, code)
    form = UtilityForm()
    if form.validate_on_submit():
        before = snapshot(utility, UTILITY_FIELDS)
        utility.delivery_cents_per_kwh, utility.delivery_monthly = form.per_kwh, form.monthly
        utility.esi_prefixes, utility.esi_length = form.prefixes, form.length
        save("update", "utility", utility.code, before, snapshot(utility, UTILITY_FIELDS), f"{utility.name} saved.")
        return redirect(url_for("admin.utilities"), 303)
    if not form.is_submitted():
        form.delivery_cents_per_kwh.data = f"{utility.delivery_cents_per_kwh.normalize():f}"
        form.delivery_monthly.data = f"{utility.delivery_monthly:.2f}"
        form.esi_prefixes.data = ", ".join(utility.esi_prefixes)
        form.esi_length.data = "" if utility.esi_length is None else str(utility.esi_length)
    return form_page("admin/catalog/edit.html", form, title=f"Edit {utility.name}",
                      back=url_for("admin.utilities"), back_label="Back to utilities")
