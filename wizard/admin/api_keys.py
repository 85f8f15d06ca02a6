"""Admin: partners' API keys for the Enrollment API: create one (its secret shown once, on the
answer to the POST), see when each was last used, revoke one. Audited, never with the secret.

The new key is written into the page that answers the POST, not flashed or put in a link: a
flash travels in the admin's cookie and a link in the history, and the secret must live nowhere
but on the screen of the admin who made it (the page is `no-store`, as every admin page).
"""
from __future__ import annotations

from typing import Any, Optional

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from wizard.api import keys
from wizard.api.models import ApiKey
from wizard.catalog.models import Affiliate
from wizard.core.dates import local_time
from wizard.core.extensions import db
from wizard.core.forms import SafeForm

from .audit import snapshot
from .fields import get_or_404, one_or_404, strip
from .guard import bp, record, requires, staff

#: What the audit log keeps of a key: never the secret or its hash.
KEY_FIELDS = ("affiliate_code", "name", "prefix", "revoked_at")


class NewKeyForm(SafeForm):
    """A new key for a partner."""

    affiliate = SelectField("Partner", validate_choice=False,
                            description="The affiliate whose plan set and attribution the key's enrollments get.")
    name = StringField("What the key is for", filters=[strip],
                       description="So staff can tell a partner's keys apart, like “production server”.",
                       validators=[DataRequired("Say what the key is for, like production server."),
                                   Length(max=80, message="At most 80 characters.")])

    def prepare(self) -> "NewKeyForm":
        """Offer the open affiliates."""
        open_ = db.session.scalars(select(Affiliate).where(Affiliate.active).order_by(Affiliate.name))
        self.affiliate.choices = [("", "Choose a partner")] + [(a.code, f"{a.name} ({a.code})") for a in open_]
        return self

    def validate_affiliate(self, field: SelectField) -> None:
        """An open affiliate."""
        if not field.data:
            raise ValidationError("Choose the partner the key is for.")
        if field.data not in {code for code, _ in field.choices}:
            raise ValidationError("That partner is closed or unknown: choose one from the list.")


def _page(form: NewKeyForm, created: Optional[tuple[ApiKey, str]] = None) -> tuple[str, int]:
    rows = db.session.scalars(select(ApiKey).order_by(ApiKey.affiliate_code, ApiKey.created_at.desc())).all()
    status = 422 if form.errors else 200
    return render_template("admin/api_keys.html", title="Partner API keys", form=form, keys=rows,
                           created=created, local_time=local_time), status


@bp.route("/api-keys", methods=["GET", "POST"])
@requires("admin")
def api_keys() -> tuple[str, int]:
    """Every partner's keys, and a form to create one; the new key is shown on this answer only."""
    form = NewKeyForm(data={"affiliate": request.args.get("affiliate", "")[:32]}).prepare()
    if not form.validate_on_submit():
        return _page(form)
    member = staff()
    affiliate = get_or_404(Affiliate, form.affiliate.data)
    row, secret = keys.create(db.session, affiliate, form.name.data, member.email if member else "system")
    record("create", "api_key", str(row.id), None, snapshot(row, KEY_FIELDS))
    db.session.commit()
    return _page(NewKeyForm(formdata=None).prepare(), created=(row, secret))


@bp.post("/api-keys/<int:key_id>/revoke")
@requires("admin")
def api_key_revoke(key_id: int) -> Response:
    """Revoke a key: the partner's next request with it gets 401."""
    row = one_or_404(select(ApiKey).where(ApiKey.id == key_id), lock=True)
    before: dict[str, Any] = snapshot(row, KEY_FIELDS)
    if keys.revoke(db.session, row):
        record("revoke", "api_key", str(row.id), before, snapshot(row, KEY_FIELDS))
        db.session.commit()
        flash(f"Key {row.prefix}… of {row.affiliate_code} ({row.name}) revoked: requests with it now get 401.",
              "success")
    else:
        flash(f"Key {row.prefix}… of {row.affiliate_code} was already revoked.", "success")
    return redirect(url_for("admin.api_keys"), 303)
