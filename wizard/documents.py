"""The plan documents (EFL, TOS, YRAC), rendered from the catalog so they always match it."""
from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, render_template, request
from sqlalchemy import select
from werkzeug.wrappers import Response

from .extensions import db
from .models import Plan, Utility
from .pricing import price_table

bp = Blueprint("documents", __name__, url_prefix="/documents")

PLAN_CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")
KINDS = {"efl": "Electricity Facts Label", "tos": "Terms of Service",
         "yrac": "Your Rights as a Customer"}


@bp.get("/<plan_code>/<kind>")
def document(plan_code: str, kind: str) -> Response | str:
    """A plan's document; the EFL shows the average prices for the utility asked for."""
    if kind not in KINDS or not PLAN_CODE.fullmatch(plan_code):
        abort(404)
    plan = db.session.get(Plan, plan_code)
    if plan is None:
        abort(404)
    utilities = db.session.scalars(select(Utility).where(Utility.state_code == plan.state_code)
                                  .order_by(Utility.name)).all()
    chosen = next((u for u in utilities if u.code == request.args.get("utility")), None)
    tables = [(u, price_table(plan, u, plan.state.usage_levels)) for u in ([chosen] if chosen else utilities)]
    version = {"efl": plan.efl_version, "tos": plan.tos_version, "yrac": plan.yrac_version}[kind]
    return render_template(f"documents/{kind}.html", plan=plan, title=KINDS[kind], version=version,
                           tables=tables, supplier=current_app.config["SUPPLIER_NAME"])
