"""A `Wizard` that walks the steps through the Flask test client, filling the real forms."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask.testing import FlaskClient

PASSWORD = "correct horse battery staple"

#: A market day inside the SAVE10 promo's window (2025-01-01 to 2030-12-31 in the demo catalog):
#: tests that use the code pin the app's `TODAY` to it, so they do not expire with the calendar.
SAVE10_VALID_DAY = dt.date(2026, 6, 15)

#: A Texas switch in Dallas (Oncor), new residential customer: answers per step.
DALLAS_SWITCH: dict[str, dict[str, Any]] = {
    "zip": {"zip": "75201"},
    "promo": {"promo": ""},
    "customer-type": {"customer_type": "residential"},
    "referral": {"referral": "friend"},
    "plans": {"plan": "SAVER12"},
    "customer": {"customer_status": "new"},
    "about-you": {"first_name": "Ana", "last_name": "Garza", "email": "ana@example.com",
                  "phone": "(214) 555-0100", "language": "en", "contact_method": "email",
                  "date_of_birth": "1980-03-27", "identity_value": "234-56-7890"},
    "premise": {"service_line1": "1200 Main St", "service_line2": "Apt 4", "service_city": "Dallas",
                "billing_same": "yes", "esi_id": "10443720001234567", "enrollment_type": "switch",
                "start_timing": "first_available"},
    "credentials": {"username": "ana.garza", "password": PASSWORD},
}

ACKS = {"ack_documents_read": "y", "ack_authorize_switch": "y", "ack_rescission": "y",
        "ack_authorized_on_account": "y"}


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on the page."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or \
        re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


class Wizard:
    """Walks the wizard like a customer: GET the step, POST its form with the page's token."""

    def __init__(self, client: FlaskClient):
        self.client = client

    def get(self, path: str, **kw: Any):
        return self.client.get(path, **kw)

    def post(self, path: str, data: dict[str, Any], follow: bool = False, **kw: Any):
        page = self.client.get(path, follow_redirects=True)
        token = csrf_token(page.get_data(as_text=True))
        return self.client.post(path, data={**data, "csrf_token": token}, follow_redirects=follow, **kw)

    def answer(self, slug: str, data: dict[str, Any], **kw: Any):
        """POST a step's answers; assert the step accepted them (303 onwards)."""
        response = self.post(f"/signup/{slug}", data, **kw)
        assert response.status_code == 303, (slug, response.status_code,
                                             _errors(response.get_data(as_text=True)))
        return response

    def walk(self, answers: dict[str, dict[str, Any]] = DALLAS_SWITCH, until: str | None = None):
        """Answer each step in order, following the wizard's own redirects."""
        for slug, data in answers.items():
            if slug == until:
                return
            self.answer(slug, data)

    def submit(self, **extra: Any):
        return self.post("/signup/review", {**ACKS, **extra})


def _errors(html: str) -> list[str]:
    return re.findall(r'class="error-message"[^>]*>.*?</span>\s*(.*?)</p>', html, re.S)


def errors(response) -> list[str]:
    """The field error messages shown on a page."""
    return _errors(response.get_data(as_text=True))


def in_days(n: int) -> str:
    """An ISO date `n` days from the market's today."""
    from wizard.core.dates import today
    return (today() + dt.timedelta(days=n)).isoformat()
