"""Marketing: referral sources, acknowledgement texts, affiliates, states, utilities, ZIP map upload."""
from __future__ import annotations

from flask import render_template

from . import bp, requires


@bp.get("/catalog")
@requires("marketing")
def catalog_settings() -> str:
    return render_template("admin/error.html", title="Catalog", heading="Catalog", text="Not built yet.")
