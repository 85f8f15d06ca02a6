"""People outside the service area who asked to hear when we serve their ZIP: joining the list,
the one email when their ZIP becomes served, and leaving the list."""
from __future__ import annotations

import hashlib
from typing import Optional

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from wtforms import EmailField
from wtforms.validators import InputRequired, ValidationError

from wizard.catalog.models import ServiceArea
from wizard.core import i18n
from wizard.core.extensions import db
from wizard.core.forms import SafeForm
from wizard.core.models import utcnow
from wizard.mail.links import link as external_url
from wizard.mail.outbox import queue

from .models import AreaWaitlist
from .waitlist_mails import WAITLIST_SERVED

#: Signs the wait list's leave links (never valid as any other signed value of the app).
LEAVE_SALT = "waitlist-leave"


class WaitlistForm(SafeForm):
    """An email address to tell when we serve the ZIP."""

    email = EmailField(_l("Email address"), validators=[InputRequired(_l("Enter your email address."))],
                       render_kw={"autocomplete": "email", "spellcheck": "false"})

    def validate_email(self, field: EmailField) -> None:
        try:
            field.data = validate_email(field.data.strip(), check_deliverability=False).normalized
        except EmailNotValidError:
            raise ValidationError(_("Enter an email address like name@example.com.")) from None


def join_waitlist(zip_code: str, email: str) -> None:
    """Remember (once) that `email` wants to hear about `zip_code`, in the language of this page
    (asking again in the other language changes it)."""
    row = db.session.scalar(select(AreaWaitlist).where(AreaWaitlist.zip == zip_code, AreaWaitlist.email == email))
    if row is None:
        db.session.add(AreaWaitlist(zip=zip_code, email=email, language=i18n.language()))
    else:
        row.language = i18n.language()
    db.session.commit()


def notify_served(session: Session) -> int:
    """Queue the one "we serve your ZIP now" email for everyone waiting on a ZIP that is served now,
    and mark them told, in the caller's transaction (the caller commits with what made the ZIPs
    served). Answers how many were queued. Raises NoPublicUrl (before changing anything) when
    links cannot be made outside a request."""
    waiting = session.scalars(select(AreaWaitlist).where(
        AreaWaitlist.notified_at.is_(None), AreaWaitlist.zip.in_(select(ServiceArea.zip)))
        .order_by(AreaWaitlist.id)).all()
    if not waiting:
        return 0
    start = external_url("signup.start")
    now = utcnow()
    for row in waiting:
        # The row's id and creation time: SQLite may give a new row the id of a deleted one.
        queue(session, WAITLIST_SERVED, row.email, {
            "zip": row.zip, "supplier": current_app.config["SUPPLIER_NAME"], "start_link": start,
            "unsubscribe_link": external_url("signup.waitlist_leave", token=leave_token(row)),
        }, key=f"waitlist:{row.id}:{row.created_at:%Y%m%d%H%M%S%f}", language=row.language)
        row.notified_at = now
    session.flush()
    return len(waiting)


def _address_ref(email: str) -> str:
    return hashlib.sha256(email.lower().encode()).hexdigest()[:16]


def leave_token(row: AreaWaitlist) -> str:
    """The signed value of a leave link: the row and a hash of its address (not the address)."""
    return URLSafeSerializer(current_app.secret_key, salt=LEAVE_SALT).dumps([row.id, _address_ref(row.email)])


def entry_for(token: str) -> Optional[AreaWaitlist]:
    """The wait-list entry a leave link names, if it is still there (None: bad link or gone)."""
    try:
        row_id, ref = URLSafeSerializer(current_app.secret_key, salt=LEAVE_SALT).loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    row = db.session.get(AreaWaitlist, row_id) if isinstance(row_id, int) else None
    return row if row is not None and _address_ref(row.email) == ref else None


def leave_waitlist(row: AreaWaitlist) -> int:
    """Delete every wait-list entry of the row's address (every ZIP it asked about); answer how many."""
    result = db.session.execute(delete(AreaWaitlist).where(AreaWaitlist.email == row.email))
    db.session.commit()
    return result.rowcount or 0
