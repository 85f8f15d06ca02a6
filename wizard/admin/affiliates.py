"""Marketing: affiliates: add one, open or close its entry link, and its embedded wizard's branding
and the sites allowed to embed it (with the snippet they paste).

An affiliate's code is part of its entry link, its embed URL and every sale's attribution, so it
never changes. Its branding is data checked here (colours readable at WCAG AA, a real image for
a logo, origins a browser can match); the embedded wizard only reads it.
"""
from __future__ import annotations

import re
from typing import Any, Optional

from flask import current_app, redirect, url_for
from flask_wtf.file import FileField
from markupsafe import escape
from sqlalchemy import or_, select
from werkzeug.wrappers import Response
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from wizard.catalog.models import Affiliate, Promo
from wizard.core.dates import today
from wizard.core.extensions import db
from wizard.core.forms import SafeForm
from wizard.core.request_limits import accepts_upload
from wizard.core.validators import clean_phone
from wizard.embed import branding
from wizard.embed.origins import MAX_ORIGINS, clean_origins

from .audit import snapshot
from .catalog_settings import Page, save
from .fields import form_page, get_or_404, strip
from .guard import bp, requires

#: What the audit log keeps of a new affiliate, and of an edit (the logo as its type and version,
#: never its bytes).
AFFILIATE_FIELDS = ("name", "active")
BRANDING_FIELDS = ("name", "display_name", "brand_colour", "accent_colour", "logo_type", "logo_version",
                   "support_phone", "welcome_text", "embed_origins", "default_promo")
WELCOME_MAX = 300


def _one_line_ending(value: Any) -> Any:
    """Text with every line ending as \\n, so a textarea's \\r\\n counts as one character."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


class AffiliateNameForm(SafeForm):
    """The affiliate's name as staff see it."""

    name = StringField("Name", filters=[strip], validators=[
        DataRequired("Enter the affiliate's name."),
        Length(max=80, message="The name must be 80 characters or fewer.")])


class AffiliateForm(AffiliateNameForm):
    """A new affiliate: its code is part of its entry link and of every sale's attribution."""

    code = StringField("Code", filters=[strip], description="Letters, digits, - and _; stored upper-case.",
                       validators=[DataRequired("Enter a code for the affiliate, like ACME.")],
                       render_kw={"class": "input-medium", "spellcheck": "false"})

    def validate_code(self, field: StringField) -> None:
        """Upper-case letters, digits, - and _, unique."""
        field.data = (field.data or "").upper()
        if not re.fullmatch(r"[A-Z0-9_-]{1,32}", field.data):
            raise ValidationError("Use only letters, digits, - and _ in the code (at most 32 characters).")
        if db.session.get(Affiliate, field.data) is not None:
            raise ValidationError(f"An affiliate with code {field.data} already exists. Choose another code.")


class AffiliateBrandingForm(AffiliateNameForm):
    """An affiliate's name, its embedded wizard's look and the sites allowed to embed it."""

    display_name = StringField(
        "Name shown to customers", filters=[strip],
        description="In the embedded wizard's header and the frame's title. Empty: the name above.",
        validators=[Length(max=80, message="The name shown to customers must be 80 characters or fewer.")])
    brand_colour = StringField(
        "Brand colour", filters=[strip],
        description=f"Header, buttons and links, as # and six hex digits, like #6b2c91. White text goes on it and "
                    f"links in it go on white, so it needs {branding.MIN_CONTRAST}:1 contrast with white. "
                    f"Empty: ours ({branding.OUR_BRAND}).",
        render_kw={"class": "input-medium", "spellcheck": "false", "autocomplete": "off"})
    accent_colour = StringField(
        "Accent colour", filters=[strip],
        description=f"Tags and highlights, as # and six hex digits, like #ffd166. Dark text ({branding.INK}) goes "
                    f"on it, so it needs {branding.MIN_CONTRAST}:1 contrast with that. "
                    f"Empty: ours ({branding.OUR_ACCENT}).",
        render_kw={"class": "input-medium", "spellcheck": "false", "autocomplete": "off"})
    logo_file = FileField(
        "Upload a logo", description=f"A PNG, JPEG or WebP image of at most {branding.LOGO_MAX_BYTES // 1024} KB. "
                            "Uploading one replaces the current logo; leave it empty to keep it.",
        render_kw={"accept": "image/png,image/jpeg,image/webp"})
    remove_logo = BooleanField("Remove the logo (the embedded wizard then shows the name instead)")
    support_phone = StringField(
        "Support phone", filters=[strip],
        description="A US number the affiliate's customers may call, like 1-800-555-0123. Empty: none shown.",
        render_kw={"type": "tel", "class": "input-medium", "autocomplete": "off"})
    welcome_text = TextAreaField(
        "Welcome text", filters=[_one_line_ending, strip],
        description=f"Shown at the start of the embedded wizard; at most {WELCOME_MAX} characters. Empty: none.",
        validators=[Length(max=WELCOME_MAX, message=f"The welcome text must be {WELCOME_MAX} characters or "
                                                   "fewer. Shorten it.")],
        render_kw={"rows": 3})
    embed_origins = TextAreaField(
        "Sites allowed to embed the wizard",
        description=f"One origin per line: https://, the host and a port only if it is not the usual one, like "
                    f"https://www.example.com. No paths and no wildcards. http:// only for a test page on "
                    f"localhost or 127.0.0.1. At most {MAX_ORIGINS}.",
        render_kw={"rows": 4, "spellcheck": "false", "autocomplete": "off"})
    default_promo = SelectField("Default promo code", validate_choice=False,
                                description="Filled in for the affiliate's customers; they may clear it.")

    #: The checked logo (its bytes and content type) and origins, once validated.
    logo: Optional[tuple[bytes, str]] = None
    origins: Optional[list[str]] = None

    def prepare(self, affiliate: Affiliate) -> "AffiliateBrandingForm":
        """Offer the promo codes this affiliate's wizard accepts: those for any wizard, and its own."""
        promos = db.session.scalars(select(Promo).where(
            or_(Promo.affiliate_code.is_(None), Promo.affiliate_code == affiliate.code)).order_by(Promo.code))
        on = today()
        self.default_promo.choices = [("", "None")] + [
            (p.code, f"{p.code}: {p.description}" + (" (expired)" if p.valid_to < on else "")
             + ("" if p.affiliate_code is None else " (only this affiliate)")) for p in promos]
        return self

    def validate_brand_colour(self, field: StringField) -> None:
        """Empty, or #rrggbb readable under white text and as links on white."""
        if field.data:
            field.data = _colour(field.data, "brand colour", "#6b2c91")
            problem = branding.brand_colour_problem(field.data)
            if problem:
                raise ValidationError(problem)

    def validate_accent_colour(self, field: StringField) -> None:
        """Empty, or #rrggbb readable under our dark text."""
        if field.data:
            field.data = _colour(field.data, "accent colour", "#ffd166")
            problem = branding.accent_colour_problem(field.data)
            if problem:
                raise ValidationError(problem)

    def validate_logo_file(self, field: FileField) -> None:
        """No file, or a PNG, JPEG or WebP image within the limit (known by its bytes, not its name)."""
        upload = field.data if getattr(field.data, "filename", "") else None
        if upload is None:
            return
        if self.remove_logo.data:
            raise ValidationError("Upload a new logo or tick “Remove the logo”, not both.")
        content = upload.stream.read(branding.LOGO_MAX_BYTES + 1)
        problem = branding.logo_problem(content)
        if problem:
            raise ValidationError(problem)
        self.logo = (content, branding.logo_type(content) or "")

    def validate_support_phone(self, field: StringField) -> None:
        """Empty, or a US phone number (stored as +1 and ten digits)."""
        if field.data:
            e164 = clean_phone(field.data)
            if e164 is None:
                raise ValidationError("Enter the support phone as a US number with its area code, "
                                      "like 1-800-555-0123.")
            field.data = e164

    def validate_embed_origins(self, field: TextAreaField) -> None:
        """Origins one per line, each https (http only on this computer), at most MAX_ORIGINS."""
        self.origins, problems = clean_origins(field.data or "")
        if problems:
            more = f" ({len(problems) - 1} more line(s) to correct after it.)" if len(problems) > 1 else ""
            raise ValidationError(problems[0] + more)

    def validate_default_promo(self, field: SelectField) -> None:
        """None, or a promo this affiliate's wizard accepts."""
        if field.data and field.data not in {code for code, _ in field.choices}:
            promo = db.session.get(Promo, field.data)
            raise ValidationError(
                f"Promo code {field.data} is only for another affiliate's wizard: choose one from the list, or None."
                if promo is not None else f"There is no promo code {field.data}: choose one from the list, or None.")

    def apply(self, affiliate: Affiliate) -> None:
        """Copy the valid form onto the affiliate; a new logo gets a new version (and URL)."""
        affiliate.name = self.name.data
        affiliate.display_name = self.display_name.data or None
        affiliate.brand_colour = self.brand_colour.data or None
        affiliate.accent_colour = self.accent_colour.data or None
        if self.logo is not None:
            affiliate.logo, affiliate.logo_type = self.logo
            affiliate.logo_version = (affiliate.logo_version or 0) + 1
        elif self.remove_logo.data:
            affiliate.logo = affiliate.logo_type = None
        affiliate.support_phone = self.support_phone.data or None
        affiliate.welcome_text = self.welcome_text.data or None
        affiliate.embed_origins = list(self.origins or [])
        affiliate.default_promo = self.default_promo.data or None


def _colour(text: str, what: str, example: str) -> str:
    """`text` as lower-case #rrggbb, or a ValidationError that says how to write it."""
    colour = branding.clean_colour(text)
    if colour is None:
        raise ValidationError(f"Enter the {what} as # and six hex digits, like {example}.")
    return colour


def _initial(affiliate: Affiliate) -> dict[str, Any]:
    """The edit form's values as staff read them: origins one per line, the phone formatted."""
    return {"name": affiliate.name, "display_name": affiliate.display_name or "",
            "brand_colour": affiliate.brand_colour or "", "accent_colour": affiliate.accent_colour or "",
            "support_phone": branding.display_phone(affiliate.support_phone) or "",
            "welcome_text": affiliate.welcome_text or "", "embed_origins": "\n".join(affiliate.embed_origins or []),
            "default_promo": affiliate.default_promo or ""}


def _stable_static_url(filename: str) -> str:
    """A static file's URL without the content hash: an affiliate's page keeps it across releases."""
    url = url_for("static", filename=filename, _external=True)
    hashed = current_app.extensions.get("asset_digests", {}).get(filename)
    return url[:-len(hashed)] + filename if hashed and url.endswith(hashed) else url


def embed_url(affiliate: Affiliate) -> str:
    """The address of the affiliate's embedded wizard, for its iframe."""
    return url_for("embed.landing", affiliate=affiliate.code, _external=True)


def embed_snippet(affiliate: Affiliate) -> str:
    """The HTML an affiliate pastes into its page: the iframe and the script that sizes it."""
    frame = f"energy-wizard-{affiliate.code}"
    name = affiliate.display_name or affiliate.name
    return (f'<iframe src="{escape(embed_url(affiliate))}" id="{escape(frame)}" '
            f'title="Sign up for electricity with {escape(name)}" '
            f'style="width:100%;min-height:40rem;border:0" loading="lazy"></iframe>\n'
            f'<script src="{escape(_stable_static_url("embed.js"))}" data-wizard-frame="{escape(frame)}" async>'
            f'</script>')


@bp.route("/catalog/affiliates", methods=["GET", "POST"])
@requires("marketing")
def affiliates() -> Page:
    """Every affiliate with its entry link, and a form to add one."""
    form = AffiliateForm()
    if form.validate_on_submit():
        affiliate = Affiliate(code=form.code.data, name=form.name.data, active=True)
        db.session.add(affiliate)
        save("create", "affiliate", affiliate.code, {}, snapshot(affiliate, AFFILIATE_FIELDS),
             f"Affiliate {affiliate.name} added; its entry link works now.")
        return redirect(url_for("admin.affiliates"), 303)
    rows = db.session.scalars(select(Affiliate).order_by(Affiliate.name))
    return form_page("admin/catalog/affiliates.html", form, title="Affiliates", affiliates=list(rows))


@bp.route("/catalog/affiliates/<code>", methods=["GET", "POST"])
@requires("marketing")
@accepts_upload  # a logo; anything past its 200 KB gets the form's message, not a bare 413
def affiliate_edit(code: str) -> Page:
    """An affiliate's name, branding and embedding origins (its code stays), with its embed snippet."""
    affiliate = get_or_404(Affiliate, code.upper())
    form = AffiliateBrandingForm(data=_initial(affiliate)).prepare(affiliate)
    if form.validate_on_submit():
        before = snapshot(affiliate, BRANDING_FIELDS)
        form.apply(affiliate)
        save("update", "affiliate", affiliate.code, before, snapshot(affiliate, BRANDING_FIELDS),
             f"Affiliate {affiliate.code} ({affiliate.name}) saved. Its embedded wizard shows the change at once.")
        return redirect(url_for("admin.affiliate_edit", code=affiliate.code), 303)
    return form_page("admin/catalog/affiliate_edit.html", form, title=f"Affiliate {affiliate.code}: branding and "
                     "embedding", affiliate=affiliate, snippet=embed_snippet(affiliate),
                     logo_url=branding.logo_url(affiliate) if affiliate.active else None)


@bp.post("/catalog/affiliates/<code>/active")
@requires("marketing")
def affiliate_toggle(code: str) -> Response:
    """Open or close an affiliate's entry link (its past sales stay attributed)."""
    affiliate = get_or_404(Affiliate, code.upper())
    affiliate.active = not affiliate.active
    save("activate" if affiliate.active else "deactivate", "affiliate", affiliate.code,
         {"active": not affiliate.active}, {"active": affiliate.active},
         f"{affiliate.name}'s entry link {'works again' if affiliate.active else 'now answers Not found'}.")
    return redirect(url_for("admin.affiliates"), 303)
