"""People outside the service area who asked to hear when we serve their ZIP."""
from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from wtforms import EmailField
from wtforms.validators import InputRequired, ValidationError

from wizard.core.extensions import db
from wizard.core.forms import SafeForm

from .models import AreaWaitlist


class WaitlistForm(SafeForm):
    """An email address to tell when we serve the ZIP."""

    email = EmailField("Email address", validators=[InputRequired("Enter your email address.")],
                       render_kw={"autocomplete": "email", "spellcheck": "false"})

    def validate_email(self, field: EmailField) -> None:
        try:
            field.data = validate_email(field.data.strip(), check_deliverability=False).normalized
        except EmailNotValidError:
            raise ValidationError("Enter an email address like name@example.com.") from None


def join_waitlist(zip_code: str, email: str) -> None:
    """Remember (once) that `email` wants to hear about `zip_code`."""
    exists = db.session.scalar(select(AreaWaitlist.id).where(AreaWaitlist.zip == zip_code,
                                                             AreaWaitlist.email == email))
    if exists is None:
        db.session.add(AreaWaitlist(zip=zip_code, email=email))
        db.session.commit()
