"""Marketing's plan pages: create, edit, retire, visibility windows, documents and the preview."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from io import BytesIO

import pytest
from sqlalchemy import select

from wizard.admin.models import AuditEntry
from wizard.catalog import offers as catalog
from wizard.catalog.models import Plan, PlanDocument
from wizard.core.dates import today
from wizard.core.extensions import db

from .admin_helpers import signed_in

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

VALID = {
    "code": "fresh-12", "name": "Fresh Fixed 12", "state": "TX", "utility": "", "rate_type": "fixed",
    "energy_cents_per_kwh": "11.9", "base_fee": "9.95", "term_months": "12", "early_termination_fee": "150",
    "renewable_percent": "10", "customer_types": ["residential", "commercial"], "bill_credit": "",
    "bill_credit_min_kwh": "", "available_from": "", "available_to": "",
}


@pytest.fixture
def marketing(app):
    return signed_in(app, "marketing")


def fetch(app, statement):
    """Rows read in a new session, as the next request would see them."""
    with db.sessionmaker(app)() as session:
        return session.scalars(statement).all()


def plan_of(app, code: str) -> Plan:
    with db.sessionmaker(app)() as session:
        return session.get(Plan, code)


def audits(app, entity_type: str) -> list[AuditEntry]:
    return fetch(app, select(AuditEntry).where(AuditEntry.entity_type == entity_type).order_by(AuditEntry.id))


def offered(app, day: dt.date, channel: str = "web", affiliate: str | None = None, promo: str | None = None,
            customer_type: str = "residential") -> list[str]:
    with db.sessionmaker(app)() as session:
        return [p.code for p in catalog.offered_plans(
            session, state="TX", customer_type=customer_type, promo_code=promo, today=day, channel=channel,
            utility_code="oncor", affiliate_code=affiliate)]


def visibility_ids(page: str, code: str, action: str) -> list[str]:
    return re.findall(rf'/admin/plans/{code}/visibility/(\d+)/{action}', page)


# --- create and edit ------------------------------------------------------------------------

def test_marketing_creates_a_plan_offered_nowhere_until_shown(app, marketing):
    response = marketing.post("/admin/plans/new", {**VALID, "etf_per_remaining_month": "y",
                                                   "bill_credit": "$50", "bill_credit_min_kwh": "1,000"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/admin/plans/FRESH-12")
    plan = plan_of(app, "FRESH-12")
    assert (plan.name, plan.energy_cents_per_kwh, plan.bill_credit, plan.bill_credit_min_kwh) == \
        ("Fresh Fixed 12", Decimal("11.9"), Decimal("50"), 1000)
    assert plan.etf_per_remaining_month and plan.customer_types == ["residential", "commercial"]
    assert "FRESH-12" not in offered(app, today())
    page = marketing.get("/admin/plans/FRESH-12")
    assert "Plan FRESH-12 created. Show it on a channel below to offer it." in page.text
    [entry] = audits(app, "plan")
    assert (entry.action, entry.entity_id, entry.before, entry.actor) == ("create", "FRESH-12", None,
                                                                          "marketing@example.com")
    assert entry.after["energy_cents_per_kwh"] == "11.9000" and entry.after["code"] == "FRESH-12"


BAD_PLANS = [
    ({"code": ""}, "code", "Enter a plan code, for example SAVER12."),
    ({"code": "NEW PLAN"}, "code", "Plan codes use only letters, digits, _ and -, at most 32 characters"),
    ({"code": "saver12"}, "code",
     "A plan with the code SAVER12 already exists. Choose another code, or edit that plan."),
    ({"name": " "}, "name", "Enter the plan name customers see, for example Lone Star Saver 12."),
    ({"name": "x" * 81}, "name", "The plan name can be at most 80 characters."),
    ({"state": "ZZ"}, "state", "Choose the state the plan is sold in."),
    ({"utility": "nowhere"}, "utility", "Choose a utility from the list, or all utilities of the state."),
    ({"rate_type": "cheap"}, "rate_type", "Choose the rate type: fixed, variable or indexed."),
    ({"energy_cents_per_kwh": ""}, "energy_cents_per_kwh",
     "Enter the energy charge in cents per kWh, for example 11.9."),
    ({"energy_cents_per_kwh": "eleven"}, "energy_cents_per_kwh",
     "Enter the energy charge in cents per kWh, for example 11.9."),
    ({"energy_cents_per_kwh": "0"}, "energy_cents_per_kwh",
     "The energy charge must be more than 0 and less than 100 cents per kWh."),
    ({"energy_cents_per_kwh": "100"}, "energy_cents_per_kwh",
     "The energy charge must be more than 0 and less than 100 cents per kWh."),
    ({"energy_cents_per_kwh": "11.123456"}, "energy_cents_per_kwh",
     "The energy charge can have at most 4 decimal places."),
    ({"base_fee": "-1"}, "base_fee", "The base fee must be 0 or more and less than $1,000 a month."),
    ({"base_fee": "NaN"}, "base_fee",
     "Enter the base fee in dollars a month, for example 9.95, or 0 if there is none."),
    ({"term_months": "0"}, "term_months", "The term must be between 1 and 60 months."),
    ({"term_months": "61"}, "term_months", "The term must be between 1 and 60 months."),
    ({"term_months": "12.5"}, "term_months",
     "Enter the term as a whole number of months, for example 12 (1 for month-to-month)."),
    ({"early_termination_fee": "-5"}, "early_termination_fee",
     "The early termination fee must be 0 or more and less than $10,000."),
    ({"bill_credit": "100"}, "bill_credit_min_kwh",
     "Enter the minimum usage for the bill credit in kWh, or remove the credit amount."),
    ({"bill_credit_min_kwh": "1000"}, "bill_credit",
     "Enter the bill credit in dollars for that minimum usage, or remove the minimum usage."),
    ({"bill_credit": "0", "bill_credit_min_kwh": "1000"}, "bill_credit",
     "The bill credit must be more than $0 and less than $10,000."),
    ({"bill_credit": "100", "bill_credit_min_kwh": "0"}, "bill_credit_min_kwh",
     "The minimum usage for the credit must be more than 0 and at most 100,000 kWh."),
    ({"renewable_percent": "101"}, "renewable_percent", "The renewable share must be between 0 and 100%."),
    ({"customer_types": []}, "customer_types", "Choose at least one customer type: residential, commercial or both."),
    ({"customer_types": ["industrial"]}, "customer_types",
     "Choose at least one customer type: residential, commercial or both."),
    ({"available_from": "31/12/2026"}, "available_from",
     "Enter the first day the plan is available as a date, for example 2026-12-31, or leave it empty."),
    ({"available_from": "2026-12-31", "available_to": "2026-12-01"}, "available_to",
     "The available-to date must be on or after the available-from date."),
]


@pytest.mark.parametrize("change, field, message", BAD_PLANS, ids=[f"{f}-{i}" for i, (_, f, _) in enumerate(BAD_PLANS)])
def test_each_invalid_plan_is_explained_and_nothing_is_saved(app, marketing, change, field, message):
    response = marketing.post("/admin/plans/new", {**VALID, **change})
    assert response.status_code == 422
    text = response.text.replace("&#39;", "'").replace("&amp;", "&")
    assert "There is a problem" in text and message in text
    assert f'href="#{field}{"-0" if field == "rate_type" else ""}"' in text  # a radio links its first option
    assert f'id="{field}-error"' in text
    assert fetch(app, select(Plan).where(Plan.code.in_(["FRESH-12", "NEW PLAN"]))) == []
    assert audits(app, "plan") == []


def test_editing_a_plan_audits_only_what_changed(app, marketing):
    page = marketing.get("/admin/plans/SAVER12")
    assert 'value="11.9"' in page.text and 'value="9.95"' in page.text
    form = {**VALID, "name": "Lone Star Saver 12", "name_es": "Ahorro Lone Star 12", "energy_cents_per_kwh": "11.5",
            "early_termination_fee": "150", "renewable_percent": "10"}
    response = marketing.post("/admin/plans/SAVER12", form)
    assert response.status_code == 303
    assert plan_of(app, "SAVER12").energy_cents_per_kwh == Decimal("11.5")
    [entry] = audits(app, "plan")
    assert (entry.action, entry.before, entry.after) == (
        "update", {"energy_cents_per_kwh": "11.9000"}, {"energy_cents_per_kwh": "11.5000"})
    assert "Plan SAVER12 saved." in marketing.get("/admin/plans/SAVER12").text
    marketing.post("/admin/plans/SAVER12", form)
    assert len(audits(app, "plan")) == 1  # saving again changed nothing


def test_a_utility_must_belong_to_the_plans_state(app, marketing):
    response = marketing.post("/admin/plans/SAVER12", {**VALID, "utility": "oncor", "state": "TX"})
    assert response.status_code == 303
    assert plan_of(app, "SAVER12").utility_code == "oncor"
    assert "SAVER12" in offered(app, today())


def test_unknown_plans_are_not_found(marketing):
    missing = marketing.get("/admin/plans/NOPE")
    assert missing.status_code == 404 and "Page not found" in missing.text
    assert marketing.get("/admin/plans/%00").status_code == 404
    assert marketing.post("/admin/plans/NOPE/retire").status_code == 404


def test_retire_hides_the_plan_everywhere_and_unretire_brings_it_back(app, marketing):
    assert "SAVER12" in offered(app, today())
    assert marketing.post("/admin/plans/SAVER12/retire").status_code == 303
    assert plan_of(app, "SAVER12").retired
    assert "SAVER12" not in offered(app, today())
    assert "SAVER12" not in offered(app, today(), channel="agent")
    listing = marketing.get("/admin/plans").text
    assert "/admin/plans/SAVER12" not in listing
    assert "Retired" in marketing.get("/admin/plans?retired=1").text
    marketing.post("/admin/plans/SAVER12/unretire")
    assert "SAVER12" in offered(app, today())
    assert [(e.action, e.before, e.after) for e in audits(app, "plan")] == [
        ("retire", {"retired": False}, {"retired": True}), ("unretire", {"retired": True}, {"retired": False})]


def test_the_list_filters_by_channel_and_state(marketing):
    agent = marketing.get("/admin/plans?channel=agent").text
    assert "/admin/plans/PHONE12" in agent and "/admin/plans/FLEX6" not in agent
    acme = marketing.get("/admin/plans?channel=affiliate:ACME").text
    assert "/admin/plans/PARTNER12" in acme and "Affiliate: Acme Energy Deals" in acme
    assert "No plan matches these filters." in marketing.get("/admin/plans?state=ZZ").text


# --- visibility -----------------------------------------------------------------------------

def test_a_window_from_tomorrow_hides_today_and_shows_tomorrow(app, marketing):
    day = today()
    tomorrow = day + dt.timedelta(days=1)
    page = marketing.get("/admin/plans/LONGHAUL36").text
    [web_row] = visibility_ids(page, "LONGHAUL36", "remove")
    assert marketing.post(f"/admin/plans/LONGHAUL36/visibility/{web_row}/remove").status_code == 303
    assert "LONGHAUL36" not in offered(app, day)
    response = marketing.post("/admin/plans/LONGHAUL36/visibility",
                              {"channel": "web", "shown_from": tomorrow.isoformat(), "shown_to": ""})
    assert response.status_code == 303
    assert "LONGHAUL36" not in offered(app, day)
    assert "LONGHAUL36" in offered(app, tomorrow)
    assert "Scheduled" in marketing.get("/admin/plans/LONGHAUL36").text
    removed, shown = audits(app, "visibility")
    assert (removed.action, removed.before["channel"], removed.after) == ("hide", "web", None)
    assert (shown.action, shown.before, shown.after["shown_from"]) == ("show", None, tomorrow.isoformat())


def test_hide_from_today_ends_the_window_yesterday(app, marketing):
    page = marketing.get("/admin/plans/SAVER12").text
    ends = visibility_ids(page, "SAVER12", "end")
    assert len(ends) == 2  # agent and web
    web = ends[1]
    assert marketing.post(f"/admin/plans/SAVER12/visibility/{web}/end").status_code == 303
    assert "SAVER12" not in offered(app, today())
    assert "SAVER12" in offered(app, today(), channel="agent")
    [entry] = audits(app, "visibility")
    yesterday = (today() - dt.timedelta(days=1)).isoformat()
    assert (entry.before["shown_to"], entry.after["shown_to"]) == (None, yesterday)
    assert "Ended" in marketing.get("/admin/plans/SAVER12").text


def test_an_affiliate_channel_shows_the_plan_on_that_affiliates_wizard_only(app, marketing):
    assert "PHONE12" not in offered(app, today(), channel="affiliate:ACME", affiliate="ACME")
    response = marketing.post("/admin/plans/PHONE12/visibility", {"channel": "affiliate:ACME"})
    assert response.status_code == 303
    assert "PHONE12" in offered(app, today(), channel="affiliate:ACME", affiliate="ACME")
    assert "PHONE12" not in offered(app, today())
    assert "Affiliate: Acme Energy Deals" in marketing.get("/admin/plans/PHONE12").text


@pytest.mark.parametrize("form, field, message", [
    ({"channel": "affiliate:NOBODY"}, "channel",
     "Choose a channel from the list: the web wizard, agents or an affiliate."),
    ({"channel": "web", "shown_from": "tomorrow"}, "shown_from",
     "Enter the first day it is shown as a date, for example 2026-12-31, or leave it empty."),
    ({"channel": "web", "shown_from": "2026-12-10", "shown_to": "2026-12-09"}, "shown_to",
     "The shown-to date must be on or after the shown-from date."),
])
def test_invalid_visibility_is_explained(app, marketing, form, field, message):
    response = marketing.post("/admin/plans/SAVER12/visibility", form)
    assert response.status_code == 422
    assert message in response.text and f'href="#{field}"' in response.text
    assert audits(app, "visibility") == []


def test_a_visibility_row_of_another_plan_is_not_found(marketing):
    row = visibility_ids(marketing.get("/admin/plans/SAVER12").text, "SAVER12", "remove")[0]
    assert marketing.post(f"/admin/plans/GREEN12/visibility/{row}/remove").status_code == 404
    assert marketing.post("/admin/plans/SAVER12/visibility/999999/end").status_code == 404


# --- documents ------------------------------------------------------------------------------

def upload(admin, content: bytes, name: str = "saver efl.pdf", kind: str = "efl", url: str = ""):
    return admin.post("/admin/plans/SAVER12/documents",
                      {"kind": kind, "document_url": url, "document_file": (BytesIO(content), name)},
                      content_type="multipart/form-data")


def test_an_uploaded_pdf_is_served_to_customers_as_a_new_version(app, client, marketing):
    assert client.get("/documents/SAVER12/efl").mimetype == "text/html"
    assert upload(marketing, PDF, name="../../Saver EFL.pdf").status_code == 303
    served = client.get("/documents/SAVER12/efl")
    assert served.status_code == 200 and served.data == PDF
    assert served.headers["Content-Type"] == "application/pdf"
    assert served.headers["Content-Disposition"] == 'inline; filename="Saver_EFL.pdf"'
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert plan_of(app, "SAVER12").efl_version == "2"
    assert client.get("/documents/SAVER12/tos").mimetype == "text/html"  # other kinds unchanged
    [entry] = audits(app, "document")
    assert entry.before == {"kind": "efl", "version": "1"}
    assert entry.after == {"kind": "efl", "version": "2", "language": "en", "url": None, "filename": "Saver_EFL.pdf",
                           "bytes": len(PDF)}
    assert "Electricity Facts Label version 2 is now shown to customers." in marketing.get("/admin/plans/SAVER12").text


def test_a_document_link_redirects_customers_and_the_newest_version_wins(app, client, marketing):
    upload(marketing, PDF, kind="tos")
    response = marketing.post("/admin/plans/SAVER12/documents",
                              {"kind": "tos", "document_url": "https://example.com/tos-v3.pdf"})
    assert response.status_code == 303
    served = client.get("/documents/SAVER12/tos")
    assert served.status_code == 302 and served.headers["Location"] == "https://example.com/tos-v3.pdf"
    assert plan_of(app, "SAVER12").tos_version == "3"
    versions = fetch(app, select(PlanDocument.version).where(PlanDocument.plan_code == "SAVER12"))
    assert sorted(versions) == ["2", "3"]


@pytest.mark.parametrize("content, name, url, message", [
    (b"<html>not a pdf</html>", "efl.pdf", "", "The file is not a PDF. Save the document as a PDF and upload that."),
    (b"", "efl.pdf", "", "The file is empty. Choose the PDF of the document."),
    (None, "", "", "Choose a PDF file to upload, or enter a link to the document."),
    (None, "", "http://example.com/efl.pdf", "Enter a link that starts with https://, for example https://example.com/efl.pdf."),
    (PDF, "efl.pdf", "https://example.com/efl.pdf", "Upload a file or give a link, not both."),
])
def test_documents_that_are_not_pdfs_or_https_links_are_refused(app, client, marketing, content, name, url, message):
    data = {"kind": "efl", "document_url": url}
    if content is not None:
        data["document_file"] = (BytesIO(content), name)
    response = marketing.post("/admin/plans/SAVER12/documents", data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert message in response.text
    assert fetch(app, select(PlanDocument)) == [] and audits(app, "document") == []
    assert client.get("/documents/SAVER12/efl").mimetype == "text/html"


def test_an_oversized_pdf_is_refused(make_app):
    app = make_app(MAX_DOCUMENT_BYTES=len(PDF) - 1)
    response = upload(signed_in(app, "marketing"), PDF)
    assert response.status_code == 422
    assert "The file is larger than 0.0 MB. Make the PDF smaller, or give a link to it instead." in response.text
    assert fetch(app, select(PlanDocument)) == []


# --- preview --------------------------------------------------------------------------------

def plan_codes(page: str) -> list[str]:
    return re.findall(r'/admin/plans/([A-Z0-9_-]+)">', page)


def test_preview_without_and_with_the_save10_promo(marketing):
    plain = marketing.get("/admin/preview?zip=75201&customer_type=residential&promo=&affiliate=&on=")
    assert plain.status_code == 200
    assert plan_codes(plain.text) == ["SHORT6", "FLEX6", "CREDIT12", "SAVER12", "GREEN12", "STEADY24", "LONGHAUL36"]
    promo = marketing.get("/admin/preview?zip=75201&customer_type=residential&promo=save10&on=2026-06-15")
    assert "SAVE10PLAN" in plan_codes(promo.text)
    assert "Promo code SAVE10 is valid that day." in promo.text
    assert "17.7¢" in promo.text  # SAVE10PLAN's average at 1,000 kWh with Oncor


def test_preview_via_an_affiliate_shows_its_exclusive_plan(marketing):
    web = marketing.get("/admin/preview?zip=75201&customer_type=residential")
    acme = marketing.get("/admin/preview?zip=75201&customer_type=residential&affiliate=ACME")
    assert "PARTNER12" not in plan_codes(web.text)
    assert plan_codes(acme.text) == ["PARTNER12"]


def test_preview_says_when_the_zip_is_not_served_the_promo_fails_or_nothing_is_offered(marketing):
    assert "We don't serve ZIP 99999" in marketing.get("/admin/preview?zip=99999").text
    expired = marketing.get("/admin/preview?zip=75201&promo=SUMMER24").text
    assert "That promo code expired on August 31, 2024. You can continue without it." in expired
    commercial = marketing.get("/admin/preview?zip=75201&customer_type=commercial&affiliate=ACME").text
    assert "No plan is offered to this customer" in commercial


def test_preview_of_a_split_zip_has_a_section_per_utility_or_the_one_chosen(marketing):
    both = marketing.get("/admin/preview?zip=77550").text
    assert "CenterPoint Energy Houston Electric: 7 plans" in both and "Texas-New Mexico Power (TNMP): 7 plans" in both
    one = marketing.get("/admin/preview?zip=77550&utility=tnmp").text
    assert "Texas-New Mexico Power (TNMP): 7 plans" in one and "CenterPoint Energy Houston Electric:" not in one


def test_preview_on_another_day_follows_the_visibility_windows(app, marketing):
    tomorrow = today() + dt.timedelta(days=1)
    marketing.post("/admin/plans/GREEN12/visibility", {"channel": "web", "shown_from": "2099-01-01"})
    row = visibility_ids(marketing.get("/admin/plans/GREEN12").text, "GREEN12", "end")[1]
    marketing.post(f"/admin/plans/GREEN12/visibility/{row}/end")
    assert "GREEN12" not in plan_codes(marketing.get(f"/admin/preview?zip=75201&on={tomorrow}").text)
    assert "GREEN12" in plan_codes(marketing.get("/admin/preview?zip=75201&on=2099-01-01").text)


@pytest.mark.parametrize("query, message", [
    ("zip=", "Enter a 5-digit ZIP code, for example 75201."),
    ("zip=7520x", "Enter a ZIP code as 5 digits, for example 75201."),
    ("zip=75201&on=next-tuesday", "Enter the day to preview as a date, for example 2026-12-31, or leave it empty."),
    ("zip=75201&customer_type=industrial", "Choose residential or commercial."),
    ("zip=75201&affiliate=NOBODY", "Choose an affiliate from the list, or none for the web wizard."),
    ("zip=75201&utility=tnmp", "That utility does not serve this ZIP. Choose one of its utilities, or every one."),
    ("zip=75201&promo=" + "X" * 40, "Promo codes are at most 32 characters."),
])
def test_preview_bad_input_is_a_form_error(marketing, query, message):
    response = marketing.get(f"/admin/preview?{query}")
    assert response.status_code == 422
    assert "There is a problem" in response.text and message in response.text
    assert "plans offered in" not in response.text.lower()


def test_the_preview_form_starts_on_today(marketing):
    page = marketing.get("/admin/preview")
    assert page.status_code == 200
    assert f'value="{today().isoformat()}"' in page.text and "There is a problem" not in page.text


# --- roles ----------------------------------------------------------------------------------

@pytest.mark.parametrize("method, path", [
    ("get", "/admin/plans"), ("get", "/admin/plans/new"), ("get", "/admin/plans/SAVER12"),
    ("post", "/admin/plans/SAVER12/retire"), ("post", "/admin/plans/SAVER12/visibility"),
    ("post", "/admin/plans/SAVER12/documents"), ("get", "/admin/preview?zip=75201"),
])
def test_operations_staff_may_not_use_the_plan_pages(app, method, path):
    operations = signed_in(app, "operations")
    refused = getattr(operations, method)(path)
    assert refused.status_code == 403 and "Your staff role does not include this page." in refused.text
    assert not plan_of(app, "SAVER12").retired


@pytest.mark.parametrize("path", ["/admin/plans/SAVER12/retire", "/admin/plans/SAVER12/visibility"])
def test_a_post_without_the_csrf_token_changes_nothing(app, marketing, path):
    refused = marketing.client.post(path, data={"channel": "agent"})
    assert refused.status_code == 400 and "This page has expired" in refused.text
    assert not plan_of(app, "SAVER12").retired and audits(app, "visibility") == []
