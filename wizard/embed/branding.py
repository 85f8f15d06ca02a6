"""Affiliates' branding as data: colour rules (WCAG 2.x contrast), their colours as CSS custom
properties, and their logo.

An affiliate's look is never code: its embedded wizard loads `brand.css` (three custom
properties over app.css' own) and shows the logo it uploaded. Both answer 404 for an unknown or
inactive affiliate, as its entry link does.
"""
from __future__ import annotations

import hashlib
import math
import re
from typing import Optional

from flask import abort, request, url_for
from werkzeug.wrappers import Response

from wizard.catalog import offers as catalog
from wizard.catalog.models import Affiliate
from wizard.core.extensions import db
from wizard.core.validators import clean_phone, format_phone

from .blueprint import bp

#: Our body text ("ink") and the white that text on brand-coloured buttons and headers is in.
INK = "#1b1f24"
WHITE = "#ffffff"
#: WCAG 2.x level AA for normal-sized text.
MIN_CONTRAST = 4.5
#: Our own colours (app.css `:root`), for an affiliate that leaves its own empty.
OUR_BRAND = "#0b5394"
OUR_BRAND_DARK = "#083b6a"
OUR_ACCENT = "#f2b705"
#: How much darker `--brand-dark` (hovered buttons) is than `--brand`: ours is 72 % of it.
DARKER = 0.72

_HEX = re.compile(r"#?([0-9a-fA-F]{6})")
#: A logo is a picture for an <img>; SVG is left out on purpose (it may carry script).
LOGO_TYPES = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WebP"}
LOGO_MAX_BYTES = 200 * 1024
YEAR = 365 * 24 * 3600


# --- colours ---------------------------------------------------------------------------------

def clean_colour(value: Optional[str]) -> Optional[str]:
    """A colour typed as #rrggbb (any case, the # optional) as lower-case "#rrggbb", or None."""
    match = _HEX.fullmatch((value or "").strip())
    return f"#{match.group(1).lower()}" if match else None


def _channels(colour: str) -> tuple[int, int, int]:
    """The red, green and blue of "#rrggbb", 0 to 255."""
    value = clean_colour(colour)
    if value is None:
        raise ValueError(f"not a #rrggbb colour: {colour!r}")
    return int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16)


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of "#rrggbb": 0 for black, 1 for white."""
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in _channels(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2.x contrast ratio of two colours, from 1 (same) to 21 (black on white)."""
    light, dark = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def ratio_text(ratio: float) -> str:
    """A contrast ratio as people write it ("4.48:1"); one just under 4.5 never reads 4.5."""
    shown = round(ratio, 2)
    if ratio < MIN_CONTRAST <= shown:
        shown = math.floor(ratio * 100) / 100
    return f"{f'{shown:.2f}'.rstrip('0').rstrip('.')}:1"


def darker(colour: str, factor: float = DARKER) -> str:
    """A darker shade of "#rrggbb" (each channel times `factor`): hovered buttons, pressed links."""
    return "#" + "".join(f"{round(c * factor):02x}" for c in _channels(colour))


def brand_colour_problem(colour: str) -> Optional[str]:
    """Why `colour` cannot be a brand colour (under white text, links on white), or None."""
    ratio = contrast_ratio(colour, WHITE)
    if ratio >= MIN_CONTRAST:
        return None
    return (f"Brand colour {colour} has contrast {ratio_text(ratio)} with white text; it needs at least "
            f"{MIN_CONTRAST}:1. Choose a darker colour.")


def accent_colour_problem(colour: str) -> Optional[str]:
    """Why `colour` cannot be an accent colour (under our dark text), or None."""
    ratio = contrast_ratio(colour, INK)
    if ratio >= MIN_CONTRAST:
        return None
    return (f"Accent colour {colour} has contrast {ratio_text(ratio)} with the dark text ({INK}) shown on it; "
            f"it needs at least {MIN_CONTRAST}:1. Choose a lighter colour.")


def css_properties(affiliate: Affiliate) -> str:
    """The affiliate's colours as CSS custom properties (ours where it has none)."""
    brand = clean_colour(affiliate.brand_colour)
    accent = clean_colour(affiliate.accent_colour) or OUR_ACCENT
    dark = darker(brand) if brand else OUR_BRAND_DARK
    return f":root{{--brand:{brand or OUR_BRAND};--brand-dark:{dark};--accent:{accent}}}\n"


# --- logo ------------------------------------------------------------------------------------

def logo_type(content: bytes) -> Optional[str]:
    """The content type of a PNG, JPEG or WebP image, from its first bytes (never its name), or None."""
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if len(content) >= 12 and content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return None


def logo_problem(content: bytes) -> Optional[str]:
    """Why these bytes cannot be a logo, or None for a PNG, JPEG or WebP image within the limit."""
    if not content:
        return "The logo file is empty. Choose a PNG, JPEG or WebP image."
    if len(content) > LOGO_MAX_BYTES:
        return (f"The logo is larger than {LOGO_MAX_BYTES // 1024} KB. Make the image smaller "
                "(a logo needs no more than about 400 pixels across) and upload it again.")
    if logo_type(content) is None:
        return ("The logo must be a PNG, JPEG or WebP image, and this file is not one (whatever its name "
                "says). Save the logo as PNG and upload that.")
    return None


def logo_url(affiliate: Affiliate, external: bool = False) -> Optional[str]:
    """Where the affiliate's current logo is served, or None when it has none."""
    if affiliate.logo is None:
        return None
    return url_for("embed.logo", affiliate=affiliate.code, version=affiliate.logo_version, _external=external)


# --- support phone ---------------------------------------------------------------------------

def display_phone(value: Optional[str]) -> Optional[str]:
    """The support phone as customers read it ("(800) 555-0123"), or as stored if it is not a US number."""
    if not value:
        return None
    e164 = clean_phone(value)
    return format_phone(e164) if e164 else value


# --- views -----------------------------------------------------------------------------------

def _active_or_404(code: str) -> Affiliate:
    """The active affiliate with this code, or 404 (unknown and inactive look the same)."""
    affiliate = catalog.active_affiliate(db.session, code)
    if affiliate is None:
        abort(404)
    return affiliate


@bp.get("/brand.css")
def brand_css(affiliate: str) -> Response:
    """The affiliate's colours, revalidated on every use so an edit in the admin shows at once."""
    css = css_properties(_active_or_404(affiliate)).encode()
    response = Response(css, mimetype="text/css")
    response.set_etag(hashlib.sha256(css).hexdigest()[:32])
    response.cache_control.no_cache = True
    return response.make_conditional(request)


@bp.get("/logo/<int:version>")
def logo(affiliate: str, version: int) -> Response:
    """The affiliate's logo; its version is in the URL, so it is cached for a year."""
    found = _active_or_404(affiliate)
    if found.logo is None or found.logo_type not in LOGO_TYPES or version != found.logo_version:
        abort(404)
    response = Response(found.logo, mimetype=found.logo_type)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    response.cache_control.public = True
    response.cache_control.max_age = YEAR
    response.cache_control.immutable = True
    return response
