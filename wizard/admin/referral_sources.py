"""Marketing: the answers to "How did you hear about us?": add, rename, reorder, (de)activate.

A source's code is kept on enrollments, so it never changes; only its label and place do.
"""
from __future__ import annotations

import re

from flask import abort, redirect, request, url_for
from sqlalchemy import func, select
from werkzeug.wrappers import Response
from wtforms import StringField
from wtforms.validators import DataRequired, Length, ValidationError

from wizard.catalog.models import ReferralSource
from wizard.core.extensions import db
from wizard.core.forms import SafeForm

from .audit import snapshot
from .catalog_settings import Page, save
from .fields import form_page, get_or_404, strip
from .guard import bp, requires

REFERRAL_FIELDS = ("label", "label_es", "position", "active")


class ReferralLabelForm(SafeForm):
    """The label customers see."""

    label = StringField("Label", filters=[strip], validators=[
        DataRequired("Enter the label customers see, like \u201cSearch engine\u201d."),
        Length(max=80, message="The label must be 80 characters or fewer.")])
    label_es = StringField("Spanish label (optional)", filters=[strip],
                           description="As customers reading Spanish see it. Empty: they see the English label.",
                           validators=[Length(max=80, message="The Spanish label must be 80 characters or fewer.")],
                           render_kw={"lang": "es"})


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
        source = ReferralSource(code=form.code.data, label=form.label.data, label_es=form.label_es.data or None,
                                position=position, active=True)
        db.session.add(source)
        save("create", "referral_source", source.code, {}, snapshot(source, REFERRAL_FIELDS),
             f"Referral source \u201c{source.label}\u201d added at the end of the list.")
        return redirect(url_for("admin.referral_sources"), 303)
    return form_page("admin/catalog/referral_sources.html", form, title="Referral sources", sources=_sources())


@bp.route("/catalog/referral-sources/<code>", methods=["GET", "POST"])
@requires("marketing")
def referral_source_edit(code: str) -> Page:
    """Rename a referral source, in English and Spanish (its code stays: enrollments keep it)."""
    source = get_or_404(ReferralSource, code)
    form = ReferralLabelForm(obj=source)
    if form.validate_on_submit():
        before = snapshot(source, REFERRAL_FIELDS)
        source.label = form.label.data
        source.label_es = form.label_es.data or None
        save("update", "referral_source", source.code, before, snapshot(source, REFERRAL_FIELDS),
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
        save("move", "referral_source", source.code, {"position": before[source.code]},
             {"position": after[source.code]}, f"\u201c{source.label}\u201d moved {request.form['direction']}.")
    return redirect(url_for("admin.referral_sources"), 303)


@bp.post("/catalog/referral-sources/<code>/active")
@requires("marketing")
def referral_source_toggle(code: str) -> Response:
    """Offer a source to customers, or stop offering it (enrollments keep it)."""
    source = get_or_404(ReferralSource, code)
    source.active = not source.active
    save("activate" if source.active else "deactivate", "referral_source", source.code,
         {"active": not source.active}, {"active": source.active},
         f"\u201c{source.label}\u201d is {'offered to customers again' if source.active else 'no longer offered'}.")
    return redirect(url_for("admin.referral_sources"), 303)
