"""File-drop billing system: one XML file per enrollment written atomically into a folder; the
billing system's answers come back as status files in an inbox folder."""
from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
import xml.etree.ElementTree as ET  # nosec B405 # builds our own documents; parsing uses defusedxml
from pathlib import Path
from typing import Any, Sequence

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import parse as parse_xml

from .adapters import Outcome, Sent, StatusReport
from .prospect import Prospect
from .statuses import Status

log = logging.getLogger(__name__)

#: The <Campaign> element's children, in this order, for the utm_* tags present.
CAMPAIGN_TAGS = (("utm_source", "Source"), ("utm_medium", "Medium"), ("utm_campaign", "Name"),
                 ("utm_term", "Term"), ("utm_content", "Content"))

STATUS_WORDS = {"accepted": Status.ACCEPTED, "rejected": Status.REJECTED}


def prospect_xml(prospect: Prospect) -> bytes:
    """Serialise a prospect as the billing system's Create Prospect XML document."""
    root = ET.Element("CreateProspect", version="1")
    _add(root, "EnrollmentNumber", prospect.enrollment_number)
    _add(root, "IdempotencyKey", prospect.idempotency_key)
    _add(root, "Channel", prospect.channel)
    customer = ET.SubElement(root, "Customer", type=prospect.customer_type)
    for tag, value in (
        ("FirstName", prospect.first_name), ("LastName", prospect.last_name),
        ("Email", prospect.email), ("Phone", prospect.phone),
        ("Language", prospect.language), ("ContactMethod", prospect.contact_method),
        ("BusinessName", prospect.business_name), ("TaxId", prospect.tax_id),
        ("DateOfBirth", prospect.date_of_birth), ("IdentityValue", prospect.identity_value),
    ):
        _add(customer, tag, value)
    premise = ET.SubElement(root, "Premise", state=prospect.state)
    _add(premise, "Utility", prospect.utility_code)
    _add(premise, "EsiId", prospect.esi_id)
    _address(premise, "ServiceAddress", prospect.service_address)
    _address(root, "BillingAddress", prospect.billing_address)
    enrollment = ET.SubElement(root, "Enrollment", type=prospect.enrollment_type)
    _add(enrollment, "Plan", prospect.plan_code)
    _add(enrollment, "StartTiming", prospect.start_timing)
    _add(enrollment, "RequestedDate", prospect.requested_date and prospect.requested_date.isoformat())
    _add(enrollment, "PromoCode", prospect.promo_code)
    _add(enrollment, "ReferralSource", prospect.referral_source)
    _add(enrollment, "Affiliate", prospect.affiliate_code)
    _add(enrollment, "SubId", prospect.sub_id)
    campaign = [(tag, (prospect.utm or {}).get(key)) for key, tag in CAMPAIGN_TAGS]
    if any(value for _, value in campaign):
        element = ET.SubElement(enrollment, "Campaign")
        for tag, value in campaign:
            _add(element, tag, value)
    consent = ET.SubElement(root, "Consent", method=str(prospect.consent.get("method", "")))
    for key in ("at", "ip", "user_agent"):
        _add(consent, {"at": "At", "ip": "IpAddress", "user_agent": "UserAgent"}[key],
             prospect.consent.get(key))
    for statement in prospect.consent.get("statements", []):
        el = ET.SubElement(consent, "Statement", code=statement["code"],
                           version=str(statement["version"]))
        el.text = statement["text"]
    for doc in prospect.consent.get("documents", []):
        ET.SubElement(consent, "Document", kind=doc["kind"], version=str(doc["version"]))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _add(parent: ET.Element, tag: str, value: Any) -> None:
    if value is not None and value != "":
        ET.SubElement(parent, tag).text = str(value)


def _address(parent: ET.Element, tag: str, address: dict[str, Any]) -> None:
    el = ET.SubElement(parent, tag)
    for key, sub in (("line1", "Line1"), ("line2", "Line2"), ("city", "City"),
                     ("state", "State"), ("zip", "Zip")):
        _add(el, sub, address.get(key))


def write_atomically(folder: Path, name: str, data: bytes) -> Path:
    """Write `data` to folder/name so that readers see the whole file or none of it."""
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        target = folder / name
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


class BadStatusFile(ValueError):
    """A status file that cannot be read as the billing system's answer."""


def read_status_file(path: Path) -> StatusReport:
    """Parse one status file: <ProspectStatus> with EnrollmentNumber, Status, Reason, StartDate."""
    try:
        # The billing system's answers have no DTD: any (entity declarations, external entities,
        # an "XML bomb") is refused before it is expanded or fetched.
        root = parse_xml(path, forbid_dtd=True, forbid_entities=True, forbid_external=True).getroot()
    except DefusedXmlException as exc:
        raise BadStatusFile(f"refused: a DTD or entity declaration is not allowed ({exc})") from None
    except (ET.ParseError, OSError) as exc:
        raise BadStatusFile(f"not well-formed XML ({exc})") from None
    if root.tag != "ProspectStatus":
        raise BadStatusFile(f"root element is <{root.tag}>, not <ProspectStatus>")
    number = (root.findtext("EnrollmentNumber") or "").strip()
    status = STATUS_WORDS.get((root.findtext("Status") or "").strip().lower())
    if not number or status is None:
        raise BadStatusFile("EnrollmentNumber missing or Status not one of accepted, rejected")
    start = (root.findtext("StartDate") or "").strip()
    try:
        start_date = dt.date.fromisoformat(start) if start else None
    except ValueError:
        raise BadStatusFile(f"StartDate {start!r} is not a YYYY-MM-DD date") from None
    return StatusReport(number, status, (root.findtext("Reason") or "").strip() or None, start_date,
                        source=str(path))


class FileDrop:
    """Billing system reached by dropping files; its answers come back as files in an inbox."""

    def __init__(self, drop_dir: str | os.PathLike[str], status_dir: str | os.PathLike[str] | None = None):
        """Write prospects into `drop_dir`; read answers from `status_dir` (created when missing)."""
        self.drop_dir = Path(drop_dir)
        self.status_dir = Path(status_dir) if status_dir else self.drop_dir.parent / "billing-status"

    def create_prospect(self, prospect: Prospect) -> Outcome:
        """Drop the prospect's XML; re-dropping the same enrollment replaces its file."""
        name = f"{prospect.enrollment_number}.xml"
        write_atomically(self.drop_dir, name, prospect_xml(prospect))
        return Outcome(Status.AWAITING_RESPONSE, reference=name)

    def statuses(self, sent: Sequence[Sent]) -> list[StatusReport]:
        """Every readable status file in the inbox; unreadable ones are set aside at once."""
        reports = []
        if not self.status_dir.is_dir():
            return reports
        for path in sorted(self.status_dir.glob("*.xml")):
            try:
                reports.append(read_status_file(path))
            except BadStatusFile as exc:
                self._set_aside(path, str(exc))
        return reports

    def acknowledge(self, done: Sequence[StatusReport], bad: Sequence[tuple[StatusReport, str]]) -> None:
        """After the statuses are stored: file the processed answers, set aside the bad ones."""
        for report in done:
            if report.source:
                target = self.status_dir / "processed"
                target.mkdir(exist_ok=True)
                os.replace(report.source, target / Path(report.source).name)
        for report, reason in bad:
            if report.source:
                self._set_aside(Path(report.source), reason)

    def _set_aside(self, path: Path, reason: str) -> None:
        bad = self.status_dir / "bad"
        bad.mkdir(exist_ok=True)
        os.replace(path, bad / path.name)
        (bad / f"{path.name}.error.txt").write_text(reason + "\n", encoding="utf-8")
        log.warning("billing: status file %s set aside: %s", path.name, reason)
