"""File-drop billing system: one XML file per enrollment, written atomically into a folder."""
from __future__ import annotations

import os
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from .adapters import Outcome
from .prospect import Prospect
from .statuses import Status


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


class FileDrop:
    """Billing system reached by dropping files; its answers come back later by polling."""

    def __init__(self, drop_dir: str | os.PathLike[str]):
        """Write into `drop_dir` (created when missing)."""
        self.drop_dir = Path(drop_dir)

    def create_prospect(self, prospect: Prospect) -> Outcome:
        """Drop the prospect's XML; re-dropping the same enrollment replaces its file."""
        name = f"{prospect.enrollment_number}.xml"
        write_atomically(self.drop_dir, name, prospect_xml(prospect))
        return Outcome(Status.AWAITING_RESPONSE, reference=name)
