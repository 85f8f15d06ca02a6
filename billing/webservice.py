"""Web-service billing system: a synchronous HTTP Create Prospect and a status lookup.

Protocol: POST {url}/prospects with the prospect as JSON, `Authorization: Bearer KEY` and
`Idempotency-Key` (the enrollment's submission key, the same on every attempt) answers 201 (or
200 for a replay) `{"prospect_id": ..., "status": "pending"}`; 4xx answers `{"error": "..."}`.
GET {url}/prospects/{id} answers `{"status": "pending"|"accepted"|"rejected", "reason": ...,
"start_date": "YYYY-MM-DD"}`.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from typing import Any, Optional, Sequence

import requests

from .adapters import BillingUnavailable, Outcome, Sent, StatusReport
from .prospect import Prospect
from .statuses import Status

log = logging.getLogger(__name__)

FINAL = {"accepted": Status.ACCEPTED, "rejected": Status.REJECTED}


def prospect_json(prospect: Prospect) -> dict[str, Any]:
    """The prospect as the JSON body of Create Prospect."""
    data = dataclasses.asdict(prospect)
    if prospect.requested_date:
        data["requested_date"] = prospect.requested_date.isoformat()
    return data


class WebService:
    """Billing system behind an HTTP API."""

    def __init__(self, url: str, api_key: Optional[str], connect_timeout: float = 3.0,
                 read_timeout: float = 10.0):
        """Talk to `url` with these timeouts (seconds)."""
        self.url = url.rstrip("/")
        self.timeout = (connect_timeout, read_timeout)
        self.http = requests.Session()
        if api_key:
            self.http.headers["Authorization"] = f"Bearer {api_key}"

    def create_prospect(self, prospect: Prospect) -> Outcome:
        """Create Prospect; business errors come back as With Errors, outages raise."""
        try:
            response = self.http.post(f"{self.url}/prospects", json=prospect_json(prospect),
                                      headers={"Idempotency-Key": prospect.idempotency_key},
                                      timeout=self.timeout)
        except requests.RequestException as exc:
            raise BillingUnavailable(f"{type(exc).__name__} reaching the billing system") from exc
        if response.status_code >= 500 or response.status_code in (408, 425, 429):
            raise BillingUnavailable(f"billing system answered HTTP {response.status_code}")
        body = _json(response)
        if 400 <= response.status_code < 500:
            message = body.get("error") if isinstance(body, dict) else None
            return Outcome(Status.WITH_ERRORS, message=str(message or f"HTTP {response.status_code}")[:500])
        if not isinstance(body, dict) or not body.get("prospect_id"):
            return Outcome(Status.WITH_ERRORS, message=f"The billing system's answer could not be read "
                                                       f"(HTTP {response.status_code}, no prospect id).")
        status = FINAL.get(str(body.get("status")), Status.PENDING)
        return Outcome(status, reference=str(body["prospect_id"]), message=body.get("reason"))

    def statuses(self, sent: Sequence[Sent]) -> list[StatusReport]:
        """Look up each sent enrollment; those still pending or unreadable are left for later."""
        reports = []
        for item in sent:
            if not item.reference:
                continue
            try:
                response = self.http.get(f"{self.url}/prospects/{item.reference}", timeout=self.timeout)
            except requests.RequestException as exc:
                log.warning("billing: status lookup failed (%s)", type(exc).__name__)
                break  # the system is unreachable: try all of them next time
            body = _json(response)
            if response.status_code != 200 or not isinstance(body, dict):
                log.warning("billing: status of %s unreadable (HTTP %s)", item.number, response.status_code)
                continue
            status = FINAL.get(str(body.get("status")))
            if status is not None:
                reports.append(StatusReport(item.number, status, body.get("reason"), _date(body.get("start_date"))))
        return reports


    def acknowledge(self, done: Sequence[StatusReport], bad: Sequence[tuple[StatusReport, str]]) -> None:
        """Nothing to file away: answers were read from the API."""
        for report, reason in bad:
            log.warning("billing: status for unknown enrollment %s ignored (%s)", report.number, reason)


def _json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _date(value: Any) -> Optional[dt.date]:
    try:
        return dt.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None
