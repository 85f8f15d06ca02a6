"""Marketing: promo codes."""
from __future__ import annotations

from flask import render_template

from . import bp, requires


@bp.get("/promos")
@requires("marketing")
def promos() -> str:
    return render_template("admin/error.html", title="Promo codes", heading="Promo codes", text="Not built yet.")
