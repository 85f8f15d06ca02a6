"""Affiliates' branding and embedding: what marketing may set in the admin, and the brand.css and
logo the embedded wizard loads."""
from __future__ import annotations

import datetime as dt
import io
import json
import re
import struct
import zlib

import pytest
from flask import url_for
from sqlalchemy import select

from wizard.admin.affiliates import _stable_static_url

from wizard.admin.models import AuditEntry
from wizard.catalog.models import Affiliate, Promo
from wizard.embed import branding
from wizard.embed.origins import clean_origin, clean_origins

from .admin_helpers import signed_in

EDIT = "/admin/catalog/affiliates/ACME"


@pytest.fixture
def admin(app):
    return signed_in(app, "marketing")


def acme(session) -> Affiliate:
    session.expire_all()
    return session.get(Affiliate, "ACME")


def tiny_png() -> bytes:
    """A real 1x1 red PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def upload(admin, content: bytes, filename: str = "logo.png", **data):
    return admin.post(EDIT, {"logo_file": (io.BytesIO(content), filename), **data},
                      content_type="multipart/form-data")


def error_linked_to(page: str, field: str, message: str) -> bool:
    """The message is in the error summary, linking to the field, and next to it; the field names it."""
    tag = re.search(rf'<(?:input|textarea|select)[^>]*\bid="{field}"[^>]*>', page)
    return (f'<a href="#{field}">{message}</a>' in page
            and f'<p class="error-message" id="{field}-error"><span class="visually-hidden">Error:</span> '
                f'{message}</p>' in page
            and tag is not None and f'{field}-error' in tag.group(0) and 'aria-invalid="true"' in tag.group(0))


# --- contrast --------------------------------------------------------------------------------

def test_contrast_follows_wcag():
    assert branding.relative_luminance("#ffffff") == pytest.approx(1)
    assert branding.relative_luminance("#000000") == pytest.approx(0)
    assert branding.contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21)
    assert branding.contrast_ratio("#767676", branding.WHITE) == pytest.approx(4.54, abs=0.005)
    assert branding.contrast_ratio(branding.WHITE, "#777777") == pytest.approx(4.48, abs=0.005)
    assert branding.brand_colour_problem("#767676") is None
    assert branding.brand_colour_problem("#777777") == (
        "Brand colour #777777 has contrast 4.48:1 with white text; it needs at least 4.5:1. Choose a darker colour.")
    assert branding.accent_colour_problem("#ffd166") is None
    assert "has contrast 1.31:1 with the dark text (#1b1f24)" in branding.accent_colour_problem("#333333")


def test_our_own_colours_pass_our_rule():
    assert branding.brand_colour_problem(branding.OUR_BRAND) is None
    assert branding.brand_colour_problem(branding.OUR_BRAND_DARK) is None
    assert branding.accent_colour_problem(branding.OUR_ACCENT) is None
    assert branding.darker("#0b5394") < "#0b5394" and branding.darker("#ffffff") == "#b8b8b8"


@pytest.mark.parametrize("field, value, message", [
    ("brand_colour", "#ffcc00", "Brand colour #ffcc00 has contrast 1.51:1 with white text; it needs at least 4.5:1. "
                                "Choose a darker colour."),
    ("brand_colour", "#777777", "Brand colour #777777 has contrast 4.48:1 with white text; it needs at least 4.5:1. "
                                "Choose a darker colour."),
    ("accent_colour", "#333333", "Accent colour #333333 has contrast 1.31:1 with the dark text (#1b1f24) shown on it; "
                                 "it needs at least 4.5:1. Choose a lighter colour."),
    ("brand_colour", "purple", "Enter the brand colour as # and six hex digits, like #6b2c91."),
    ("accent_colour", "#fd6", "Enter the accent colour as # and six hex digits, like #ffd166."),
])
def test_an_unreadable_or_malformed_colour_is_refused_at_its_field(admin, session, field, value, message):
    response = admin.post(EDIT, {field: value})
    assert response.status_code == 422
    assert error_linked_to(response.text, field, message)
    assert f'value="{value}"' in response.text  # the staff member's value is kept to correct it
    assert (acme(session).brand_colour, acme(session).accent_colour) == ("#6b2c91", "#ffd166")


def test_readable_colours_are_saved_in_one_spelling(admin, session):
    assert admin.post(EDIT, {"brand_colour": "#767676", "accent_colour": "FFD166"}).status_code == 303
    assert (acme(session).brand_colour, acme(session).accent_colour) == ("#767676", "#ffd166")
    assert "Affiliate ACME (Acme Energy Deals) saved." in admin.get(EDIT).text


# --- brand.css -------------------------------------------------------------------------------

def test_brand_css_carries_the_colours_and_changes_at_once_after_an_edit(admin, client):
    first = client.get("/embed/ACME/brand.css")
    assert first.status_code == 200 and first.mimetype == "text/css"
    assert first.text.strip() == ":root{--brand:#6b2c91;--brand-dark:#4d2068;--accent:#ffd166}"
    assert first.headers["Cache-Control"] == "no-cache" and first.headers["ETag"]
    again = client.get("/embed/ACME/brand.css", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and not again.data

    admin.post(EDIT, {"brand_colour": "#0f6b3a", "accent_colour": ""})
    changed = client.get("/embed/acme/brand.css", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and changed.headers["ETag"] != first.headers["ETag"]
    assert "--brand:#0f6b3a;" in changed.text and "--accent:#f2b705" in changed.text  # empty: ours


def test_an_affiliate_without_colours_gets_ours(admin, client):
    admin.post("/admin/catalog/affiliates", {"code": "ZAP", "name": "Zap Deals"})
    css = client.get("/embed/ZAP/brand.css").text
    assert css.strip() == ":root{--brand:#0b5394;--brand-dark:#083b6a;--accent:#f2b705}"


def test_brand_css_and_logo_are_not_found_for_an_unknown_or_inactive_affiliate(admin, client):
    upload(admin, tiny_png())
    assert client.get("/embed/ACME/logo/1").status_code == 200
    admin.post(f"{EDIT}/active")
    for path in ("/embed/ACME/brand.css", "/embed/ACME/logo/1", "/embed/NOSUCH/brand.css", "/embed/NOSUCH/logo/1"):
        response = client.get(path)
        assert response.status_code == 404 and "Page not found" in response.text
        assert response.headers["Cache-Control"] == "no-store"  # a reopened affiliate shows at once


# --- logo ------------------------------------------------------------------------------------

def test_a_png_logo_is_kept_and_served_with_its_type_under_a_new_version(admin, session, client):
    assert client.get("/embed/ACME/logo/0").status_code == 404  # no logo yet
    assert upload(admin, tiny_png()).status_code == 303
    affiliate = acme(session)
    assert (affiliate.logo, affiliate.logo_type, affiliate.logo_version) == (tiny_png(), "image/png", 1)
    page = admin.get(EDIT).text
    assert '<img src="/embed/ACME/logo/1" alt="Current logo of Acme Energy Deals"' in page

    served = client.get("/embed/ACME/logo/1")
    assert served.status_code == 200 and served.data == tiny_png()
    assert served.headers["Content-Type"] == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Security-Policy"] == "default-src 'none'"
    assert "max-age=31536000" in served.headers["Cache-Control"] and "immutable" in served.headers["Cache-Control"]

    webp = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"
    assert upload(admin, webp, "logo.bin").status_code == 303  # the bytes say what it is, not the name
    assert client.get("/embed/ACME/logo/1").status_code == 404  # the old version's URL is gone
    assert client.get("/embed/ACME/logo/2").headers["Content-Type"] == "image/webp"


@pytest.mark.parametrize("content, filename, message", [
    (b"This is a text file, not a picture.\n", "logo.png",
     "The logo must be a PNG, JPEG or WebP image, and this file is not one (whatever its name says). "
     "Save the logo as PNG and upload that."),
    (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "logo.svg",
     "The logo must be a PNG, JPEG or WebP image, and this file is not one (whatever its name says). "
     "Save the logo as PNG and upload that."),
    (tiny_png() + b"\x00" * (201 * 1024 - len(tiny_png())), "big.png",
     "The logo is larger than 200 KB. Make the image smaller (a logo needs no more than about 400 pixels across) "
     "and upload it again."),
    (b"", "empty.png", "The logo file is empty. Choose a PNG, JPEG or WebP image."),
])
def test_a_file_that_is_not_a_small_image_is_refused(admin, session, content, filename, message):
    response = upload(admin, content, filename)
    assert response.status_code == 422 and error_linked_to(response.text, "logo_file", message)
    assert (acme(session).logo, acme(session).logo_version) == (None, 0)


def test_a_logo_past_the_sites_form_limit_gets_the_same_message_not_a_bare_error_page(app, admin, session):
    # Past MAX_CONTENT_LENGTH (256 KB), which answers 413 on other pages; under 500 KB, which the
    # test client would spool to a temporary file it never closes.
    size = 300 * 1024
    assert app.config["MAX_CONTENT_LENGTH"] < size
    response = upload(admin, tiny_png() + b"\x00" * size)
    assert response.status_code == 422
    assert error_linked_to(response.text, "logo_file", "The logo is larger than 200 KB. Make the image smaller "
                                                       "(a logo needs no more than about 400 pixels across) and "
                                                       "upload it again.")
    assert acme(session).logo is None


def test_a_logo_of_exactly_200_kb_is_accepted(admin, session):
    content = tiny_png() + b"\x00" * (200 * 1024 - len(tiny_png()))
    assert upload(admin, content).status_code == 303
    assert len(acme(session).logo) == 200 * 1024


def test_a_logo_is_removed(admin, session, client):
    upload(admin, tiny_png())
    page = admin.get(EDIT).text
    assert 'Current logo: image/png, ' in page and "Remove the logo" in page
    refused = upload(admin, tiny_png(), remove_logo="y")
    assert refused.status_code == 422
    assert error_linked_to(refused.text, "logo_file", "Upload a new logo or tick “Remove the logo”, not both.")

    assert admin.post(EDIT, {"remove_logo": "y"}).status_code == 303
    assert (acme(session).logo, acme(session).logo_type) == (None, None)
    assert client.get("/embed/ACME/logo/1").status_code == 404
    assert "No logo yet" in admin.get(EDIT).text


# --- embedding origins -----------------------------------------------------------------------

@pytest.mark.parametrize("typed, kept", [
    ("http://localhost:8002", "http://localhost:8002"),
    ("http://127.0.0.2:8002", "http://127.0.0.2:8002"),
    ("http://[::1]:5000", "http://[::1]:5000"),
    ("HTTPS://Example.com:443", "https://example.com"),
    ("https://www.example.com:8443/", "https://www.example.com:8443"),
    ("https://bücher.example", "https://xn--bcher-kva.example"),
])
def test_an_origin_is_kept_in_the_spelling_browsers_send(typed, kept):
    assert clean_origin(typed) == (kept, None)


@pytest.mark.parametrize("typed, message", [
    ("https://example.com/signup", "“https://example.com/signup” has a path (/signup): give only the origin, "
                                   "like https://example.com."),
    ("https://*.example.com", "“https://*.example.com” has a wildcard (*). List each site's origin on its own line"),
    ("*", "has a wildcard"),
    ("http://example.com", "“http://example.com” uses http://, which is only for a test page on this computer "
                           "(localhost or 127.0.0.1). Use https:// for a real site: https://example.com."),
    ("http://localhost.example.com", "uses http://"),
    ("https://example.com?ref=1", "has a query or fragment"),
    ("https://example.com#top", "has a query or fragment"),
    ("https://user:secret@example.com", "has a user name or password in it"),
    ("example.com", "is not an origin: write it with its scheme, like https://www.example.com."),
    ("javascript:alert(1)", "is not an origin"),
    ("ftp://example.com", "is not a web origin: it must start with https://."),
    ("https://example.com:99999", "has a port that is not a number from 1 to 65535."),
    ("https://exa mple.com", "is not a valid host name"),
    ("https://[nope]", "does not have a valid host name"),
])
def test_what_is_not_an_origin_is_refused_with_why(typed, message):
    origin, problem = clean_origin(typed)
    assert origin is None and message in problem


def test_origins_are_one_per_line_without_duplicates_and_at_most_twenty():
    assert clean_origins("https://a.example\n\n  HTTPS://A.example:443/ \r\nhttp://localhost:8002\n") == (
        ["https://a.example", "http://localhost:8002"], [])
    _, problems = clean_origins("https://a.example\nhttps://a.example/x")
    assert problems == ["Line 2: “https://a.example/x” has a path (/x): give only the origin, like "
                        "https://a.example. Every page of that site may then frame the wizard."]
    many = "\n".join(f"https://s{n}.example" for n in range(21))
    assert clean_origins(many)[1] == ["List at most 20 origins; there are 21. Keep the sites the affiliate really uses."]


def test_the_admin_stores_origins_normalised(admin, session):
    typed = "HTTPS://Example.com:443\nhttp://localhost:8002\n\nhttps://example.com/\n"
    assert admin.post(EDIT, {"embed_origins": typed}).status_code == 303
    assert acme(session).embed_origins == ["https://example.com", "http://localhost:8002"]
    assert "\nhttps://example.com\nhttp://localhost:8002</textarea>" in admin.get(EDIT).text


def test_the_admin_refuses_a_bad_origin_at_its_field(admin, session):
    response = admin.post(EDIT, {"embed_origins": "https://ok.example\nhttp://example.com\nhttps://*.example.com"})
    assert response.status_code == 422
    assert error_linked_to(response.text, "embed_origins",
                           "Line 2: “http://example.com” uses http://, which is only for a test page on this "
                           "computer (localhost or 127.0.0.1). Use https:// for a real site: https://example.com. "
                           "(1 more line(s) to correct after it.)")
    assert acme(session).embed_origins == ["http://127.0.0.2:8002", "http://localhost:8002"]


# --- the snippet -----------------------------------------------------------------------------

def test_the_edit_page_shows_the_snippet_with_the_embed_url(admin):
    page = admin.get(EDIT)
    assert page.status_code == 200 and "<h1>Affiliate ACME: branding and embedding</h1>" in page.text
    assert '<label class="label" for="embed-snippet">' in page.text
    snippet = page.text.split('id="embed-snippet"', 1)[1].split(">", 1)[1].split("</textarea>", 1)[0]
    assert snippet == (
        "&lt;iframe src=&#34;http://localhost/embed/ACME/&#34; id=&#34;energy-wizard-ACME&#34; "
        "title=&#34;Sign up for electricity with Acme Energy Deals&#34; "
        "style=&#34;width:100%;min-height:40rem;border:0&#34; loading=&#34;lazy&#34;&gt;&lt;/iframe&gt;\n"
        "&lt;script src=&#34;http://localhost/static/embed.js&#34; data-wizard-frame=&#34;energy-wizard-ACME&#34; "
        "async&gt;&lt;/script&gt;")
    assert "must be served from one of the allowed sites: http://127.0.0.2:8002, http://localhost:8002." in page.text
    assert "<code>?sub_id=...&amp;utm_source=...</code>" in page.text
    assert "will not work until" not in page.text


def test_the_snippet_names_static_files_without_their_content_hash(app):
    # A pasted snippet outlives releases: a hashed name would stop working when the file changes.
    with app.test_request_context():
        assert url_for("static", filename="app.css") != "/static/app.css"
        assert _stable_static_url("app.css") == "http://localhost/static/app.css"


def test_the_snippet_uses_the_name_customers_see_and_warns_without_origins(admin):
    admin.post("/admin/catalog/affiliates", {"code": "zap", "name": "Zap <Deals>"})
    listing = admin.get("/admin/catalog/affiliates").text
    assert "No site allowed yet: the snippet will not work" in listing
    assert 'href="/admin/catalog/affiliates/ZAP">Branding and embedding' in listing
    admin.post("/admin/catalog/affiliates/ZAP", {"display_name": "Zap & Co"})
    page = admin.get("/admin/catalog/affiliates/ZAP").text
    assert "The snippet will not work until you add an origin" in page
    assert "title=&#34;Sign up for electricity with Zap &amp;amp; Co&#34;" in page  # pasted as Zap &amp; Co
    assert "energy-wizard-ZAP" in page


# --- default promo ---------------------------------------------------------------------------

@pytest.fixture
def promo_of_another_affiliate(admin, session):
    admin.post("/admin/catalog/affiliates", {"code": "ZAP", "name": "Zap Deals"})
    session.add(Promo(code="ZAPONLY", description="Zap's own", valid_from=dt.date(2020, 1, 1),
                      valid_to=dt.date(2099, 12, 31), unlocks=[], max_uses=None, affiliate_code="ZAP"))
    session.commit()


def test_the_default_promo_is_one_this_affiliate_accepts(admin, session, promo_of_another_affiliate):
    page = admin.get(EDIT).text
    assert '<option selected value="">None</option>' in page and 'value="SAVE10"' in page
    assert "ZAPONLY" not in page
    assert 'value="ZAPONLY">ZAPONLY: Zap&#39;s own (only this affiliate)' in admin.get(
        "/admin/catalog/affiliates/ZAP").text

    by_hand = admin.post(EDIT, {"default_promo": "ZAPONLY"})
    assert by_hand.status_code == 422 and error_linked_to(
        by_hand.text, "default_promo",
        "Promo code ZAPONLY is only for another affiliate&#39;s wizard: choose one from the list, or None.")
    unknown = admin.post(EDIT, {"default_promo": "NOPE"})
    assert error_linked_to(unknown.text, "default_promo", "There is no promo code NOPE: choose one from the list, "
                                                          "or None.")
    assert acme(session).default_promo is None

    assert admin.post(EDIT, {"default_promo": "SAVE10"}).status_code == 303
    assert acme(session).default_promo == "SAVE10"
    assert '<option selected value="SAVE10">' in admin.get(EDIT).text


# --- the other fields ------------------------------------------------------------------------

def test_support_phone_welcome_text_and_display_name(admin, session):
    assert admin.post(EDIT, {"support_phone": "(214) 555-0100", "welcome_text": "Hello\r\nneighbours",
                             "display_name": "Acme"}).status_code == 303
    affiliate = acme(session)
    assert (affiliate.support_phone, affiliate.welcome_text, affiliate.display_name) == (
        "+12145550100", "Hello\nneighbours", "Acme")
    assert 'value="(214) 555-0100"' in admin.get(EDIT).text

    for data, field, message in [
        ({"support_phone": "555-0100"}, "support_phone",
         "Enter the support phone as a US number with its area code, like 1-800-555-0123."),
        ({"welcome_text": "x" * 301}, "welcome_text", "The welcome text must be 300 characters or fewer. Shorten it."),
        ({"display_name": "x" * 81}, "display_name", "The name shown to customers must be 80 characters or fewer."),
    ]:
        response = admin.post(EDIT, data)
        assert response.status_code == 422 and error_linked_to(response.text, field, message)
    assert admin.post(EDIT, {"welcome_text": "é" * 150 + "\r\n" * 150}).status_code == 303  # \r\n counts as one


def test_operations_staff_may_not_edit_an_affiliate(app):
    refused = signed_in(app, "operations").get(EDIT)
    assert refused.status_code == 403 and "Your staff role does not include this page." in refused.text


# --- audit -----------------------------------------------------------------------------------

def test_the_audit_log_records_the_change_without_the_logo(admin, session):
    upload(admin, tiny_png(), brand_colour="#0f6b3a")
    session.expire_all()
    entry = session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "affiliate")
                            .order_by(AuditEntry.id.desc())).first()
    assert entry.action == "update" and entry.entity_id == "ACME" and entry.actor == "marketing@example.com"
    assert entry.before == {"brand_colour": "#6b2c91", "logo_type": None, "logo_version": 0,
                            "support_phone": "1-800-555-0123"}
    assert entry.after == {"brand_colour": "#0f6b3a", "logo_type": "image/png", "logo_version": 1,
                           "support_phone": "+18005550123"}
    assert "PNG" not in json.dumps(entry.after) and "logo" not in entry.after
    assert "Nothing changed." in (admin.post(EDIT, {}), admin.get(EDIT))[1].text
