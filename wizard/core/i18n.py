"""The customer side's language, English or Spanish, and the formats that follow it.

A customer's pages speak the language chosen with the switch in every page's header (kept in
the session, and on the draft by the signup), or else the browser's `Accept-Language`. Staff
pages (admin, agents) and the partner API stay in English. Texts are marked with Flask-Babel's
`_()` / `{% trans %}`; the Spanish catalog is `wizard/translations/es/LC_MESSAGES/messages.po`,
compiled into the instance folder when the app starts (`compile_catalogs`): a `.mo` is never
committed, and never stale. Dates, money and numbers are formatted by Babel for `en_US` or
`es_US` (Spanish as spoken in the United States: dollars, and the decimal point).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Iterator, Optional

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, has_request_context, request, session
from flask_babel import Babel, force_locale, format_currency, format_date, format_decimal, get_locale

from .sessions import in_admin, in_api

#: The languages a customer can choose, each named in itself.
LANGUAGES = {"en": "English", "es": "Español"}
DEFAULT = "en"
#: The Babel locale each language formats with.
LOCALES = {"en": "en_US", "es": "es_US"}
#: Where the switch keeps the chosen language.
SESSION_KEY = "language"
#: The catalogs as edited (.po), shipped with the package.
SOURCE = Path(__file__).resolve().parent.parent / "translations"
DOMAIN = "messages"

babel = Babel()


def language() -> str:
    """The language of what is being rendered now: "en" or "es"."""
    locale = get_locale()
    return locale.language if locale is not None and locale.language in LANGUAGES else DEFAULT


def choose(code: str) -> None:
    """Remember `code` as this browser's language (the caller checked it is one of LANGUAGES)."""
    session[SESSION_KEY] = code


def _select_locale() -> str:
    if not has_request_context() or in_admin() or in_api():
        return LOCALES[DEFAULT]
    chosen = session.get(SESSION_KEY)
    if chosen not in LANGUAGES:
        chosen = request.accept_languages.best_match(LANGUAGES) or DEFAULT
    return LOCALES[chosen]


@contextlib.contextmanager
def speaking(code: Optional[str]) -> Iterator[None]:
    """Render in `code` (a customer's stored language; unknown or missing: English), e.g. an email."""
    with force_locale(LOCALES.get(code or DEFAULT, LOCALES[DEFAULT])):
        yield


def compile_catalogs(target: Path, source: Path = SOURCE) -> None:
    """Compile every `<lang>/LC_MESSAGES/messages.po` under `source` into `target`, when the .mo
    there is missing or older. Written to a temporary file and renamed: processes starting
    together each see a whole catalog."""
    for po in source.glob(f"*/LC_MESSAGES/{DOMAIN}.po"):
        mo = target / po.relative_to(source).with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        mo.parent.mkdir(parents=True, exist_ok=True)
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=po.parts[-3])
        fd, tmp = tempfile.mkstemp(dir=mo.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as out:
            write_mo(out, catalog, use_fuzzy=False)
        os.replace(tmp, mo)


# -- formats -----------------------------------------------------------------------------------

def cents(value: Decimal) -> str:
    """11.9¢ for Decimal('11.9000'): at least one decimal, no trailing zeros beyond it."""
    return f"{format_decimal(Decimal(value), format='#,##0.0###')}¢"


def dollars(value: Decimal) -> str:
    """$150 or $9.95."""
    value = Decimal(value)
    if value == value.to_integral():
        return format_currency(value, "USD", format="¤#,##0", currency_digits=False)
    return format_currency(value, "USD")


def number(value: int | Decimal) -> str:
    """1,000 (grouped as the language groups)."""
    return format_decimal(value)


def long_date(day: dt.date) -> str:
    """December 6, 2026 / 6 de diciembre de 2026."""
    return format_date(day, "long")


def full_date(day: dt.date) -> str:
    """Sunday, December 6, 2026 / domingo, 6 de diciembre de 2026."""
    return format_date(day, "full")


def local(item: object, field: str) -> str:
    """A catalog text (a plan's name, a statement, a referral source...) in the page's language:
    its `<field>_es` column when the page speaks Spanish and marketing wrote one, else `<field>`."""
    if language() != DEFAULT:
        translated = getattr(item, f"{field}_{language()}", None)
        if translated:
            return translated
    return getattr(item, field)


def init_app(app: Flask) -> None:
    """Compile the catalogs into the instance folder, bind Flask-Babel, give templates the formats."""
    compiled = Path(app.instance_path) / "translations"
    compile_catalogs(compiled)
    babel.init_app(app, locale_selector=_select_locale, default_translation_directories=str(compiled),
                   default_domain=DOMAIN)
    app.jinja_env.policies["ext.i18n.trimmed"] = True  # {% trans %} blocks as one line, as babel.cfg extracts them
    for f in (cents, dollars, number, long_date, full_date, local):
        app.add_template_filter(f)

    @app.context_processor
    def languages() -> dict[str, object]:
        return {"languages": LANGUAGES, "current_language": language()}
