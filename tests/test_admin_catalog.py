"""Catalog settings in the admin: referral sources, statements, affiliates, states, utilities, ZIP map."""
from __future__ import annotations

import io
from decimal import Decimal

import pytest
from sqlalchemy import select

from wizard.admin.models import AuditEntry
from wizard.catalog import offers as catalog
from wizard.catalog.models import Acknowledgement, Affiliate, ReferralSource, ServiceArea, State, Utility

from .admin_helpers import signed_in


@pytest.fixture
def admin(app):
    return signed_in(app, "marketing")


def audit(session, entity_type):
    session.expire_all()
    return session.scalars(select(AuditEntry).where(AuditEntry.entity_type == entity_type)
                           .order_by(AuditEntry.id)).all()


def test_the_index_links_every_settings_page(admin):
    page = admin.get("/admin/catalog")
    for path in ("/admin/catalog/referral-sources", "/admin/catalog/acknowledgements", "/admin/catalog/affiliates",
                 "/admin/catalog/states", "/admin/catalog/utilities", "/admin/catalog/zip-map"):
        assert f'href="{path}"' in page.text
        opened = admin.get(path)
        assert opened.status_code == 200 and "<h1" in opened.text


@pytest.mark.parametrize("path", ["/admin/catalog", "/admin/catalog/states", "/admin/catalog/zip-map"])
def test_operations_staff_may_not_open_catalog_settings(app, path):
    refused = signed_in(app, "operations").get(path)
    assert refused.status_code == 403 and "Your staff role does not include this page." in refused.text


# --- referral sources ----------------------------------------------------------------------

def codes(session):
    session.expire_all()
    return [s.code for s in catalog.referral_sources(session)]


def test_a_referral_source_is_added_at_the_end_and_offered(admin, session):
    response = admin.post("/admin/catalog/referral-sources", {"code": "Podcast", "label": "A podcast"})
    assert response.status_code == 303
    assert codes(session)[-1] == "podcast"
    assert "Referral source “A podcast” added" in admin.get("/admin/catalog/referral-sources").text
    (entry,) = audit(session, "referral_source")
    assert entry.action == "create" and entry.after["label"] == "A podcast"


@pytest.mark.parametrize("data, message", [
    ({"code": "", "label": "X"}, "Enter a code for the source, like podcast."),
    ({"code": "pod cast", "label": "X"}, "Use only letters, digits and _ in the code (at most 32 characters)."),
    ({"code": "FRIEND", "label": "X"}, "A referral source with code friend already exists. Choose another code."),
    ({"code": "podcast", "label": " "}, "Enter the label customers see, like “Search engine”."),
    ({"code": "podcast", "label": "x" * 81}, "The label must be 80 characters or fewer."),
])
def test_a_bad_referral_source_is_refused(admin, session, data, message):
    response = admin.post("/admin/catalog/referral-sources", data)
    assert response.status_code == 422 and message in response.text
    assert "podcast" not in codes(session) and audit(session, "referral_source") == []


def test_a_referral_source_is_renamed_moved_and_deactivated(admin, session):
    assert admin.post("/admin/catalog/referral-sources/friend", {"label": "A friend"}).status_code == 303
    session.expire_all()
    assert session.get(ReferralSource, "friend").label == "A friend"
    empty = admin.post("/admin/catalog/referral-sources/friend", {"label": ""})
    assert empty.status_code == 422 and 'class="error-message"' in empty.text
    assert session.get(ReferralSource, "friend").label == "A friend"

    before = codes(session)
    admin.post("/admin/catalog/referral-sources/friend/move", {"direction": "up"})
    assert codes(session)[:2] == ["friend", "search"]
    admin.post("/admin/catalog/referral-sources/friend/move", {"direction": "up"})  # already first: no change
    admin.post("/admin/catalog/referral-sources/friend/move", {"direction": "down"})
    assert codes(session) == before
    assert admin.post("/admin/catalog/referral-sources/friend/move", {"direction": "sideways"}).status_code == 400

    admin.post("/admin/catalog/referral-sources/social/active")
    assert "social" not in codes(session)
    assert "not offered" in admin.get("/admin/catalog/referral-sources").text
    admin.post("/admin/catalog/referral-sources/social/active")
    assert "social" in codes(session)
    assert [e.action for e in audit(session, "referral_source")] == [
        "update", "move", "move", "deactivate", "activate"]
    assert audit(session, "referral_source")[0].before == {"label": "Friend or family"}


def test_a_deactivated_source_is_no_longer_a_choice_in_the_wizard(admin, wizard):
    admin.post("/admin/catalog/referral-sources/social/active")
    wizard.walk(until="referral")
    page = wizard.get("/signup/referral").get_data(as_text=True)
    assert "Friend or family" in page and "Social media" not in page


@pytest.mark.parametrize("path", ["/admin/catalog/referral-sources/nosuch",
                                  "/admin/catalog/referral-sources/nosuch/active",
                                  "/admin/catalog/acknowledgements/nosuch", "/admin/catalog/affiliates/NOSUCH",
                                  "/admin/catalog/states/ZZ", "/admin/catalog/utilities/nosuch",
                                  "/admin/catalog/affiliates/A%00B", "/admin/catalog/utilities/%00",
                                  "/admin/catalog/acknowledgements/%00"])
def test_unknown_rows_are_not_found(admin, path):
    response = admin.post(path, {"label": "x"})
    assert response.status_code == 404 and "Page not found" in response.text


# --- acknowledgement statements ------------------------------------------------------------

NEW_TEXT = "I authorize {supplier} to switch my electricity, and I may cancel within {rescission_days} days."


def test_editing_a_statement_adds_a_version_and_keeps_the_old_one(admin, session, wizard):
    old = session.get(Acknowledgement, ("authorize_switch", 1)).text
    response = admin.post("/admin/catalog/acknowledgements/authorize_switch", {"text": NEW_TEXT})
    assert response.status_code == 303
    session.expire_all()
    assert session.get(Acknowledgement, ("authorize_switch", 1)).text == old
    assert session.get(Acknowledgement, ("authorize_switch", 2)).text == NEW_TEXT
    newest = {a.code: a.version for a in catalog.acknowledgements(session)}
    assert newest["authorize_switch"] == 2 and newest["rescission"] == 1

    page = admin.get("/admin/catalog/acknowledgements/authorize_switch").text
    assert old.replace("{supplier}", "{supplier}") in page and NEW_TEXT in page and "Save as version 3" in page
    (entry,) = audit(session, "acknowledgement")
    assert entry.before == {"version": 1, "text": old} and entry.after == {"version": 2, "text": NEW_TEXT}

    wizard.walk()
    review = wizard.get("/signup/review").get_data(as_text=True)
    assert "I authorize Lone Star Power to switch my electricity, and I may cancel within 3 days." in review
    assert "to become the retail electric provider" not in review


def test_saving_the_same_text_adds_no_version(admin, session):
    text = session.get(Acknowledgement, ("rescission", 1)).text
    admin.post("/admin/catalog/acknowledgements/rescission", {"text": text})
    session.expire_all()
    assert session.get(Acknowledgement, ("rescission", 2)) is None and audit(session, "acknowledgement") == []


@pytest.mark.parametrize("text, message", [
    ("", "Enter the statement the customer confirms."),
    ("I authorize {company}.", "The text uses an unknown placeholder {company}. Use only {supplier} or "
                               "{rescission_days}, or write braces twice, {{ or }}."),
    ("I authorize {}.", "The text uses an unknown placeholder {}."),
    ("I authorize {supplier.name}.", "The text uses an unknown placeholder {supplier.name}."),
    ("I authorize {supplier", "The text has an unbalanced { or }."),
    ("I authorize supplier}", "The text has an unbalanced { or }."),
    ("x" * 1001, "The statement must be 1,000 characters or fewer."),
])
def test_a_bad_statement_is_refused(admin, session, text, message):
    response = admin.post("/admin/catalog/acknowledgements/authorize_switch", {"text": text})
    assert response.status_code == 422 and message in response.text
    session.expire_all()
    assert session.get(Acknowledgement, ("authorize_switch", 2)) is None


# --- affiliates ----------------------------------------------------------------------------

def test_an_affiliate_is_added_renamed_and_its_link_closes_when_inactive(admin, session, client):
    assert admin.post("/admin/catalog/affiliates", {"code": "zap", "name": "Zap Deals"}).status_code == 303
    page = admin.get("/admin/catalog/affiliates").text
    assert "Zap Deals" in page and "http://localhost/signup/via/ZAP" in page
    assert client.get("/signup/via/ZAP").status_code == 303

    assert admin.post("/admin/catalog/affiliates/ZAP", {"name": "Zap Energy Deals"}).status_code == 303
    session.expire_all()
    assert session.get(Affiliate, "ZAP").name == "Zap Energy Deals"

    admin.post("/admin/catalog/affiliates/ZAP/active")
    assert client.get("/signup/via/ZAP").status_code == 404
    assert client.get("/signup/via/zap").status_code == 404
    admin.post("/admin/catalog/affiliates/ZAP/active")
    assert client.get("/signup/via/ZAP").status_code == 303
    assert [(e.action, e.after) for e in audit(session, "affiliate")] == [
        ("create", {"name": "Zap Deals", "active": True}), ("update", {"name": "Zap Energy Deals"}),
        ("deactivate", {"active": False}), ("activate", {"active": True})]


@pytest.mark.parametrize("data, message", [
    ({"code": "", "name": "X"}, "Enter a code for the affiliate, like ACME."),
    ({"code": "a/b", "name": "X"}, "Use only letters, digits, - and _ in the code (at most 32 characters)."),
    ({"code": "acme", "name": "X"}, "An affiliate with code ACME already exists. Choose another code."),
    ({"code": "ZAP", "name": ""}, "Enter the affiliate&#39;s name."),
])
def test_a_bad_affiliate_is_refused(admin, session, data, message):
    response = admin.post("/admin/catalog/affiliates", data)
    assert response.status_code == 422 and message in response.text
    assert session.get(Affiliate, "ZAP") is None


# --- states --------------------------------------------------------------------------------

TEXAS = {"usage_levels": "500, 1000, 2000", "rescission_business_days": "3", "max_days_ahead": "90"}


def test_a_state_is_edited_and_the_plans_page_uses_the_new_levels(admin, session, wizard):
    page = admin.get("/admin/catalog/states/TX").text
    assert 'value="500, 1000, 2000"' in page
    response = admin.post("/admin/catalog/states/TX", {**TEXAS, "usage_levels": "500,1000,1500",
                                                       "rescission_business_days": "5"})
    assert response.status_code == 303
    session.expire_all()
    texas = session.get(State, "TX")
    assert texas.usage_levels == [500, 1000, 1500] and texas.rescission_business_days == 5
    (entry,) = audit(session, "state")
    assert entry.before == {"usage_levels": [500, 1000, 2000], "rescission_business_days": 3}
    wizard.walk(until="plans")
    assert "1,500 kWh" in wizard.get("/signup/plans").get_data(as_text=True)


@pytest.mark.parametrize("changes, message", [
    ({"usage_levels": ""}, "Enter the usage levels, like 500, 1000, 2000."),
    ({"usage_levels": "500, ten"}, "Enter the usage levels as whole kWh above 0, separated by commas"),
    ({"usage_levels": "0, 500"}, "Enter the usage levels as whole kWh above 0, separated by commas"),
    ({"usage_levels": "500, 500"}, "List the usage levels from smallest to largest, each once"),
    ({"usage_levels": "2000, 1000"}, "List the usage levels from smallest to largest, each once"),
    ({"usage_levels": "1,2,3,4,5,6,7"}, "Enter between 1 and 6 usage levels."),
    ({"rescission_business_days": "-1"}, "Enter the rescission period as a whole number of days from 0 to 30."),
    ({"rescission_business_days": ""}, "Enter the rescission period as a whole number of days from 0 to 30."),
    ({"max_days_ahead": "1000"}, "Enter how far ahead a start date may be as a whole number of days from 1 to 365."),
])
def test_a_bad_state_edit_is_refused(admin, session, changes, message):
    response = admin.post("/admin/catalog/states/TX", {**TEXAS, **changes})
    assert response.status_code == 422 and message in response.text
    assert audit(session, "state") == []


# --- utilities -----------------------------------------------------------------------------

ONCOR = {"delivery_cents_per_kwh": "5.5833", "delivery_monthly": "4.23", "esi_prefixes": "1044372, 1017699",
         "esi_length": "17"}


def test_a_utility_is_edited(admin, session):
    page = admin.get("/admin/catalog/utilities/oncor").text
    assert 'value="5.5833"' in page and 'value="1044372, 1017699"' in page
    response = admin.post("/admin/catalog/utilities/oncor", {**ONCOR, "delivery_monthly": "$4.50",
                                                             "esi_prefixes": "1044372"})
    assert response.status_code == 303
    session.expire_all()
    oncor = session.get(Utility, "oncor")
    assert oncor.delivery_monthly == Decimal("4.5") and oncor.esi_prefixes == ["1044372"]
    (entry,) = audit(session, "utility")
    assert entry.before == {"delivery_monthly": "4.2300", "esi_prefixes": ["1044372", "1017699"]}
    assert entry.after == {"delivery_monthly": "4.50", "esi_prefixes": ["1044372"]}


@pytest.mark.parametrize("changes, message", [
    ({"delivery_cents_per_kwh": "five"}, "Enter the charge per kWh in cents, like 5.5833"),
    ({"delivery_cents_per_kwh": "-1"}, "Enter the charge per kWh in cents, like 5.5833"),
    ({"delivery_cents_per_kwh": "1.123456"}, "Enter the charge per kWh in cents, like 5.5833"),
    ({"delivery_monthly": "NaN"}, "Enter the monthly charge in dollars, like 4.23"),
    ({"esi_prefixes": "10443a2"}, "Enter the prefixes as digits separated by commas"),
    ({"esi_length": "0"}, "Enter the ESI ID length as a whole number from 1 to 22, or leave it empty."),
    ({"esi_length": "5"}, "Each prefix must be shorter than the ESI ID length (5)."),
])
def test_a_bad_utility_edit_is_refused(admin, session, changes, message):
    response = admin.post("/admin/catalog/utilities/oncor", {**ONCOR, **changes})
    assert response.status_code == 422 and message in response.text
    assert audit(session, "utility") == []


# --- ZIP map upload ------------------------------------------------------------------------

def upload(admin, content: bytes, name: str = "zips.csv"):
    return admin.post("/admin/catalog/zip-map", {"file": (io.BytesIO(content), name)},
                      content_type="multipart/form-data")


def pairs(session, *zips):
    session.expire_all()
    return set(tuple(r) for r in session.execute(select(ServiceArea.zip, ServiceArea.utility_code)
                                                 .where(ServiceArea.zip.in_(zips))))


def test_an_upload_imports_and_the_same_file_again_changes_nothing(admin, session):
    content = b"zip,utility\r\n75001,oncor\r\n75001,tnmp\r\n77550,centerpoint\r\n"
    response = upload(admin, content)
    assert response.status_code == 303
    assert ("Imported 2 ZIP code(s): 2 pair(s) added, 1 removed, 1 unchanged."
            in admin.get("/admin/catalog/zip-map").text)
    assert pairs(session, "75001", "77550") == {("75001", "oncor"), ("75001", "tnmp"), ("77550", "centerpoint")}
    (entry,) = audit(session, "service_area")
    assert entry.action == "import" and entry.after == {"zips": 2, "added": 2, "removed": 1, "unchanged": 1}

    assert upload(admin, "\ufeff".encode() + content).status_code == 303  # a byte order mark is fine
    assert ("Nothing changed: all 3 pair(s) for the 2 ZIP code(s) in the file were already in place."
            in admin.get("/admin/catalog/zip-map").text)
    assert len(audit(session, "service_area")) == 1


def test_an_upload_with_errors_lists_them_by_line_and_imports_nothing(admin, session):
    response = upload(admin, b"zip,utility\n75001,oncor\n7500,oncor\n75002,nosuch\n75001,oncor\n")
    assert response.status_code == 422
    for text in ("Nothing imported: 3 problems in the file.", "ZIP &#39;7500&#39; is not 5 digits",
                 "unknown utility &#39;nosuch&#39;", "repeats line 2 (75001,oncor)"):
        assert text in response.text
    for line in (3, 4, 5):
        assert f'<th scope="row" class="num">{line}</th>' in response.text
    assert pairs(session, "75001") == set() and audit(session, "service_area") == []


def test_many_errors_show_the_first_fifty_and_the_total(admin, session):
    content = b"zip,utility\n" + b"".join(b"7500%d,nosuch\n" % (n % 10) for n in range(80))
    response = upload(admin, content)
    assert response.status_code == 422
    assert "The first 50 of 80 problems, by line" in response.text
    assert response.text.count("unknown utility") == 50
    content = b"zip,utility\n" + b"".join(b"7500%d,nosuch\n" % (n % 10) for n in range(150))
    response = upload(admin, content)
    assert "Nothing imported: more than 100 problems in the file." in response.text
    assert "The first 50 of more than 100 problems, by line" in response.text


@pytest.mark.parametrize("content, message", [
    (b"", "Choose a CSV file that is not empty (first line zip,utility)."),
    (b"  \n", "Choose a CSV file that is not empty (first line zip,utility)."),
    ("zip,utility\n75001,öncor\n".encode("latin-1"), "The file is not UTF-8 text."),
    (b"75001,oncor\n", "the first line must be the header: zip,utility"),
])
def test_an_unreadable_upload_gets_a_clear_message(admin, session, content, message):
    response = upload(admin, content)
    assert response.status_code == 422 and message in response.text
    assert audit(session, "service_area") == []


def test_old_mac_line_endings_are_read_like_any_other(admin, session):
    assert upload(admin, b"zip,utility\r75001,tnmp\r").status_code == 303
    assert pairs(session, "75001") == {("75001", "tnmp")}


def test_a_file_the_csv_reader_cannot_read_is_refused_plainly(admin, session):
    response = upload(admin, b"zip,utility\n75001," + b"x" * 200_000 + b"\n")
    assert response.status_code == 422 and "The file is not readable as CSV" in response.text
    assert pairs(session, "75001") == set()


def test_an_upload_without_a_file_is_refused(admin):
    response = admin.post("/admin/catalog/zip-map", {}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Choose a CSV file that is not empty" in response.text
