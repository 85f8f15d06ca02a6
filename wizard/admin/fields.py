"""Form helpers shared by the admin pages: text filter, date and number rules, lookups, form pages.

Each rule gives the page's own message instead of WTForms' generic one, so staff read what to
type; the pages pass their wording in.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Optional, TypeVar

from flask import abort, render_template
from sqlalchemy import Select
from wtforms import Field
from wtforms.validators import StopValidation, ValidationError

from wizard.core.extensions import db
from wizard.core.forms import SafeForm

M = TypeVar("M")


# --- text ------------------------------------------------------------------------------------

def strip(value: Any) -> Any:
    """A field filter: text without surrounding white space (anything else unchanged)."""
    return value.strip() if isinstance(value, str) else value


def _raw_text(field: Field) -> str:
    """What was typed in the field (its first value), without surrounding white space."""
    return (field.raw_data or [""])[0].strip()


# --- dates -----------------------------------------------------------------------------------

class OptionalDate:
    """An optional date: empty ends the field's checks; anything else must be a real date.

    `message` replaces WTForms' own parse error for a value that is not a date.
    """

    def __init__(self, message: str):
        self.message = message

    def __call__(self, form: SafeForm, field: Field) -> None:
        if not _raw_text(field):
            field.errors[:] = []
            raise StopValidation()
        if field.data is None:
            field.errors[:] = []
            raise StopValidation(self.message)


class RequiredDate:
    """A date that must be given and real: `empty` when missing, `invalid` instead of WTForms' parse error."""

    def __init__(self, empty: str, invalid: str):
        self.empty, self.invalid = empty, invalid

    def __call__(self, form: SafeForm, field: Field) -> None:
        if field.data is None:
            field.errors[:] = []
            raise StopValidation(self.invalid if _raw_text(field) else self.empty)


def check_order(earlier: Field, later: Field, message: str) -> None:
    """Refuse `later` with `message` when both are dates and it comes before `earlier`.

    Call it from `validate_<later>`: it then runs only once `later` itself is valid.
    """
    if earlier.data and later.data and later.data < earlier.data:
        raise ValidationError(message)


# --- numbers ---------------------------------------------------------------------------------

def parse_number(text: Optional[str]) -> Optional[Decimal]:
    """A number as staff type it ("11.9", "$9.95", "1,000"), or None when it is not one."""
    cleaned = (text or "").strip().replace(",", "").lstrip("$").rstrip("¢%").strip()
    if not re.fullmatch(r"-?(\d+(\.\d*)?|\.\d+)", cleaned):
        return None
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        return None


class Number:
    """A number in range, with messages that say what to type; empty counts as missing."""

    def __init__(self, what: str, invalid: str, out_of_range: str, ok: Callable[[Decimal], bool],
                 integer: bool = False):
        self.what, self.invalid, self.out_of_range, self.ok, self.integer = what, invalid, out_of_range, ok, integer

    def __call__(self, form: SafeForm, field: Field) -> None:
        value = parse_number(field.data)
        if value is None or (self.integer and value != value.to_integral_value()):
            raise StopValidation(self.invalid)
        if not self.ok(value):
            raise StopValidation(self.out_of_range)
        if int(value.as_tuple().exponent) < -4:
            raise StopValidation(f"{self.what} can have at most 4 decimal places.")


def whole_number(field: Field, low: int, high: int, message: str) -> int:
    """A whole number from `low` to `high` typed as plain digits, or `message` as the error."""
    text = (field.data or "").strip()
    if not (text.isascii() and text.isdecimal()) or not low <= int(text) <= high:
        raise ValidationError(message)
    return int(text)


# --- uploads ---------------------------------------------------------------------------------

def require_file(field: Field, missing: str, empty: str) -> Any:
    """The uploaded file of a file field, refused with `missing` when none was chosen and with
    `empty` when it has no bytes (its stream is left at the start)."""
    upload = field.data
    if not upload or not getattr(upload, "filename", ""):
        raise ValidationError(missing)
    stream = upload.stream
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    if size == 0:
        raise ValidationError(empty)
    return upload


# --- rows and pages --------------------------------------------------------------------------

#: No list has this many pages; a larger number would overflow the database's OFFSET (a 500).
MAX_PAGE = 100_000
PAGE_MESSAGE = f"Enter a page number from 1 to {MAX_PAGE:,}."


def page_number(text: Optional[str]) -> Optional[int]:
    """The page a list's `page` parameter asks for: plain digits from 1 to MAX_PAGE, else None."""
    text = (text or "").strip()
    if not (text.isascii() and text.isdecimal()) or len(text) > len(str(MAX_PAGE)):
        return None
    return int(text) if 1 <= int(text) <= MAX_PAGE else None


def get_or_404(model: type[M], key: Any) -> M:
    """The row of `model` with primary key `key`, or 404.

    Keys come from the URL; one with control characters (NUL) was already answered 404 by the
    app's URL guard, so it never reaches the database.
    """
    row = db.session.get(model, key)
    if row is None:
        abort(404)
    return row


def one_or_404(query: Select[tuple[M]], lock: bool = False) -> M:
    """The row `query` finds (locked for the transaction when about to change it), or 404."""
    row = db.session.scalar(query.with_for_update() if lock else query)
    if row is None:
        abort(404)
    return row


def form_page(template: str, form: SafeForm, **context: Any) -> tuple[str, int]:
    """A page with a form: 422 when it was sent and refused, 200 when it is shown."""
    return render_template(template, form=form, **context), 422 if form.is_submitted() else 200
