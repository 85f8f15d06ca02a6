"""The catalog in Spanish (issue 14): marketing writes the Spanish of plan names, statements and
referral labels and uploads Spanish plan documents; Spanish pages show them (English where none
is written); a Spanish enrollment's consent keeps the Spanish statements it agreed to and "es"."""
from __future__ import annotations

import re
from html import unescape
from io import BytesIO

import pytest
from sqlalchemy import select

from billing.models import Enrollment
from wizard.admin.models import AuditEntry
from wizard.catalog.models import Plan, ReferralSource
from wizard.core.extensions import db

from .admin_helpers import signed_in
from .helpers import ACKS, DALLAS_SWITCH, Wizard, csrf_token

#: SAVER12's terms as the plan form sends them (the demo catalog's).
SAVER12_FORM = {"name": "Lone Star Saver 12", "state": "TX", "utility": "", "rate_type": "fixed",
                "energy_cents_per_kwh": "11.9", "base_fee": "9.95", "term_months": "12",
                "early_termination_fee": "150", "renewable_percent": "10",
                "customer_types": ["residential", "commercial"], "bill_credit": "", "bill_credit_min_kwh": "",
                "available_from": "", "available_to": ""}
SPANISH_PDF = b"%PDF-1.4\n% Etiqueta de Datos de Electricidad\n%%EOF\n"
ENGLISH_PDF = b"%PDF-1.4\n% Electricity Facts Label\n%%EOF\n"


@pytest.fixture
def marketing(app):
    return signed_in(app, "marketing")


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def in_spanish(client) -> None:
    """The customer presses "Español" in the page's header."""
    page = client.get("/signup/zip")
    response = client.post("/signup/language", data={"switch_language": "es", "next": "/signup/zip",
                                                     "csrf_token": csrf_token(text(page))})
    assert response.status_code == 303


def spanish_customer(app, until: str | None = None) -> Wizard:
    """A customer who switched to Spanish and answered the steps (their preferred language as the
    about-you page offers it: Spanish)."""
    wizard = Wizard(app.test_client())
    in_spanish(wizard.client)
    wizard.walk(DALLAS_SWITCH, until=until if until in ("zip", "promo", "customer-type", "referral", "plans",
                                                          "customer", "about-you") else "about-you")
    if until is not None:
        return wizard
    about = text(wizard.get("/signup/about-you"))
    checked = re.search(r'<input checked[^>]*name="language"[^>]*value="(\w+)"', about)
    assert checked and checked.group(1) == "es", "the switch's language is the preferred one"
    wizard.walk({**DALLAS_SWITCH, "about-you": {**DALLAS_SWITCH["about-you"], "language": "es"}})
    return wizard


def plans_page(wizard: Wizard) -> str:
    return text(wizard.get("/signup/plans"))


def upload(marketing, content: bytes, language: str, kind: str = "efl"):
    return marketing.post("/admin/plans/SAVER12/documents",
                          {"kind": kind, "language": language, "document_url": "",
                           "document_file": (BytesIO(content), f"saver-{kind}-{language}.pdf")},
                          content_type="multipart/form-data")


def audits(app, entity_type: str) -> list[AuditEntry]:
    with db.sessionmaker(app)() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.entity_type == entity_type)
                                    .order_by(AuditEntry.id)))


# --- marketing writes the Spanish; Spanish pages show it ---------------------------------------

def test_marketing_writes_a_spanish_plan_name_and_spanish_pages_show_it(app, marketing):
    form = marketing.get("/admin/plans/SAVER12").text
    assert "Spanish plan name (optional)" in form and 'value="Ahorro Lone Star 12"' in form
    response = marketing.post("/admin/plans/SAVER12", {**SAVER12_FORM, "name_es": "Ahorro Estrella Solitaria 12"})
    assert response.status_code == 303
    [entry] = audits(app, "plan")
    assert entry.before == {"name_es": "Ahorro Lone Star 12"} and entry.after == {"name_es": "Ahorro Estrella Solitaria 12"}
    with db.sessionmaker(app)() as session:  # a plan marketing wrote no Spanish name for
        session.get(Plan, "STEADY24").name_es = None
        session.commit()

    spanish = spanish_customer(app, until="plans")
    page = plans_page(spanish)
    assert '<h2 id="plan-SAVER12">Ahorro Estrella Solitaria 12</h2>' in page
    assert '<h2 id="plan-STEADY24">Steady 24</h2>' in page  # no Spanish name: the English one
    assert '<h2 id="plan-LONGHAUL36">Largo Plazo 36</h2>' in page  # the demo catalog's Spanish

    english = Wizard(app.test_client())
    english.walk(DALLAS_SWITCH, until="plans")
    assert '<h2 id="plan-SAVER12">Lone Star Saver 12</h2>' in plans_page(english)


def test_marketing_writes_a_statement_in_spanish_and_the_spanish_review_shows_it(app, marketing):
    edit = marketing.get("/admin/catalog/acknowledgements/authorize_switch").text
    assert "Spanish statement text (optional)" in edit
    new_es = "Autorizo a {supplier} a cambiar mi electricidad; puedo cancelar en {rescission_days} días hábiles."
    bad = marketing.post("/admin/catalog/acknowledgements/authorize_switch",
                         {"text_es": "Autorizo a {proveedor} a cambiar mi electricidad."})
    assert bad.status_code == 422 and "The Spanish text uses an unknown placeholder {proveedor}" in text(bad)
    assert marketing.post("/admin/catalog/acknowledgements/authorize_switch", {"text_es": new_es}).status_code == 303
    [entry] = audits(app, "acknowledgement")
    assert entry.after["version"] == 2 and entry.after["text_es"] == new_es
    assert entry.before["text_es"].startswith("Autorizo a {supplier} a ser el proveedor")
    listing = marketing.get("/admin/catalog/acknowledgements").text
    assert new_es in unescape(listing)

    review = text(spanish_customer(app).get("/signup/review"))
    assert "Autorizo a Lone Star Power a cambiar mi electricidad; puedo cancelar en 3 días hábiles." in review
    assert "Entiendo que puedo cancelar esta inscripción sin cargo dentro de los 3 días hábiles" in review
    assert "I authorize Lone Star Power" not in review

    english = Wizard(app.test_client())
    english.walk()
    assert "I authorize Lone Star Power to become the retail electric provider" in text(english.get("/signup/review"))


def test_a_statement_without_spanish_text_shows_in_english_on_spanish_pages(app, marketing):
    english_only = "I am the account holder, or I may decide about electric service here."
    marketing.post("/admin/catalog/acknowledgements/authorized_on_account", {"text": english_only, "text_es": ""})
    review = text(spanish_customer(app).get("/signup/review"))
    assert english_only in review and "Soy el titular de la cuenta" not in review


def test_referral_sources_in_spanish_and_english_where_none_is_written(app, marketing):
    assert marketing.post("/admin/catalog/referral-sources/friend",
                          {"label": "Friend or family", "label_es": "Un amigo o un familiar"}).status_code == 303
    assert marketing.post("/admin/catalog/referral-sources",
                          {"code": "podcast", "label": "Podcast", "label_es": ""}).status_code == 303
    renamed, added = audits(app, "referral_source")
    assert renamed.before["label_es"] == "Un amigo o familiar" and renamed.after["label_es"] == "Un amigo o un familiar"
    assert added.after["label_es"] is None
    with db.sessionmaker(app)() as session:
        assert session.get(ReferralSource, "podcast").label_es is None
    assert "Un amigo o un familiar" in unescape(marketing.get("/admin/catalog/referral-sources").text)

    wizard = spanish_customer(app, until="referral")
    page = text(wizard.get("/signup/referral"))
    assert "Un amigo o un familiar" in page and "Buscador de internet" in page
    assert ">Podcast<" in page  # no Spanish label: the English one
    assert "Friend or family" not in page


# --- plan documents in Spanish ------------------------------------------------------------------

def _efl_link(page: str) -> re.Match[str]:
    match = re.search(r'<a href="(/documents/SAVER12/efl\?[^"]*)"([^>]*)>([^<]*)<', page)
    assert match, "the plans page links SAVER12's EFL"
    return match


def test_a_spanish_efl_is_linked_on_the_spanish_plans_page(app, client, marketing):
    assert upload(marketing, ENGLISH_PDF, "en").status_code == 303  # version 2, in English
    wizard = spanish_customer(app, until="plans")
    link = _efl_link(plans_page(wizard))
    assert 'hreflang="en"' in link.group(2) and "(en inglés)" in link.group(3)  # only the English: marked
    assert wizard.get(unescape(link.group(1))).data == ENGLISH_PDF

    response = upload(marketing, SPANISH_PDF, "es")
    assert response.status_code == 303
    assert ("The Spanish Electricity Facts Label of version 2 is now shown on Spanish pages."
            in marketing.get("/admin/plans/SAVER12").text)
    [_, entry] = audits(app, "document")
    assert entry.after["language"] == "es" and entry.after["version"] == "2"
    with db.sessionmaker(app)() as session:
        assert session.get(Plan, "SAVER12").efl_version == "2"  # a translation is not a new version

    link = _efl_link(plans_page(wizard))
    assert "lang=es" in link.group(1) and "hreflang" not in link.group(2) and "inglés" not in link.group(3)
    served = wizard.get(unescape(link.group(1)))
    assert served.data == SPANISH_PDF and served.headers["Content-Language"] == "es"

    english = Wizard(app.test_client())
    english.walk(DALLAS_SWITCH, until="plans")
    link = _efl_link(plans_page(english))
    assert "lang=" not in link.group(1) and "hreflang" not in link.group(2)
    assert english.get(unescape(link.group(1))).data == ENGLISH_PDF

    again = upload(marketing, SPANISH_PDF, "es")  # a version's translation is kept as read
    assert again.status_code == 422 and "already has a Spanish document" in text(again)

    assert upload(marketing, ENGLISH_PDF + b" ", "en").status_code == 303  # version 3: no Spanish yet
    link = _efl_link(plans_page(wizard))
    assert 'hreflang="en"' in link.group(2) and "inglés" in link.group(3)  # marked: it is the English one
    assert wizard.get(unescape(link.group(1))).data == ENGLISH_PDF + b" "


def test_without_uploads_the_spanish_page_links_the_generated_document_unmarked(app):
    link = _efl_link(plans_page(spanish_customer(app, until="plans")))
    assert "hreflang" not in link.group(2) and "inglés" not in link.group(3)  # generated, in Spanish


# --- consent -------------------------------------------------------------------------------------

def test_the_consent_of_a_spanish_enrollment_keeps_the_spanish_statements_and_es(app, marketing):
    assert upload(marketing, SPANISH_PDF, "es").status_code == 303  # the generated version 1, translated
    wizard = spanish_customer(app)
    assert wizard.submit().status_code == 303
    with db.sessionmaker(app)() as session:
        enrollment = session.scalar(select(Enrollment))
        consent = enrollment.consent
        language = enrollment.customer.language
    assert consent["language"] == "es" and language == "es"
    texts = {s["code"]: s["text"] for s in consent["statements"]}
    assert texts["authorize_switch"].startswith("Autorizo a Lone Star Power a ser el proveedor minorista")
    assert texts["rescission"] == ("Entiendo que puedo cancelar esta inscripción sin cargo dentro de los 3 días "
                                   "hábiles federales siguientes a recibir los Términos de Servicio.")
    assert {s["version"] for s in consent["statements"]} == {1}
    assert {d["kind"]: d["language"] for d in consent["documents"]} == {"EFL": "es", "TOS": "es", "YRAC": "es"}

    operations = signed_in(app, "operations")
    page = unescape(operations.get(f"/admin/enrollments/{enrollment.number}").text)
    assert re.search(r"Language shown</th><td>Spanish<", page)
    assert "Autorizo a Lone Star Power a ser el proveedor minorista" in page
    assert "EFL shown</th><td>version 1, Spanish" in page


def test_the_consent_of_an_english_enrollment_says_en(app):
    wizard = Wizard(app.test_client())
    wizard.walk()
    wizard.submit()
    with db.sessionmaker(app)() as session:
        consent = session.scalar(select(Enrollment.consent))
    assert consent["language"] == "en"
    assert any(s["text"].startswith("I authorize Lone Star Power") for s in consent["statements"])


def test_the_review_form_is_the_same_statements_in_either_language(app):
    """The checkboxes' names are the statements' codes: posting in Spanish confirms the same ones."""
    wizard = spanish_customer(app)
    review = text(wizard.get("/signup/review"))
    for name in ACKS:
        assert f'name="{name}"' in review
