"""One sale of a file: its own columns checked (sale id, consent, partner), what the enrollment
service takes from it (fields, source, consent) and the submission key that makes it idempotent.

The wizard's rules are the service's (`service.check`); only what no wizard step asks is checked here.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Mapping, Optional

from wizard.catalog.models import AGENT, WEB, Affiliate, affiliate_channel
from wizard.enrollments import service

from .columns import FIELDS

#: Which plans a file's sales may be on, as staff choose it on upload.
PLANS = {"web": "Web plans (the website's)", "agent": "Non-web plans (agents' and sales partners')",
         "partner": "Each sale's partner's plans (the affiliate in its partner column)"}
CONSENT_METHODS = ("phone", "signed_contract")
_SALE_ID = re.compile(r"[\x21-\x7e]{1,50}")  # printable ASCII, no spaces: a vendor's reference
KEY_LENGTH = 64  # Enrollment.submission_key


@dataclass(frozen=True)
class Sale:
    """One row as the service takes it."""

    line: int
    sale_id: str
    partner: Optional[str]
    fields: dict[str, str]
    consent_method: str
    consent_reference: str

    @property
    def submission_key(self) -> str:
        """The same for the same sale in any file: importing it again makes nothing new."""
        key = f"import:{self.partner or 'file'}:{self.sale_id}"
        if len(key) <= KEY_LENGTH:
            return key
        return "import:" + hashlib.sha256(key.encode()).hexdigest()[:KEY_LENGTH - 7]

    def source(self, plans: str, import_id: int) -> service.Source:
        """Where the sale comes from: the import's line, the plans it may be on, its partner."""
        channels = {"web": (WEB,), "agent": (AGENT,)}.get(plans) or (affiliate_channel(self.partner or ""),)
        return service.Source(channel=service.IMPORT, made_by=f"import {import_id} line {self.line}",
                              plan_channels=channels, affiliate=self.partner)

    def consent(self) -> service.Consent:
        """The evidence the vendor holds: a recorded call or TPV, or a signed contract."""
        if self.consent_method == "phone":
            return service.Consent(method="phone", reference=self.consent_reference)
        return service.Consent(method="signed_contract", reference=self.consent_reference,
                               document=self.consent_reference)


def sale_of(line: int, row: Mapping[str, str], plans: str,
            affiliates: Mapping[str, Affiliate]) -> tuple[Sale, dict[str, list[str]]]:
    """The sale of a row and the problems of its own columns (column -> messages; none: it may be imported).

    `affiliates` maps upper-case codes to affiliates (the importer reads them once per file).
    """
    errors: dict[str, list[str]] = {}
    sale_id = row.get("sale_id", "")
    if not sale_id:
        errors["sale_id"] = ["Give the sale's reference (sale_id): the vendor's id of this sale."]
    elif not _SALE_ID.fullmatch(sale_id):
        errors["sale_id"] = ["The sale_id must be 1 to 50 letters, digits or signs, without spaces."]
    method = row.get("consent_method", "").lower().replace(" ", "_")
    if method not in CONSENT_METHODS:
        errors["consent_method"] = ["The consent_method must be phone (a recorded call or TPV) or signed_contract."]
    reference = row.get("consent_reference", "")
    if not reference:
        errors["consent_reference"] = ["Give the consent's evidence: the recorded call's or TPV's reference "
                                       "(phone), or the signed contract's (signed_contract)."]
    elif len(reference) > 100:
        errors["consent_reference"] = ["The consent_reference must be 100 characters or fewer."]
    partner = row.get("partner", "").upper() or None
    if partner:
        affiliate = affiliates.get(partner)
        if affiliate is None:
            errors["partner"] = [f"No partner (affiliate) has the code {partner[:32]}."]
        elif not affiliate.active:
            errors["partner"] = [f"The partner {partner} is closed: its sales cannot be imported."]
        else:
            partner = affiliate.code
    elif plans == "partner":
        errors["partner"] = ["This file's sales are on their partner's plans: give the partner's code."]
    fields = {name: row[name] for name in FIELDS if row.get(name)}
    return Sale(line=line, sale_id=sale_id, partner=None if "partner" in errors else partner, fields=fields,
                consent_method=method, consent_reference=reference), errors
