"""The plan documents as PDF files, as they are emailed with an enrollment's confirmation.

Each file is the version the enrollment recorded: marketing's uploaded PDF byte for byte, else a
PDF generated from the catalog with ReportLab, holding what the document's web page holds
(templates/documents/*.html). A document marketing gave as a link is generated too, and the
copy names the link.
"""
from __future__ import annotations

import dataclasses
import html
import io
from typing import Optional, Sequence

from reportlab.lib import colors
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy import select
from sqlalchemy.orm import Session

from wizard.core.i18n import cents, dollars

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
        """Electricity Facts Label, Terms of Service, Your Rights as a Customer."""
        return KINDS[self.kind]


def filename(kind: str, plan_code: str, version: str) -> str:
    """Electricity-Facts-Label-SAVER12-v1.pdf: what the document is, for which plan, which version."""
    return f"{KINDS[kind].replace(' ', '-')}-{plan_code}-v{version}.pdf"


def given(session: Session, plan_code: str, kind: str, version: str,
          language: str = "en") -> Optional[PlanDocument]:
    """Marketing's upload or link of exactly this version in `language`, if there is one."""
    return session.scalar(select(PlanDocument).where(
        PlanDocument.plan_code == plan_code, PlanDocument.kind == kind, PlanDocument.version == version,
        PlanDocument.language == language))


def plan_documents(session: Session, plan: Plan, utility_code: str, versions: dict[str, str],
                   supplier: str) -> list[DocumentFile]:
    """The EFL, TOS and YRAC of `plan` at `versions` (kind -> version), as PDF files.

    The generated EFL shows the average prices in `utility_code`'s service area.
    """
    utility = session.get(Utility, utility_code)
    files = []
    for kind in ORDER:
        version = str(versions[kind])
        document = given(session, plan.code, kind, version)
        name = filename(kind, plan.code, version)
        if document is not None and document.content is not None:
            files.append(DocumentFile(kind, version, name, document.content, "uploaded"))
            continue
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
                  url: Optional[str] = None) -> bytes:
    """The `kind` document of `plan` at `version` generated from the catalog, as PDF bytes."""
    title = KINDS[kind]
    story: list[Flowable] = [_p(title, _H1)]
    if kind == "efl":
        story.append(_p(f"{supplier} · {plan.name} ({plan.code}) · {plan.state.name} · Version {version}"))
    elif kind == "tos":
        story.append(_p(f"{supplier} · {plan.name} ({plan.code}) · Version {version}"))
    else:
        story.append(_p(f"{supplier} · Version {version} · for {plan.name} ({plan.code})"))
    story.append(_p("Demo document generated from the plan catalog.", _NOTICE))
    if url:
        story.append(_p(f"The published version of this document is at {url}", _NOTICE))
    story.append(Spacer(1, 8))
    story += {"efl": _efl, "tos": _tos, "yrac": _yrac}[kind](plan, utility)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=letter, title=f"{title}: {plan.name}, version {version}", author=supplier,
        subject=f"{title} for {plan.name} ({plan.code})", creator=supplier, lang="en-US",
        displayDocTitle=True, invariant=True, leftMargin=inch, rightMargin=inch, topMargin=inch,
        bottomMargin=inch)
    document.build(story)
    return buffer.getvalue()


def _efl(plan: Plan, utility: Optional[Utility]) -> list[Flowable]:
    story: list[Flowable] = []
    if utility is not None:
        prices = price_table(plan, utility, plan.state.usage_levels)
        story.append(_p(f"Average price per kWh, {utility.name} service area", _CAPTION))
        table = Table([["Average monthly use", *(f"{p.usage_kwh:,} kWh" for p in prices)],
                       ["Average price per kWh", *(cents(p.cents_per_kwh) for p in prices)]],
                      hAlign="LEFT")
        table.setStyle(_GRID)
        story += [table, Spacer(1, 4),
                  _p(f"Includes {utility.name} delivery charges of {cents(utility.delivery_cents_per_kwh)} per kWh "
                     f"and {dollars(utility.delivery_monthly)} a month."),
                  Spacer(1, 8)]
    facts = [
        ("Energy charge", f"{cents(plan.energy_cents_per_kwh)} per kWh"),
        ("Base charge", f"{dollars(plan.base_fee)} per billing cycle"),
        ("Type of product", f"{plan.rate_type.capitalize()} rate"),
        ("Contract term", f"{plan.term_months} months"),
        ("Early termination fee", dollars(plan.early_termination_fee)
         + (" per remaining month" if plan.etf_per_remaining_month else "")),
    ]
    if plan.bill_credit:
        facts.append(("Bill credit", f"{dollars(plan.bill_credit)} in a month of "
                                     f"{plan.bill_credit_min_kwh or 0:,} kWh or more"))
    facts.append(("Renewable content", f"{plan.renewable_percent}%"))
    table = Table([[_p(k, _LABEL), _p(v)] for k, v in facts], colWidths=[2.2 * inch, 4.3 * inch], hAlign="LEFT")
    table.setStyle(_FACTS)
    story.append(table)
    return story


def _tos(plan: Plan, utility: Optional[Utility]) -> list[Flowable]:
    return [
        _p("Your contract", _H2),
        _p(f"This is a {plan.term_months}-month {plan.rate_type}-rate plan. The energy charge is "
           f"{cents(plan.energy_cents_per_kwh)} per kWh plus a base charge of {dollars(plan.base_fee)} a month. "
           f"Ending the contract early costs {dollars(plan.early_termination_fee)}, except when you move out "
           "and give notice."),
        _p("Cancelling", _H2),
        _p(f"You may cancel without a fee within {plan.state.rescission_business_days} federal business days "
           "after receiving these Terms of Service."),
    ]


def _yrac(plan: Plan, utility: Optional[Utility]) -> list[Flowable]:
    return [_p("You have the right to receive clear information about your plan, to cancel within the "
               "rescission period, to privacy of your personal information, and to file a complaint with the "
               "Public Utility Commission of Texas.")]
