"""The plan documents (EFL, TOS, YRAC): marketing's uploads and links, else pages generated from the catalog.

A plan document given by marketing (an uploaded PDF or an https link) is a new `PlanDocument`
version and becomes the plan's current version, so an enrollment keeps the version it saw.
Without one, the document is rendered from the catalog so it always matches it.
"""
from __future__ import annotations

import re
from typing import Optional

from flask import Blueprint, abort, current_app, redirect, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.utils import secure_filename
from werkzeug.wrappers import Response

from wizard.core.extensions import db

from .models import Plan, PlanDocument, Utility
from .pricing import price_table

bp = Blueprint("documents", __name__, url_prefix="/documents")

PLAN_CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")
KINDS = {"efl": "Electricity Facts Label", "tos": "Terms of Service",
         "yrac": "Your Rights as a Customer"}
PDF_MAGIC = b"%PDF-"


def newest(session: Session, plan_code: str, kind: str) -> Optional[PlanDocument]:
    """The most recently added document of this kind for the plan, if marketing gave one."""
    return session.scalar(select(PlanDocument).where(
        PlanDocument.plan_code == plan_code, PlanDocument.kind == kind)
        .order_by(PlanDocument.id.desc()).limit(1))


def history(session: Session, plan_code: str) -> list[PlanDocument]:
    """Every document version of the plan, newest first."""
    return list(session.scalars(select(PlanDocument).where(PlanDocument.plan_code == plan_code)
                                .order_by(PlanDocument.id.desc())))


def current_version(plan: Plan, kind: str) -> str:
    """The version of `kind` that customers are shown now."""
    return str(getattr(plan, f"{kind}_version"))


def _next_version(session: Session, plan: Plan, kind: str) -> str:
    """One more than any version of this kind so far (the generated page counts as version 1)."""
    known = [current_version(plan, kind), *session.scalars(select(PlanDocument.version).where(
        PlanDocument.plan_code == plan.code, PlanDocument.kind == kind))]
    return str(max((int(v) for v in known if v.isdigit()), default=0) + 1)


def pdf_filename(name: Optional[str], plan_code: str, kind: str, version: str) -> str:
    """A file name safe for a header and a file system, ending in .pdf."""
    stem = secure_filename(name or "").removesuffix(".pdf").removesuffix(".PDF")[:150]
    return f"{stem or f'{plan_code}-{kind}-v{version}'}.pdf"


def add_document(session: Session, plan: Plan, kind: str, *, url: Optional[str] = None,
                 filename: Optional[str] = None, content: Optional[bytes] = None) -> PlanDocument:
    """Add a new version of the plan's `kind` document (a PDF or a link) and make it current.

    The caller validated the input (see `pdf_problem`) and commits.
    """
    version = _next_version(session, plan, kind)
    document = PlanDocument(plan_code=plan.code, kind=kind, version=version, url=url,
                            filename=pdf_filename(filename, plan.code, kind, version) if content else None,
                            content=content)
    session.add(document)
    setattr(plan, f"{kind}_version", version)
    session.flush()
    return document


def pdf_problem(content: bytes, limit: int) -> Optional[str]:
    """Why these bytes cannot be a plan document, or None when they are a PDF within the limit."""
    if not content:
        return "The file is empty. Choose the PDF of the document."
    if len(content) > limit:
        return (f"The file is larger than {limit / 1024 / 1024:.1f} MB. "
                "Make the PDF smaller, or give a link to it instead.")
    if not content.startswith(PDF_MAGIC):
        return "The file is not a PDF. Save the document as a PDF and upload that."
    return None


def _serve(document: PlanDocument) -> Response:
    """The uploaded PDF, shown in the browser, never sniffed as anything else; or the link."""
    if document.content is None:
        return redirect(document.url or "/", 302)
    filename = pdf_filename(document.filename, document.plan_code, document.kind, document.version)
    response = Response(document.content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/<plan_code>/<kind>")
def document(plan_code: str, kind: str) -> Response | str:
    """A plan's document: marketing's newest upload or link, else generated from the catalog.

    The generated EFL shows the average prices for the utility asked for.
    """
    if kind not in KINDS or not PLAN_CODE.fullmatch(plan_code):
        abort(404)
    plan = db.session.get(Plan, plan_code)
    if plan is None:
        abort(404)
    given = newest(db.session, plan.code, kind)
    if given is not None:
        return _serve(given)
    utilities = db.session.scalars(select(Utility).where(Utility.state_code == plan.state_code)
                                  .order_by(Utility.name)).all()
    chosen = next((u for u in utilities if u.code == request.args.get("utility")), None)
    tables = [(u, price_table(plan, u, plan.state.usage_levels)) for u in ([chosen] if chosen else utilities)]
    return render_template(f"documents/{kind}.html", plan=plan, title=KINDS[kind],
                           version=current_version(plan, kind), tables=tables,
                           supplier=current_app.config["SUPPLIER_NAME"])
