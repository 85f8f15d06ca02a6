"""Marketing: the catalog settings index page, and the save-audit-flash step its pages share.

Every change is audited in the same transaction. The settings pages themselves live in
`referral_sources`, `acknowledgements`, `affiliates`, `markets` (states and utilities) and
`zip_upload`.
"""
from __future__ import annotations

from typing import Any

from flask import flash, render_template
from werkzeug.wrappers import Response

from wizard.core.extensions import db

from .audit import changes
from .guard import bp, record, requires

Page = Response | tuple[str, int] | str


def save(action: str, entity_type: str, key: str, before: dict[str, Any], after: dict[str, Any],
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
