"""Marketing: plans, their visibility per channel and date window, documents, and the preview."""
from __future__ import annotations

from flask import render_template

from . import bp, requires


@bp.get("/plans")
@requires("marketing")
def plans() -> str:
    return render_template("admin/error.html", title="Plans", heading="Plans", text="Not built yet.")


@bp.get("/preview")
@requires("marketing")
def preview() -> str:
    return render_template("admin/error.html", title="Preview", heading="Preview", text="Not built yet.")
