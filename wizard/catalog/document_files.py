"""The plan documents as PDF files, as they are emailed with an enrollment's confirmation.

Each file is the version the enrollment recorded: marketing's uploaded PDF byte for byte, else a
PDF generated from the catalog with ReportLab, holding what the document's web page holds
(templates/documents/*.html, with the same texts from `documents`). A document marketing gave as
a link is generated too, and the copy names the link. A generated file is written in the language
being rendered, or the `language` asked for (the customer's: "es" or "en").
"""
from __future__ import annotations

import dataclasses
import html
import io
import re
import unicodedata
from typing import Optional, Sequence

from reportlab.lib import colors
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy import select
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from wizard.core import i18n
from wizard.core.i18n import cents, number

from . import documents as texts
from .documents import KINDS
from .models import Plan, PlanDocument, Utility
from .pricing import price_table

#: Kinds in the order they are listed and attached.
ORDER = ("efl", "tos", "yrac")


@dataclasses.dataclass(frozen=True)
class DocumentFile:
    """One plan document as a PDF file, and where it came from."""

    kind: str
    version: str
    filename: str
    data: bytes
    #: "uploaded" (marketing's PDF), "link" (marketing's link; this copy generated) or "generated".
    source: str
    url: Optional[str] = None

    @property
    def title(self) -> str:
        """Electricity Facts Label, Terms of Service, Your Rights as a Customer (in the language being rendered)."""
        return str(KINDS[self.kind])


def filename(kind: str, plan_code: str, version: str) -> str:
    """Electricity-Facts-Label-SAVER12-v1.pdf: what the document is (in the language being rendered,
    letters without accents: Terminos-de-Servicio-TOS), for which plan, which version."""
    name = unicodedata.normalize("NFKD", str(KINDS[kind])).encode("ascii", "ignore").decode()
    return f"{re.sub(r'[^A-Za-z0-9]+', '-', name).strip('-')}-{plan_code}-v{version}.pdf"


def given(session: Session, plan_code: str, kind: str, version: str,
          language: str = "en") -> Optional[PlanDocument]:
    """Marketing's upload or link of exactly this version in `language`, if there is one."""
    return session.scalar(select(PlanDocument).where(
        PlanDocument.plan_code == plan_code, PlanDocument.kind == kind, PlanDocument.version == version,
        PlanDocument.language == language))


def plan_documents(session: Session, plan: Plan, utility_code: str, versions: dict[str, str],
                   supplier: str, language: Optional[str] = None) -> list[DocumentFile]:
    """The EFL, TOS and YRAC of `plan` at `versions` (kind -> version), as PDF files.

    The generated EFL shows the average prices in `utility_code`'s service area. Files are in
    `language` (None: the language being rendered): marketing's upload in it when there is one,
    else the English upload, else generated in it.
    """
    with i18n.speaking(language or i18n.language()):
        return _plan_documents(session, plan, utility_code, versions, supplier)


def _plan_documents(session: Session, plan: Plan, utility_code: str, versions: dict[str, str],
                    supplier: str) -> list[DocumentFile]:
    utility = session.get(Utility, utility_code)
    language = i18n.language()
    files = []
    for kind in ORDER:
        version = str(versions[kind])
        # Marketing's translation of this version in the customer's language, else its English one.
        document = (given(session, plan.code, kind, version, language) if language != i18n.DEFAULT else None) \
            or given(session, plan.code, kind, version)
        if document is not None and document.content is not None:
            with i18n.speaking(document.language):  # the file's name in the file's language
                name = filename(kind, plan.code, version)
            files.append(DocumentFile(kind, version, name, document.content, "uploaded"))
            continue
        name = filename(kind, plan.code, version)
        url = document.url if document is not None else None
        data = generated_pdf(kind, plan, version, utility, supplier, url=url)
        files.append(DocumentFile(kind, version, name, data, "link" if url else "generated", url))
    return files


def record(files: Sequence[DocumentFile]) -> dict[str, dict[str, str]]:
    """What an enrollment keeps of the files sent: kind -> version, file name, source (and link)."""
    return {f.kind: {"version": f.version, "filename": f.filename, "source": f.source,
                     **({"url": f.url} if f.url else {})} for f in files}


# --- generating -----------------------------------------------------------------------------

_STYLES = getSampleStyleSheet()
_BODY = ParagraphStyle("body", parent=_STYLES["BodyText"], fontSize=10.5, leading=14)
_NOTICE = ParagraphStyle("notice", parent=_BODY, textColor=colors.HexColor("#444444"), fontName="Helvetica-Oblique")
_H1 = _STYLES["Title"]
_H2 = _STYLES["Heading2"]
_LABEL = ParagraphStyle("label", parent=_BODY, fontName="Helvetica-Bold")
_CAPTION = ParagraphStyle("caption", parent=_LABEL, spaceBefore=8)
_GRID = TableStyle([
    ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#666666")),
    ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
    ("FONTNAME", (0, 0), (0, -1), "Helvetica-Bold"),
    ("FONTSIZE", (0, 0), (-1, -1), 10),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
])
_FACTS = TableStyle([
    ("LINEBELOW", (0, 0), (-1, -1), 0.5, colors.HexColor("#999999")),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
])


def _p(text: str, style: ParagraphStyle = _BODY) -> Paragraph:
    """Plain text as a paragraph (ReportLab reads markup: catalog text is escaped)."""
    return Paragraph(html.escape(text, quote=False), style)


def generated_pdf(kind: str, plan: Plan, version: str, utility: Optional[Utility], supplier: str,
                  url: Optional[str] = None, language: Optional[str] = None) -> bytes:
    """The `kind` document of `plan` at `version` generated from the catalog, as PDF bytes, in
    `language` (None: the language being rendered)."""
    with i18n.speaking(language or i18n.language()):
        return _generated_pdf(kind, plan, version, utility, supplier, url)


def _generated_pdf(kind: str, plan: Plan, version: str, utility: Optional[Utility], supplier: str,
                   url: Optional[str]) -> bytes:
    title = str(KINDS[kind])
    name = i18n.local(plan, "name")
    story: list[Flowable] = [_p(title, _H1)]
    version_text = _("Version %(version)s", version=version)
    if kind == "efl":
        story.append(_p(f"{supplier} · {name} ({plan.code}) · {plan.state.name} · {version_text}"))
    elif kind == "tos":
        story.append(_p(f"{supplier} · {name} ({plan.code}) · {version_text}"))
    else:
        for_plan = _("for %(plan)s", plan=name + f" ({plan.code})")
        story.append(_p(f"{supplier} · {version_text} · {for_plan}"))
    story.append(_p(texts.notice(), _NOTICE))
    if url:
        story.append(_p(_("The published version of this document is at %(url)s", url=url), _NOTICE))
    story.append(Spacer(1, 8))
    story += {"efl": _efl, "tos": _tos, "yrac": _yrac}[kind](plan, utility)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=letter, title=_("%(document)s: %(plan)s, version %(version)s", document=title, plan=name,
                                         version=version), author=supplier,
        subject=_("%(document)s for %(plan)s (%(code)s)", document=title, plan=name, code=plan.code),
        creator=supplier, lang=i18n.LOCALES[i18n.language()].replace("_", "-"),
        displayDocTitle=True, invariant=True, leftMargin=inch, rightMargin=inch, topMargin=inch,
        bottomMargin=inch)
    document.build(story)
    return buffer.getvalue()


def _efl(plan: Plan, utility: Optional[Utility]) -> list[Flowable]:
    story: list[Flowable] = []
    if utility is not None:
        prices = price_table(plan, utility, plan.state.usage_levels)
        story.append(_p(texts.efl_caption(utility), _CAPTION))
        table = Table([[_("Average monthly use"), *(f"{number(p.usage_kwh)} kWh" for p in prices)],
                       [_("Average price per kWh"), *(cents(p.cents_per_kwh) for p in prices)]],
                      hAlign="LEFT")
        table.setStyle(_GRID)
        story += [table, Spacer(1, 4), _p(texts.efl_delivery(utility)), Spacer(1, 8)]
    table = Table([[_p(k, _LABEL), _p(v)] for k, v in texts.efl_facts(plan)],
                  colWidths=[2.2 * inch, 4.3 * inch], hAlign="LEFT")
    table.setStyle(_FACTS)
    story.append(table)
    return story


def _tos(plan: Plan, utility: Optional[Utility]) -> list[Flowable]:
    return [_p(_("Your contract"), _H2), _p(texts.tos_contract(plan)),
            _p(_("Cancelling"), _H2), _p(texts.tos_cancelling(plan))]


def _yrac(plan: Plan, utility: Optional[Utility]) -> list[Flowable]:
    return [_p(texts.yrac_rights())]
