"""Protections an outside scan probed (issue 15): each test is the probe, answered as a user sees it.

docs/security.md maps each test here to the protection and the ASVS 5.0 requirement it proves.
"""
from __future__ import annotations

import io
import json
from html import unescape

from sqlalchemy import select

from wizard.signup import drafts
from wizard.signup.models import Draft

from .admin_helpers import signed_in
from .helpers import Wizard


def draft_size(session) -> int:
    """Characters of the (only) draft's stored answers."""
    session.expire_all()
    return len(json.dumps(session.scalar(select(Draft)).answers))


def back_from_promo(wizard: Wizard, promo: str):
    """Type `promo` on the promo step, then press the page's Back button."""
    return wizard.post("/signup/promo", {"promo": promo, "nav": "back"})


# --- item 4: unbounded storage ------------------------------------------------------------------

def test_a_15_mb_field_sent_with_back_is_refused_and_not_stored(wizard, session):
    wizard.answer("zip", {"zip": "75201"})
    before = draft_size(session)
    response = back_from_promo(wizard, "A" * 15_000_000)
    assert response.status_code == 413
    assert "That was too much to send" in unescape(response.get_data(as_text=True))
    assert draft_size(session) == before


def test_back_does_not_keep_a_value_longer_than_any_answer(wizard, session):
    wizard.answer("zip", {"zip": "75201"})
    response = back_from_promo(wizard, "A" * (drafts.MAX_UNSAVED_CHARS + 1))
    assert response.status_code == 303  # Back still goes back
    assert draft_size(session) < 1000
    assert 'value="AAAA' not in wizard.get("/signup/promo").get_data(as_text=True)


def test_back_keeps_a_long_but_legal_value(wizard, session):
    wizard.answer("zip", {"zip": "75201"})
    typed = "S" * drafts.MAX_UNSAVED_CHARS
    assert back_from_promo(wizard, typed).status_code == 303
    page = unescape(wizard.get("/signup/promo").get_data(as_text=True))
    assert f'value="{typed}"' in page  # shown again, exactly as typed


def test_unsaved_input_of_a_draft_stays_under_its_cap_oldest_page_dropped_first():
    page = {f"field{i}": "x" * drafts.MAX_UNSAVED_CHARS for i in range(10)}  # about 20 KB a page
    unsaved: dict = {}
    for slug in ("zip", "promo", "about-you", "premise", "credentials"):
        unsaved = drafts.keep_unsaved(unsaved, slug, page)
    assert len(json.dumps(unsaved)) <= drafts.MAX_UNSAVED_BYTES
    assert list(unsaved) == ["about-you", "premise", "credentials"]  # the newest pages are kept
    assert unsaved["credentials"] == page


def test_the_admin_uploads_keep_their_larger_limit(app):
    admin = signed_in(app, "marketing")
    lines = b"".join(b"%05d,tnmp\n" % n for n in range(10_000, 35_000))
    big = b"zip,utility\n" + lines  # 275 KB: more than any other form may send
    response = admin.post("/admin/catalog/zip-map", {"file": (io.BytesIO(big), "zips.csv")},
                          content_type="multipart/form-data", follow_redirects=True)
    assert response.status_code == 200, response.status_code
    assert "Imported 25000 ZIP code(s)" in unescape(response.text)


def test_an_oversized_admin_form_is_refused_with_the_admin_page(app):
    admin = signed_in(app, "marketing")
    response = admin.post("/admin/promos/new", {"code": "X" * 300_000})
    assert response.status_code == 413
    assert "Uploads can be at most 16 MB" in unescape(response.text)
