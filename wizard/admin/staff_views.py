"""Admin: staff accounts."""
from __future__ import annotations

from flask import render_template

from . import bp, requires


@bp.get("/staff")
@requires("admin")
def staff_list() -> str:
    return render_template("admin/error.html", title="Staff", heading="Staff", text="Not built yet.")
