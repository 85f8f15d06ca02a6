"""Marketing: the acknowledgement statements customers confirm, and their placeholders.

Statement texts are never edited in place: a change adds a version, so each enrollment keeps
the exact text it agreed to. A version holds the English text and, optionally, the Spanish one
that Spanish pages show.
"""
from __future__ import annotations

import string
from typing import Optional

from flask import abort, flash, redirect, render_template, url_for
from sqlalchemy import select
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from wizard.catalog import offers as catalog
from wizard.catalog.models import Acknowledgement
from wizard.core.extensions import db
from wizard.core.forms import SafeForm

from .catalog_settings import Page, save
from .fields import form_page, strip
from .guard import bp, requires

#: Placeholders an acknowledgement text may use (filled in by `DraftContext.statement_text`).
PLACEHOLDERS = ("supplier", "rescission_days")


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
    text_es = TextAreaField("Spanish statement text (optional)", filters=[strip],
                            description="The same statement as customers reading Spanish confirm it, with the same "
                                        "placeholders. Empty: they see the English text.",
                            validators=[Length(max=1000, message="The Spanish statement must be 1,000 characters "
                                                                 "or fewer.")],
                            render_kw={"rows": 5, "lang": "es"})

    def validate_text(self, field: TextAreaField) -> None:
        """Only the known placeholders, braces balanced."""
        error = placeholder_error(field.data or "")
        if error:
            raise ValidationError(error)

    def validate_text_es(self, field: TextAreaField) -> None:
        """The Spanish text follows the same placeholder rules."""
        error = placeholder_error(field.data or "")
        if error:
            raise ValidationError(error.replace("The text", "The Spanish text", 1))


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
        text_es = form.text_es.data or None
        if form.text.data == current.text and text_es == current.text_es:
            flash(f"The text is unchanged: {code} stays at version {current.version}.", "success")
        else:
            # The Spanish text is part of the version: enrollments keep the exact words they saw.
            new = Acknowledgement(code=code, version=current.version + 1, text=form.text.data,
                                  text_es=text_es, position=current.position)
            db.session.add(new)
            spanish = ({"text_es": current.text_es}, {"text_es": new.text_es}) if text_es != current.text_es else ({}, {})
            save("new version", "acknowledgement", code,
                 {"version": current.version, "text": current.text, **spanish[0]},
                 {"version": new.version, "text": new.text, **spanish[1]},
                 f"Statement {code} is now at version {new.version}; new enrollments agree to it.")
        return redirect(url_for("admin.acknowledgements"), 303)
    return form_page("admin/catalog/acknowledgement_edit.html", form, title=f"Statement {code}",
                      current=current, versions=versions)
