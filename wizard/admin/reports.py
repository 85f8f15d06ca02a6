"""The audit log and the funnel report."""
from __future__ import annotations

from flask import render_template

from . import bp, requires


@bp.get("/funnel")
@requires("marketing", "operations")
def funnel() -> str:
    return render_template("admin/error.html", title="Funnel", heading="Funnel", text="Not built yet.")


@bp.get("/audit")
@requires("admin")
def audit_log() -> str:
    return render_template("admin/error.html", title="Audit", heading="Audit", text="Not built yet.")
