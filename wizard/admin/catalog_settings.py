"""Marketing: referral sources, acknowledgement texts, affiliates, states, utilities, ZIP map upload.

Every change is audited in the same transaction. Acknowledgement texts are never edited in
place: a change adds a version, so each enrollment keeps the exact text it agreed to.
"""
from __future__ import annotations

import csv
import re
import string
from decimal import Decimal, InvalidOperation
from typing import Any, Optional

from flask import abort, flash, redirect, render_template, request, url_for
from flask_wtf.file import FileField
from sqlalchemy import func, select
from werkzeug.wrappers import Response
from wtforms import Field, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from .. import catalog
from ..audit import changes, snapshot
from ..extensions import db
from ..forms import SafeForm
from ..models import Acknowledgement, Affiliate, ReferralSource, State, Utility
from ..zip_import import MAX_ERRORS, import_zips
from . import bp, record, requires
from .fields import form_page, get_or_404, strip, whole_number

#: Errors of a refused ZIP file shown on the page; the total is always given.
SHOWN_ERRORS = 50
#: Placeholders an acknowledgement text may use (filled in by `DraftContext.statement_text`).
PLACEHOLDERS = ("supplier", "rescission_days")

Page = Response | tuple[str, int] | str


def _save(action: str, entity_type: str, key: str, before: dict[str, Any], after: dict[str, Any],
          message: str) -> None:
    """Audit and commit a change, then flash `message`; an update that changes nothing is not saved."""
    if action == "update":
        before, after = changes(before, after)
        if not after:
            flash("Nothing changed.", "success")
            return
    record(action, entity_type, key, before or None, after)
    db.session.commit()
    flash(message, "success")


@bp.get("/catalog")
@requires("marketing")
def catalog_settings() -> str:
    """The catalog's settings pages."""
    return render_template("admin/catalog/index.html", title="Catalog settings")


# --- referral sources ----------------------------------------------------------------------

REFERRAL_FIELDS = ("label", "position", "active")


class ReferralLabelForm(SafeForm):
    """The label customers see."""

    label = StringField("Label", filters=[strip], validators=[
        DataRequired("Enter the label customers see, like \u201cSearch engine\u201d."),
        Length(max=80, message="The label must be 80 characters or fewer.")])


class ReferralSourceForm(ReferralLabelForm):
    """A new answer to "How did you hear about us?"."""

    code = StringField("Code", filters=[strip], description="Lower-case letters, digits and _; kept on enrollments.",
                       validators=[DataRequired("Enter a code for the source, like podcast.")],
                       render_kw={"class": "input-medium", "spellcheck": "false"})

    def validate_code(self, field: StringField) -> None:
        """Lower-case letters, digits and _, unique."""
        field.data = (field.data or "").lower()
        if not re.fullmatch(r"[a-z0-9_]{1,32}", field.data):
            raise ValidationError("Use only letters, digits and _ in the code (at most 32 characters).")
        if db.session.get(ReferralSource, field.data) is not None:
            raise ValidationError(f"A referral source with code {field.data} already exists. Choose another code.")


def _sources() -> list[ReferralSource]:
    return list(db.session.scalars(select(ReferralSource).order_by(ReferralSource.position, ReferralSource.code)))


@bp.route("/catalog/referral-sources", methods=["GET", "POST"])
@requires("marketing")
def referral_sources() -> Page:
    """Every referral source in order (active or not), and a form to add one at the end."""
    form = ReferralSourceForm()
    if form.validate_on_submit():
        position = (db.session.scalar(select(func.max(ReferralSource.position))) or 0) + 1
        source = ReferralSource(code=form.code.data, label=form.label.data, position=position, active=True)
        db.session.add(source)
        _save("create", "referral_source", source.code, {}, snapshot(source, REFERRAL_FIELDS),
              f"Referral source \u201c{source.label}\u201d added at the end of the list.")
        return redirect(url_for("admin.referral_sources"), 303)
    return form_page("admin/catalog/referral_sources.html", form, title="Referral sources", sources=_sources())


@bp.route("/catalog/referral-sources/<code>", methods=["GET", "POST"])
@requires("marketing")
def referral_source_edit(code: str) -> Page:
    """Rename a referral source (its code stays: enrollments keep it)."""
    source = get_or_404(ReferralSource, code)
    form = ReferralLabelForm(obj=source)
    if form.validate_on_submit():
        before = snapshot(source, REFERRAL_FIELDS)
        source.label = form.label.data
        _save("update", "referral_source", source.code, before, snapshot(source, REFERRAL_FIELDS),
              f"Referral source {source.code} renamed \u201c{source.label}\u201d.")
        return redirect(url_for("admin.referral_sources"), 303)
    return form_page("admin/catalog/edit.html", form, title=f"Rename referral source {source.code}",
                      back=url_for("admin.referral_sources"), back_label="Back to referral sources")


@bp.post("/catalog/referral-sources/<code>/move")
@requires("marketing")
def referral_source_move(code: str) -> Response:
    """Move a source one place up or down; positions are renumbered 0, 1, 2...."""
    source = get_or_404(ReferralSource, code)
    step = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
    if step is None:
        abort(400)
    order = _sources()
    here = order.index(source)
    if 0 <= here + step < len(order):
        order[here], order[here + step] = order[here + step], order[here]
        before = {s.code: s.position for s in order}
        for i, s in enumerate(order):
            s.position = i
        after = {s.code: s.position for s in order}
        _save("move", "referral_source", source.code, {"position": before[source.code]},
              {"position": after[source.code]}, f"\u201c{source.label}\u201d moved {request.form['direction']}.")
    return redirect(url_for("admin.referral_sources"), 303)


@bp.post("/catalog/referral-sources/<code>/active")
@requires("marketing")
def referral_source_toggle(code: str) -> Response:
    """Offer a source to customers, or stop offering it (enrollments keep it)."""
    source = get_or_404(ReferralSource, code)
    source.active = not source.active
    _save("activate" if source.active else "deactivate", "referral_source", source.code,
          {"active": not source.active}, {"active": source.active},
          f"\u201c{source.label}\u201d is {'offered to customers again' if source.active else 'no longer offered'}.")
    return redirect(url_for("admin.referral_sources"), 303)


# --- acknowledgement statements ------------------------------------------------------------

def placeholder_error(text: str) -> Optional[str]:
    """Why a statement text cannot be filled in, or None when it can."""
    try:
        fields = [name for _, name, spec, conv in string.Formatter().parse(text) if name is not None
                  and (name not in PLACEHOLDERS or spec or conv)]
    except ValueError:
        return ("The text has an unbalanced { or }. Placeholders are written {supplier} or "
                "{rescission_days}; write other braces twice, {{ or }}.")
    if fields:
        return (f"The text uses an unknown placeholder {{{fields[0]}}}. Use only {{supplier}} or "
                "{rescission_days}, or write braces twice, {{ or }}.")
    return None


class AcknowledgementForm(SafeForm):
    """A statement's new text."""

    text = TextAreaField("Statement text", filters=[strip],
                         description="Placeholders: {supplier} (our name) and {rescission_days} (the state's "
                                     "cancellation period in business days).",
                         validators=[DataRequired("Enter the statement the customer confirms."),
                                     Length(max=1000, message="The statement must be 1,000 characters or fewer.")],
                         render_kw={"rows": 5})

    def validate_text(self, field: TextAreaField) -> None:
        """Only the known placeholders, braces balanced."""
        error = placeholder_error(field.data or "")
        if error:
            raise ValidationError(error)


def _versions(code: str) -> list[Acknowledgement]:
    """Every version of the statement `code`, newest first (none for an unknown code)."""
    return list(db.session.scalars(select(Acknowledgement).where(Acknowledgement.code == code)
                                   .order_by(Acknowledgement.version.desc())))


@bp.get("/catalog/acknowledgements")
@requires("marketing")
def acknowledgements() -> str:
    """The newest version of each statement, in review-page order."""
    return render_template("admin/catalog/acknowledgements.html", title="Acknowledgement statements",
                           statements=catalog.acknowledgements(db.session))


@bp.route("/catalog/acknowledgements/<code>", methods=["GET", "POST"])
@requires("marketing")
def acknowledgement_edit(code: str) -> Page:
    """A new version of a statement; earlier versions stay exactly as customers agreed to them."""
    versions = _versions(code)
    if not versions:
        abort(404)
    current = versions[0]
    form = AcknowledgementForm(obj=current)
    if form.validate_on_submit():
        if form.text.data == current.text:
            flash(f"The text is unchanged: {code} stays at version {current.version}.", "success")
        else:
            new = Acknowledgement(code=code, version=current.version + 1, text=form.text.data,
                                  position=current.position)
            db.session.add(new)
            _save("new version", "acknowledgement", code, {"version": current.version, "text": current.text},
                  {"version": new.version, "text": new.text},
                  f"Statement {code} is now at version {new.version}; new enrollments agree to it.")
        return redirect(url_for("admin.acknowledgements"), 303)
    return form_page("admin/catalog/acknowledgement_edit.html", form, title=f"Statement {code}",
                      current=current, versions=versions)


# --- affiliates ----------------------------------------------------------------------------

AFFILIATE_FIELDS = ("name", "active")


class AffiliateNameForm(SafeForm):
    """The affiliate's name as staff see it."""

    name = StringField("Name", filters=[strip], validators=[
        DataRequired("Enter the affiliate's name."),
        Length(max=80, message="The name must be 80 characters or fewer.")])


class AffiliateForm(AffiliateNameForm):
    """A new affiliate: its code is part of its entry link and of every sale's attribution."""

    code = StringField("Code", filters=[strip], description="Letters, digits, - and _; stored upper-case.",
                       validators=[DataRequired("Enter a code for the affiliate, like ACME.")],
                       render_kw={"class": "input-medium", "spellcheck": "false"})

    def validate_code(self, field: StringField) -> None:
        """Upper-case letters, digits, - and _, unique."""
        field.data = (field.data or "").upper()
        if not re.fullmatch(r"[A-Z0-9_-]{1,32}", field.data):
            raise ValidationError("Use only letters, digits, - and _ in the code (at most 32 characters).")
        if db.session.get(Affiliate, field.data) is not None:
            raise ValidationError(f"An affiliate with code {field.data} already exists. Choose another code.")


@bp.route("/catalog/affiliates", methods=["GET", "POST"])
@requires("marketing")
def affiliates() -> Page:
    """Every affiliate with its entry link, and a form to add one."""
    form = AffiliateForm()
    if form.validate_on_submit():
        affiliate = Affiliate(code=form.code.data, name=form.name.data, active=True)
        db.session.add(affiliate)
        _save("create", "affiliate", affiliate.code, {}, snapshot(affiliate, AFFILIATE_FIELDS),
              f"Affiliate {affiliate.name} added; its entry link works now.")
        return redirect(url_for("admin.affiliates"), 303)
    rows = db.session.scalars(select(Affiliate).order_by(Affiliate.name))
    return form_page("admin/catalog/affiliates.html", form, title="Affiliates", affiliates=list(rows))


@bp.route("/catalog/affiliates/<code>", methods=["GET", "POST"])
@requires("marketing")
def affiliate_edit(code: str) -> Page:
    """Rename an affiliate (its code stays)."""
    affiliate = get_or_404(Affiliate, code.upper())
    form = AffiliateNameForm(obj=affiliate)
    if form.validate_on_submit():
        before = snapshot(affiliate, AFFILIATE_FIELDS)
        affiliate.name = form.name.data
        _save("update", "affiliate", affiliate.code, before, snapshot(affiliate, AFFILIATE_FIELDS),
              f"Affiliate {affiliate.code} renamed {affiliate.name}.")
        return redirect(url_for("admin.affiliates"), 303)
    return form_page("admin/catalog/edit.html", form, title=f"Rename affiliate {affiliate.code}",
                      back=url_for("admin.affiliates"), back_label="Back to affiliates")


@bp.post("/catalog/affiliates/<code>/active")
@requires("marketing")
def affiliate_toggle(code: str) -> Response:
    """Open or close an affiliate's entry link (its past sales stay attributed)."""
    affiliate = get_or_404(Affiliate, code.upper())
    affiliate.active = not affiliate.active
    _save("activate" if affiliate.active else "deactivate", "affiliate", affiliate.code,
          {"active": not affiliate.active}, {"active": affiliate.active},
          f"{affiliate.name}'s entry link {'works again' if affiliate.active else 'now answers Not found'}.")
    return redirect(url_for("admin.affiliates"), 303)


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
    if any(a >= b for a, b in zip(levels, levels[1:])):
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
        _save("update", "state", state.code, before, snapshot(state, STATE_FIELDS), f"{state.name} saved.")
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
        _save("update", "utility", utility.code, before, snapshot(utility, UTILITY_FIELDS), f"{utility.name} saved.")
        return redirect(url_for("admin.utilities"), 303)
    if not form.is_submitted():
        form.delivery_cents_per_kwh.data = f"{utility.delivery_cents_per_kwh.normalize():f}"
        form.delivery_monthly.data = f"{utility.delivery_monthly:.2f}"
        form.esi_prefixes.data = ", ".join(utility.esi_prefixes)
        form.esi_length.data = "" if utility.esi_length is None else str(utility.esi_length)
    return form_page("admin/catalog/edit.html", form, title=f"Edit {utility.name}",
                      back=url_for("admin.utilities"), back_label="Back to utilities")


# --- ZIP map upload ------------------------------------------------------------------------

class ZipUploadForm(SafeForm):
    """A CSV file with the header zip,utility."""

    file = FileField("ZIP map file (CSV)", description="First line zip,utility; then one ZIP and utility code "
                                                       "per line. ZIPs in the file get exactly the utilities listed.",
                     render_kw={"accept": ".csv,text/csv"})

    def validate_file(self, field: FileField) -> None:
        """A non-empty UTF-8 text file."""
        upload = field.data
        data = upload.read() if upload and hasattr(upload, "read") else b""
        if not data.strip():
            raise ValidationError("Choose a CSV file that is not empty (first line zip,utility).")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError("The file is not UTF-8 text. Save it as \u201cCSV UTF-8\u201d and upload it again.") from None
        self.text = text.replace("\r\n", "\n").replace("\r", "\n")  # any line ending, as the CLI reads files


@bp.route("/catalog/zip-map", methods=["GET", "POST"])
@requires("marketing")
def zip_upload() -> Page:
    """Import the ZIP-to-utility map from an uploaded CSV: every line checked, all or nothing."""
    form = ZipUploadForm()
    if form.validate_on_submit():
        try:
            report = import_zips(db.session, form.text, commit=False)
        except csv.Error as error:
            db.session.rollback()
            form.file.errors.append(f"The file is not readable as CSV ({error}). Check it and upload it again.")
        else:
            if report.ok:
                return _imported(report)
            # The import stops checking after MAX_ERRORS problems and says so in one more entry.
            total = f"more than {MAX_ERRORS}" if len(report.errors) > MAX_ERRORS else str(len(report.errors))
            noun = "problem" if total == "1" else "problems"
            form.file.errors.append(f"Nothing imported: {total} {noun} in the file. "
                                    "Correct the lines listed in the table and upload it again.")
            return form_page("admin/catalog/zip_upload.html", form, title="ZIP map upload",
                              errors=report.errors[:SHOWN_ERRORS], total=total)
    return form_page("admin/catalog/zip_upload.html", form, title="ZIP map upload", errors=[], total="0")


def _imported(report: Any) -> Response:
    counts = {"zips": report.zips, "added": report.added, "removed": report.removed, "unchanged": report.unchanged}
    if report.added or report.removed:
        record("import", "service_area", "zip-map", None, counts)
        db.session.commit()
        flash(f"Imported {report.zips} ZIP code(s): {report.added} pair(s) added, {report.removed} removed, "
              f"{report.unchanged} unchanged.", "success")
    else:
        flash(f"Nothing changed: all {report.unchanged} pair(s) for the {report.zips} ZIP code(s) in the file "
              "were already in place.", "success")
    return redirect(url_for("admin.zip_upload"), 303)

