"""Marketing: affiliates: add one, rename it, open or close its entry link.

An affiliate's code is part of its entry link and of every sale's attribution, so it never changes.
"""
from __future__ import annotations

import re

from flask import redirect, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import StringField
from wtforms.validators import DataRequired, Length, ValidationError

from wizard.catalog.models import Affiliate
from wizard.core.extensions import db
from wizard.core.forms import SafeForm

from .audit import snapshot
from .catalog_settings import Page, save
from .fields import form_page, get_or_404, strip
from .guard import bp, requires

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
        save("create", "affiliate", affiliate.code, {}, snapshot(affiliate, AFFILIATE_FIELDS),
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
        save("update", "affiliate", affiliate.code, before, snapshot(affiliate, AFFILIATE_FIELDS),
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
    save("activate" if affiliate.active else "deactivate", "affiliate", affiliate.code,
         {"active": not affiliate.active}, {"active": affiliate.active},
         f"{affiliate.name}'s entry link {'works again' if affiliate.active else 'now answers Not found'}.")
    return redirect(url_for("admin.affiliates"), 303)
