"""How personal data is shown to staff: masked names, emails, phone numbers and identity values.

Operators see enough to recognise a customer (first name and last initial, email's first letter
and domain, last 4 digits), never the whole value. Pure functions: no Flask, no database.
"""
from __future__ import annotations

from typing import Any, Optional

DOTS = "•••"


def mask_name(name: Optional[str]) -> str:
    """A name as its first letter: "A•••"."""
    return f"{name[0]}{DOTS}" if name else ""


def mask_email(email: Optional[str]) -> str:
    """An email as its first letter and domain: "a•••@example.com"."""
    if not email or "@" not in email:
        return mask_name(email)
    local, _, domain = email.rpartition("@")
    return f"{local[:1]}{DOTS}@{domain}"


def mask_phone(phone: Optional[str]) -> str:
    """A phone number as its last 4 digits: "(•••) •••-0100"."""
    return f"(•••) •••-{phone[-4:]}" if phone else ""


def mask_identity(last4: Optional[str]) -> str:
    """The identity value as only its last 4 digits are kept: "•••-••-1234"."""
    return f"•••-••-{last4}" if last4 else "Not on file"


def short_name(first: str, last: str) -> str:
    """First name and last initial: "Ana G."."""
    return f"{first} {last[:1]}." if last else first


MASKS = {"first_name": mask_name, "last_name": mask_name, "email": mask_email, "phone": mask_phone}


def masked(values: dict[str, Any]) -> dict[str, Any]:
    """Audit values with personal fields masked (address, ESI ID and dates stay plain)."""
    return {key: MASKS[key](value) if key in MASKS else value for key, value in values.items()}
