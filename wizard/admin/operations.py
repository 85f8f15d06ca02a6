"""Operations: the enrollment queue, details with PII masked, cancel, test order, correct and resubmit."""
from __future__ import annotations

from flask import render_template

from . import bp, requires


@bp.get("/enrollments")
@requires("operations")
def queue() -> str:
    return render_template("admin/error.html", title="Enrollments", heading="Enrollments", text="Not built yet.")
