"""The plan documents (EFL, TOS, YRAC): marketing's uploads and links, else pages generated from the catalog.

A plan document given by marketing (an uploaded PDF or an https link) is a new `PlanDocument`
version and becomes the plan's current version, so an enrollment keeps the version it saw.
Without one, the document is rendered from the catalog so it always matches it.

Marketing may also give the Spanish translation of the current version: Spanish pages link it
(`?lang=es`) while that version is current. Without it they link the English upload, marked as
English (`hreflang="en"`), or the generated page, which speaks the page's language.
"""
from __future__ import annotations

import dataclasses
import re
from typing import Any, Optional

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.utils import secure_filename
from werkzeug.wrappers import Response

from wizard.core import i18n
from wizard.core.extensions import db

from .models import Plan, PlanDocument, Utility
from .pricing import price_table

bp = Blueprint("documents", __name__, url_prefix="/documents")

PLAN_CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")
KINDS = {"efl": "Electricity Facts Label", "tos": "Terms of Service",
         "yrac": "Your Rights as a Customer"}
PDF_MAGIC = b"%PDF-"
#: The languages a document can be given in: English makes a version, Spanish translates one.
LANGUAGES = {"en": "English", "es": "Spanish"}


def newest(session: Session, plan_code: str, kind: str) -> Optional[PlanDocument]:
    """The most recently added English document of this kind for the plan, if marketing gave one."""
    return session.scalar(select(PlanDocument).where(
        PlanDocument.plan_code == plan_code, PlanDocument.kind == kind, PlanDocument.language == "en")
        .order_by(PlanDocument.id.desc()).limit(1))


def translation(session: Session, plan: Plan, kind: str, language: str) -> Optional[PlanDocument]:
    """Marketing's `language` document of the plan's current version of `kind`, if there is one."""
    return session.scalar(select(PlanDocument).where(
        PlanDocument.plan_code == plan.code, PlanDocument.kind == kind, PlanDocument.language == language,
        PlanDocument.version == current_version(plan, kind)))


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
                 filename: Optional[str] = None, content: Optional[bytes] = None,
                 language: str = "en") -> PlanDocument:
    """Add a new version of the plan's `kind` document (a PDF or a link) and make it current; or,
    in another `language`, the translation of the current version (see `translation_problem`).

    The caller validated the input (see `pdf_problem`) and commits.
    """
    version = _next_version(session, plan, kind) if language == "en" else current_version(plan, kind)
    stem = filename or (f"{plan.code}-{kind}-v{version}-{language}" if language != "en" else None)
    document = PlanDocument(plan_code=plan.code, kind=kind, version=version, language=language, url=url,
                            filename=pdf_filename(stem, plan.code, kind, version) if content else None,
                            content=content)
    session.add(document)
    if language == "en":
        setattr(plan, f"{kind}_version", version)
    session.flush()
    return document


def translation_problem(session: Session, plan: Plan, kind: str, language: str) -> Optional[str]:
    """Why the current version cannot be given a `language` document, or None when it can.

    A version's translation is kept as customers saw it: a corrected one comes with a new version.
    """
    if language == "en" or translation(session, plan, kind, language) is None:
        return None
    return (f"Version {current_version(plan, kind)} of the {KINDS[kind]} already has a {LANGUAGES[language]} "
            "document, and customers may have read it. To correct it, add a new English version first, "
            f"then its {LANGUAGES[language]} document.")


@dataclasses.dataclass(frozen=True)
class Link:
    """Where a customer page links a plan document, and the language the document is in."""

    url: str
    language: str


def _given_languages(plan_code: str) -> set[tuple[str, str, str]]:
    """(kind, version, language) of every document marketing gave the plan; asked once per request."""
    cache: dict[str, set[tuple[str, str, str]]] = g.setdefault("plan_document_languages", {})
    if plan_code not in cache:
        cache[plan_code] = given_languages(db.session, plan_code)
    return cache[plan_code]


@bp.app_template_global()
def document_link(plan: Plan, kind: str, **args: Any) -> Link:
    """The link to `plan`'s `kind` document on a customer page, in the page's language when there
    is one: a Spanish page gets marketing's Spanish document of the current version, else the
    English upload (Link.language "en": the page marks it), else the generated page (in Spanish).
    English pages ask nothing more of the database."""
    language = i18n.language()
    if language != i18n.DEFAULT:
        language = shown_language(_given_languages(plan.code), plan, kind, language)
    if language != i18n.DEFAULT and (kind, current_version(plan, kind), language) in _given_languages(plan.code):
        return Link(url_for("documents.document", plan_code=plan.code, kind=kind, lang=language, **args), language)
    return Link(url_for("documents.document", plan_code=plan.code, kind=kind, **args), language)


def shown_language(given: set[tuple[str, str, str]], plan: Plan, kind: str, language: str) -> str:
    """The language of the `kind` document a `language` page gives, from `given` ((kind, version,
    language) of marketing's documents): its translation of the current version, else the English
    upload, else the generated page, which speaks the page's language."""
    if language == i18n.DEFAULT or (kind, current_version(plan, kind), language) in given:
        return language
    return i18n.DEFAULT if any(k == kind and lang == i18n.DEFAULT for k, _, lang in given) else language


def given_languages(session: Session, plan_code: str) -> set[tuple[str, str, str]]:
    """(kind, version, language) of every document marketing gave the plan."""
    return {(kind, version, language) for kind, version, language in session.execute(
        select(PlanDocument.kind, PlanDocument.version, PlanDocument.language)
        .where(PlanDocument.plan_code == plan_code))}


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
    response.headers["Content-Language"] = document.language
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
    language = request.args.get("lang")
    translated = translation(db.session, plan, kind, language) if language in i18n.LANGUAGES else None
    given = translated or newest(db.session, plan.code, kind)
    if given is not None:
        return _serve(given)
    utilities = db.session.scalars(select(Utility).where(Utility.state_code == plan.state_code)
                                  .order_by(Utility.name)).all()
    chosen = next((u for u in utilities if u.code == request.args.get("utility")), None)
    tables = [(u, price_table(plan, u, plan.state.usage_levels)) for u in ([chosen] if chosen else utilities)]
    return render_template(f"documents/{kind}.html", plan=plan, title=KINDS[kind],
                           version=current_version(plan, kind), tables=tables,
                           supplier=current_app.config["SUPPLIER_NAME"])
