"""The customer side in Spanish: no text without its translation, the switch, the formats.

Two checks fail on a missing translation: every text marked for translation (in the Python code
and the templates, as scripts/translations.sh extracts them) has a Spanish one in the catalog;
and no customer-facing template holds English text outside `_()` / `{% trans %}`, where it
would show in English on a Spanish page.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.checkers import python_format
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from jinja2 import Environment
from jinja2.ext import i18n as i18n_extension

from wizard.core import i18n

from .helpers import csrf_token

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "wizard" / "templates"
CATALOG = ROOT / "wizard" / "translations" / "es" / "LC_MESSAGES" / "messages.po"

#: Templates only staff read (admin, the agents' screen, the mail viewer of development, staff emails).
STAFF_TEMPLATES = ("admin/", "agents/", "dev/", "mail/staff_password_reset.")

#: Words that are the same in both languages (units, names of documents and numbers).
SAME_IN_SPANISH = {"kWh", "ESI", "ID", "EFL", "TOS", "YRAC", "PDF", "TX", "TDU", "PUCT", "OK"}


def customer_templates() -> list[str]:
    names = sorted(str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*") if p.suffix in (".html", ".txt"))
    return [n for n in names if not n.startswith(STAFF_TEMPLATES)]


def _catalog():
    with CATALOG.open("rb") as fh:
        return read_po(fh, locale="es")


def _extracted() -> dict[str, tuple[str, int]]:
    """Every marked text (msgid: where it is), extracted as scripts/translations.sh does."""
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None,
                "lazy_ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
    found: dict[str, tuple[str, int]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords):
        msgid = message[0] if isinstance(message, tuple) else message  # a plural text: one entry, its singular
        if msgid:
            found.setdefault(msgid, (filename, lineno))
    return found


def test_every_marked_text_has_its_spanish_translation():
    catalog = _catalog()
    missing, fuzzy, placeholders = [], [], []
    for msgid, (filename, lineno) in sorted(_extracted().items()):
        entry = catalog.get(msgid)
        where = f"{filename}:{lineno}: {msgid!r}"
        if entry is None or not (entry.string if isinstance(entry.string, str) else all(entry.string)):
            missing.append(where)
        elif entry.fuzzy:
            fuzzy.append(where)
        else:
            try:
                python_format(catalog, entry)
            except Exception as exc:  # babel's TranslationError: a placeholder lost or added
                placeholders.append(f"{where}: {exc}")
    assert not missing, ("texts without a Spanish translation (run scripts/translations.sh, then translate "
                         "them in wizard/translations/es/LC_MESSAGES/messages.po):\n" + "\n".join(missing))
    assert not fuzzy, "translations marked fuzzy (a guess, never shown):\n" + "\n".join(fuzzy)
    assert not placeholders, "translations whose placeholders differ:\n" + "\n".join(placeholders)


def test_the_catalog_holds_no_text_that_is_no_longer_used():
    used = _extracted()
    unused = [m.id for m in _catalog() if m.id and (m.id if isinstance(m.id, str) else m.id[0]) not in used]
    assert not unused, "run scripts/translations.sh to drop: " + ", ".join(map(repr, unused))


def untranslated_text(source: str) -> list[str]:
    """The English words of a template that sit outside `_()` and `{% trans %}`: in the text
    between tags, or in an attribute people read (aria-label, title, alt, placeholder)."""
    env = Environment(extensions=[i18n_extension])
    shown, in_tag = [], []
    in_trans = after_block = inside = False
    for _lineno, kind, value in env.lex(source):
        if kind == "block_begin":
            after_block = True
            continue
        if after_block and kind == "name":
            in_trans = {"trans": True, "endtrans": False}.get(value, in_trans)
        after_block = kind == "whitespace" and after_block
        if kind != "data":
            continue
        value = re.sub(r"<!--.*?-->", " ", value, flags=re.S)
        for i, char in enumerate(value):  # which characters are inside a tag, across template tokens
            if not inside and char == "<" and re.match(r"</?[A-Za-z!]", value[i:i + 3]):
                inside = True
            elif inside and char == ">":
                inside = False
                in_tag.append(" ")
                continue
            if not in_trans:
                (in_tag if inside else shown).append(char)
        shown.append(" ")
        in_tag.append(" ")
    found = []
    for attribute in re.findall(r'\b(?:aria-label|title|alt|placeholder)="([^"{]*)"', "".join(in_tag)):
        found += re.findall(r"[A-Za-z][A-Za-z']+", attribute)
    text = re.sub(r"&#?\w+;", " ", "".join(shown))
    found += re.findall(r"[A-Za-z][A-Za-z']+", text)
    return [w for w in found if w not in SAME_IN_SPANISH]


@pytest.mark.parametrize("name", customer_templates())
def test_customer_template_has_no_text_left_in_english(name: str):
    words = untranslated_text((TEMPLATES / name).read_text())
    assert not words, f"{name} shows these words untranslated (wrap them in _() or {{% trans %}}): {words}"


def test_the_scan_finds_english_outside_trans_and_nothing_inside():
    assert untranslated_text('<p class="hint">Choose a plan</p>') == ["Choose", "plan"]
    assert untranslated_text('<p>{% trans %}Choose a plan{% endtrans %} {{ _("Back") }} 12 kWh</p>') == []
    assert untranslated_text('<button aria-label="Close">×</button>') == ["Close"]


# -- the pages ---------------------------------------------------------------------------------

def _text(response) -> str:
    return response.get_data(as_text=True)


def test_a_browser_asking_for_spanish_gets_spanish_pages(client):
    page = _text(client.get("/signup/zip", headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"}))
    assert '<html lang="es">' in page
    assert "Iniciar sesión en Mi Cuenta" in page
    english = _text(client.get("/signup/zip", headers={"Accept-Language": "en-US"}))
    assert '<html lang="en">' in english and "Sign in to My Account" in english


def test_the_switch_is_on_the_page_each_language_named_in_itself(client):
    page = _text(client.get("/signup/zip"))
    assert '<li lang="es">' in page and ">Español</button>" in page
    assert '<li lang="en">' in page and '<span aria-current="true">English</span>' in page


def test_switching_on_a_step_keeps_what_was_typed_and_the_draft_remembers_the_language(client, wizard):
    wizard.answer("zip", {"zip": "75201"})
    page = client.get("/signup/promo")
    response = client.post("/signup/promo", data={"promo": "SAVE10", "switch_language": "es",
                                                  "csrf_token": csrf_token(_text(page))})
    assert response.status_code == 303 and response.headers["Location"].endswith("/signup/promo")
    again = _text(client.get("/signup/promo"))
    assert '<html lang="es">' in again
    assert 'value="SAVE10"' in again  # typed, not yet sent: kept
    from wizard.signup.models import Draft  # the draft's language goes on to its emails and billing
    from wizard.core.extensions import db
    with client.application.app_context():
        (draft,) = db.session.query(Draft).all()
        assert draft.answers["language"] == "es"


def test_the_switch_on_any_page_comes_back_to_it(client):
    page = client.get("/account/login")
    response = client.post("/signup/language", data={"switch_language": "es", "next": "/account/login",
                                                     "csrf_token": csrf_token(_text(page))})
    assert response.headers["Location"].endswith("/account/login")
    assert '<html lang="es">' in _text(client.get("/account/login"))
    off_site = client.post("/signup/language", data={"switch_language": "en", "next": "//evil.example/",
                                                     "csrf_token": csrf_token(_text(page))})
    assert off_site.headers["Location"].endswith("/signup/")


def test_another_site_cannot_switch_a_customers_language(client):
    client.get("/signup/zip")
    refused = client.post("/signup/language", data={"switch_language": "es", "next": "/signup/zip"})
    assert refused.status_code == 400  # no CSRF token: the expired-page answer, nothing changed
    assert '<html lang="en">' in _text(client.get("/signup/zip"))
    unknown = client.post("/signup/language", data={"switch_language": "fr", "next": "/signup/zip",
                                                    "csrf_token": csrf_token(_text(client.get("/signup/zip")))})
    assert unknown.status_code == 400 and '<html lang="en">' in _text(client.get("/signup/zip"))


def test_staff_pages_stay_in_english(client):
    page = _text(client.get("/admin/login", headers={"Accept-Language": "es"}))
    assert '<html lang="en"' in page or "lang=" not in page.split(">", 2)[1]


@pytest.mark.parametrize(("code", "money", "price", "day", "weekday"), [
    ("en", "$150", "11.9¢", "December 6, 2026", "Sunday, December 6, 2026"),
    ("es", "$150", "11.9¢", "6 de diciembre de 2026", "domingo, 6 de diciembre de 2026"),
])
def test_money_and_dates_are_written_as_the_language_writes_them(app, code, money, price, day, weekday):
    with app.test_request_context(), i18n.speaking(code):
        assert i18n.dollars(Decimal("150")) == money
        assert i18n.dollars(Decimal("9.95")) == "$9.95"
        assert i18n.cents(Decimal("11.9000")) == price
        assert i18n.number(1000) == "1,000"
        assert i18n.long_date(dt.date(2026, 12, 6)) == day
        assert i18n.full_date(dt.date(2026, 12, 6)) == weekday
