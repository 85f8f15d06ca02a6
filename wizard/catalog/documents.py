"""The plan documents (EFL, TOS, YRAC): marketing's uploads and links, else pages generated from the catalog.

A plan document given by marketing (an uploaded PDF or an https link) is a new `PlanDocument`
version and becomes the plan's current version, so an enrollment keeps the version it saw.
Without one, the document is rendered from the catalog so it always matches it.

Marketing may also give the Spanish translation of the current version: Spanish pages link it
(`?lang=es`) while that version is current. Without it they link the English upload, marked as
English (`hreflang="en"`), or the generated page, which speaks the page's language.

A generated document speaks the language of the page that links it: links built on a Spanish page
carry `?lang=es` (the blueprint's URL defaults), so a new tab, or a tab opened from an affiliate's
frame whose language lives in another cookie, shows the document in Spanish. A language the customer
chose with the switch in this browser's session comes first, so the switch works on the document's
page too. The generated texts are here, once, for the page and the PDF (document_files).
"""
from __future__ import annotations

import dataclasses
import re
from typing import Any, Optional

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _, lazy_gettext as _l
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
KINDS = {"efl": _l("Electricity Facts Label"), "tos": _l("Terms of Service"),
         "yrac": _l("Your Rights as a Customer")}
#: The query argument of a document link naming the language of the page that links it.
LANGUAGE_ARG = "lang"
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
    """A plan's document: marketing's newest upload or link, else generated from the catalog, in
    the language of the page that linked it (`i18n.language()` says which while it is chosen).

    The generated EFL shows the average prices for the utility asked for.
    """
    if kind not in KINDS or not PLAN_CODE.fullmatch(plan_code):
        abort(404)
    plan = db.session.get(Plan, plan_code)
    if plan is None:
        abort(404)
    with i18n.speaking(link_language() or i18n.language()):
        language = i18n.language()
        translated = translation(db.session, plan, kind, language) if language != i18n.DEFAULT else None
        given = translated or newest(db.session, plan.code, kind)
        if given is not None:
            return _serve(given)
        utilities = db.session.scalars(select(Utility).where(Utility.state_code == plan.state_code)
                                      .order_by(Utility.name)).all()
        chosen = next((u for u in utilities if u.code == request.args.get("utility")), None)
        tables = [(u, price_table(plan, u, plan.state.usage_levels)) for u in ([chosen] if chosen else utilities)]
        return render_template(f"documents/{kind}.html", plan=plan, title=str(KINDS[kind]),
                               version=current_version(plan, kind), tables=tables, facts=efl_facts(plan),
                               contract=tos_contract(plan), supplier=current_app.config["SUPPLIER_NAME"],
                               efl_caption=efl_caption, efl_delivery=efl_delivery,
                               tos_cancelling=tos_cancelling(plan), rights=yrac_rights(), notice=notice())


def link_language() -> Optional[str]:
    """The language the link asks for (`?lang=es`), unless this browser chose one with the switch."""
    asked = request.args.get(LANGUAGE_ARG)
    if asked in i18n.LANGUAGES and session.get(i18n.SESSION_KEY) not in i18n.LANGUAGES:
        return asked
    return None


@bp.url_defaults
def in_the_page_language(endpoint: str, values: dict[str, object]) -> None:
    """A document linked from a page in another language than English says which (`?lang=es`)."""
    if LANGUAGE_ARG not in values and i18n.language() != i18n.DEFAULT:
        values[LANGUAGE_ARG] = i18n.language()


# --- the generated documents' texts, for the page and the PDF ---------------------------------

def rate_type_name(rate_type: str) -> str:
    """Fixed rate, Variable rate, Indexed rate (a type the list does not know: as stored)."""
    names = {"fixed": _("Fixed rate"), "variable": _("Variable rate"), "indexed": _("Indexed rate")}
    return names.get(rate_type, rate_type.capitalize())


def efl_facts(plan: Plan) -> list[tuple[str, str]]:
    """The EFL's plan facts, label and value, in the language being rendered."""
    etf = i18n.dollars(plan.early_termination_fee)
    facts = [
        (_("Energy charge"), _("%(price)s per kWh", price=i18n.cents(plan.energy_cents_per_kwh))),
        (_("Base charge"), _("%(amount)s per billing cycle", amount=i18n.dollars(plan.base_fee))),
        (_("Type of product"), rate_type_name(plan.rate_type)),
        (_("Contract term"), _("1 month") if plan.term_months == 1 else _("%(num)s months", num=plan.term_months)),
        (_("Early termination fee"), _("%(amount)s per remaining month", amount=etf)
         if plan.etf_per_remaining_month else etf),
    ]
    if plan.bill_credit:
        facts.append((_("Bill credit"), _("%(amount)s in a month of %(usage)s kWh or more",
                                          amount=i18n.dollars(plan.bill_credit),
                                          usage=i18n.number(plan.bill_credit_min_kwh or 0))))
    facts.append((_("Renewable content"), f"{plan.renewable_percent}%"))
    return facts


def tos_contract(plan: Plan) -> str:
    """The TOS's paragraph on the contract: term, rate type, charges, early termination."""
    months = plan.term_months
    if plan.rate_type == "variable":
        kind = _("This is a %(months)s-month variable-rate plan.", months=months)
    elif plan.rate_type == "indexed":
        kind = _("This is a %(months)s-month indexed-rate plan.", months=months)
    else:
        kind = _("This is a %(months)s-month fixed-rate plan.", months=months)
    return " ".join((kind, _(
        "The energy charge is %(price)s per kWh plus a base charge of %(amount)s a month. Ending the contract "
        "early costs %(fee)s, except when you move out and give notice.",
        price=i18n.cents(plan.energy_cents_per_kwh), amount=i18n.dollars(plan.base_fee),
        fee=i18n.dollars(plan.early_termination_fee))))


def efl_caption(utility: Utility) -> str:
    """The caption of an EFL's price table."""
    return _("Average price per kWh, %(utility)s service area", utility=utility.name)


def efl_delivery(utility: Utility) -> str:
    """What an EFL's average prices include of the utility's charges."""
    return _("Includes %(utility)s delivery charges of %(per_kwh)s per kWh and %(monthly)s a month.",
             utility=utility.name, per_kwh=i18n.cents(utility.delivery_cents_per_kwh),
             monthly=i18n.dollars(utility.delivery_monthly))


def tos_cancelling(plan: Plan) -> str:
    """The TOS's paragraph on the rescission period."""
    return _("You may cancel without a fee within %(days)s federal business days after receiving these "
             "Terms of Service.", days=plan.state.rescission_business_days)


def yrac_rights() -> str:
    """The YRAC's summary of the customer's rights."""
    return _("You have the right to receive clear information about your plan, to cancel within the rescission "
             "period, to privacy of your personal information, and to file a complaint with the Public Utility "
             "Commission of Texas.")


def notice() -> str:
    """Says the generated document is a demo."""
    return _("Demo document generated from the plan catalog.")


